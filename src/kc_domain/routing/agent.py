"""The agent as the ACD sees it: a state machine plus its skills and signed-in queues."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

import attrs

from kc_domain import transitions


class AgentState(StrEnum):
    LOGGED_OUT = "logged_out"
    READY = "ready"
    RINGING = "ringing"  # reserved for one offered call
    BUSY = "busy"  # talking (on hold is a flag of the call, the agent stays busy)
    WRAP_UP = "wrap_up"
    PAUSED = "paused"


DIALLABLE = frozenset({AgentState.READY, AgentState.PAUSED, AgentState.WRAP_UP})
"""States from which KC may place an outbound call from the agent's phone (a callback, the dial pad)."""

RONA_PAUSE = "RONA"
"""Pause code set by the engine when an agent lets a call ring unanswered."""


class IllegalTransition(transitions.IllegalTransition):
    """The agent's: ``agent_id`` says whose."""

    def __init__(self, agent_id: int, state: AgentState, action: str) -> None:
        self.agent_id = agent_id
        super().__init__(f"agent {agent_id}", state, action)


@attrs.frozen
class Skill:
    level: int = 5  # 1 novice .. 10 expert
    priority: int = 5  # 1 first .. 10 last


VOICE = "call"  # the medium of calls, which the agent's state machine itself tracks


@attrs.frozen
class Capacity:
    """How many work items of each medium an agent may hold at once beside her call (chats, an
    outbound preview...); a medium not named gets none. Calls are one at a time: her state says
    whether she has one."""

    limits: dict[str, int] = attrs.field(factory=dict)

    def room(self, medium: str, holding: int) -> bool:
        return holding < self.limits.get(medium, 0)


