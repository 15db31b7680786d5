"""The call as the ACD sees it, from arrival to its one final stage."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

import attrs

from kc_domain import transitions


class CallStage(StrEnum):
    ARRIVED = "arrived"  # before the IVR
    IVR = "ivr"
    QUEUED = "queued"
    RINGING = "ringing"  # offered to an agent
    ANSWERED = "answered"
    VOICEMAIL = "voicemail"  # leaving a message (IN-08)
    CALLBACK = "callback"  # asked for a callback, keying in the preferred time (IN-09)
    ENDED = "ended"


class CallEnd(StrEnum):
    """Where a call ended; lost calls by stage (REP-13) come from these."""

    ABANDONED_BEFORE_IVR = "abandoned_before_ivr"
    ABANDONED_IN_IVR = "abandoned_in_ivr"
    ABANDONED_IN_QUEUE = "abandoned_in_queue"
    ABANDONED_RINGING = "abandoned_ringing"
    COMPLETED = "completed"  # answered and finished by an agent
    TRANSFERRED = "transferred"  # left KC's queues for another number
    OVERFLOWED = "overflowed"  # sent elsewhere by opening hours, no agents or max wait
    CALLED_BACK = "called_back"  # caller chose a callback instead of waiting
    VOICEMAIL = "voicemail"  # caller left a message (or reached voicemail and hung up)
    ENDED_BY_IVR = "ended_by_ivr"  # the IVR hung up, e.g. after an information prompt
    NOT_REACHED = "not_reached"  # outbound: the called party did not answer
    REJECTED = "rejected"  # blocked number
    INTERRUPTED = "interrupted"  # answered, and still open when KC stopped: ended while KC was down
    DIALLER_ABANDONED = "dialler_abandoned"  # a dialler's callee answered and no agent came in time


ABANDONED_AT = {
    CallStage.ARRIVED: CallEnd.ABANDONED_BEFORE_IVR,
    CallStage.IVR: CallEnd.ABANDONED_IN_IVR,
    CallStage.QUEUED: CallEnd.ABANDONED_IN_QUEUE,
    CallStage.RINGING: CallEnd.ABANDONED_RINGING,
}


TALKER_GRACE = timedelta(seconds=1)

S = CallStage
WAITING = frozenset({S.ARRIVED, S.IVR, S.QUEUED})  # may be (re)queued or walk an IVR tree
LEFT_IN_THE_FLOW = frozenset({S.IVR, S.QUEUED})  # a key or an IVR outcome takes it to voicemail or a callback
LIVE = frozenset(S) - {S.ENDED}


class IllegalTransition(transitions.IllegalTransition):
    """The call's: ``call_id`` says which."""

    def __init__(self, call_id: str, stage: CallStage, action: str) -> None:
        self.call_id = call_id
        super().__init__(f"call {call_id}", stage, action)


