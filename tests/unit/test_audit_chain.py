"""The tamper-evident audit log (SEC-03): sealing, verification, retention and search."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kc_adapters.memory.persistence import MemoryUnitOfWorkFactory
from kc_adapters.system import FixedClock
from kc_domain.audit.model import GENESIS, AuditEntry, AuditRecord, ChainProblem, Outcome, seal, verify
from kc_domain.audit.service import SYSTEM, Actor, AuditQuery, AuditTrail
from kc_domain.plain import to_plain

from .support import Store

pytestmark = pytest.mark.req("SEC-03")

T0 = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)


def entries(clock: FixedClock, count: int) -> list[AuditEntry]:
    """Realistic entries, one a minute."""
    found = []
    for n in range(count):
        found.append(
            AuditEntry(
                at=clock.now(),
                actor="spravce",
                action="queue.update",
                object_type="queue",
                object_id=str(n + 1),
                params={"before": {"name": f"Fronta {n}"}, "after": {"name": f"Reklamace {n}"}},
                source="10.1.2.3",
            )
        )
        clock.advance(minutes=1)
    return found


def chain(count: int = 5) -> list[AuditRecord]:
    records: list[AuditRecord] = []
    for entry in entries(FixedClock(T0), count):
        records.append(seal(entry, records[-1] if records else None))
    return records


def db_round_trip(record: AuditRecord) -> AuditRecord:
    """What a database (JSON column, ISO timestamp, text outcome) gives back."""
    data = json.loads(json.dumps(to_plain(record)))
    data["at"] = datetime.fromisoformat(data["at"])
    data["outcome"] = Outcome(data["outcome"])
    return AuditRecord(**data)


# -- sealing and verifying ------------------------------------------------------------------------


def test_the_first_record_follows_the_genesis_hash() -> None:
    first = chain(1)[0]

    assert first.seq == 1
    assert first.prev_hash == GENESIS
    assert len(first.hash) == 64
    assert int(first.hash, 16) >= 0
    assert first.hash == first.expected_hash()


def test_each_record_points_at_the_hash_of_the_one_before() -> None:
    records = chain(5)

    assert [r.seq for r in records] == [1, 2, 3, 4, 5]
    assert all(after.prev_hash == before.hash for before, after in itertools.pairwise(records))
    assert len({r.hash for r in records}) == 5


def test_an_intact_chain_verifies_without_problems() -> None:
    assert verify(chain(5)) == []
    assert verify([]) == []


def test_sealing_is_deterministic() -> None:
    assert chain(3) == chain(3)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("params", {"before": {"name": "Fronta 2"}, "after": {"name": "Jiná fronta"}}),
        ("params", {}),
        ("actor", "mallory"),
        ("at", T0 + timedelta(minutes=2, seconds=1)),
        ("at", T0 + timedelta(minutes=2, microseconds=1)),
        ("outcome", Outcome.REJECTED),
        ("action", "queue.delete"),
        ("object_type", "user"),
        ("object_id", "99"),
        ("source", "192.0.2.66"),
    ],
)
def test_given_an_edited_field_when_verifying_then_the_record_is_reported_edited(
    field: str, value: Any
) -> None:
    records = chain(5)
    records[2] = attrs.evolve(records[2], **{field: value})

    assert verify(records) == [ChainProblem(3, "edited")]


def test_given_an_edited_record_with_a_recomputed_hash_then_the_next_record_no_longer_fits() -> None:
    records = chain(5)
    forged = attrs.evolve(records[2], actor="mallory")
    records[2] = attrs.evolve(forged, hash=forged.expected_hash())

    assert verify(records) == [ChainProblem(4, "missing_before")]


def test_given_an_edited_hash_then_the_record_and_its_successor_are_reported() -> None:
    records = chain(5)
    records[1] = attrs.evolve(records[1], hash="f" * 64)

    assert verify(records) == [ChainProblem(2, "edited"), ChainProblem(3, "missing_before")]


def test_given_a_deleted_middle_record_then_a_gap_is_reported() -> None:
    records = chain(5)
    del records[2]

    assert verify(records) == [ChainProblem(4, "gap")]


def test_given_a_deleted_first_record_then_a_gap_is_reported() -> None:
    records = chain(5)

    assert verify(records[1:]) == [ChainProblem(2, "gap")]


def test_given_a_deleted_record_and_renumbered_successors_then_the_break_is_still_found() -> None:
    records = chain(5)
    del records[2]
    renumbered = records[:2] + [attrs.evolve(r, seq=r.seq - 1) for r in records[2:]]

    problems = verify(renumbered)

    assert ChainProblem(3, "missing_before") in problems
    assert {p.reason for p in problems} == {"missing_before", "edited"}


def test_given_two_records_swapped_then_the_order_is_reported_broken() -> None:
    records = chain(5)
    records[1], records[2] = records[2], records[1]

    assert verify(records) == [ChainProblem(3, "gap"), ChainProblem(2, "gap"), ChainProblem(4, "gap")]


def test_given_swapped_contents_under_the_original_numbers_then_both_are_edited() -> None:
    records = chain(5)
    second, third = records[1], records[2]
    records[1] = attrs.evolve(third, seq=2, prev_hash=second.prev_hash, hash=second.hash)
    records[2] = attrs.evolve(second, seq=3, prev_hash=third.prev_hash, hash=third.hash)

    assert verify(records) == [ChainProblem(2, "edited"), ChainProblem(3, "edited")]


def test_given_an_inserted_record_then_the_chain_breaks() -> None:
    records = chain(5)
    forged = seal(AuditEntry(T0, "mallory", "user.update", params={"roles": ["admin"]}), records[1])

    assert verify([*records[:2], forged, *records[2:]]) != []


def test_a_chain_continues_after_an_anchor() -> None:
    records = chain(5)
    anchor = (records[1].seq, records[1].hash)

    assert verify(records[2:], anchor) == []
    assert verify(records[2:]) == [ChainProblem(3, "gap")]
    assert verify(records[2:], (2, "0" * 64)) == [ChainProblem(3, "missing_before")]


def test_sealing_after_an_anchor_continues_its_numbering() -> None:
    records = chain(3)

    after = seal(AuditEntry(T0, "system", "audit.purge"), None, (records[-1].seq, records[-1].hash))

    assert after.seq == 4
    assert after.prev_hash == records[-1].hash
    assert verify([after], (3, records[-1].hash)) == []


# -- params ---------------------------------------------------------------------------------------

CZECH_PARAMS = {
    "after": {
        "name": "Reklamace – čeština: Příliš žluťoučký kůň úpěl ďábelské ódy",
        "hours": {"weekly": {"mon": ["08:00-12:00", "12:30-16:00"]}, "closed_on_holidays": True},
        "roles": ["agent", "supervisor"],
        "nested": {"úroveň": {"hloubka": [1, 2.5, None, False, {"ž": "Ř"}]}},
    },
    7: ("tuple", "becomes", "a list"),
}


def test_params_are_stored_in_their_json_form() -> None:
    record = seal(AuditEntry(T0, "spravce", "queue.create", params=CZECH_PARAMS), None)

    assert record.params == json.loads(json.dumps(CZECH_PARAMS))
    assert record.params["7"] == ["tuple", "becomes", "a list"]


def test_czech_text_and_nested_params_hash_the_same_after_a_database_round_trip() -> None:
    record = seal(AuditEntry(T0, "správce", "queue.create", "queue", "12", CZECH_PARAMS, source="kc"), None)

    restored = db_round_trip(record)

    assert restored == record
    assert restored.expected_hash() == record.hash
    assert verify([restored]) == []


def test_the_order_of_keys_in_params_does_not_change_the_hash() -> None:
    one = seal(AuditEntry(T0, "spravce", "x", params={"a": 1, "b": {"c": 2, "d": 3}}), None)
    other = seal(AuditEntry(T0, "spravce", "x", params={"b": {"d": 3, "c": 2}, "a": 1}), None)

    assert one.hash == other.hash


def test_a_record_at_a_whole_second_hashes_the_same_as_its_iso_text() -> None:
    record = seal(AuditEntry(datetime(2026, 3, 2, 8, 30, 0, tzinfo=UTC), "spravce", "x"), None)

    assert db_round_trip(record).hash == record.expected_hash()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(database=None, max_examples=60)
@given(params=st.dictionaries(st.text(max_size=10), json_values, max_size=5), actor=st.text(max_size=64))
def test_any_json_params_and_actor_survive_a_round_trip_with_the_same_hash(
    params: dict[str, Any], actor: str
) -> None:
    record = seal(AuditEntry(T0, actor, "queue.update", params=params), None)

    assert db_round_trip(record).expected_hash() == record.hash


# -- the audit trail over a unit of work ----------------------------------------------------------


@pytest.fixture
def trail(clock: FixedClock) -> AuditTrail:
    return AuditTrail(clock)


def write(trail: AuditTrail, factory: MemoryUnitOfWorkFactory, clock: FixedClock, count: int) -> None:
    for n in range(count):
        trail.record_alone(
            factory, Actor("spravce", "10.1.2.3"), "group.update", object_id=n, params={"n": n}
        )
        clock.advance(minutes=1)


def test_recorded_entries_are_sealed_with_the_clock_and_the_actor(
    trail: AuditTrail, uow_factory: MemoryUnitOfWorkFactory, clock: FixedClock, store: Store
) -> None:
    with uow_factory() as uow:
        trail.record(
            uow,
            Actor("spravce", "10.1.2.3"),
            "group.create",
            object_type="group",
            object_id=4,
            params={"a": 1},
        )
        uow.commit()

    [record] = store.records()
    assert (record.at, record.actor, record.source) == (clock.now(), "spravce", "10.1.2.3")
    assert (record.action, record.object_type, record.object_id) == ("group.create", "group", "4")
    assert (record.params, record.outcome) == ({"a": 1}, Outcome.OK)
    assert trail.verify(uow_factory) == []


def test_an_entry_recorded_in_a_unit_of_work_that_does_not_commit_is_forgotten(
    trail: AuditTrail, uow_factory: MemoryUnitOfWorkFactory, store: Store
) -> None:
    with uow_factory() as uow:
        trail.record(uow, SYSTEM, "group.create")

    assert store.records() == []


def test_a_none_object_id_is_stored_as_empty_text(
    trail: AuditTrail, uow_factory: MemoryUnitOfWorkFactory, store: Store
) -> None:
    trail.record_alone(uow_factory, SYSTEM, "audit.verify", object_id=None)

    assert store.last().object_id == ""


def test_a_log_written_through_the_trail_verifies(
    trail: AuditTrail, uow_factory: MemoryUnitOfWorkFactory, clock: FixedClock, store: Store
) -> None:
    write(trail, uow_factory, clock, 10)

    assert [r.seq for r in store.records()] == list(range(1, 11))
    assert trail.verify(uow_factory) == []


def test_given_a_row_edited_in_the_store_then_the_trail_reports_it(
    trail: AuditTrail, uow_factory: MemoryUnitOfWorkFactory, clock: FixedClock
) -> None:
    write(trail, uow_factory, clock, 5)
    rows = uow_factory.committed.audit
    rows[2] = attrs.evolve(rows[2], params={"n": 999})

    assert trail.verify(uow_factory) == [ChainProblem(3, "edited")]


def test_given_a_row_deleted_from_the_store_then_the_trail_reports_a_gap(
    trail: AuditTrail, uow_factory: MemoryUnitOfWorkFactory, clock: FixedClock
) -> None:
    write(trail, uow_factory, clock, 5)
    del uow_factory.committed.audit[1]

    assert trail.verify(uow_factory) == [ChainProblem(3, "gap")]


def test_purge_drops_old_records_moves_the_anchor_and_audits_itself(
    trail: AuditTrail, uow_factory: MemoryUnitOfWorkFactory, clock: FixedClock, store: Store
) -> None:
    write(trail, uow_factory, clock, 3)
    old_last = store.records()[-1]
    clock.advance(days=40)
    write(trail, uow_factory, clock, 2)
    clock.advance(days=1)

    removed = trail.purge(uow_factory, retention_days=30)

    assert removed == 3
    with uow_factory() as uow:
        assert uow.audit.anchor() == (old_last.seq, old_last.hash)
    records = store.records()
    assert [r.seq for r in records] == [4, 5, 6]
    purge = records[-1]
    assert (purge.actor, purge.source, purge.action, purge.outcome) == (
        "system",
        "kc",
        "audit.purge",
        Outcome.OK,
    )
    assert purge.params == {
        "removed": 3,
        "before": (clock.now() - timedelta(days=30)).isoformat(),
        "days": 30,
    }
    assert trail.verify(uow_factory) == []


def test_after_a_purge_tampering_with_the_remaining_records_is_still_found(
    trail: AuditTrail, uow_factory: MemoryUnitOfWorkFactory, clock: FixedClock
) -> None:
    write(trail, uow_factory, clock, 3)
    clock.advance(days=40)
    write(trail, uow_factory, clock, 3)
    trail.purge(uow_factory, retention_days=30)
    rows = uow_factory.committed.audit
    rows[0] = attrs.evolve(rows[0], actor="mallory")

    assert trail.verify(uow_factory) == [ChainProblem(4, "edited")]


def test_given_only_recent_records_then_purge_removes_and_records_nothing(
    trail: AuditTrail, uow_factory: MemoryUnitOfWorkFactory, clock: FixedClock, store: Store
) -> None:
    write(trail, uow_factory, clock, 3)
    before = store.records()

    assert trail.purge(uow_factory, retention_days=30) == 0
    assert store.records() == before
    with uow_factory() as uow:
        assert uow.audit.anchor() == (0, GENESIS)


def test_given_only_old_records_then_purge_empties_the_log_but_the_chain_goes_on(
    trail: AuditTrail, uow_factory: MemoryUnitOfWorkFactory, clock: FixedClock, store: Store
) -> None:
    write(trail, uow_factory, clock, 4)
    clock.advance(days=400)

    assert trail.purge(uow_factory, retention_days=365) == 4

    [purge] = store.records()
    assert (purge.seq, purge.action) == (5, "audit.purge")
    write(trail, uow_factory, clock, 2)
    assert [r.seq for r in store.records()] == [5, 6, 7]
    assert trail.verify(uow_factory) == []


def test_two_purges_in_a_row_keep_the_chain_verifiable(
    trail: AuditTrail, uow_factory: MemoryUnitOfWorkFactory, clock: FixedClock
) -> None:
    for _ in range(3):
        write(trail, uow_factory, clock, 2)
        clock.advance(days=10)
    trail.purge(uow_factory, retention_days=15)
    clock.advance(days=10)

    assert trail.purge(uow_factory, retention_days=15) > 0
    assert trail.verify(uow_factory) == []


# -- search ---------------------------------------------------------------------------------------


@pytest.fixture
def searchable(trail: AuditTrail, uow_factory: MemoryUnitOfWorkFactory, clock: FixedClock) -> AuditTrail:
    for actor, action, object_type, outcome in [
        ("spravce", "queue.create", "queue", Outcome.OK),
        ("spravce", "queue.update", "queue", Outcome.REJECTED),
        ("MSvobodova", "pause_code.create", "pause_code", Outcome.OK),
        ("jnovak", "auth.sign_in", "user", Outcome.FAILED),
        ("jnovak", "auth.sign_in", "user", Outcome.OK),
    ]:
        trail.record_alone(uow_factory, Actor(actor), action, object_type=object_type, outcome=outcome)
        clock.advance(hours=1)
    return trail


def actions(found: list[AuditRecord]) -> list[tuple[str, str]]:
    return [(r.actor, r.action) for r in found]


def test_search_returns_newest_first_with_limit_and_offset(
    searchable: AuditTrail, uow_factory: MemoryUnitOfWorkFactory
) -> None:
    everything = searchable.search(uow_factory, AuditQuery(), limit=100)

    assert [r.seq for r in everything] == [5, 4, 3, 2, 1]
    assert [r.seq for r in searchable.search(uow_factory, AuditQuery(), limit=2, offset=1)] == [4, 3]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (AuditQuery(actor="svob"), [("MSvobodova", "pause_code.create")]),
        (AuditQuery(action="queue."), [("spravce", "queue.update"), ("spravce", "queue.create")]),
        (AuditQuery(object_type="user", outcome="failed"), [("jnovak", "auth.sign_in")]),
        (AuditQuery(outcome="rejected"), [("spravce", "queue.update")]),
        (
            AuditQuery(since=T0 + timedelta(hours=1), until=T0 + timedelta(hours=3)),
            [("MSvobodova", "pause_code.create"), ("spravce", "queue.update")],
        ),
    ],
)
def test_search_filters_by_actor_action_type_outcome_and_time(
    searchable: AuditTrail, uow_factory: MemoryUnitOfWorkFactory, query: AuditQuery, expected: list[Any]
) -> None:
    assert actions(searchable.search(uow_factory, query, limit=100)) == expected
