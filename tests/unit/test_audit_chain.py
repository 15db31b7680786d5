"""The tamper-evident audit log (SEC-03): sealing, verification, retention and search."""

from __future__ import annotations

import hashlib
import hmac
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
from kc_domain.audit.model import (
    GENESIS,
    AuditEntry,
    AuditRecord,
    ChainProblem,
    Checkpoint,
    Outcome,
    examine,
    seal,
    verify,
)
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


KEY = b"k" * 32  # the audit key, kept outside the database


def chain(count: int = 5, key: bytes | None = None) -> list[AuditRecord]:
    return extend([], count, key)


def extend(records: list[AuditRecord], count: int, key: bytes | None) -> list[AuditRecord]:
    """``records`` followed by ``count`` more, sealed with ``key`` (None: plain SHA-256)."""
    records = list(records)
    start = records[-1].at + timedelta(minutes=1) if records else T0
    for entry in entries(FixedClock(start), count):
        records.append(seal(entry, records[-1] if records else None, key=key))
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
        "anchor": {"seq": old_last.seq, "hash": old_last.hash},
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


# -- the keyed MAC, the head and the tail (issue 16) ------------------------------------------------


def test_a_keyed_record_carries_an_hmac_of_its_content_not_a_plain_hash() -> None:
    record = chain(1, KEY)[0]
    plain = chain(1)[0]

    body = json.dumps(
        [1, GENESIS, T0.isoformat(timespec="microseconds"), "spravce", "queue.update", "queue", "1",
         dict(record.params), "ok", "10.1.2.3"],
        sort_keys=True, separators=(",", ":"), ensure_ascii=False,
    ).encode()  # fmt: skip
    assert record.hash == hmac.new(KEY, body, hashlib.sha256).hexdigest()
    assert plain.hash == hashlib.sha256(body).hexdigest() != record.hash
    assert verify(chain(5, KEY), key=KEY) == []


def test_given_another_key_then_every_keyed_record_is_reported_edited() -> None:
    assert verify(chain(2, KEY), key=b"x" * 32) == [ChainProblem(1, "edited"), ChainProblem(2, "edited")]


def test_records_sealed_before_the_key_are_accepted_as_a_prefix_and_counted() -> None:
    records = extend(chain(3), 2, KEY)

    report = examine(records, key=KEY)

    assert (report.problems, report.legacy) == ([], 3)
    assert report.newest == Checkpoint(5, records[-1].hash)


def test_given_a_plain_hash_after_the_first_keyed_record_then_it_is_reported_unkeyed() -> None:
    records = extend(extend(chain(2), 2, KEY), 1, None)

    report = examine(records, key=KEY)

    assert (report.problems, report.legacy) == ([ChainProblem(5, "unkeyed")], 2)


def test_given_an_edit_and_every_later_hash_recomputed_without_the_key_then_it_is_found() -> None:
    records = chain(5, KEY)
    forged = seal(attrs.evolve(entries(FixedClock(T0), 3)[2], actor="mallory"), records[1])

    problems = verify(extend([*records[:2], forged], 2, None), key=KEY)

    assert problems == [ChainProblem(3, "unkeyed"), ChainProblem(4, "unkeyed"), ChainProblem(5, "unkeyed")]


@pytest.fixture
def keyed(clock: FixedClock) -> AuditTrail:
    return AuditTrail(clock, key=KEY)


def test_a_keyed_trail_seals_with_its_key_and_verifies(
    keyed: AuditTrail, uow_factory: MemoryUnitOfWorkFactory, clock: FixedClock, store: Store
) -> None:
    write(keyed, uow_factory, clock, 3)

    assert verify(store.records(), key=KEY) == []
    assert keyed.examine(uow_factory).legacy == 0
    assert AuditTrail(clock).verify(uow_factory) == [ChainProblem(n, "edited") for n in (1, 2, 3)]


def purge_without_record(uow_factory: MemoryUnitOfWorkFactory, cutoff: datetime) -> tuple[int, str]:
    """What someone with write access to the database can do: delete old rows, move the anchor."""
    with uow_factory() as uow:
        uow.audit.purge_before(cutoff)
        uow.commit()
        return uow.audit.anchor()


def test_given_the_head_cut_without_a_purge_record_then_verify_reports_head_cut(
    keyed: AuditTrail, uow_factory: MemoryUnitOfWorkFactory, clock: FixedClock
) -> None:
    write(keyed, uow_factory, clock, 5)

    anchor = purge_without_record(uow_factory, T0 + timedelta(minutes=2))

    assert anchor[0] == 2
    assert keyed.verify(uow_factory) == [ChainProblem(2, "head_cut")]


