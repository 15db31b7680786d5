"""The callback book: line order, due-ness, next for an agent, desktop list, merge (IN-09, IN-26, AG-17)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kc_domain.callbacks.events import CallbackMerged, CallbackRequested
from kc_domain.callbacks.model import CallbackRequest, CallbackSource, CallbackState
from kc_domain.callbacks.queue import CallbackBook
from kc_domain.errors import Conflict, NotFound

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def req(
    id: str,
    queue_id: int = 1,
    joined_min: int = 0,
    seq: int = 0,
    caller: str | None = None,
    preferred_min: int | None = None,
    created_min: int | None = None,
) -> CallbackRequest:
    return CallbackRequest.create(
        id=id,
        caller=caller or f"+420600{id}",
        queue_id=queue_id,
        created_at=T0 + timedelta(minutes=joined_min if created_min is None else created_min),
        joined_at=T0 + timedelta(minutes=joined_min),
        seq=seq,
        source=CallbackSource.QUEUE_DTMF,
        preferred_at=None if preferred_min is None else T0 + timedelta(minutes=preferred_min),
    )


def ids(requests: list[CallbackRequest]) -> list[str]:
    return [r.id for r in requests]


@pytest.mark.req("IN-09")
def test_due_keeps_the_original_place_in_line() -> None:
    book = CallbackBook()
    # joined early but asked for the callback late: still first in line
    book.add(req("b", joined_min=5, created_min=6))
    book.add(req("a", joined_min=1, created_min=30))
    book.add(req("c", joined_min=5, seq=2))
    book.add(req("other", queue_id=2, joined_min=0))
    assert ids(book.due(1, T0 + timedelta(hours=1))) == ["a", "b", "c"]
    assert ids(book.due(2, T0 + timedelta(hours=1))) == ["other"]


@pytest.mark.req("IN-09")
def test_not_due_before_preferred_time_then_back_in_its_place() -> None:
    book = CallbackBook()
    book.add(req("early", joined_min=0, preferred_min=60))
    book.add(req("late", joined_min=10))
    assert ids(book.due(1, T0 + timedelta(minutes=30))) == ["late"]
    assert ids(book.due(1, T0 + timedelta(minutes=60))) == ["early", "late"]


@pytest.mark.req("IN-09")
def test_retry_waits_then_keeps_place() -> None:
    book = CallbackBook()
    first, second = req("first", joined_min=0), req("second", joined_min=1)
    book.add(first)
    book.add(second)
    now = T0 + timedelta(minutes=5)
    first.start_dialling(7, now)
    assert ids(book.due(1, now)) == ["second"]  # dialling is not due
    first.record_attempt("no_answer", 7, now)
    assert ids(book.due(1, now + timedelta(minutes=14))) == ["second"]
    assert ids(book.due(1, now + timedelta(minutes=15))) == ["first", "second"]


@pytest.mark.req("IN-09", "AG-17")
def test_next_for_takes_the_oldest_due_across_queues() -> None:
    book = CallbackBook()
    book.add(req("q1", queue_id=1, joined_min=3))
    book.add(req("q2", queue_id=2, joined_min=2))
    book.add(req("q3-not-yet", queue_id=3, joined_min=0, preferred_min=90))
    book.add(req("q4", queue_id=4, joined_min=1))
    now = T0 + timedelta(minutes=10)
    found = book.next_for({1, 2, 3}, now)
    assert found is not None and found.id == "q2"
    assert book.next_for({3}, now) is None
    assert book.next_for(set(), now) is None
    found = book.next_for([1, 2, 3], T0 + timedelta(minutes=90))
    assert found is not None and found.id == "q3-not-yet"


@pytest.mark.req("IN-09", "AG-17")
def test_assigned_request_is_no_longer_offered() -> None:
    book = CallbackBook()
    book.add(req("a", joined_min=0))
    book.add(req("b", joined_min=1))
    book.get("a").assign(7, T0)
    found = book.next_for({1}, T0)
    assert found is not None and found.id == "b"


@pytest.mark.req("IN-26", "AG-17")
def test_open_list_filters() -> None:
    book = CallbackBook()
    for name, queue, minute in (("a", 1, 3), ("b", 1, 1), ("c", 2, 2), ("d", 2, 0)):
        book.add(req(name, queue_id=queue, joined_min=minute))
    book.get("a").assign(7, T0)
    book.get("c").start_dialling(8, T0)
    book.get("d").cancel("caller", T0)
    assert ids(book.open_list()) == ["b", "c", "a"]
    assert ids(book.open_list(queue_ids={1})) == ["b", "a"]
    assert ids(book.open_list(agent_id=7)) == ["a"]
    assert ids(book.open_list(states={CallbackState.DIALLING})) == ["c"]
    assert ids(book.open_list(states={CallbackState.CANCELLED})) == ["d"]
    assert ids(book.open_list(queue_ids={2}, states=set(CallbackState))) == ["d", "c"]


@pytest.mark.req("IN-26")
def test_add_get_remove_prune() -> None:
    book = CallbackBook()
    added = book.add(req("a"))
    assert not added.merged and isinstance(added.event, CallbackRequested) and added.event.callback_id == "a"
    assert "a" in book and len(book) == 1 and book.get("a") is added.request
    with pytest.raises(Conflict):
        book.add(req("a", caller="+420999"))
    book.add(req("b"))
    book.get("b").mark_done(7, T0)
    assert ids(book.prune()) == ["b"]
    assert book.remove("a") is added.request and len(book) == 0
    with pytest.raises(NotFound):
        book.get("a")
    with pytest.raises(NotFound):
        book.remove("a")


@pytest.mark.req("IN-09", "IN-26")
def test_same_caller_same_queue_is_merged_keeping_the_earlier_place() -> None:
    book = CallbackBook()
    first = req("first", joined_min=0, caller="+420601", preferred_min=120)
    book.add(first)
    book.add(req("between", joined_min=5))
    again = req("again", joined_min=10, caller="+420601", preferred_min=30)
    added = book.add(again, T0 + timedelta(minutes=10))
    assert added.merged and added.request is first
    assert added.event == CallbackMerged(
        T0 + timedelta(minutes=10), "first", 1, preferred_at=T0 + timedelta(minutes=30), call_id=""
    )
    assert "again" not in book and len(book) == 2
    assert first.preferred_at == T0 + timedelta(minutes=30)
    assert ids(book.due(1, T0 + timedelta(minutes=30))) == ["first", "between"]


@pytest.mark.req("IN-09")
def test_merge_to_as_soon_as_possible_and_not_across_queues_or_closed_requests() -> None:
    book = CallbackBook()
    first = req("first", caller="+420601", preferred_min=120)
    book.add(first)
    assert book.add(req("asap", caller="+420601", joined_min=3)).merged
    assert first.preferred_at is None
    assert not book.add(req("other-queue", queue_id=2, caller="+420601")).merged
    first.mark_done(7, T0)
    assert not book.add(req("after-done", caller="+420601")).merged


@pytest.mark.req("IN-09")
def test_merge_into_dialling_request_keeps_it_dialling() -> None:
    book = CallbackBook()
    first = req("first", caller="+420601")
    book.add(first)
    first.start_dialling(7, T0)
    added = book.add(req("again", caller="+420601", preferred_min=60))
    assert (
        added.merged
        and first.state is CallbackState.DIALLING
        and first.preferred_at == T0 + timedelta(hours=1)
    )


# -- property: due order is place in line; nothing not yet due ----------------------------------
ENTRY = st.tuples(
    st.integers(1, 3),  # queue
    st.integers(0, 120),  # joined minute
    st.integers(0, 5),  # seq
    st.none() | st.integers(-30, 240),  # preferred minute
    st.sampled_from(["open", "assigned", "retry", "cancelled"]),
)


@pytest.mark.req("IN-09")
@given(st.lists(ENTRY, max_size=25), st.integers(0, 300))
def test_due_is_in_line_order_and_only_due(
    entries: list[tuple[int, int, int, int | None, str]], now_min: int
) -> None:
    book = CallbackBook()
    for n, (queue, joined, seq, preferred, kind) in enumerate(entries):
        request = req(f"r{n:02d}", queue_id=queue, joined_min=joined, seq=seq, preferred_min=preferred)
        book.add(request)
        if kind == "assigned":
            request.assign(7, T0)
        elif kind == "retry":
            request.start_dialling(7, T0 + timedelta(minutes=joined))
            request.record_attempt("busy", 7, T0 + timedelta(minutes=joined))
        elif kind == "cancelled":
            request.cancel("x", T0)
    now = T0 + timedelta(minutes=now_min)
    everyone = book.open_list(states=set(CallbackState))
    for queue in (1, 2, 3):
        due = book.due(queue, now)
        keys = [(r.joined_at, r.seq, r.id) for r in due]
        assert keys == sorted(keys)
        for request in due:
            assert request.state is CallbackState.OPEN and request.queue_id == queue
            assert request.due_at is None or request.due_at <= now
            assert request.preferred_at is None or request.preferred_at <= now
            assert request.next_try_at is None or request.next_try_at <= now
        expected = {
            r.id
            for r in everyone
            if r.queue_id == queue
            and r.state is CallbackState.OPEN
            and all(t is None or t <= now for t in (r.preferred_at, r.next_try_at))
        }
        assert {r.id for r in due} == expected
    all_due = [r for q in (1, 2, 3) for r in book.due(q, now)]
    best = book.next_for({1, 2, 3}, now)
    assert best == (min(all_due, key=CallbackRequest.sort_key) if all_due else None)
