"""The callback request repository (IN-09, AG-17, IN-26), on memory, SQLite and PostgreSQL alike:
every field comes back as saved, ``save`` inserts or replaces, ``active`` and ``search`` keep the
line order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import attrs
import pytest

from kc_domain.callbacks.model import (
    Attempt,
    AttemptOutcome,
    CallbackRequest,
    CallbackSource,
    CallbackState,
)
from kc_ports.persistence import UnitOfWorkFactory
from tests.contract.samples import CHANGED_AT, queue

pytestmark = pytest.mark.req("IN-09", "AG-17", "IN-26")

T0 = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
PRAGUE_WINTER = timezone(timedelta(hours=1))


def plain(request: CallbackRequest) -> dict[str, Any]:
    return attrs.asdict(request)


def two_queues(uow_factory: UnitOfWorkFactory) -> tuple[int, int]:
    with uow_factory() as uow:
        first, second = queue(uow, 0).id, queue(uow, 1).id
        uow.commit()
    return first, second


def request(
    callback_id: str, queue_id: int, joined_s: float = 0, seq: int = 1, caller: str = "+420777123456"
) -> CallbackRequest:
    return CallbackRequest.create(
        id=callback_id,
        caller=caller,
        queue_id=queue_id,
        created_at=T0 + timedelta(seconds=joined_s + 30),
        joined_at=T0 + timedelta(seconds=joined_s),
        seq=seq,
        source=CallbackSource.QUEUE_DTMF,
    )


def full(queue_id: int) -> CallbackRequest:
    """Every field set to something other than its default; times given in a non-UTC zone."""
    return CallbackRequest(
        id="cb-2026-11-25-0001",
        caller="+420601234567",
        queue_id=queue_id,
        created_at=CHANGED_AT,
        joined_at=CHANGED_AT - timedelta(minutes=3, microseconds=7),
        seq=42,
        source=CallbackSource.IVR,
        preferred_at=datetime(2026, 11, 26, 14, 30, tzinfo=PRAGUE_WINTER),
        call_id="pbx-777",
        client_ids=("8001015555", "CZ12345678"),
        state=CallbackState.CANCELLED,
        agent_id=17,
        attempts=[
            Attempt(
                CHANGED_AT + timedelta(minutes=5), 17, AttemptOutcome.NO_ANSWER, "Nebere – zkusit odpoledne"
            ),
            Attempt(datetime(2026, 11, 26, 15, 1, 2, 345_678, tzinfo=PRAGUE_WINTER), 18, AttemptOutcome.BUSY),
        ],
        max_attempts=5,
        retry_after_s=600,
        next_try_at=CHANGED_AT + timedelta(minutes=15),
        note="Chce probrat dlužné pojistné\nVolal znovu",
        closed_at=CHANGED_AT + timedelta(days=1),
        cancel_reason="Klient už volal sám",
    )


def test_every_field_comes_back_as_saved_with_aware_utc_times(uow_factory: UnitOfWorkFactory) -> None:
    queue_id, _ = two_queues(uow_factory)
    saved = full(queue_id)
    with uow_factory() as uow:
        uow.callbacks.save(saved)
        uow.commit()

    with uow_factory() as uow:
        loaded = uow.callbacks.get(saved.id)

    assert loaded is not None and loaded is not saved
    assert plain(loaded) == plain(saved)
    assert isinstance(loaded.source, CallbackSource) and isinstance(loaded.state, CallbackState)
    assert loaded.client_ids == ("8001015555", "CZ12345678")
    assert all(isinstance(a, Attempt) and isinstance(a.outcome, AttemptOutcome) for a in loaded.attempts)
    times = [
        loaded.created_at,
        loaded.joined_at,
        loaded.preferred_at,
        loaded.next_try_at,
        loaded.closed_at,
        *(a.at for a in loaded.attempts),
    ]
    assert all(t is not None and t.utcoffset() == timedelta(0) for t in times)
    assert loaded.preferred_at == datetime(2026, 11, 26, 13, 30, tzinfo=UTC)


def test_defaults_and_empty_values_come_back_too(uow_factory: UnitOfWorkFactory) -> None:
    queue_id, _ = two_queues(uow_factory)
    new = request("cb-1", queue_id)
    with uow_factory() as uow:
        uow.callbacks.save(new)
        uow.commit()
    with uow_factory() as uow:
        loaded = uow.callbacks.get("cb-1")
    assert loaded is not None and plain(loaded) == plain(new)
    assert (loaded.preferred_at, loaded.agent_id, loaded.attempts, loaded.client_ids) == (None, None, [], ())


def test_get_of_an_unknown_id_is_none(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        assert uow.callbacks.get("nope") is None


def test_save_replaces_the_stored_request_attempts_included(uow_factory: UnitOfWorkFactory) -> None:
    queue_id, _ = two_queues(uow_factory)
    with uow_factory() as uow:
        uow.callbacks.save(request("cb-1", queue_id))
        uow.commit()

    with uow_factory() as uow:
        loaded = uow.callbacks.get("cb-1")
        assert loaded is not None
        loaded.start_dialling(7, T0 + timedelta(minutes=1))
        loaded.record_attempt(AttemptOutcome.NO_ANSWER, 7, T0 + timedelta(minutes=2), "Nebere")
        uow.callbacks.save(loaded)  # an already loaded request, saved in the same unit
        loaded.start_dialling(8, T0 + timedelta(minutes=20))
        uow.callbacks.save(loaded)  # and saved again
        again = uow.callbacks.get("cb-1")
        assert again is not None and plain(again) == plain(loaded)
        uow.commit()

    with uow_factory() as uow:
        stored = uow.callbacks.get("cb-1")
        everything = uow.callbacks.search()
    assert stored is not None and plain(stored) == plain(loaded)
    assert stored.state is CallbackState.DIALLING and stored.agent_id == 8
    assert [(a.agent_id, a.outcome, a.note) for a in stored.attempts] == [
        (7, AttemptOutcome.NO_ANSWER, "Nebere")
    ]
    assert [r.id for r in everything] == ["cb-1"]


def test_a_change_after_save_is_not_stored_without_another_save(uow_factory: UnitOfWorkFactory) -> None:
    queue_id, _ = two_queues(uow_factory)
    live = request("cb-1", queue_id)
    with uow_factory() as uow:
        uow.callbacks.save(live)
        live.assign(7, T0)  # the engine's object changes on
        uow.commit()
    with uow_factory() as uow:
        stored = uow.callbacks.get("cb-1")
    assert stored is not None and stored.state is CallbackState.OPEN and stored.agent_id is None


def test_a_unit_left_without_commit_forgets_its_saves(uow_factory: UnitOfWorkFactory) -> None:
    queue_id, _ = two_queues(uow_factory)
    with uow_factory() as uow:
        uow.callbacks.save(request("cb-1", queue_id))
    with uow_factory() as uow:
        assert uow.callbacks.get("cb-1") is None
        uow.callbacks.save(request("cb-2", queue_id))
        uow.rollback()
        assert uow.callbacks.get("cb-2") is None


def test_active_lists_open_assigned_and_dialling_requests_in_line_order(
    uow_factory: UnitOfWorkFactory,
) -> None:
    first, second = two_queues(uow_factory)
    late = request("a-late", first, joined_s=300)
    early = request("z-early", second, joined_s=0)
    tie_seq2 = request("b-tie", first, joined_s=60, seq=2)
    tie_seq1 = request("c-tie", first, joined_s=60, seq=1)
    same_a, same_b = request("m-same", first, 120, 5), request("k-same", first, 120, 5)
    assigned = request("assigned", first, joined_s=200)
    assigned.assign(7, T0)
    dialling = request("dialling", second, joined_s=250)
    dialling.start_dialling(8, T0)
    done = request("done", first, joined_s=-100)
    done.mark_done(7, T0 + timedelta(minutes=1))
    cancelled = request("cancelled", first, joined_s=-50)
    cancelled.cancel("Duplicita", T0)
    with uow_factory() as uow:
        for r in (late, early, tie_seq2, tie_seq1, same_a, same_b, assigned, dialling, done, cancelled):
            uow.callbacks.save(r)
        uow.commit()

    with uow_factory() as uow:
        active = uow.callbacks.active()

    assert [r.id for r in active] == [
        "z-early",
        "c-tie",
        "b-tie",
        "k-same",
        "m-same",
        "assigned",
        "dialling",
        "a-late",
    ]
    assert {r.state for r in active} == {CallbackState.OPEN, CallbackState.ASSIGNED, CallbackState.DIALLING}


def test_search_filters_by_state_queue_agent_and_time_active_first_in_line_then_newest_closed(
    uow_factory: UnitOfWorkFactory,
) -> None:
    first, second = two_queues(uow_factory)
    open_1 = request("open-1", first, joined_s=100)
    open_2 = request("open-2", second, joined_s=0)
    mine = request("mine", first, joined_s=50)
    mine.assign(7, T0)
    done_old = request("done-old", first, joined_s=-3600)
    done_old.mark_done(7, T0 + timedelta(minutes=1))
    failed_new = request("failed-new", second, joined_s=10)
    failed_new.start_dialling(8, T0)
    failed_new.max_attempts = 1
    failed_new.record_attempt(AttemptOutcome.BUSY, 8, T0 + timedelta(minutes=30))
    with uow_factory() as uow:
        for r in (open_1, open_2, mine, done_old, failed_new):
            uow.callbacks.save(r)
        uow.commit()

    def ids(**filters: Any) -> list[str]:
        with uow_factory() as uow:
            return [r.id for r in uow.callbacks.search(**filters)]

    assert ids() == ["open-2", "mine", "open-1", "failed-new", "done-old"]
    assert ids(states=[CallbackState.OPEN]) == ["open-2", "open-1"]
    assert ids(states={CallbackState.DONE, CallbackState.FAILED}) == ["failed-new", "done-old"]
    assert ids(states=[]) == []
    assert ids(queue_ids=[first]) == ["mine", "open-1", "done-old"]
    assert ids(queue_ids=[first], states=[CallbackState.OPEN, CallbackState.ASSIGNED]) == ["mine", "open-1"]
    assert ids(agent_id=7) == ["mine", "done-old"]
    assert ids(since=T0) == ["open-2", "mine", "open-1", "failed-new"]
    assert ids(limit=2) == ["open-2", "mine"]
    assert ids(limit=4) == ["open-2", "mine", "open-1", "failed-new"]
