"""The call as the ACD sees it, from arrival to its one final stage."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

import attrs


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


ABANDONED_AT = {
    CallStage.ARRIVED: CallEnd.ABANDONED_BEFORE_IVR,
    CallStage.IVR: CallEnd.ABANDONED_IN_IVR,
    CallStage.QUEUED: CallEnd.ABANDONED_IN_QUEUE,
    CallStage.RINGING: CallEnd.ABANDONED_RINGING,
}


TALKER_GRACE = timedelta(seconds=1)


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
    pbx_answered: bool = False  # KC picked the call up to play prompts (IVR, announcements)
    prompts_playing: int = 0  # prompts sent to the PBX and not reported finished
    keyed: str = ""  # digits keyed in outside the IVR (the preferred callback time)
    ivr_path: list[str] = attrs.field(factory=list)  # "tree/node:key" for each key in the IVR
    consulting: str = ""  # the consulted party while a consultation or conference is open
    consult_agent_id: int | None = None  # when that party is an agent of KC
    conference: bool = False
    recording: bool = True  # every call is recorded unless the agent opts out (REC-01)
    talkers: list[tuple[datetime, int]] = attrs.field(factory=list)  # (since, agent) talking with the caller
    monitors: dict[int, str] = attrs.field(factory=dict)  # supervisor id -> listen, whisper, barge
    end: CallEnd | None = None
    ended_at: datetime | None = None

    def talker_at(self, at: datetime) -> int | None:
        """The agent who talked with the caller at ``at``, the start of a recorded stretch (with a
        second's grace for the PBX's clock), so that each stretch is credited to the agent who talked
        in it, not to whoever has the call when the PBX reports it; else the call's agent."""
        talked = [agent_id for since, agent_id in self.talkers if since <= at + TALKER_GRACE]
        return talked[-1] if talked else self.agent_id

    def sort_key(self) -> tuple[int, int]:
        """Queue order: priority first, then who came first."""
        return (self.priority, self.seq)
