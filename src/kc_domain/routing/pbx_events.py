"""What a PBX reports about calls, in the domain's words. Every PBX adapter (simulated, Asterisk
AMI, Mitel CSTA) turns its wire events into these, and ``RoutingEngine.on_pbx`` acts on them."""

from __future__ import annotations

from datetime import datetime

import attrs

# the state of a telephone that is not an agent's (a transfer-panel line, a supervisor's extension,
# AG-12), as the PBX's presence monitoring reports it (CSTA device monitor, AMI DeviceStateChange)
DEVICE_STATES = frozenset({"free", "ringing", "busy", "offline"})


@attrs.frozen
class PbxEvent:
    at: datetime
    call_id: str


@attrs.frozen
class CallReachedPbx(PbxEvent):
    caller: str
    dialled: str


@attrs.frozen
class PhoneRinging(PbxEvent):
    """The agent's phone rings for the call (the PBX confirms KC's ``ring_agent``)."""

    agent_id: int


@attrs.frozen
class PhonePickedUp(PbxEvent):
    agent_id: int


@attrs.frozen
class DigitsPressed(PbxEvent):
    digits: str


@attrs.frozen
class CallHeldAtPbx(PbxEvent):
    held: bool  # False: taken off hold


@attrs.frozen
class CallTransferredAtPbx(PbxEvent):
    """The call left the agent for ``target``, e.g. transferred from the desk phone (IN-05)."""

    target: str


@attrs.frozen
class CallHungUpAtPbx(PbxEvent):
    cause: str = "normal"


@attrs.frozen
class PromptFinished(PbxEvent):
    """The oldest prompt KC asked the PBX to play to the caller has finished. A key press stops
    whatever is playing (barge-in): the PBX then reports nothing for the prompts it cut off."""


@attrs.frozen
class VoicemailRecorded(PbxEvent):
    """The caller's message was recorded (they pressed # or hung up after speaking); ``recording``
    is the PBX's reference to the audio (a file in its spool, a simulated recording's key)."""

    box: str
    recording: str
    duration_s: float


@attrs.frozen
class CalledPartyAnswered(PbxEvent):
    """The number dialled by an outbound call (``originate``, ``dial_out``) answered; ``machine``:
    the PBX's answering-machine detection says it was a machine, not a person."""

    machine: bool = False


@attrs.frozen
class DeviceStateChanged(PbxEvent):
    """A monitored extension or line changed state (``DEVICE_STATES``); ``call_id`` is the call that
    caused it, "" when the PBX does not say."""

    device: str
    state: str


@attrs.frozen
class RecordingReady(PbxEvent):
    """A recorded stretch of an agent's call is complete (the call ended, the agent switched
    recording off, the call left KC); ``recording`` is the PBX's reference to the audio."""

    recording: str
    started_at: datetime
    duration_s: float


@attrs.frozen
class CommandRefusedAtPbx(PbxEvent):
    """The PBX refused a command KC gave it for the call (Asterisk answered an ARI request with an
    error, the adapter found the call unknown or in the wrong state for it): the command was not
    carried out, or only its first steps (docs/asterisk.md, "When Asterisk refuses a command").
    ``command`` is the ``CallControl`` method (``ring_agent``, ``hold``...); ``reason`` the PBX's
    own words, e.g. "Allocation failed"."""

    command: str
    reason: str