@attrs.define(eq=False)
class Call:
    call_id: str
    caller: str
    dialled: str
    arrived_at: datetime
    seq: int  # arrival order, the tie-breaker after priority
    stage: CallStage = CallStage.ARRIVED
    queue_id: int | None = None
    priority: int = 5  # 1 first .. 10 last
    queued_at: datetime | None = None
    agent_id: int | None = None  # offered to or talking with
    offered_at: datetime | None = None
    answered_at: datetime | None = None
    sticky_agent_id: int | None = None  # IN-13: wait for this agent until sticky_until
    sticky_until: datetime | None = None
    held: bool = False
    max_wait_until: datetime | None = None  # overflow when still unanswered by then
    rona_count: int = 0
    overflow_hops: int = 0
    tags: dict[str, str] = attrs.field(factory=dict)
    direction: str = "inbound"
    callback_id: str = ""  # outbound: the callback request being dialled; inbound: the one it became
    connected: bool = False  # outbound: the called party answered
    placed_by_agent: bool = False  # outbound: she dialled it herself (not a callback KC offered her)
    campaign_id: int | None = None  # outbound: dialled by the dialler for this campaign (``dialler``)
    entry_id: int | None = None  # and this contact of its list
    pbx_answered: bool = False  # KC picked the call up to play prompts (IVR, announcements)
    prompts_playing: int = 0  # prompts sent to the PBX and not reported finished
    keyed: str = ""  # digits keyed in outside the IVR (the preferred callback time)
    ivr_path: list[str] = attrs.field(factory=list)  # "tree/node:key" for each key in the IVR
    consulting: str = ""  # the consulted party while a consultation or conference is open
    consult_agent_id: int | None = None  # when that party is an agent of KC
    conference: bool = False
    held_before_consult: bool = False  # how the caller was before it: what a refused consultation leaves
    recording: bool = True  # every call is recorded unless the agent opts out (REC-01)
    talkers: list[tuple[datetime, int]] = attrs.field(factory=list)  # (since, agent) talking with the caller
    monitors: dict[int, str] = attrs.field(factory=dict)  # supervisor id -> listen, whisper, barge
    end: CallEnd | None = None
    ended_at: datetime | None = None

    # -- transitions: each checks the stages it may come from and returns the one it left ----------
    def enter_ivr(self) -> CallStage:
        """A new call's tree, a jump to another tree, or an overflow to one."""
        return self._move("enter the IVR", WAITING, S.IVR)

    def queue(self, queue_id: int, now: datetime) -> CallStage:
        """Waits in ``queue_id``; an overflow to another queue keeps the time it first queued."""
        previous = self._move("queue", WAITING, S.QUEUED)
        self.queue_id = queue_id
        self.queued_at = self.queued_at or now
        return previous

    def offer(self, agent_id: int, now: datetime) -> CallStage:
        previous = self._move("ring an agent", (S.QUEUED,), S.RINGING)
        self.agent_id, self.offered_at = agent_id, now
        return previous

    def ring_no_answer(self) -> CallStage:
        """The offered agent let it ring out: back to waiting, counted."""
        previous = self._move("ring out", (S.RINGING,), S.QUEUED)
        self.agent_id = None
        self.rona_count += 1
        return previous

    def answer(self, agent_id: int, now: datetime) -> CallStage:
        self._require("answer", (S.RINGING,))
        if agent_id != self.agent_id:
            raise IllegalTransition(
                self.call_id, self.stage, f"answer by {agent_id} (offered {self.agent_id})"
            )
        self.stage, self.answered_at = S.ANSWERED, now
        self.talkers.append((now, agent_id))
        return S.RINGING

    def dial(self, agent_id: int, queue_id: int | None, now: datetime) -> CallStage:
        """Outbound: KC rings the agent's phone first, as if the call had been offered to her."""
        previous = self._move("dial", (S.ARRIVED,), S.RINGING)
        self.direction, self.queue_id, self.queued_at = "outbound", queue_id, now
        self.agent_id, self.offered_at = agent_id, now
        return previous

    def connect(self) -> CallStage:
        """Outbound: the called party answered the agent's call."""
        self._require("connect", (S.ANSWERED,))
        if self.direction != "outbound" or self.connected:
            raise IllegalTransition(self.call_id, self.stage, "connect an inbound or connected call")
        self.connected = True
        return S.ANSWERED

    def take_over(self, agent_id: int, now: datetime) -> CallStage:
        """Another agent carries on with the caller (a transfer after consultation)."""
        self._require("change its agent", (S.ANSWERED,))
        self.agent_id = agent_id
        self.talkers.append((now, agent_id))
        return S.ANSWERED

    def hand_over(self, now: datetime) -> CallStage:
        """Its agent transferred it to another agent: it waits to be offered to them, its wait
        counted from now (as after a transfer to a queue), not from its first queueing."""
        previous = self._move("be handed over", (S.ANSWERED,), S.QUEUED)
        self.agent_id, self.answered_at, self.queued_at = None, None, now
        return previous

    def start_over(self) -> CallStage:
        """Its agent transferred it to a queue: it queues there as if it had just arrived."""
        previous = self._move("start over", (S.ANSWERED,), S.ARRIVED)
        self.agent_id, self.answered_at, self.queued_at = None, None, None
        return previous

    def ask_callback(self) -> CallStage:
        """The caller asked for a callback and keys in the preferred time."""
        previous = self._move("ask for a callback", LEFT_IN_THE_FLOW, S.CALLBACK)
        self.keyed = ""
        return previous

    def to_voicemail(self, queue_id: int | None) -> CallStage:
        previous = self._move("go to voicemail", LEFT_IN_THE_FLOW, S.VOICEMAIL)
        if queue_id is not None:
            self.queue_id = queue_id
        return previous

    def finish(self, end: CallEnd, now: datetime) -> CallStage:
        """The one place a call gets its final stage."""
        previous = self._move("end", LIVE, S.ENDED)
        self.end, self.ended_at = end, now
        return previous

    def _require(self, action: str, stages: frozenset[CallStage] | tuple[CallStage, ...]) -> None:
        if self.stage not in stages:
            raise IllegalTransition(self.call_id, self.stage, action)

    def _move(
        self, action: str, stages: frozenset[CallStage] | tuple[CallStage, ...], stage: CallStage
    ) -> CallStage:
        self._require(action, stages)
        previous, self.stage = self.stage, stage
        return previous

    # -- queries -----------------------------------------------------------------------------------
    def talker_at(self, at: datetime) -> int | None:
        """The agent who talked with the caller at ``at``, the start of a recorded stretch (with a
        second's grace for the PBX's clock), so that each stretch is credited to the agent who talked
        in it, not to whoever has the call when the PBX reports it; else the call's agent."""
        talked = [agent_id for since, agent_id in self.talkers if since <= at + TALKER_GRACE]
        return talked[-1] if talked else self.agent_id

    @property
    def from_agents_phone(self) -> bool:
        """Outbound from an agent's phone (a callback, her own dial): KC rings her first and the PBX
        dials the number once she picks up. A dialler's call (``campaign_id``) is outbound too, but
        its callee answers first and is then offered to an agent like a caller."""
        return self.direction == "outbound" and self.campaign_id is None

    def sort_key(self) -> tuple[int, int]:
        """Queue order: priority first, then who came first."""
        return (self.priority, self.seq)
