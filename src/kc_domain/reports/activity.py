"""An agent's time over a period (REP-16, REP-08): logged-in time, each state and each pause code,
utilisation. Built from the state intervals clipped to the period; an interval still open counts
until ``now``. Definitions (docs/metrics.md): *logged in* is every state but logged out; *working*
is ringing, on a call and wrap-up; *utilisation* is working time over logged-in time less pauses;
*occupancy* (a campaign's agents, REP-10) is talk and wrap-up (on a call, wrap-up) over logged-in time."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

import attrs

from kc_domain.routing.projection import StateInterval
from kc_domain.texts import N_

WORKING = ("ringing", "busy", "wrap_up")
OCCUPIED = ("busy", "wrap_up")  # talk and wrap-up


@attrs.frozen
class AgentTime:
    agent_id: int
    seconds: dict[str, float]  # state -> seconds
    pauses: dict[str, float]  # pause code -> seconds
    pause_count: int

    @property
    def logged_in_s(self) -> float:
        return round(sum(s for state, s in self.seconds.items() if state != "logged_out"), 1)

    @property
    def working_s(self) -> float:
        return round(sum(self.seconds.get(state, 0.0) for state in WORKING), 1)

    @property
    def occupied_s(self) -> float:
        return round(sum(self.seconds.get(state, 0.0) for state in OCCUPIED), 1)

    @property
    def utilisation(self) -> float | None:
        available = self.logged_in_s - self.seconds.get("paused", 0.0)
        return round(self.working_s / available, 4) if available > 0 else None


def occupancy(times: Iterable[AgentTime]) -> float | None:
    """Talk and wrap-up over logged-in time, of one agent or summed over several."""
    listed = list(times)
    logged_in = sum(t.logged_in_s for t in listed)
    return round(sum(t.occupied_s for t in listed) / logged_in, 4) if logged_in > 0 else None


def agent_time(
    agent_id: int, intervals: Iterable[StateInterval], since: datetime, until: datetime, now: datetime
) -> AgentTime:
    seconds: dict[str, float] = {}
    pauses: dict[str, float] = {}
    count = 0
    for interval in intervals:
        start = max(interval.started_at, since)
        end = min(interval.ended_at or now, until)
        if end <= start:
            continue
        length = (end - start).total_seconds()
        seconds[interval.state] = seconds.get(interval.state, 0.0) + length
        if interval.state == "paused":
            code = interval.pause_code or "?"
            pauses[code] = pauses.get(code, 0.0) + length
            count += 1
    return AgentTime(
        agent_id,
        {k: round(v, 1) for k, v in seconds.items()},
        {k: round(v, 1) for k, v in sorted(pauses.items())},
        count,
    )


def agent_times(
    rows: Iterable[tuple[int, str, str, float, int]],
) -> dict[int, AgentTime]:
    """Agent times from sums by (agent, state, pause code): seconds and number of intervals, as the
    SQL journal gives them."""
    seconds: dict[int, dict[str, float]] = {}
    pauses: dict[int, dict[str, float]] = {}
    counts: dict[int, int] = {}
    for agent_id, state, code, length, count in rows:
        by_state = seconds.setdefault(agent_id, {})
        by_state[state] = round(by_state.get(state, 0.0) + length, 1)
        if state == "paused":
            by_code = pauses.setdefault(agent_id, {})
            by_code[code or "?"] = round(by_code.get(code or "?", 0.0) + length, 1)
            counts[agent_id] = counts.get(agent_id, 0) + count
    return {
        a: AgentTime(a, seconds[a], dict(sorted(pauses.get(a, {}).items())), counts.get(a, 0))
        for a in seconds
    }


# the pause codes KC sets itself (msgids of their names)
SYSTEM_PAUSES = {
    "LOGIN": N_("After logging in"),
    "RONA": N_("Call not answered"),
    "?": N_("Pause without a code"),
}


def pause_names(pause_codes: Iterable[Any], translate: Callable[[str], str]) -> dict[str, str]:
    """Each pause code, administered (active or not) or KC's own, by the name people know it by."""
    names = {code: translate(msgid) for code, msgid in SYSTEM_PAUSES.items()}
    names.update({p.code: p.name for p in pause_codes})
    return names


def pause_name(code: str, names: Mapping[str, str]) -> str:
    """A pause's name; a code no longer administered (deleted since) has no other name than itself."""
    return names.get(code) or code
