"""Domain events: past tense, immutable, one for everything that happens (IN-04).

Reporting projections and the live view are built from these alone, so nothing that matters
for a report may happen without one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs


@attrs.frozen
class Event:
    at: datetime

    @property
    def name(self) -> str:
        return type(self).__name__


# -- calls ---------------------------------------------------------------------------------------
@attrs.frozen
class CallArrived(Event):
    call_id: str
    caller: str
    dialled: str


@attrs.frozen
class CallQueued(Event):
    call_id: str
    queue_id: int
    priority: int
    rule: str = ""  # the caller rule that set the priority or chose the queue, if any


@attrs.frozen
class CallOffered(Event):
    call_id: str
    queue_id: int
    agent_id: int


@attrs.frozen
class CallRingNoAnswer(Event):
    call_id: str
    agent_id: int


@attrs.frozen
class CallAnswered(Event):
    call_id: str
    queue_id: int
    agent_id: int
    waited_s: float


@attrs.frozen
class CallHeld(Event):
    call_id: str
    agent_id: int


@attrs.frozen
class CallRetrieved(Event):
    call_id: str
    agent_id: int


@attrs.frozen
class CallTransferred(Event):
    call_id: str
    agent_id: int | None
    target_kind: str  # queue, agent, number
    target: str


@attrs.frozen
class CallOverflowed(Event):
    call_id: str
    queue_id: int
    reason: str  # closed, no_agents, max_wait
    target_kind: str
    target: str


@attrs.frozen
class CallEnded(Event):
    """The final word on a call: exactly one per call, with the stage at which it ended."""

    call_id: str
    stage: str  # a CallEnd value
    queue_id: int | None
    agent_id: int | None
    cause: str = ""


# -- agents --------------------------------------------------------------------------------------
@attrs.frozen
class AgentLoggedIn(Event):
    agent_id: int


@attrs.frozen
class AgentLoggedOut(Event):
    agent_id: int


@attrs.frozen
class AgentSignedIntoQueue(Event):
    agent_id: int
    queue_id: int


@attrs.frozen
class AgentSignedOutOfQueue(Event):
    agent_id: int
    queue_id: int


@attrs.frozen
class AgentStateChanged(Event):
    """Every change of an agent's state; agent state intervals are built from these."""

    agent_id: int
    state: str  # an AgentState value
    previous: str
    pause_code: str = ""
    call_id: str = ""
    reason: str = ""


EVENT_TYPES: dict[str, type[Event]] = {
    cls.__name__: cls
    for cls in (
        CallArrived,
        CallQueued,
        CallOffered,
        CallRingNoAnswer,
        CallAnswered,
        CallHeld,
        CallRetrieved,
        CallTransferred,
        CallOverflowed,
        CallEnded,
        AgentLoggedIn,
        AgentLoggedOut,
        AgentSignedIntoQueue,
        AgentSignedOutOfQueue,
        AgentStateChanged,
    )
}


def event_to_plain(event: Event) -> dict[str, object]:
    """The event's fields as JSON-safe data (the time as ISO 8601), without its name."""
    data = attrs.asdict(event)
    data["at"] = event.at.isoformat()
    return data


def event_from_plain(name: str, data: dict[str, object]) -> Event:
    """Inverse of ``event_to_plain``; raises KeyError for an unknown event name."""
    values: dict[str, Any] = dict(data)
    values["at"] = datetime.fromisoformat(str(values["at"]))
    return EVENT_TYPES[name](**values)