def test_a_purge_record_naming_the_anchor_vouches_for_the_cut_head(
    keyed: AuditTrail, uow_factory: MemoryUnitOfWorkFactory, clock: FixedClock
) -> None:
    write(keyed, uow_factory, clock, 3)
    clock.advance(days=40)
    write(keyed, uow_factory, clock, 2)

    assert keyed.purge(uow_factory, retention_days=30) == 3
    assert keyed.verify(uow_factory) == []

    purge_without_record(uow_factory, clock.now())  # a second cut, after the purge record
    assert [p.reason for p in keyed.verify(uow_factory)] == ["head_cut"]


def test_a_purge_record_forged_without_the_key_does_not_vouch_for_the_anchor(
    keyed: AuditTrail, uow_factory: MemoryUnitOfWorkFactory, clock: FixedClock
) -> None:
    write(keyed, uow_factory, clock, 5)
    seq, mac = purge_without_record(uow_factory, T0 + timedelta(minutes=2))
    forged = AuditEntry(clock.now(), "system", "audit.purge", params={"anchor": {"seq": seq, "hash": mac}})
    with uow_factory() as uow:
        uow.audit.append(seal(forged, uow.audit.last(), uow.audit.anchor()))
        uow.commit()

    assert keyed.verify(uow_factory) == [ChainProblem(6, "unkeyed"), ChainProblem(2, "head_cut")]


def test_given_the_tail_cut_after_a_checkpoint_then_verify_reports_tail_cut(
    keyed: AuditTrail, uow_factory: MemoryUnitOfWorkFactory, clock: FixedClock
) -> None:
    write(keyed, uow_factory, clock, 5)
    checkpoint = keyed.checkpoint(uow_factory)
    del uow_factory.committed.audit[3:]

    assert checkpoint.seq == 5
    assert keyed.verify(uow_factory) == []  # without a copy kept elsewhere the cut does not show
    assert keyed.verify(uow_factory, [checkpoint]) == [ChainProblem(5, "tail_cut")]


def test_given_a_checkpointed_record_rewritten_even_with_the_key_then_it_is_reported_edited(
    keyed: AuditTrail, uow_factory: MemoryUnitOfWorkFactory, clock: FixedClock
) -> None:
    write(keyed, uow_factory, clock, 3)
    checkpoint = keyed.checkpoint(uow_factory)
    rows = uow_factory.committed.audit
    rows[2] = seal(attrs.evolve(entries(FixedClock(T0), 1)[0], actor="mallory"), rows[1], key=KEY)

    assert keyed.verify(uow_factory, [checkpoint]) == [ChainProblem(3, "edited")]
    rows[2] = attrs.evolve(rows[2], hash="ž" * 64)  # not even a hex text
    assert keyed.verify(uow_factory, [checkpoint]) == [ChainProblem(3, "edited")]


def test_checkpoints_behind_a_recorded_purge_are_not_missing(
    keyed: AuditTrail, uow_factory: MemoryUnitOfWorkFactory, clock: FixedClock
) -> None:
    write(keyed, uow_factory, clock, 2)
    early = keyed.checkpoint(uow_factory)
    write(keyed, uow_factory, clock, 1)
    at_anchor = keyed.checkpoint(uow_factory)
    clock.advance(days=40)
    keyed.purge(uow_factory, retention_days=30)

    assert keyed.verify(uow_factory, [early, at_anchor, keyed.checkpoint(uow_factory)]) == []
    assert keyed.verify(uow_factory, [Checkpoint(3, "f" * 64)]) == [ChainProblem(3, "edited")]
    assert keyed.verify(uow_factory, [at_anchor, Checkpoint(3, "f" * 64)]) == [ChainProblem(3, "edited")]


def test_an_empty_log_checkpoints_its_anchor(keyed: AuditTrail, uow_factory: MemoryUnitOfWorkFactory) -> None:
    assert keyed.checkpoint(uow_factory) == Checkpoint(0, GENESIS)
    assert keyed.verify(uow_factory, [Checkpoint(0, GENESIS)]) == []
    assert keyed.verify(uow_factory, [Checkpoint(1, "a" * 64)]) == [ChainProblem(1, "tail_cut")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"12:{'A' * 64}", Checkpoint(12, "a" * 64)),
        (f"7:{'b' * 64} 2026-12-07T06:00:00+00:00", Checkpoint(7, "b" * 64)),
    ],
)
def test_a_checkpoint_reads_back_from_its_line(text: str, expected: Checkpoint) -> None:
    assert Checkpoint.parse(text) == expected
    assert Checkpoint.parse(str(expected)) == expected


@pytest.mark.parametrize(
    "text", ["", "12", "x:" + "a" * 64, "12:" + "a" * 63, "12:" + "g" * 64, "-1:" + "a" * 64]
)
def test_anything_else_is_not_a_checkpoint(text: str) -> None:
    with pytest.raises(ValueError, match="not a checkpoint"):
        Checkpoint.parse(text)
