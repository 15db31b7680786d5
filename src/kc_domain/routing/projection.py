"""Projections folded from the engine's events: one interaction row per call with all its
timestamps and outcome, and agent state intervals. Reports (and the missed-call list, IN-26)
read these, never the engine's memory."""

from __future__ import annotations

import logging
from collections.abc import Callable, Container, Iterable, Sequence
from datetime import datetime

import attrs

from kc_domain.routing import events as ev
from kc_domain.routing.call import CallEnd

log = logging.getLogger(__name__)

LOST = frozenset(
    {
        CallEnd.ABANDONED_BEFORE_IVR,
        CallEnd.ABANDONED_IN_IVR,
        CallEnd.ABANDONED_IN_QUEUE,
        CallEnd.ABANDONED_RINGING,
    }
)


@attrs.define(eq=False)
class Interaction:
    call_id: str
    caller: str = ""
    dialled: str = ""
    direction: str = "inbound"
    queue_id: int | None = None
    agent_id: int | None = None
    priority: int = 5
    rule: str = ""
    arrived_at: datetime | None = None
    queued_at: datetime | None = None
    offered_at: datetime | None = None
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    end_stage: str = ""
    cause: str = ""
    waited_s: float | None = None  # queue entry to answer
    talk_s: float | None = None
    offers: int = 0
    rona_count: int = 0
    holds: int = 0
    transferred_to: str = ""
    overflow_reason: str = ""

    @property
    def lost(self) -> bool:
        return self.end_stage in {e.value for e in LOST}


def missed_by(row: Interaction) -> int | None:
    """The agent who missed the call, or None: a call is an agent's missed call when it was lost
    (nobody answered it) after it last rang her (AG-17, RT-01). The one definition for the agent's
    own list of calls to return and the supervisor's count of her missed calls. A call she had
    answered before it rang again elsewhere (she sent it to a queue) is not hers."""
    if not row.lost or row.agent_id is None or row.offered_at is None:
        return None
    if row.answered_at is not None and row.answered_at >= row.offered_at:
        return None
    return row.agent_id


FOLDED = (
    ev.CallArrived,
    ev.CallQueued,
    ev.CallOffered,
    ev.CallRingNoAnswer,
    ev.CallAnswered,
    ev.CallHeld,
    ev.CallTransferred,
    ev.CallOverflowed,
    ev.CallDialled,
    ev.CallConnected,
    ev.CallEnded,
)


def starts_call(event: ev.Event) -> bool:
    """Whether ``event`` begins a call's interaction row: its arrival, or an outbound dial. Events of
    a call the journal has no row for that do not (a recording or a tag of a call never seen) make
    no row: they are kept in the event log only."""
    return isinstance(event, ev.CallArrived | ev.CallDialled)


def merges_calls(row: Interaction, event: ev.Event) -> bool:
    """Whether folding ``event`` into ``row`` would make two calls one: a call arriving (or dialled)
    under the id of a call that has arrived already, or anything of a call after it ended (an id the
    PBX used again). Such an event is refused; the row keeps the first call as it was."""
    if not isinstance(event, FOLDED):
        return False
    return row.ended_at is not None or (
        isinstance(event, ev.CallArrived | ev.CallDialled) and row.arrived_at is not None
    )


def fold_interaction(row: Interaction, event: ev.Event) -> bool:
    """Apply one call event to its interaction row (the row's call_id matches the event's); False,
    with the row untouched, for an event that would merge two calls into one (``merges_calls``)."""
    if merges_calls(row, event):
        log.error(
            "journal refused %s for call=%s at %s: that call arrived at %s and ended at %s; "
            "an id used again would merge two calls into one",
            type(event).__name__,
            row.call_id,
            event.at,
            row.arrived_at,
            row.ended_at,
        )
        return False
    _fold(row, event)
    return True


