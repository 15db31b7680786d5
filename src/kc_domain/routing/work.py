"""Work items of media beside calls (an outbound campaign's attempt, a chat, an e-mail) and the
media that bring them into the engine.

A ``Medium`` is a name, the message types it adds with their handlers, and its timer kinds: the
engine is built with its media (``RoutingEngine(..., media=...)``) and its handler table is the
calls' table plus theirs, each message type handled once. A medium's handlers keep their items in
``RoutingState.items`` and share the agents with calls through the agent's ``Capacity``: how many
items of each medium she may hold at once (``Agent.free_for``).

``WorkItem`` is the state machine every such item shares, written like ``Call`` and ``Agent``:
verbs with the stages they are allowed from, ``IllegalTransition`` otherwise, and one place that
sets the final stage (``close``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any

import attrs

from kc_domain import transitions


class WorkStage(StrEnum):
    WAITING = "waiting"  # in its queue, for a free agent with room for its medium
    OFFERED = "offered"  # reserved for one agent, who may accept or decline it
    ACCEPTED = "accepted"  # the agent works on it
    CLOSED = "closed"


class IllegalTransition(transitions.IllegalTransition):
    def __init__(self, item_id: str, stage: WorkStage, action: str) -> None:
        self.item_id = item_id
        super().__init__(f"work item {item_id}", stage, action)


@attrs.define(eq=False)
class WorkItem:
    item_id: str
    medium: str
    queue_id: int
    arrived_at: datetime
    stage: WorkStage = WorkStage.WAITING
    agent_id: int | None = None
    offered_at: datetime | None = None
    accepted_at: datetime | None = None
    closed_at: datetime | None = None
    outcome: str = ""

    def offer(self, agent_id: int, at: datetime) -> None:
        self._require("be offered", WorkStage.WAITING)
        self.stage, self.agent_id, self.offered_at = WorkStage.OFFERED, agent_id, at

    def accept(self, agent_id: int, at: datetime) -> None:
        self._require("be accepted", WorkStage.OFFERED)
        if agent_id != self.agent_id:
            raise IllegalTransition(self.item_id, self.stage, f"be accepted by agent {agent_id}")
        self.stage, self.accepted_at = WorkStage.ACCEPTED, at

    def decline(self) -> None:
        """The agent let it go before accepting it: back in line for someone else."""
        self._require("be declined", WorkStage.OFFERED)
        self.stage, self.agent_id, self.offered_at = WorkStage.WAITING, None, None

    def close(self, outcome: str, at: datetime) -> None:
        """The one place an item ends, from any stage but closed."""
        self._require("close", WorkStage.WAITING, WorkStage.OFFERED, WorkStage.ACCEPTED)
        self.stage, self.outcome, self.closed_at = WorkStage.CLOSED, outcome, at

    @property
    def held(self) -> bool:
        """Whether it takes a place in its agent's capacity (offered or accepted)."""
        return self.stage in (WorkStage.OFFERED, WorkStage.ACCEPTED)

    def _require(self, action: str, *stages: WorkStage) -> None:
        if self.stage not in stages:
            raise IllegalTransition(self.item_id, self.stage, action)


@attrs.frozen
class Medium:
    """A medium beside calls: its message types with their handlers (each ``(state, message)``) and
    its timer kinds with theirs (``(state, key, now)``); see ``handlers.tables``."""

    name: str
    handlers: Mapping[type, Callable[..., Any]] = attrs.field(factory=dict)
    timers: Mapping[str, Callable[..., None]] = attrs.field(factory=dict)


def tables(
    handlers: Mapping[type, Callable[..., Any]],
    timers: Mapping[str, Callable[..., None]],
    media: Sequence[Medium],
) -> tuple[dict[type, Callable[..., Any]], dict[str, Callable[..., None]]]:
    """The calls' tables with every medium's added (an engine's own tables); a message type or a
    timer kind claimed twice is refused: one handler each."""
    all_handlers, all_timers = dict(handlers), dict(timers)
    for medium in media:
        for message, handler in medium.handlers.items():
            if message in all_handlers:
                raise ValueError(f"{message.__name__} of medium {medium.name!r} already has a handler")
            all_handlers[message] = handler
        for kind, timer in medium.timers.items():
            if kind in all_timers:
                raise ValueError(f"timer {kind!r} of medium {medium.name!r} already has a handler")
            all_timers[kind] = timer
    return all_handlers, all_timers
