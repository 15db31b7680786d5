"""Callback events: past tense, immutable, one for everything that happens to a callback request."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from kc_domain.routing.events import Event


@attrs.frozen
class CallbackEvent(Event):
    callback_id: str
    queue_id: int


@attrs.frozen
class CallbackRequested(CallbackEvent):
    caller: str
    source: str  # a CallbackSource value
    call_id: str
    preferred_at: datetime | None


@attrs.frozen
class CallbackMerged(CallbackEvent):
    """The same caller asked again in the same queue; the earlier request kept its place."""

    preferred_at: datetime | None
    call_id: str


@attrs.frozen
class CallbackAssigned(CallbackEvent):
    agent_id: int
    previous_agent_id: int | None = None


@attrs.frozen
class CallbackDialling(CallbackEvent):
    agent_id: int
    attempt: int  # 1 for the first attempt


@attrs.frozen
class CallbackAttempted(CallbackEvent):
    agent_id: int
    attempt: int
    outcome: str  # an AttemptOutcome value
    state: str  # the request's state after the attempt
    next_try_at: datetime | None = None
    note: str = ""


@attrs.frozen
class CallbackCompleted(CallbackEvent):
    agent_id: int | None
    attempts: int
    note: str = ""


@attrs.frozen
class CallbackFailed(CallbackEvent):
    attempts: int


@attrs.frozen
class CallbackCancelled(CallbackEvent):
    reason: str
    previous_state: str


@attrs.frozen
class CallbackReleased(CallbackEvent):
    """Dialling did not start after all (the agent's phone was not picked up): back in line, no
    attempt counted."""

    agent_id: int | None
    reason: str


CALLBACK_EVENT_TYPES: dict[str, type[CallbackEvent]] = {
    cls.__name__: cls
    for cls in (
        CallbackRequested,
        CallbackMerged,
        CallbackAssigned,
        CallbackDialling,
        CallbackAttempted,
        CallbackCompleted,
        CallbackFailed,
        CallbackCancelled,
        CallbackReleased,
    )
}

_TIME_FIELDS = ("at", "preferred_at", "next_try_at")


def callback_event_to_plain(event: CallbackEvent) -> dict[str, object]:
    """The event's fields as JSON-safe data (every time as ISO 8601), without its name."""
    data = attrs.asdict(event)
    for key in _TIME_FIELDS:
        if isinstance(data.get(key), datetime):
            data[key] = data[key].isoformat()
    return data


def callback_event_from_plain(name: str, data: dict[str, object]) -> CallbackEvent:
    """Inverse of ``callback_event_to_plain``; raises KeyError for an unknown event name."""
    values: dict[str, Any] = dict(data)
    for key in _TIME_FIELDS:
        if isinstance(values.get(key), str):
            values[key] = datetime.fromisoformat(values[key])
    return CALLBACK_EVENT_TYPES[name](**values)
