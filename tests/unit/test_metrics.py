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
