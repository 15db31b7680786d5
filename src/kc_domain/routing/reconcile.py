"""What a stopped engine left open, closed when the next one starts (GEN-03, IN-04, REP-*).

An engine that was killed, crashed or lost its host leaves calls and agent intervals open in the
journal: a fresh engine on the simulated PBX has none of those calls (they ended with it), and
every agent starts logged out. Left open, they would absorb the downtime as talk or agent time and
keep reports from adding up. They are ended at the moment KC was last known to work, with the cause
``kc_down`` ("ended while KC was down"):

- a call an agent had answered ends as ``interrupted``: it counts as answered, talk up to then;
- a call nobody had answered counts as lost where it was (ringing, in the queue, before that), so
  that it reaches the missed-call list to be returned (IN-26); an outbound call as not reached;
- every open agent interval ends with a log-out, so the downtime is nobody's working time.

With a real PBX the next engine first adopts the calls the PBX still has (``keep_calls``).
"""

from __future__ import annotations

from collections.abc import Container, Iterable
from datetime import datetime

from kc_domain.routing import events as ev
from kc_domain.routing.call import CallEnd
from kc_domain.routing.projection import Interaction, StateInterval

DOWN_CAUSE = "kc_down"


def end_stage_when_down(row: Interaction) -> CallEnd:
    """Where a call still open when KC stopped ended, by what its row says happened to it."""
    if row.answered_at is not None:
        return CallEnd.INTERRUPTED
    if row.direction == "outbound":
        return CallEnd.NOT_REACHED
    if row.offered_at is not None:
        return CallEnd.ABANDONED_RINGING
    if row.queued_at is not None:
        return CallEnd.ABANDONED_IN_QUEUE
    return CallEnd.ABANDONED_BEFORE_IVR


def close_left_open(
    calls: Iterable[Interaction],
    intervals: Iterable[StateInterval],
    down_at: datetime,
    *,
    keep_calls: Container[str] = (),
    keep_agents: Container[int] = (),
) -> list[ev.Event]:
    """The events that end every open call and agent interval at ``down_at`` (or at the call's or
    interval's own last time, when that is later), except those the running engine still has."""
    events: list[ev.Event] = []
    for row in calls:
        if row.call_id in keep_calls:
            continue
        known = [t for t in (row.arrived_at, row.queued_at, row.offered_at, row.answered_at) if t]
        at = max([down_at, *known])
        stage = end_stage_when_down(row)
        events.append(ev.CallEnded(at, row.call_id, stage.value, row.queue_id, row.agent_id, DOWN_CAUSE))
    for interval in intervals:
        if interval.agent_id in keep_agents:
            continue
        at = max(down_at, interval.started_at)
        events.append(
            ev.AgentStateChanged(at, interval.agent_id, "logged_out", interval.state, reason=DOWN_CAUSE)
        )
        events.append(ev.AgentLoggedOut(at, interval.agent_id))
    return events
