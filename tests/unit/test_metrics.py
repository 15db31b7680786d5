"""The service level, defined once (RT-04, RT-05, WB-01): answered within the threshold over the
calls whose wait is over; callers still waiting do not pull it down."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from kc_domain.metrics import service_level
from kc_domain.routing import events as ev
from kc_domain.routing.live import LiveCounters

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # 10:00 in Prague


@pytest.mark.req("RT-04", "WB-01")
def test_service_level_counts_answered_and_lost_calls_only():
    assert service_level(0, 0) is None
    assert service_level(8, 9 + 1) == 0.8
    assert service_level(2, 2 + 1) == 0.6667


@pytest.mark.req("RT-05", "WB-01")
def test_a_caller_still_waiting_does_not_lower_the_live_service_level():
    counters = LiveCounters(ZoneInfo("Europe/Prague"), {1: 20})
    counters.apply(
        [
            ev.CallQueued(T0, "a", 1, 5),
            ev.CallAnswered(T0 + timedelta(seconds=10), "a", 1, 7, 10.0),
            ev.CallQueued(T0, "b", 1, 5),
            ev.CallAnswered(T0 + timedelta(seconds=40), "b", 1, 7, 40.0),
            ev.CallQueued(T0 + timedelta(minutes=1), "c", 1, 5),  # still waiting
        ]
    )
    today = counters.queues[1].plain()
    assert (today["offered"], today["answered"], today["answered_in_sl"]) == (3, 2, 1)
    assert today["service_level"] == 0.5
    assert today["hours"] == [{"hour": 10, "offered": 3, "answered": 2, "lost": 0}]


def _seconds(n: float) -> datetime:
    return T0 + timedelta(seconds=n)


@pytest.mark.req("RT-01", "AG-17")
def test_an_agents_missed_calls_are_the_calls_lost_after_they_last_rang_her():
    """One definition (``projection.missed_by``) for the supervisor's count and the agent's list:
    a call lost while ringing her, or lost after she let it ring out, is hers; a call she let ring
    that a colleague then answered, or one she answered and sent to a queue, is not."""
    counters = LiveCounters(ZoneInfo("Europe/Prague"), {1: 20})
    calls = ("lost-ringing", "rang-out-then-lost", "answered-by-8", "sent-to-a-queue")
    counters.apply(
        [
            *(ev.CallArrived(_seconds(0), call, "+420601000001", "801") for call in calls),
            ev.CallQueued(_seconds(0), "lost-ringing", 1, 5),
            ev.CallOffered(_seconds(1), "lost-ringing", 1, 5),
            ev.CallEnded(_seconds(5), "lost-ringing", "abandoned_ringing", 1, 5, "caller"),
            ev.CallQueued(_seconds(0), "rang-out-then-lost", 1, 5),
            ev.CallOffered(_seconds(1), "rang-out-then-lost", 1, 6),
            ev.CallRingNoAnswer(_seconds(21), "rang-out-then-lost", 6),
            ev.CallEnded(_seconds(40), "rang-out-then-lost", "abandoned_in_queue", 1, None, "caller"),
            ev.CallQueued(_seconds(0), "answered-by-8", 1, 5),
            ev.CallOffered(_seconds(1), "answered-by-8", 1, 7),
            ev.CallRingNoAnswer(_seconds(21), "answered-by-8", 7),
            ev.CallOffered(_seconds(22), "answered-by-8", 1, 8),
            ev.CallAnswered(_seconds(25), "answered-by-8", 1, 8, 25.0),
            ev.CallEnded(_seconds(90), "answered-by-8", "completed", 1, 8, "normal"),
            ev.CallQueued(_seconds(0), "sent-to-a-queue", 1, 5),
            ev.CallOffered(_seconds(1), "sent-to-a-queue", 1, 9),
            ev.CallAnswered(_seconds(3), "sent-to-a-queue", 1, 9, 3.0),
            ev.CallTransferred(_seconds(30), "sent-to-a-queue", 9, "queue", "2"),
            ev.CallQueued(_seconds(30), "sent-to-a-queue", 2, 5, "transfer"),
            ev.CallEnded(_seconds(80), "sent-to-a-queue", "abandoned_in_queue", 2, None, "caller"),
        ]
    )
    missed = {agent: counters.agents.get(agent, {}).get("missed", 0) for agent in (5, 6, 7, 8, 9)}
    assert missed == {5: 1, 6: 1, 7: 0, 8: 0, 9: 0}
    counters.apply([ev.CallRecorded(_seconds(95), "answered-by-8", 8, "rec-1", _seconds(25), 65.0)])
    assert counters.calls == {}  # a recording reported after the end keeps no call in memory
