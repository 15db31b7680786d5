"""The audit store contract (SEC-03), run on memory, SQLite and PostgreSQL alike."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kc_domain.audit.model import GENESIS, AuditEntry, AuditRecord, Outcome, seal, verify
from kc_domain.audit.service import AuditQuery
from kc_domain.errors import Conflict
from kc_ports.persistence import UnitOfWorkFactory

pytestmark = pytest.mark.req("SEC-03")

T0 = datetime(2025, 3, 30, 0, 59, 59, 999_999, tzinfo=UTC)  # microseconds matter: they are hashed


def entry(at: datetime, actor: str = "admin", action: str = "queue.update", **kw: Any) -> AuditEntry:
    return AuditEntry(at=at, actor=actor, action=action, **kw)


def append(uow_factory: UnitOfWorkFactory, *entries: AuditEntry) -> list[AuditRecord]:
    """Seal and store the entries in one committed unit, as AuditTrail.record does."""
    with uow_factory() as uow:
        sealed = []
        for e in entries:
            sealed.append(seal(e, uow.audit.last(), uow.audit.anchor()))
            uow.audit.append(sealed[-1])
        uow.commit()
    return sealed


def history() -> list[AuditEntry]:
    """A realistic day: sign-ins, changes with Czech parameters, a rejected and a denied action."""
    return [
        entry(T0, "Jana.Dvořáková", "auth.sign_in", object_type="user", object_id="3", source="10.0.0.7"),
        entry(
            T0 + timedelta(microseconds=1),
            "jana.dvořáková",
            "queue.update",
            object_type="queue",
            object_id="12",
            params={
                "before": {"name": "Platby"},
                "after": {"name": "Platby a dlužné pojistné"},
                "hours": {"mon": ["08:00-12:00", "12:30-17:00"]},
                "ratio": 0.85,
            },
        ),
        entry(
            T0 + timedelta(minutes=5),
            "petr.novák",
            "queue.create",
            object_type="queue",
            object_id="",
            params={"errors": [{"field": "name", "code": "duplicate", "value": "Škody"}]},
            outcome=Outcome.REJECTED,
        ),
        entry(T0 + timedelta(hours=1), "system", "audit.purge", params={"removed": 0}, source="kc"),
        entry(
            T0 + timedelta(hours=2),
            "agent_50%",
            "user.delete",
            object_type="user",
            object_id="7",
            outcome=Outcome.DENIED,
        ),
    ]


def test_given_an_empty_log_then_there_is_no_last_record_and_the_anchor_is_genesis(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:
        assert uow.audit.last() is None
        assert uow.audit.anchor() == (0, GENESIS)
        assert list(uow.audit.ordered()) == []


def test_appended_records_read_back_exactly_so_the_hash_chain_verifies(
    uow_factory: UnitOfWorkFactory,
) -> None:
    sealed = append(uow_factory, *history())

    with uow_factory() as uow:
        stored = list(uow.audit.ordered())
        last, anchor = uow.audit.last(), uow.audit.anchor()

    assert stored == sealed  # every field, datetimes as aware UTC with their microseconds
    assert stored[0].at.tzinfo is not None and stored[0].at.utcoffset() == timedelta(0)
    assert [type(r.outcome) for r in stored] == [Outcome] * len(stored)
    assert last == sealed[-1]
    assert verify(stored, anchor) == []


def test_appends_of_separate_units_continue_one_chain(uow_factory: UnitOfWorkFactory) -> None:
    for e in history():
        append(uow_factory, e)

    with uow_factory() as uow:
        stored = list(uow.audit.ordered())

    assert [r.seq for r in stored] == [1, 2, 3, 4, 5]
    assert verify(stored) == []


def test_given_a_seq_already_taken_then_append_is_a_conflict_and_the_unit_goes_on(
    uow_factory: UnitOfWorkFactory,
) -> None:
    first, second = append(uow_factory, *history()[:2])
    late = seal(entry(T0 + timedelta(days=1)), first)  # sealed after a record that is no longer last

    with uow_factory() as uow:
        with pytest.raises(Conflict):
            uow.audit.append(late)
        fresh = seal(entry(T0 + timedelta(days=1)), uow.audit.last(), uow.audit.anchor())
        uow.audit.append(fresh)
        uow.commit()

    with uow_factory() as uow:
        assert list(uow.audit.ordered()) == [first, second, fresh]


def test_records_appended_without_commit_are_forgotten(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        uow.audit.append(seal(history()[0], None))

    with uow_factory() as uow:
        assert uow.audit.last() is None


@pytest.mark.parametrize(
    ("query", "expected_seqs"),
    [
        pytest.param(AuditQuery(), [5, 4, 3, 2, 1], id="everything-newest-first"),
        pytest.param(AuditQuery(since=T0 + timedelta(microseconds=1)), [5, 4, 3, 2], id="since-inclusive"),
        pytest.param(AuditQuery(until=T0 + timedelta(minutes=5)), [2, 1], id="until-exclusive"),
        pytest.param(
            AuditQuery(since=T0 + timedelta(minutes=1), until=T0 + timedelta(hours=2)), [4, 3], id="window"
        ),
        pytest.param(AuditQuery(actor="DVOŘÁK"), [2, 1], id="actor-substring-any-case-with-diacritics"),
        pytest.param(AuditQuery(actor="%"), [5], id="actor-wildcards-are-literal"),
        pytest.param(AuditQuery(actor="_"), [5], id="actor-underscore-is-literal"),
        pytest.param(AuditQuery(action="queue."), [3, 2], id="action-prefix"),
        pytest.param(AuditQuery(action="Queue."), [], id="action-prefix-is-case-sensitive"),
        pytest.param(AuditQuery(action="update"), [], id="action-is-a-prefix-not-a-substring"),
        pytest.param(AuditQuery(object_type="user"), [5, 1], id="object-type"),
        pytest.param(AuditQuery(outcome="rejected"), [3], id="outcome"),
        pytest.param(AuditQuery(outcome="nonsense"), [], id="unknown-outcome-matches-nothing"),
        pytest.param(AuditQuery(actor="novák", action="queue.", outcome="rejected"), [3], id="combined"),
    ],
)
def test_query_filters_and_returns_newest_first(
    uow_factory: UnitOfWorkFactory, query: AuditQuery, expected_seqs: list[int]
) -> None:
    append(uow_factory, *history())

    with uow_factory() as uow:
        found = uow.audit.query(query, limit=100)

    assert [r.seq for r in found] == expected_seqs


def test_query_pages_with_limit_and_offset(uow_factory: UnitOfWorkFactory) -> None:
    append(uow_factory, *history())

    with uow_factory() as uow:
        pages = [[r.seq for r in uow.audit.query(AuditQuery(), limit=2, offset=o)] for o in (0, 2, 4, 6)]

    assert pages == [[5, 4], [3, 2], [1], []]


def test_given_old_records_when_purged_then_the_anchor_moves_and_the_rest_still_verifies(
    uow_factory: UnitOfWorkFactory,
) -> None:
    sealed = append(uow_factory, *history())

    with uow_factory() as uow:
        removed = uow.audit.purge_before(T0 + timedelta(minutes=5))
        uow.commit()

    with uow_factory() as uow:
        remaining, anchor = list(uow.audit.ordered()), uow.audit.anchor()

    assert removed == 2
    assert anchor == (sealed[1].seq, sealed[1].hash)
    assert remaining == sealed[2:]
    assert verify(remaining, anchor) == []
    assert verify(remaining) != []  # without the anchor the gap shows: the anchor is what vouches


def test_given_everything_purged_then_new_records_continue_after_the_anchor(
    uow_factory: UnitOfWorkFactory,
) -> None:
    sealed = append(uow_factory, *history())
    with uow_factory() as uow:
        assert uow.audit.purge_before(T0 + timedelta(days=1)) == 5
        uow.commit()

    (after,) = append(uow_factory, entry(T0 + timedelta(days=2)))

    with uow_factory() as uow:
        assert after.seq == 6 and after.prev_hash == sealed[-1].hash
        assert verify(uow.audit.ordered(), uow.audit.anchor()) == []
    with uow_factory() as uow, pytest.raises(Conflict):
        uow.audit.append(seal(entry(T0), None, (4, sealed[3].hash)))  # behind the anchor


def test_given_nothing_older_than_the_cutoff_then_purge_removes_nothing(
    uow_factory: UnitOfWorkFactory,
) -> None:
    append(uow_factory, *history())

    with uow_factory() as uow:
        assert uow.audit.purge_before(T0) == 0
        uow.commit()

    with uow_factory() as uow:
        assert uow.audit.anchor() == (0, GENESIS)
        assert len(list(uow.audit.ordered())) == 5


def test_a_purge_without_commit_is_forgotten(uow_factory: UnitOfWorkFactory) -> None:
    append(uow_factory, *history())

    with uow_factory() as uow:
        uow.audit.purge_before(T0 + timedelta(days=1))

    with uow_factory() as uow:
        assert uow.audit.anchor() == (0, GENESIS)
        assert len(list(uow.audit.ordered())) == 5


def test_ordered_streams_a_log_longer_than_one_page(uow_factory: UnitOfWorkFactory) -> None:
    append(uow_factory, *(entry(T0 + timedelta(seconds=i), action=f"call.{i}") for i in range(1234)))

    with uow_factory() as uow:
        seqs = [r.seq for r in uow.audit.ordered()]
        problems = verify(uow.audit.ordered(), uow.audit.anchor())

    assert seqs == list(range(1, 1235))
    assert problems == []


def test_concurrent_appenders_queue_up_so_the_chain_stays_unbroken(uow_factory: UnitOfWorkFactory) -> None:
    errors: list[BaseException] = []

    def appender(worker: int) -> None:
        try:
            for i in range(10):
                append(uow_factory, entry(T0 + timedelta(seconds=i), actor=f"agent{worker}"))
        except BaseException as error:  # reported below: a thread's exception would be lost
            errors.append(error)

    threads = [threading.Thread(target=appender, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    with uow_factory() as uow:
        stored = list(uow.audit.ordered())
    assert errors == []
    assert [r.seq for r in stored] == list(range(1, 41))
    assert verify(stored) == []
