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


@attrs.frozen
class CallDialled(Event):
    """KC placed an outbound call from an agent's phone, e.g. to call a customer back (IN-09), or
    to a campaign's contact (``campaign_entry_id``, OUT-18; None in rows journaled before it)."""

    call_id: str
    number: str
    queue_id: int | None
    agent_id: int | None  # None: the dialler dialled it for a campaign, no agent yet (``dialler``)
    callback_id: str = ""
    campaign_entry_id: int | None = None


@attrs.frozen
class CallPaced(Event):
    """Why the dialler dialled the call: its pacing decision in words (``pacing_explain``)."""

    call_id: str
    campaign_id: int
    entry_id: int
    mode: str
    explanation: str


@attrs.frozen
class CallCampaignConnected(Event):
    """A dialler's callee was connected to an agent: the contact is hers from now (OUT-13)."""

    call_id: str
    campaign_id: int
    entry_id: int
    agent_id: int


@attrs.frozen
class CallAttemptEnded(Event):
    """A dialler's attempt ended without an agent, with its outcome (no answer, busy, answering
    machine, invalid number, abandoned: ``kc_domain.outbound.outcomes``)."""

    call_id: str
    campaign_id: int
    entry_id: int
    outcome: str


@attrs.frozen
class CallConnected(Event):
    """The called party of an outbound call answered."""

    call_id: str


@attrs.frozen
class CallConsulted(Event):
    """The agent holds the caller and calls ``target`` (an agent, supervisor or line: IN-15)."""

    call_id: str
    agent_id: int
    target: str


@attrs.frozen
class CallConsultEnded(Event):
    call_id: str
    how: str  # returned (to the caller), transferred


@attrs.frozen
class CallConferenced(Event):
    call_id: str
    agent_id: int
    target: str


@attrs.frozen
class CallRecordingSwitched(Event):
    """The agent chose not to record the call, or to record it again (REC-01)."""

    call_id: str
    agent_id: int
    recording: bool


@attrs.frozen
class CallEnteredIvr(Event):
    call_id: str
    tree: str
    version: int


@attrs.frozen
class CallTagged(Event):
    """The caller's choice in the IVR set a tag on the call (campaign, problem: IN-25)."""

    call_id: str
    key: str
    value: str


@attrs.frozen
class CallAnnounced(Event):
    """KC played something to the caller: ``general`` (IN-20), ``position`` (IN-10), ``no_agents``
    (IN-23), ``callback`` or ``voicemail`` prompts."""

    call_id: str
    kind: str
    text: str


@attrs.frozen
class CallLeftIvr(Event):
    """The caller's walk through one IVR tree ended; ``stats`` holds per-node counts (REP-09):
    ``{node id: {"entries", "exits", "timeouts", "invalid", "abandons", "choices": {key: n}}}``."""

    call_id: str
    tree: str
    version: int
    outcome: str  # route, transfer, voicemail, callback, goto, hangup, abandoned
    detail: str
    stats: dict[str, dict[str, Any]]


@attrs.frozen
class CallVoicemailLeft(Event):
    """The caller left a message (IN-08); ``recording`` is the PBX's reference to the audio."""

    call_id: str
    caller: str
    queue_id: int | None
    box: str
    recording: str
    duration_s: float


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


@attrs.frozen
class AgentWrapUpExtended(Event):
    agent_id: int
    until: datetime


@attrs.frozen
class AgentDeviceChanged(Event):
    """The agent works on a mobile phone from now on (``device``), or on the desk phone ("")."""

    agent_id: int
    device: str


@attrs.frozen
class CallRecorded(Event):
    """A recorded stretch of a call is ready at the PBX (REC-01); ``recording`` is its reference."""

    call_id: str
    agent_id: int | None
    recording: str
    started_at: datetime
    duration_s: float


@attrs.frozen
class CallMonitored(Event):
    """A supervisor listens to (``listen``), coaches (``whisper``) or joins (``barge``) an agent's
    call; ``mode`` "" when they leave it (IN-17, RT-07)."""

    call_id: str
    supervisor_id: int
    agent_id: int | None
    mode: str


@attrs.frozen
class AgentForced(Event):
    """A supervisor acted on an agent: ``action`` pause (``detail`` the code), log_out, sign_in or
    sign_out (``detail`` the queue id); ``pending`` when it waits for the agent's call to end.
    ``supervisor_id`` 0: the administration logged out an agent it no longer lists (ADM-02)."""

    agent_id: int
    supervisor_id: int
    action: str
    detail: str = ""
    pending: bool = False


@attrs.frozen
class PbxEventsRejected(Event):
    """How many PBX events the engine dropped since the last such record (unknown or ended calls,
    repeats, impossible states), with the newest reason: kept in the journal, not the events."""

    count: int
    example: str = ""


@attrs.frozen
class PbxCommandRefused(Event):
    """The PBX refused a command KC gave it for the call (``CommandRefusedAtPbx``); ``agent_id`` is
    the agent it concerned, if any (the one rung, the one who held or transferred the call). What KC
    then did to the call follows as events of their own (docs/asterisk.md, "When Asterisk refuses a
    command")."""

    call_id: str
    agent_id: int | None
    command: str
    reason: str


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
        CallDialled,
        CallPaced,
        CallCampaignConnected,
        CallAttemptEnded,
        CallConnected,
        CallConsulted,
        CallConsultEnded,
        CallConferenced,
        CallRecordingSwitched,
        CallEnteredIvr,
        CallTagged,
        CallAnnounced,
        CallLeftIvr,
        CallVoicemailLeft,
        AgentLoggedIn,
        AgentLoggedOut,
        AgentSignedIntoQueue,
        AgentSignedOutOfQueue,
        AgentStateChanged,
        AgentDeviceChanged,
        AgentWrapUpExtended,
        CallMonitored,
        AgentForced,
        CallRecorded,
        PbxEventsRejected,
        PbxCommandRefused,
    )
}


def event_to_plain(event: Event) -> dict[str, object]:
    """The event's fields as JSON-safe data (every time as ISO 8601), without its name."""
    data = attrs.asdict(event)
    for key, value in data.items():
        if isinstance(value, datetime):
            data[key] = value.isoformat()
    return data


def event_type(name: str) -> type[Event]:
    """The event class called ``name``: a call or agent event, or a callback event."""
    if name in EVENT_TYPES:
        return EVENT_TYPES[name]
    from kc_domain.callbacks.events import CALLBACK_EVENT_TYPES  # they build on Event

    return CALLBACK_EVENT_TYPES[name]


def event_from_plain(name: str, data: dict[str, object]) -> Event:
    """Inverse of ``event_to_plain``; raises KeyError for an unknown event name."""
    cls = event_type(name)
    values: dict[str, Any] = dict(data)
    for field in attrs.fields(cls):
        if "datetime" in str(field.type) and isinstance(values.get(field.name), str):
            values[field.name] = datetime.fromisoformat(values[field.name])
    return cls(**values)
