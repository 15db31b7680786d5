"""An agent's time over a period (REP-16, REP-08): states and pauses clipped to the period, an open
interval counted until now, utilisation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kc_domain.reports.activity import agent_time
from kc_domain.routing.projection import StateInterval

T0 = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)


def span(state: str, start_min: float, end_min: float | None, code: str = "") -> StateInterval:
    end = None if end_min is None else T0 + timedelta(minutes=end_min)
    return StateInterval(7, state, T0 + timedelta(minutes=start_min), end, code)


@pytest.mark.req("REP-16", "REP-08")
def test_states_pauses_clipping_and_utilisation():
    intervals = [
        span("ready", -30, 10),  # starts before the period: 10 min count
        span("busy", 10, 25),
        span("wrap_up", 25, 27),
        span("paused", 27, 57, "OBED"),
        span("ready", 57, 60),
        span("paused", 60, 65, "PRESTAVKA"),
        span("busy", 65, None),  # still on a call: until now
    ]
    spent = agent_time(7, intervals, T0, T0 + timedelta(hours=8), T0 + timedelta(minutes=75))
    assert spent.seconds == {"ready": 780.0, "busy": 1500.0, "wrap_up": 120.0, "paused": 2100.0}
    assert spent.pauses == {"OBED": 1800.0, "PRESTAVKA": 300.0} and spent.pause_count == 2
    assert spent.logged_in_s == 4500.0 and spent.working_s == 1620.0
    assert spent.utilisation == round(1620 / (4500 - 2100), 4)
    assert agent_time(7, [], T0, T0 + timedelta(hours=1), T0).utilisation is None