@attrs.define(eq=False)
class Agent:
    agent_id: int
    name: str = ""
    skills: dict[int, Skill] = attrs.field(factory=dict)  # queue id -> skill
    locked_queues: frozenset[int] = frozenset()  # sign-in/out forbidden by the administrator
    capacity: Capacity = attrs.field(factory=Capacity)
    state: AgentState = AgentState.LOGGED_OUT
    since: datetime | None = None
    signed_in: set[int] = attrs.field(factory=set)
    pause_code: str = ""
    call_id: str = ""
    last_call_id: str = ""  # the call just finished (notes and category in wrap-up)
    device: str = ""  # the mobile number the agent works on (IN-28); "": the desk phone
    pending: str = ""  # a supervisor's pause ("pause:<code>") or "log_out" once the call's work is over
    resume_pause: str = ""  # the pause the agent dialled out from: hers again once that call is over
    wrap_up_until: datetime | None = None
    idle_since: datetime | None = None  # when the agent last became ready after work
    handled: int = 0
    talk_s: float = 0.0
    holding: dict[str, set[str]] = attrs.field(factory=dict)  # medium -> items she holds (not calls)

    # -- transitions -------------------------------------------------------------------------------
    def log_in(self, at: datetime) -> AgentState:
        self._require("log in", AgentState.LOGGED_OUT)
        self.signed_in = {q for q in self.skills}  # all skilled queues; agents adjust per queue
        return self._enter(AgentState.PAUSED, at, pause_code="LOGIN")

    def log_out(self, at: datetime) -> AgentState:
        self._require("log out", AgentState.READY, AgentState.PAUSED, AgentState.WRAP_UP)
        self.signed_in, self.resume_pause = set(), ""
        return self._enter(AgentState.LOGGED_OUT, at)

    def make_ready(self, at: datetime) -> AgentState:
        self._require("become ready", AgentState.PAUSED, AgentState.WRAP_UP, AgentState.READY)
        if self.state != AgentState.READY:
            self.idle_since = at
        self.resume_pause = ""
        return self._enter(AgentState.READY, at)

    def pause(self, code: str, at: datetime) -> AgentState:
        self._require("pause", AgentState.READY, AgentState.PAUSED, AgentState.WRAP_UP)
        self.resume_pause = ""
        return self._enter(AgentState.PAUSED, at, pause_code=code)

    def reserve(self, call_id: str, at: datetime) -> AgentState:
        self._require("take a call", AgentState.READY)
        self.call_id = call_id
        return self._enter(AgentState.RINGING, at)

    def dial(self, call_id: str, at: datetime) -> AgentState:
        """KC places an outbound call from the agent's phone (a callback): it rings them first. A
        pause she dials out from is remembered (and kept through the wrap-up of such a call):
        calling someone does not end her pause."""
        self._require("dial", *DIALLABLE)
        self.call_id = call_id
        if self.state == AgentState.PAUSED:
            self.resume_pause = self.pause_code
        return self._enter(AgentState.RINGING, at)

    def dial_not_picked_up(self, at: datetime) -> AgentState:
        """The agent's phone rang for a call she placed and she did not pick up (or hung up first):
        back to the pause she dialled out from, else ready. Not a ring-no-answer: nobody was
        offered to her, so there is nothing to pause her for."""
        self._require("give up a dial", AgentState.RINGING)
        self.call_id = ""
        code, self.resume_pause = self.resume_pause, ""
        if code:
            return self._enter(AgentState.PAUSED, at, pause_code=code)
        self.idle_since = at
        return self._enter(AgentState.READY, at)

    def answer(self, call_id: str, at: datetime) -> AgentState:
        self._require("answer", AgentState.RINGING)
        if call_id != self.call_id:
            raise IllegalTransition(self.agent_id, self.state, f"answer {call_id} (offered {self.call_id})")
        return self._enter(AgentState.BUSY, at)

    def ring_no_answer(self, at: datetime) -> AgentState:
        """The offered call rang out: the agent is set not-ready so that no further call is lost."""
        self._require("miss a call", AgentState.RINGING)
        self.call_id = ""
        return self._enter(AgentState.PAUSED, at, pause_code=RONA_PAUSE)

    def release(self, at: datetime) -> AgentState:
        """An offered call went away before it was answered (caller hung up, call was taken back)."""
        self._require("release an offer", AgentState.RINGING)
        self.call_id = ""
        return self._enter(AgentState.READY, at)

    def finish_call(self, at: datetime, wrap_up_s: int) -> AgentState:
        self._require("finish a call", AgentState.BUSY)
        assert self.since is not None
        self.handled += 1
        self.talk_s += (at - self.since).total_seconds()
        self.last_call_id, self.call_id = self.call_id, ""
        if wrap_up_s <= 0:
            self.idle_since = at
            return self._enter(AgentState.READY, at)
        self.wrap_up_until = at + timedelta(seconds=wrap_up_s)
        return self._enter(AgentState.WRAP_UP, at)

    def extend_wrap_up(self, seconds: int, at: datetime) -> None:
        self._require("extend wrap-up", AgentState.WRAP_UP)
        assert self.wrap_up_until is not None
        self.wrap_up_until = max(self.wrap_up_until, at) + timedelta(seconds=seconds)

    # -- queries -----------------------------------------------------------------------------------
    @property
    def on_call(self) -> bool:
        """Ringing, talking or holding a call (a consultation too): a log-out or pause must wait."""
        return self.state in (AgentState.RINGING, AgentState.BUSY) or self.call_id != ""

    def free_for(self, medium: str) -> bool:
        """Whether she may take one more item of ``medium``: a call when ready; another medium's
        item when logged in and not paused, within her capacity for it."""
        if medium == VOICE:
            return self.state == AgentState.READY
        working = self.state not in (AgentState.LOGGED_OUT, AgentState.PAUSED)
        return working and self.capacity.room(medium, len(self.holding.get(medium, ())))

    def take(self, medium: str, item_id: str) -> None:
        """She holds an item of a medium beside calls (offered or accepted)."""
        if not self.free_for(medium):
            raise IllegalTransition(self.agent_id, self.state, f"take a {medium} item")
        self.holding.setdefault(medium, set()).add(item_id)

    def put_down(self, medium: str, item_id: str) -> None:
        self.holding.get(medium, set()).discard(item_id)

    def can_take(self, queue_id: int) -> bool:
        return self.state == AgentState.READY and queue_id in self.signed_in and queue_id in self.skills

    def _require(self, action: str, *states: AgentState) -> None:
        if self.state not in states:
            raise IllegalTransition(self.agent_id, self.state, action)

    def _enter(self, state: AgentState, at: datetime, pause_code: str = "") -> AgentState:
        previous = self.state
        self.state, self.since, self.pause_code = state, at, pause_code
        if state != AgentState.WRAP_UP:
            self.wrap_up_until = None
        return previous