def _fold(row: Interaction, event: ev.Event) -> None:
    match event:
        case ev.CallArrived():
            row.caller, row.dialled, row.arrived_at = event.caller, event.dialled, event.at
        case ev.CallQueued():
            row.queue_id, row.priority = event.queue_id, event.priority
            row.rule = event.rule or row.rule
            row.queued_at = row.queued_at or event.at
        case ev.CallOffered():
            row.offers += 1
            row.offered_at, row.agent_id = event.at, event.agent_id
        case ev.CallRingNoAnswer():
            row.rona_count += 1
        case ev.CallAnswered():
            row.answered_at, row.agent_id, row.waited_s = event.at, event.agent_id, event.waited_s
        case ev.CallHeld():
            row.holds += 1
        case ev.CallTransferred():
            row.transferred_to = f"{event.target_kind}:{event.target}"
        case ev.CallOverflowed():
            row.overflow_reason = event.reason
        case ev.CallDialled():
            row.direction, row.caller, row.dialled = "outbound", event.number, event.number
            row.queue_id, row.agent_id, row.arrived_at = event.queue_id, event.agent_id, event.at
            row.offered_at = event.at if event.agent_id is not None else None  # None: the dialler's
        case ev.CallConnected():
            row.answered_at = event.at
        case ev.CallEnded():
            row.ended_at, row.end_stage, row.cause = event.at, event.stage, event.cause
            if event.agent_id is not None:  # who had it last: a consulted colleague it went on with
                row.agent_id = event.agent_id
            if event.queue_id is not None:
                row.queue_id = event.queue_id
            if row.answered_at is not None:
                row.talk_s = (event.at - row.answered_at).total_seconds()


# a call's own events, and the PBX's refusals of commands for it (an agent's events name a call too,
# but belong to the agent)
CALL_EVENTS = tuple(
    cls
    for name, cls in ev.EVENT_TYPES.items()
    if name.startswith(("Call", "PbxCommand")) and hasattr(cls, "call_id")
)


def call_id_of(event: ev.Event) -> str | None:
    """The call an event belongs to; None for agent and callback events."""
    if not isinstance(event, CALL_EVENTS):
        return None
    call_id: str = getattr(event, "call_id", "")
    return call_id


@attrs.define(eq=False)
class StateInterval:
    agent_id: int
    state: str
    started_at: datetime
    ended_at: datetime | None = None
    pause_code: str = ""
    call_id: str = ""
    id: int | None = None  # given by a store


def fold_intervals(
    open_intervals: dict[int, StateInterval], events: Iterable[ev.Event]
) -> list[StateInterval]:
    """Close and open agent state intervals; returns every interval touched (closed or new)."""
    touched: list[StateInterval] = []
    for event in events:
        if not isinstance(event, ev.AgentStateChanged):
            continue
        current = open_intervals.pop(event.agent_id, None)
        if current is not None:
            current.ended_at = event.at
            touched.append(current)
        if event.state != "logged_out":
            opened = StateInterval(
                event.agent_id, event.state, event.at, None, event.pause_code, event.call_id
            )
            open_intervals[event.agent_id] = opened
            touched.append(opened)
    return touched


def still_missed(
    missed: Iterable[Interaction],
    contacts_of: Callable[[str], Sequence[Interaction]],
    open_callers: Container[str],
) -> list[Interaction]:
    """The missed calls still to return (AG-17, IN-26), newest first, one per caller: a caller is
    off the list once a callback request is open for them or they were reached after the missed
    call (a later call answered, theirs or ours)."""
    newest: dict[str, Interaction] = {}
    for row in missed:
        if not row.caller or row.arrived_at is None:
            continue
        kept = newest.get(row.caller)
        if kept is None or (kept.arrived_at is not None and row.arrived_at > kept.arrived_at):
            newest[row.caller] = row
    found = []
    for caller, row in newest.items():
        if caller in open_callers:
            continue
        assert row.arrived_at is not None
        reached = any(
            c.answered_at is not None and c.arrived_at is not None and c.arrived_at >= row.arrived_at
            for c in contacts_of(caller)
            if c.call_id != row.call_id
        )
        if not reached:
            found.append(row)
    return sorted(found, key=lambda r: (r.arrived_at, r.call_id), reverse=True)
