"""``AsteriskPbx``: KC's ``CallControl`` over a real Asterisk, through ARI (``docs/adr/0006``).

A call sent to KC's dialplan context enters the Stasis application (``Stasis(kc)``) and is reported
as ``CallReachedPbx``; its KC call id is the ARI id of the caller's channel. Ringing an agent
originates the agent's endpoint into the application; when the endpoint answers it enters Stasis,
is bridged with the caller and ``PhonePickedUp`` is reported. Hold takes the caller out of the
bridge onto music on hold. Hang-ups on either side are reported as ``CallHungUpAtPbx``.

A consultation puts the caller on hold and dials the consulted party (an agent's endpoint, a line or
number through ``outside``), who joins the call's bridge with the agent; a conference brings the
caller back into that bridge; a transfer after consultation hangs up the first agent's leg (to an
agent of KC the consulted leg becomes the agent's, to a line the call leaves KC). A supervisor's
phone is called for ``monitor``: listening and whispering go through an ARI snoop channel on the
agent's leg (whisper only into what the agent hears), barging joins the call's bridge.

A call is recorded on its bridge (ARI ``POST /bridges/{id}/record``: both parties mixed, the caller
on hold not); each stretch ends (stop, hang-up, transfer) with ``RecordingReady`` once Asterisk
reports the file complete. A voicemail message is recorded on the caller's channel after a beep,
until # or hang-up (``VoicemailRecorded``). Both are fetched by name through ``recording``
(``CallAudio``): ARI ``GET /recordings/stored/{name}/file``, 8 kHz 16-bit mono WAV.

Events from Asterisk arrive on the ARI client's reader thread; commands on the engine's thread. The
state is guarded by one lock; listeners are called outside it, in the order the events came, and
must queue what they hear (as with the simulated PBX, a listener must not call back into the PBX).

Commands are never raised: a command for an unknown call, in the wrong state or refused by Asterisk
(HTTP 4xx) is logged, recorded in ``rejected`` as ``(command, args, reason)`` (the same shape the
simulated PBX uses) and reported to the listeners as ``CommandRefusedAtPbx`` (with Asterisk's own
words), before the command returns. Unknown, duplicate and out-of-order events are ignored with a
logged reason.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import logging
import re
import threading
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import attrs

from kc_adapters.asterisk import resync
from kc_adapters.asterisk.ari import AriClient, AriError, AriEvent
from kc_adapters.simulated_pbx import COMMANDS
from kc_adapters.simulated_pbx import LegState as Leg  # the same states a call goes through
from kc_adapters.speech.audio import write_atomically
from kc_adapters.system import SystemClock
from kc_domain.errors import NotFound
from kc_domain.routing import pbx_events as pbx
from kc_ports.speech import SpeechSynthesis
from kc_ports.system import Clock

log = logging.getLogger(__name__)

MONITOR_MODES = frozenset({"listen", "whisper", "barge"})
PROMPT_NAME = re.compile(r"[a-z0-9_-]{1,64}")
DIALLABLE = re.compile(r"[+]?[0-9A-Za-z*#_.-]{1,64}")
# Q.850 causes as KC words; others become "cause_<n>"
CAUSES = {
    0: "normal",
    16: "normal",
    17: "busy",
    18: "no_answer",
    19: "no_answer",
    21: "rejected",
    1: "unallocated",
    34: "congestion",
    38: "congestion",
    41: "congestion",
    42: "congestion",
}
# KC's hang-up causes as ARI's ``reason`` of DELETE /channels/{id}
ARI_REASONS = {"busy": "busy", "no_answer": "no_answer", "rejected": "normal", "congestion": "congestion"}
TRANSFER_KINDS = frozenset({"line", "external", "mobile", "number"})  # a number, named by its kind
RING_TIMEOUT_S = 120  # Asterisk's own limit; the engine cancels ring-no-answer much sooner
VOICEMAIL_MAX_S = 300  # a voicemail message is cut off after five minutes
RECORDING_NAME = re.compile(r"[A-Za-z0-9_-]{1,128}")  # KC's recording names: a file in Asterisk's spool


@attrs.define(eq=False)
class Monitor:
    """A supervisor on a call: listening or whispering through a snoop channel on the agent's leg, in
    a bridge of their own with it, or barged into the call's bridge."""

    mode: str
    leg: str  # the supervisor's phone, ringing or up
    answered: bool = False
    snoop: str = ""  # listen and whisper: the snoop channel on the agent's leg
    bridge: str = ""  # listen and whisper: the supervisor's bridge with the snoop channel


@attrs.define(eq=False)
class AriCall:
    call_id: str
    caller: str = ""
    dialled: str = ""
    state: Leg = Leg.INCOMING
    customer: str = ""  # the caller's channel (inbound: the call id; outbound: the dialled number's)
    agent_leg: str = ""  # the agent's channel, ringing or bridged
    agent_leg_name: str = ""  # its channel name (Local/agent7@phones-00000003;1)
    agent_id: int | None = None
    bridge: str = ""
    held: bool = False
    on_music: bool = False  # waiting on music for a colleague after a blind transfer
    outbound: bool = False
    dialled_out: bool = False  # a campaign's number dialled with no agent (``dial_out``)
    answered_by_pbx: bool = False
    playbacks: deque[str] = attrs.field(factory=deque)  # playback ids, oldest first
    hangup_cause: int | None = None  # the cause Asterisk gave when the caller's side hung up
    end_cause: str = ""
    recording: str = ""  # the live recording of the bridge (its name), "" when not recording
    voicemail: str = ""  # the live voicemail recording of the caller's channel
    consulting: str = ""  # the consulted party (agent:8, 2201, +420...), while a consultation is open
    consult_leg: str = ""  # its channel, ringing or in the bridge ("" once it hung up)
    consult_leg_name: str = ""
    consult_agent: int | None = None  # the consulted agent of KC, whose phone is busy with the call
    joining: str = ""  # a leg that joins the call's bridge when it answers (the consulted party)
    conference: bool = False
    handed: list[str] = attrs.field(factory=list)  # after a transfer to a number: the two talking
    monitors: dict[int, Monitor] = attrs.field(factory=dict)  # supervisor id -> how they are on the call


@attrs.define(eq=False)
class LiveRecording:
    """A recording KC started, until Asterisk reports it finished (or failed)."""

    call_id: str
    started_at: datetime  # when KC asked for it: the stretch's start for the engine
    box: str | None = None  # the voicemail box; None for a recording of the call
    recording_since: datetime | None = None  # when Asterisk began writing (RecordingStarted)


@attrs.frozen
class AsteriskSettings:
    """What the adapter needs to reach Asterisk and KC's endpoints."""

    endpoints: Mapping[int, str]  # agent id -> dial string (PJSIP/1001, Local/agent7@phones/n)
    outside: str  # dial string for a number, with {number}: PJSIP/{number}@trunk, Local/{number}@ctx/n
    transfer_context: str  # the dialplan context a blind transfer continues in
    prompts_dir: Path  # KC's prompts as <name>.wav, readable by Asterisk (same path on its host)
    moh_class: str = "default"
    caller_id: str = ""  # outbound caller id (the queue's or office's number, OUT-17)
    # the dialplan context a campaign's dialled number answers into, for answering-machine detection
    # (``config.dialled_context``: AMD(), then KC's application with the result); "": no detection
    amd_context: str = ""
    supervisors: Mapping[int, str] = attrs.field(factory=dict)  # supervisor id -> dial string
    # channel variables of a leg that asks the agent's phone to answer by itself (a pick-up from the
    # web); what a phone understands varies: Call-Info answer-after=0 is the common one
    auto_answer: Mapping[str, str] = attrs.field(
        factory=lambda: {"PJSIP_HEADER(add,Call-Info)": "<sip:kc>;answer-after=0"}
    )


class AsteriskPbx:
    def __init__(
        self,
        ari: AriClient,
        settings: AsteriskSettings,
        *,
        speech: SpeechSynthesis | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.ari, self.settings, self._speech = ari, settings, speech
        self._clock: Clock = clock or SystemClock()
        self._lock = threading.RLock()
        self._listeners: list[Callable[[pbx.PbxEvent], None]] = []
        self._outbox: deque[pbx.PbxEvent] = deque()
        self._emitting = threading.RLock()  # a listener's command flushes too
        self.calls: dict[str, AriCall] = {}
        self._channels: dict[str, tuple[str, str]] = {}  # channel id -> (call id, role)
        self._playbacks: dict[str, str] = {}  # playback id -> call id
        self._recordings: dict[str, LiveRecording] = {}  # recording name -> what it records
        self.endpoints: dict[int, str] = {}  # agent id -> the call ringing or connected there
        self.devices: dict[int, str] = {}  # agent id -> the mobile number they work on (IN-28)
        self.rejected: list[tuple[str, tuple[Any, ...], str]] = []
        self._ids = itertools.count(1)
        self._resynced: set[str] = set()  # legs found answered while catching up (their StasisStart is late)
        self._strays: dict[str, set[str]] = {}  # a bridge an earlier run left talking -> its channels

    # == life cycle =================================================================================
    def start(self, *, keep_trying: bool = False) -> None:
        """Open ARI's events socket; calls reaching KC's context are reported from then on, and what
        an earlier run left in KC's application is taken over (``resync``). A socket lost later is
        opened again and followed by ``resync``. Asterisk unreachable now: ``AriConnectionError``,
        or with ``keep_trying`` the client keeps trying in the background (``ari.connected``)."""
        self.ari.connect(self._on_event, on_reconnect=self.resync, keep_trying=keep_trying)
        if self.ari.connected:
            self.resync()

    def resync(self) -> None:
        """Catch up with what happened at Asterisk while the events socket was down
        (``kc_adapters.asterisk.resync``)."""
        found = resync.snapshot(self)
        if found is None:
            return
        with self._lock:
            resync.catch_up(self, *found)
        self._flush()

    def close(self) -> None:
        self.ari.close()

    def listen(self, listener: Callable[[pbx.PbxEvent], None]) -> None:
        """Receive the PBX's events (``kc_domain.routing.pbx_events``), on ARI's reader thread."""
        self._listeners.append(listener)

    def call(self, call_id: str) -> AriCall | None:
        with self._lock:
            return self.calls.get(call_id)

    # == CallControl ================================================================================
    def answer(self, call_id: str) -> None:
        with self._lock:
            call = self._live("answer", (call_id,))
            if call is None:
                return
            if call.outbound:
                return self._reject("answer", (call_id,), "an outbound call is answered by the called party")
            if self._rest("answer", (call_id,), "POST", f"/channels/{call.customer}/answer") is not None:
                call.answered_by_pbx = True
        self._flush()

    def play(self, call_id: str, prompt: str) -> None:
        args = (call_id, prompt)
        with self._lock:
            call = self._live("play", args)
            if call is None:
                return
            media = self._media("play", args, prompt)
            if media is None:
                return
            playback = f"{call_id}-play-{next(self._ids)}"
            self._playbacks[playback] = call_id
            call.playbacks.append(playback)
            if (
                self._rest(
                    "play", args, "POST", f"/channels/{call.customer}/play", media=media, playbackId=playback
                )
                is None
            ):
                call.playbacks.remove(playback)
                self._playbacks.pop(playback, None)
        self._flush()

    def ring_agent(self, call_id: str, agent_id: int) -> None:
        args = (call_id, agent_id)
        with self._lock:
            call = self._live("ring_agent", args)
            if call is None:
                return
            if call.state != Leg.INCOMING:
                return self._reject("ring_agent", args, f"call is {call.state.value}")
            if not self._phone_free("ring_agent", args, agent_id):
                return
            endpoint = self._endpoint("ring_agent", args, agent_id)
            if endpoint is None:
                return
            if self._dial_agent("ring_agent", args, call, agent_id, endpoint, call.caller):
                self._emit(pbx.PhoneRinging, call_id, agent_id=agent_id)
        self._flush()

    def route_agent(self, agent_id: int, device: str) -> None:
        with self._lock:
            if device:
                self.devices[agent_id] = device
            else:
                self.devices.pop(agent_id, None)

    def cancel_ring(self, call_id: str, agent_id: int) -> None:
        args = (call_id, agent_id)
        with self._lock:
            call = self._known("cancel_ring", args)
            if call is None or call.state == Leg.ENDED or call.agent_id != agent_id:
                return  # the phone stopped ringing by itself (the caller left, another agent took it)
            if call.state != Leg.RINGING:
                return self._reject("cancel_ring", args, f"call is {call.state.value}")
            leg = self._drop_agent_leg(call)
            call.state = Leg.INCOMING
            self._hang_up_channel("cancel_ring", args, leg, "normal")
        self._flush()

    def hold(self, call_id: str) -> None:
        with self._lock:
            call = self._connected("hold", (call_id,))
            if call is None or call.held:
                return
            if self._hold_caller("hold", (call_id,), call):
                self._emit(pbx.CallHeldAtPbx, call_id, held=True)
        self._flush()

    def retrieve(self, call_id: str) -> None:
        """Off hold; back from a consultation (or a conference), whose consulted party is hung up."""
        with self._lock:
            call = self._connected("retrieve", (call_id,))
            if call is None or not (call.held or call.consulting):
                return
            if call.consulting:
                self._end_consultation(call)
            if call.held and not self._unhold_caller("retrieve", (call_id,), call):
                return
            self._emit(pbx.CallHeldAtPbx, call_id, held=False)
        self._flush()

    def transfer(self, call_id: str, target: str) -> None:
        args = (call_id, target)
        with self._lock:
            call = self._live("transfer", args)
            if call is None:
                return
            if not call.customer:
                return self._reject("transfer", args, "the called party has not answered")
            kind, _, rest = target.partition(":")
            if _colleague(target) is not None:
                if call.state != Leg.CONNECTED:
                    return self._reject("transfer", args, "only a call an agent talks on goes to a colleague")
                self._to_colleague(call)
                return
            number = rest if kind in TRANSFER_KINDS else target
            if not DIALLABLE.fullmatch(number):
                return self._reject("transfer", args, f"target {target!r} is not a number or extension")
            if (
                self._rest(
                    "transfer",
                    args,
                    "POST",
                    f"/channels/{call.customer}/continue",
                    context=self.settings.transfer_context,
                    extension=number,
                    priority=1,
                )
                is None
            ):
                return
            self._finish(call, f"transferred to {target}", keep_customer=True)
        self._flush()

    def _to_colleague(self, call: AriCall) -> None:
        """A blind transfer to a colleague in KC: the agent's leg is hung up, the caller waits on
        music for KC to ring the colleague (``ring_agent``), whose answer bridges them anew."""
        self._stop_recording(call)
        leg = self._drop_agent_leg(call)
        if leg:
            self._hang_up_channel("transfer", (call.call_id,), leg, "normal")
        if call.bridge:
            bridge, call.bridge = call.bridge, ""
            self._rest_quietly("DELETE", f"/bridges/{bridge}")
        call.state, call.agent_id, call.held = Leg.INCOMING, None, False
        moh = f"/channels/{call.customer}/moh"
        music = self._rest("transfer", (call.call_id,), "POST", moh, mohClass=self.settings.moh_class)
        call.on_music = music is not None

    def hang_up(self, call_id: str, cause: str) -> None:
        args = (call_id, cause)
        with self._lock:
            call = self._known("hang_up", args)
            if call is None or call.state == Leg.ENDED:
                return  # both sides hung up at once: nothing left to end
            self._finish(call, cause)
        self._flush()

    def dial_out(self, call_id: str, number: str, caller_id: str, ring_s: int) -> None:
        """A campaign's number through ``KC_ASTERISK_OUTSIDE``, with no agent: the callee's channel is
        the call's (as an incoming caller's is); once answered it waits in KC's application for
        ``ring_agent``. A number that gives up is reported with its cause (busy, no_answer...)."""
        args = (call_id, number, caller_id, ring_s)
        with self._lock:
            if call_id in self.calls:
                return self._reject("dial_out", args, "a call with this id exists already")
            if not DIALLABLE.fullmatch(number):
                return self._reject("dial_out", args, f"{number!r} is not a number")
            call = AriCall(call_id, caller=number, dialled=number, state=Leg.DIALLING, dialled_out=True)
            self.calls[call_id] = call
            self._channels[call_id] = (call_id, "customer")
            params: dict[str, str | int] = {
                "endpoint": self.settings.outside.format(number=number),
                "channelId": call_id,
                "timeout": ring_s,
            }
            if self.settings.amd_context:  # AMD() first; KC's application then hears what it found
                params |= {"context": self.settings.amd_context, "extension": "s", "priority": 1}
            else:
                params |= {"app": self.ari.app, "appArgs": "outside"}
            if caller_id or self.settings.caller_id:
                params["callerId"] = caller_id or self.settings.caller_id
            if self._rest("dial_out", args, "POST", "/channels", **params) is None:
                self._channels.pop(call_id, None)
                call.state = Leg.ENDED
            else:
                call.customer = call_id
                if self.settings.amd_context:  # outside KC's application until AMD() is done: its
                    subscription = f"/applications/{self.ari.app}/subscription"  # hang-up must reach KC
                    self._rest_quietly("POST", subscription, eventSource=f"channel:{call_id}")
        self._flush()

    def originate(self, call_id: str, agent_id: int, number: str, caller_id: str = "") -> None:
        args = (call_id, agent_id, number)
        with self._lock:
            if call_id in self.calls:
                return self._reject("originate", args, "a call with this id exists already")
            if not DIALLABLE.fullmatch(number):
                return self._reject("originate", args, f"{number!r} is not a number")
            if not self._phone_free("originate", args, agent_id):
                return
            endpoint = self._endpoint("originate", args, agent_id)
            if endpoint is None:
                return
            call = AriCall(call_id, caller=caller_id, dialled=number, outbound=True)
            self.calls[call_id] = call
            if self._dial_agent("originate", args, call, agent_id, endpoint, number):
                self._emit(pbx.PhoneRinging, call_id, agent_id=agent_id)
            else:
                call.state = Leg.ENDED
        self._flush()

    def record_voicemail(self, call_id: str, box: str) -> None:
        args = (call_id, box)
        with self._lock:
            call = self._live("record_voicemail", args)
            if call is None:
                return
            if call.outbound or call.state != Leg.INCOMING:
                return self._reject("record_voicemail", args, f"call is {call.state.value}")
            if call.voicemail:
                return self._reject("record_voicemail", args, "a message is being recorded already")
            name = self._recording_name("vm", call_id)
            self._recordings[name] = LiveRecording(call_id, self._clock.now(), box=box)
            answer = self._rest(
                "record_voicemail",
                args,
                "POST",
                f"/channels/{call.customer}/record",
                name=name,
                format="wav",
                beep="true",
                terminateOn="#",
                maxDurationSeconds=VOICEMAIL_MAX_S,
                ifExists="overwrite",
            )
            if answer is None:
                self._recordings.pop(name, None)
                return
            call.voicemail, call.answered_by_pbx = name, True
        self._flush()

    def start_recording(self, call_id: str) -> None:
        with self._lock:
            call = self._live("start_recording", (call_id,))
            if call is None or call.recording:
                return
            if not call.bridge:
                return self._reject(
                    "start_recording", (call_id,), f"call is {call.state.value}, not connected"
                )
            name = self._recording_name("rec", call_id)
            self._recordings[name] = LiveRecording(call_id, self._clock.now())
            answer = self._rest(
                "start_recording",
                (call_id,),
                "POST",
                f"/bridges/{call.bridge}/record",
                name=name,
                format="wav",
                ifExists="overwrite",
            )
            if answer is None:
                self._recordings.pop(name, None)
                return
            call.recording = name
        self._flush()

    def stop_recording(self, call_id: str) -> None:
        with self._lock:
            call = self._live("stop_recording", (call_id,))
            if call is not None:
                self._stop_recording(call)
        self._flush()

    # == CallAudio ==================================================================================
    def recording(self, reference: str) -> bytes:
        """A recorded stretch or voicemail message as WAV; ``NotFound`` when Asterisk has none."""
        if not RECORDING_NAME.fullmatch(reference):
            raise NotFound("recording", reference)
        try:
            return self.ari.fetch(f"/recordings/stored/{reference}/file")
        except AriError as exc:
            if exc.status == 404:
                raise NotFound("recording", reference) from None
            raise

    # == consultation ===============================================================================
    def consult(self, call_id: str, target: str) -> None:
        """The caller waits on music, out of the bridge; the consulted party is dialled from the
        agent's side and joins the bridge (the agent's) when they answer."""
        args = (call_id, target)
        with self._lock:
            call = self._connected("consult", args)
            if call is None:
                return
            if call.consulting:
                return self._reject("consult", args, f"a consultation with {call.consulting} is open")
            colleague = _colleague(target)
            if colleague is not None:
                if not self._phone_free("consult", args, colleague):
                    return
                endpoint = self._endpoint("consult", args, colleague)
                if endpoint is None:
                    return
            elif DIALLABLE.fullmatch(target):
                endpoint = self.settings.outside.format(number=target)
            else:
                return self._reject("consult", args, f"target {target!r} is not an agent, line or number")
            leg = f"{call_id}-consult-{next(self._ids)}"
            self._channels[leg] = (call_id, "consult")
            answer = self._rest(
                "consult",
                args,
                "POST",
                "/channels",
                endpoint=endpoint,
                app=self.ari.app,
                appArgs="consult",
                channelId=leg,
                timeout=RING_TIMEOUT_S,
            )
            if answer is None:
                self._channels.pop(leg, None)
                return
            if not call.held and not self._hold_caller("consult", args, call):
                self._channels.pop(leg, None)
                self._hang_up_channel("consult", args, leg, "normal")
                return
            call.consulting, call.consult_leg, call.joining = target, leg, leg
            call.consult_leg_name = str(answer.get("name", "")) if isinstance(answer, dict) else ""
            if colleague is not None:
                call.consult_agent = colleague
                self.endpoints[colleague] = call_id
        self._flush()

    def complete_transfer(self, call_id: str) -> None:
        """The caller joins the consulted party; the first agent's leg is hung up. To an agent of KC
        the call goes on with them (their leg becomes the agent's); to a line or number it leaves KC
        (the two stay bridged until one of them hangs up)."""
        args = (call_id,)
        with self._lock:
            call = self._consulting("complete_transfer", args)
            if call is None:
                return
            if not call.consult_leg:
                return self._reject("complete_transfer", args, "the consulted party has hung up")
            if call.held and not self._unhold_caller("complete_transfer", args, call):
                return
            old_leg = self._drop_agent_leg(call)
            if old_leg:
                self._hang_up_channel("complete_transfer", args, old_leg, "normal")
            colleague, target = call.consult_agent, call.consulting
            if colleague is not None:
                call.agent_id, call.agent_leg, call.agent_leg_name = (
                    colleague,
                    call.consult_leg,
                    call.consult_leg_name,
                )
                self._channels[call.consult_leg] = (call_id, "agent")
                self.endpoints[colleague] = call_id
                self._clear_consultation(call)
                for supervisor_id, monitor in call.monitors.items():
                    if monitor.snoop:  # the snoop followed the first agent's leg: it follows the call
                        self._snoop(call, supervisor_id, monitor)
            else:
                self._hand_over(call, f"transferred to {target}")
        self._flush()

    def conference(self, call_id: str) -> None:
        """The caller joins the bridge of the agent and the consulted party: one mix of the three."""
        args = (call_id,)
        with self._lock:
            call = self._consulting("conference", args)
            if call is None:
                return
            if call.held and not self._unhold_caller("conference", args, call):
                return
            call.conference = True
        self._flush()

    # == pick-up from the web ======================================================================
    def answer_at_phone(self, call_id: str, agent_id: int) -> None:
        """Picked up from the web: the ringing leg is replaced by one that asks the phone to answer by
        itself (``auto_answer``: SIP Call-Info answer-after=0 by default); ``PhonePickedUp`` follows
        when it has, as when the agent lifts the handset."""
        args = (call_id, agent_id)
        with self._lock:
            call = self._live("answer_at_phone", args)
            if call is None:
                return
            if call.state != Leg.RINGING or call.agent_id != agent_id:
                return self._reject("answer_at_phone", args, f"call is {call.state.value}, not ringing there")
            endpoint = self._endpoint("answer_at_phone", args, agent_id)
            if endpoint is None:
                return
            ringing = self._drop_agent_leg(call)
            caller_id = call.dialled if call.outbound else call.caller
            variables = dict(self.settings.auto_answer)
            if not self._dial_agent("answer_at_phone", args, call, agent_id, endpoint, caller_id, variables):
                call.state = Leg.INCOMING  # nothing rings now; the engine's ring timer decides
            self._hang_up_channel("answer_at_phone", args, ringing, "normal")
        self._flush()

    # == supervision ================================================================================
    def monitor(self, call_id: str, supervisor_id: int, mode: str) -> None:
        """The supervisor's phone is called; once it answers: ``listen`` hears both parties through a
        snoop channel on the agent's leg (spy both), ``whisper`` also speaks into what the agent hears
        only (whisper out), ``barge`` joins the call's bridge. A new mode for a supervisor on the call
        re-snoops (or moves their leg between the bridges); their phone stays up."""
        args = (call_id, supervisor_id, mode)
        with self._lock:
            call = self._connected("monitor", args)
            if call is None:
                return
            if mode not in MONITOR_MODES:
                return self._reject(
                    "monitor", args, f"mode must be one of {', '.join(sorted(MONITOR_MODES))}"
                )
            current = call.monitors.get(supervisor_id)
            if current is not None:
                if current.mode != mode:
                    previous, current.mode = current.mode, mode
                    if current.answered:
                        self._place_supervisor(call, supervisor_id, current, previous)
                return self._flush()
            endpoint = self.settings.supervisors.get(supervisor_id)
            if endpoint is None:
                return self._reject("monitor", args, f"no endpoint configured for supervisor {supervisor_id}")
            leg = f"{call_id}-supervisor{supervisor_id}-{next(self._ids)}"
            self._channels[leg] = (call_id, f"supervisor:{supervisor_id}")
            params: dict[str, str | int] = {
                "endpoint": endpoint,
                "app": self.ari.app,
                "appArgs": "supervisor",
                "channelId": leg,
                "timeout": RING_TIMEOUT_S,
            }
            if self._rest("monitor", args, "POST", "/channels", **params) is None:
                self._channels.pop(leg, None)
                return
            call.monitors[supervisor_id] = Monitor(mode, leg)
        self._flush()

    def stop_monitor(self, call_id: str, supervisor_id: int) -> None:
        args = (call_id, supervisor_id)
        with self._lock:
            call = self._known("stop_monitor", args)
            if call is None or call.state == Leg.ENDED:
                return  # the call ended first: the supervisor is out already
            monitor = call.monitors.pop(supervisor_id, None)
            if monitor is None:
                return self._reject("stop_monitor", args, "the supervisor is not on the call")
            self._drop_monitor(monitor)
        self._flush()

    def _place_supervisor(
        self, call: AriCall, supervisor_id: int, monitor: Monitor, previous: str | None
    ) -> None:
        """Puts the supervisor's answered leg where ``monitor.mode`` wants it."""
        args = (call.call_id, supervisor_id, monitor.mode)
        if monitor.mode == "barge":
            self._drop_snoop(monitor)
            if monitor.bridge:
                self._rest_quietly("POST", f"/bridges/{monitor.bridge}/removeChannel", channel=monitor.leg)
            if call.bridge:
                self._rest("monitor", args, "POST", f"/bridges/{call.bridge}/addChannel", channel=monitor.leg)
            return
        if previous == "barge" and call.bridge:
            self._rest_quietly("POST", f"/bridges/{call.bridge}/removeChannel", channel=monitor.leg)
        if not monitor.bridge:
            bridge = f"{call.call_id}-monitor{supervisor_id}-{next(self._ids)}"
            if self._rest("monitor", args, "POST", f"/bridges/{bridge}", type="mixing") is None:
                return
            monitor.bridge = bridge
        self._rest("monitor", args, "POST", f"/bridges/{monitor.bridge}/addChannel", channel=monitor.leg)
        self._snoop(call, supervisor_id, monitor)

    def _snoop(self, call: AriCall, supervisor_id: int, monitor: Monitor) -> None:
        """A fresh snoop channel on the agent's leg for the monitor's mode (the old one hung up)."""
        self._drop_snoop(monitor)
        if not call.agent_leg:
            return
        snoop = f"{call.call_id}-snoop{supervisor_id}-{next(self._ids)}"
        self._channels[snoop] = (call.call_id, f"snoop:{supervisor_id}")
        params: dict[str, str | int] = {
            "spy": "both",
            "app": self.ari.app,
            "appArgs": "snoop",
            "snoopId": snoop,
        }
        if monitor.mode == "whisper":
            params["whisper"] = "out"  # into what the agent's phone receives: the caller never hears it
        args = (call.call_id, supervisor_id, monitor.mode)
        if self._rest("monitor", args, "POST", f"/channels/{call.agent_leg}/snoop", **params) is None:
            self._channels.pop(snoop, None)
            return
        monitor.snoop = snoop

    def _drop_snoop(self, monitor: Monitor) -> None:
        snoop, monitor.snoop = monitor.snoop, ""
        if snoop:
            self._channels.pop(snoop, None)
            self._hang_up_channel("stop_monitor", (snoop,), snoop, "normal")

    def _drop_monitor(self, monitor: Monitor) -> None:
        self._drop_snoop(monitor)
        if monitor.leg:
            self._channels.pop(monitor.leg, None)
            self._hang_up_channel("stop_monitor", (monitor.leg,), monitor.leg, "normal")
        if monitor.bridge:
            bridge, monitor.bridge = monitor.bridge, ""
            self._rest_quietly("DELETE", f"/bridges/{bridge}")

    # == ARI events =================================================================================
    def _on_event(self, event: AriEvent) -> None:
        kind = str(event.get("type"))
        handler = self._HANDLERS.get(kind)
        if handler is None:
            log.debug("ARI %s ignored: not an event KC acts on", kind)
            return
        with self._lock:
            handler(self, event)
        self._flush()

    def _stasis_start(self, event: AriEvent) -> None:
        channel = _channel(event)
        channel_id = str(channel.get("id", ""))
        if not channel_id:
            log.warning("ARI StasisStart ignored: no channel id")
            return
        known = self._channels.get(channel_id)
        if known is not None and channel_id in self._resynced:
            self._resynced.discard(channel_id)
            log.info("ARI StasisStart of %s ignored: handled already while catching up", channel_id)
            return
        if known is not None:
            call_id, role = known
            return self._leg_answered(call_id, role, channel_id, event.get("args") or ())
        if event.get("args"):
            log.warning(
                "ARI StasisStart ignored: channel %s with arguments %r is not one of KC's legs",
                channel_id,
                event.get("args"),
            )
            return self._hang_up_channel("stasis_start", (channel_id,), channel_id, "normal")
        if channel_id in self.calls:
            log.info("ARI StasisStart ignored: call %s is known already (duplicate)", channel_id)
            return
        self._caller_arrived(channel_id, channel)

    def _caller_arrived(self, call_id: str, channel: Mapping[str, Any]) -> None:
        """A caller's channel in KC's application is a call for the engine (``CallReachedPbx``)."""
        caller = channel.get("caller") or {}
        dialplan = channel.get("dialplan") or {}
        channel_id = str(channel["id"])
        call = AriCall(
            call_id,
            caller=str(caller.get("number", "")),
            dialled=str(dialplan.get("exten", "")),
            customer=channel_id,
            answered_by_pbx=channel.get("state") == "Up",
        )
        self.calls[call_id] = call
        self._channels[channel_id] = (call_id, "customer")
        self._emit(pbx.CallReachedPbx, call_id, caller=call.caller, dialled=call.dialled)

    def _adopt_caller(self, channel: Mapping[str, Any]) -> None:
        """A caller an earlier run left waiting in KC's application is a new call for the engine
        (the earlier one was closed in the journal); its id tells the two apart."""
        self._caller_arrived(f"{channel['id']}-again-{next(self._ids)}", channel)

    def _bridges_known(self) -> set[str]:
        """The bridges of KC's calls (the call's own and the supervisors')."""
        known = {call.bridge for call in self.calls.values() if call.bridge}
        known |= {m.bridge for call in self.calls.values() for m in call.monitors.values() if m.bridge}
        return known

    def _stray_gone(self, bridge: str, channel_id: str) -> None:
        """A party of a call an earlier run left talking hung up: the others are hung up with it."""
        members = self._strays.pop(bridge, set())
        members.discard(channel_id)
        log.info("ARI: %s of %s, left by an earlier run, hung up; the call is ended", channel_id, bridge)
        for other in members:
            self._channels.pop(other, None)
            self._hang_up_channel("resync", (bridge,), other, "normal")
        for agent_id in [a for a, c in self.endpoints.items() if c == bridge]:
            del self.endpoints[agent_id]
        self._rest_quietly("DELETE", f"/bridges/{bridge}")

    def _leg_answered(self, call_id: str, role: str, channel_id: str, args: Sequence[Any] = ()) -> None:
        """One of KC's own legs (an agent's endpoint, a dialled number) answered and entered Stasis."""
        call = self.calls.get(call_id)
        if call is not None and channel_id == call.joining:  # the consulted party answered
            call.joining = ""
            if call.bridge:
                self._rest(
                    "consult", (call_id,), "POST", f"/bridges/{call.bridge}/addChannel", channel=channel_id
                )
            return
        if call is None or call.state == Leg.ENDED:
            log.info("ARI: leg %s of call %s answered after the call ended; hung up", channel_id, call_id)
            return self._hang_up_channel("leg_answered", (call_id,), channel_id, "normal")
        if role == "agent":
            if call.state != Leg.RINGING or call.agent_leg != channel_id or call.agent_id is None:
                log.info(
                    "ARI: agent leg %s of call %s answered out of turn (%s); hung up",
                    channel_id,
                    call_id,
                    call.state.value,
                )
                return self._hang_up_channel("leg_answered", (call_id,), channel_id, "normal")
            agent_id = call.agent_id
            if call.outbound:
                call.state = Leg.DIALLING
                self._emit(pbx.PhonePickedUp, call_id, agent_id=agent_id)
                self._dial_outside(call)
                return
            call.state = Leg.CONNECTED
            if call.on_music:  # a colleague's phone answered after a blind transfer
                call.on_music = False
                self._rest_quietly("DELETE", f"/channels/{call.customer}/moh")
            if not call.answered_by_pbx:
                path = f"/channels/{call.customer}/answer"
                call.answered_by_pbx = self._rest("answer", (call_id,), "POST", path) is not None
            self._bridge(call, call.customer, channel_id)
            self._emit(pbx.PhonePickedUp, call_id, agent_id=agent_id)
        elif role.startswith(("supervisor:", "snoop:")):
            self._monitor_leg_answered(call, role, channel_id)
        elif role == "customer" and call.dialled_out:
            if call.state != Leg.DIALLING:
                return log.info(
                    "ARI: dialled %s answered out of turn (%s); ignored", call_id, call.state.value
                )
            call.state, call.answered_by_pbx = Leg.INCOMING, True  # waits for ring_agent like a caller
            machine = len(args) > 1 and str(args[1]) == "MACHINE"  # AMD's AMDSTATUS (dialled_context)
            self._emit(pbx.CalledPartyAnswered, call_id, machine=machine)
        elif role == "customer" and call.outbound:
            if call.state != Leg.DIALLING:
                log.info(
                    "ARI: called party of %s answered out of turn (%s); ignored", call_id, call.state.value
                )
                return
            call.state = Leg.CONNECTED
            self._bridge(call, call.agent_leg, channel_id)
            self._emit(pbx.CalledPartyAnswered, call_id)
        else:
            log.info(
                "ARI StasisStart ignored: channel %s (%s) of call %s is known already (duplicate)",
                channel_id,
                role,
                call_id,
            )

    def _monitor_leg_answered(self, call: AriCall, role: str, channel_id: str) -> None:
        kind, _, supervisor = role.partition(":")
        monitor = call.monitors.get(int(supervisor))
        if (
            monitor is not None
            and kind == "supervisor"
            and monitor.leg == channel_id
            and not monitor.answered
        ):
            monitor.answered = True
            return self._place_supervisor(call, int(supervisor), monitor, None)
        if monitor is not None and kind == "snoop" and monitor.snoop == channel_id and monitor.bridge:
            self._rest(
                "monitor",
                (call.call_id,),
                "POST",
                f"/bridges/{monitor.bridge}/addChannel",
                channel=channel_id,
            )
            return
        log.info("ARI: %s %s of call %s is no longer wanted; hung up", kind, channel_id, call.call_id)
        self._hang_up_channel("monitor", (call.call_id,), channel_id, "normal")

    def _hangup_request(self, event: AriEvent) -> None:
        channel_id = str(_channel(event).get("id", ""))
        known = self._channels.get(channel_id)
        if known is None:
            return
        call = self.calls.get(known[0])
        if call is not None and known[1] == "customer" and isinstance(event.get("cause"), int):
            call.hangup_cause = int(event["cause"])

    def _channel_gone(self, event: AriEvent) -> None:
        """StasisEnd or ChannelDestroyed: a leg left; which one decides what happened to the call."""
        channel_id = str(_channel(event).get("id", ""))
        known = self._channels.pop(channel_id, None)
        if known is None:
            log.debug(
                "ARI %s ignored: channel %s is none of KC's (or gone already)", event.get("type"), channel_id
            )
            return
        call_id, role = known
        if role == "stray":
            return self._stray_gone(call_id, channel_id)
        call = self.calls.get(call_id)
        if call is not None and role == "handed":  # after a transfer to a number: the other one goes too
            for leg in call.handed:
                if self._channels.pop(leg, None) is not None:
                    self._hang_up_channel("transfer", (call_id,), leg, "normal")
            if call.bridge:
                bridge, call.bridge = call.bridge, ""
                self._rest_quietly("DELETE", f"/bridges/{bridge}")
            return
        if call is None or call.state == Leg.ENDED:
            return
        if role != "agent" and role != "customer":
            return self._side_leg_gone(call, role, channel_id)
        raw_cause = event.get("cause")
        cause_number = int(raw_cause) if isinstance(raw_cause, int) else call.hangup_cause
        if role == "agent" and call.state in (Leg.RINGING,) and call.agent_leg == channel_id:
            # the endpoint did not answer (busy, rejected, unreachable): the engine's ring timer decides
            log.info(
                "ARI: agent %s's endpoint for call %s gave up ringing (cause %s)",
                call.agent_id,
                call_id,
                cause_number,
            )
            self._drop_agent_leg(call)
            call.agent_leg = ""
            if call.outbound:
                self._finish(call, cause_text(cause_number), hang_up_legs=False)
                self._emit(pbx.CallHungUpAtPbx, call_id, cause=cause_text(cause_number))
            else:
                call.state = Leg.INCOMING
            return
        if role == "agent" and call.agent_leg != channel_id:
            return  # a cancelled ring, gone at last
        if role == "customer":
            call.customer = ""
        else:
            call.agent_leg = ""
        cause = cause_text(cause_number)
        self._finish(call, cause)
        self._emit(pbx.CallHungUpAtPbx, call_id, cause=cause)

    def _side_leg_gone(self, call: AriCall, role: str, channel_id: str) -> None:
        """The consulted party, a supervisor or a snoop channel left; the call goes on."""
        if role == "consult" and channel_id == call.consult_leg:
            log.info("ARI: the consulted party of call %s (%s) hung up", call.call_id, call.consulting)
            if call.consult_agent is not None and self.endpoints.get(call.consult_agent) == call.call_id:
                del self.endpoints[call.consult_agent]
            call.consult_leg = call.joining = ""
            return
        kind, _, supervisor = role.partition(":")
        monitor = call.monitors.get(int(supervisor)) if supervisor.isdecimal() else None
        if monitor is None:
            return
        if kind == "supervisor" and monitor.leg == channel_id:
            log.info("ARI: supervisor %s hung up on call %s", supervisor, call.call_id)
            monitor.leg = ""
            self._drop_monitor(call.monitors.pop(int(supervisor)))
        elif kind == "snoop" and monitor.snoop == channel_id:
            monitor.snoop = ""

    def _dtmf(self, event: AriEvent) -> None:
        """The caller pressed a key: what plays is cut off (barge-in, no PromptFinished for it)."""
        channel_id = str(_channel(event).get("id", ""))
        known = self._channels.get(channel_id)
        digit = str(event.get("digit", ""))
        if known is None or known[1] != "customer" or not digit:
            log.info(
                "ARI ChannelDtmfReceived ignored: channel %s is no caller of KC's (digit %r)",
                channel_id,
                digit,
            )
            return
        call = self.calls.get(known[0])
        if call is None or call.state == Leg.ENDED:
            return
        while call.playbacks:
            playback = call.playbacks.popleft()
            self._playbacks.pop(playback, None)
            self._rest_quietly("DELETE", f"/playbacks/{playback}")
        self._emit(pbx.DigitsPressed, call.call_id, digits=digit)

    def _playback_finished(self, event: AriEvent) -> None:
        playback = event.get("playback") or {}
        playback_id = str(playback.get("id", ""))
        call_id = self._playbacks.pop(playback_id, None)
        call = self.calls.get(call_id) if call_id else None
        if call is None or playback_id not in call.playbacks:
            log.info(
                "ARI PlaybackFinished ignored: playback %r is none of KC's (or reported already)", playback_id
            )
            return
        if call.playbacks[0] != playback_id:
            log.info(
                "ARI PlaybackFinished for %s came before an older prompt's; reported in order", playback_id
            )
        call.playbacks.remove(playback_id)
        if call.state != Leg.ENDED:
            self._emit(pbx.PromptFinished, call.call_id)

    def _recording_started(self, event: AriEvent) -> None:
        live = self._recordings.get(_recording(event))
        if live is not None and live.recording_since is None:
            live.recording_since = self._clock.now()

    def _recording_finished(self, event: AriEvent) -> None:
        """The file is complete: the stretch (``RecordingReady``) or the message (``VoicemailRecorded``)."""
        self._recording_done(_recording(event), None)

    def _recording_done(self, name: str, duration_s: float | None) -> None:
        """A recording's file is complete; its length ``duration_s`` if known, else measured from
        when Asterisk began writing it."""
        live = self._recordings.pop(name, None)
        if live is None:
            log.info("ARI RecordingFinished ignored: %r is none of KC's (or reported already)", name)
            return
        now = self._clock.now()
        duration = duration_s
        if duration is None:
            duration = round((now - (live.recording_since or live.started_at)).total_seconds(), 2)
        call = self.calls.get(live.call_id)
        if call is not None:
            if call.recording == name:
                call.recording = ""
            if call.voicemail == name:
                call.voicemail = ""
        if live.box is not None:
            self._emit(pbx.VoicemailRecorded, live.call_id, box=live.box, recording=name, duration_s=duration)
        else:
            self._emit(
                pbx.RecordingReady,
                live.call_id,
                recording=name,
                started_at=live.started_at,
                duration_s=duration,
            )

    def _recording_failed(self, event: AriEvent) -> None:
        name = _recording(event)
        live = self._recordings.pop(name, None)
        if live is None:
            return
        recording = event.get("recording") or {}
        log.warning("Asterisk could not record %s of call %s: %s", name, live.call_id, recording.get("cause"))
        call = self.calls.get(live.call_id)
        if call is not None:
            call.recording = "" if call.recording == name else call.recording
            call.voicemail = "" if call.voicemail == name else call.voicemail

    _HANDLERS: dict[str, Callable[[AsteriskPbx, AriEvent], None]] = {
        "StasisStart": _stasis_start,
        "ChannelHangupRequest": _hangup_request,
        "StasisEnd": _channel_gone,
        "ChannelDestroyed": _channel_gone,
        "PlaybackFinished": _playback_finished,
        "ChannelDtmfReceived": _dtmf,
        "RecordingStarted": _recording_started,
        "RecordingFinished": _recording_finished,
        "RecordingFailed": _recording_failed,
    }

    # == internals ==================================================================================
    def _dial_agent(
        self,
        command: str,
        args: tuple[Any, ...],
        call: AriCall,
        agent_id: int,
        endpoint: str,
        caller_id: str,
        variables: Mapping[str, str] | None = None,
    ) -> bool:
        leg = f"{call.call_id}-agent{agent_id}-{next(self._ids)}"
        self._channels[leg] = (call.call_id, "agent")
        params: dict[str, str | int] = {
            "endpoint": endpoint,
            "app": self.ari.app,
            "appArgs": "agent",
            "channelId": leg,
            "timeout": RING_TIMEOUT_S,
        }
        if caller_id:
            params["callerId"] = caller_id
        body = {"variables": dict(variables)} if variables else None
        answer = self._rest(command, args, "POST", "/channels", body=body, **params)
        if answer is None:
            self._channels.pop(leg, None)
            return False
        call.state, call.agent_id, call.agent_leg = Leg.RINGING, agent_id, leg
        call.agent_leg_name = str(answer.get("name", "")) if isinstance(answer, dict) else ""
        self.endpoints[agent_id] = call.call_id
        return True

    def _dial_outside(self, call: AriCall) -> None:
        leg = f"{call.call_id}-out-{next(self._ids)}"
        self._channels[leg] = (call.call_id, "customer")
        params: dict[str, str | int] = {
            "endpoint": self.settings.outside.format(number=call.dialled),
            "app": self.ari.app,
            "appArgs": "outside",
            "channelId": leg,
            "timeout": RING_TIMEOUT_S,
        }
        if call.caller or self.settings.caller_id:  # the campaign's number (originate), else the office's
            params["callerId"] = call.caller or self.settings.caller_id
        args = (call.call_id, call.agent_id, call.dialled)
        if self._rest("originate", args, "POST", "/channels", **params) is None:
            self._channels.pop(leg, None)
            self._finish(call, "congestion")
            self._emit(pbx.CallHungUpAtPbx, call.call_id, cause="congestion")
            return
        call.customer = leg

    def _bridge(self, call: AriCall, *channels: str) -> None:
        bridge = f"{call.call_id}-bridge-{next(self._ids)}"
        args = (call.call_id,)
        if self._rest("bridge", args, "POST", f"/bridges/{bridge}", type="mixing") is None:
            return
        call.bridge = bridge
        self._rest("bridge", args, "POST", f"/bridges/{bridge}/addChannel", channel=",".join(channels))

    def _finish(
        self, call: AriCall, cause: str, *, keep_customer: bool = False, hang_up_legs: bool = True
    ) -> None:
        """The call is over for KC: every leg still up is hung up, the bridge destroyed, the phone freed."""
        call.state, call.end_cause, call.held = Leg.ENDED, cause, False
        for playback in call.playbacks:
            self._playbacks.pop(playback, None)
        call.playbacks.clear()
        self._stop_recording(call)
        self._end_consultation(call)
        for monitor in call.monitors.values():
            self._drop_monitor(monitor)
        call.monitors.clear()
        leg = self._drop_agent_leg(call)
        reason = ARI_REASONS.get(cause, "normal")
        if hang_up_legs and leg:
            self._hang_up_channel("hang_up", (call.call_id,), leg, "normal")
        if call.customer:
            self._channels.pop(call.customer, None)
            if hang_up_legs and not keep_customer:
                self._hang_up_channel("hang_up", (call.call_id, cause), call.customer, reason)
        if call.bridge:
            bridge, call.bridge = call.bridge, ""
            self._rest_quietly("DELETE", f"/bridges/{bridge}")

    def _hold_caller(self, command: str, args: tuple[Any, ...], call: AriCall) -> bool:
        """The caller leaves the bridge for music on hold."""
        if call.bridge and (
            self._rest(command, args, "POST", f"/bridges/{call.bridge}/removeChannel", channel=call.customer)
            is None
        ):
            return False
        moh = f"/channels/{call.customer}/moh"
        if self._rest(command, args, "POST", moh, mohClass=self.settings.moh_class) is None:
            return False
        call.held = True
        return True

    def _unhold_caller(self, command: str, args: tuple[Any, ...], call: AriCall) -> bool:
        """The caller's music stops and they join the bridge again."""
        if self._rest(command, args, "DELETE", f"/channels/{call.customer}/moh") is None:
            return False
        if call.bridge and (
            self._rest(command, args, "POST", f"/bridges/{call.bridge}/addChannel", channel=call.customer)
            is None
        ):
            return False
        call.held = False
        return True

    def _end_consultation(self, call: AriCall) -> None:
        """The consulted party leaves: their leg is hung up, their phone free again."""
        leg = call.consult_leg
        if call.consulting:
            self._clear_consultation(call)
        if leg:
            self._channels.pop(leg, None)
            self._hang_up_channel("retrieve", (call.call_id,), leg, "normal")

    def _clear_consultation(self, call: AriCall) -> None:
        other = call.consult_agent
        if other is not None and other != call.agent_id and self.endpoints.get(other) == call.call_id:
            del self.endpoints[other]
        if call.joining == call.consult_leg and call.consult_agent != call.agent_id:
            call.joining = ""
        call.consulting, call.consult_leg, call.consult_leg_name = "", "", ""
        call.consult_agent, call.conference = None, False

    def _hand_over(self, call: AriCall, cause: str) -> None:
        """The call leaves KC with the caller and the consulted party still talking in its bridge; when
        one of them hangs up, the other is hung up and the bridge destroyed."""
        call.handed = [leg for leg in (call.customer, call.consult_leg) if leg]
        for leg in call.handed:
            self._channels[leg] = (call.call_id, "handed")
        call.consult_leg = ""  # kept in ``handed``: _finish must not hang it up
        bridge, call.bridge = call.bridge, ""
        customer, call.customer = call.customer, ""
        self._finish(call, cause)
        call.bridge, call.customer = bridge, customer

    def _stop_recording(self, call: AriCall) -> None:
        """The stretch being recorded ends; ``RecordingReady`` follows when Asterisk closed the file."""
        name, call.recording = call.recording, ""
        if name:
            self._rest_quietly("POST", f"/recordings/live/{name}/stop")

    def _recording_name(self, kind: str, call_id: str) -> str:
        return f"kc-{kind}-{re.sub(r'[^A-Za-z0-9_-]', '_', call_id)}-{next(self._ids)}"

    def _drop_agent_leg(self, call: AriCall) -> str:
        leg = call.agent_leg
        if leg:
            self._channels.pop(leg, None)
        if call.agent_id is not None and self.endpoints.get(call.agent_id) == call.call_id:
            del self.endpoints[call.agent_id]
        call.agent_id = None if call.state != Leg.ENDED else call.agent_id
        call.agent_leg = ""
        return leg

    def _hang_up_channel(self, command: str, args: tuple[Any, ...], channel: str, reason: str) -> None:
        try:
            self.ari.request("DELETE", f"/channels/{channel}", reason=reason)
        except AriError as exc:
            if exc.status == 404:  # it hung up on its own meanwhile: the race is harmless
                log.debug("ARI: channel %s was gone already (%s)", channel, command)
                return
            self._reject(command, args, f"Asterisk refused to hang up {channel}: {exc}", said=exc.message)

    def _rest_quietly(self, method: str, path: str, **params: str | int) -> None:
        try:
            self.ari.request(method, path, **params)
        except AriError as exc:
            log.info("ARI %s %s: %s (ignored, cleaning up)", method, path, exc)

    def _rest(
        self,
        command: str,
        args: tuple[Any, ...],
        method: str,
        path: str,
        *,
        body: Any = None,
        **params: str | int,
    ) -> Any:
        """One REST call for a command: its answer (True for an empty one); None when refused (reported)."""
        try:
            answer = self.ari.request(method, path, body=body, **params)
        except AriError as exc:
            self._reject(command, args, f"Asterisk refused: {exc}", said=exc.message)
            return None
        return True if answer is None else answer

    def _media(self, command: str, args: tuple[Any, ...], prompt: str) -> str | None:
        if prompt.startswith("tts:"):
            return self._tts(command, args, prompt.removeprefix("tts:"))
        name = prompt.removeprefix("file:").removesuffix(".wav")
        if not PROMPT_NAME.fullmatch(name):
            self._reject(command, args, f"prompt name {name!r} is not 1 to 64 of a-z, 0-9, '_' and '-'")
            return None
        path = self.settings.prompts_dir / f"{name}.wav"
        if not path.is_file():
            self._reject(command, args, f"no prompt {name!r} in the prompts directory")
            return None
        return f"sound:{path.with_suffix('')}"

    def _tts(self, command: str, args: tuple[Any, ...], text: str) -> str | None:
        if self._speech is None:
            self._reject(command, args, "no speech synthesis configured for tts prompts")
            return None
        digest = hashlib.sha256(text.encode()).hexdigest()[:24]
        path = self.settings.prompts_dir / "tts" / f"{digest}.wav"
        if not path.is_file():
            try:
                audio = self._speech.synthesise(text)
            except Exception as exc:
                self._reject(command, args, f"speech synthesis failed: {exc}")
                return None
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(path, audio)
        return f"sound:{path.with_suffix('')}"

    def _endpoint(self, command: str, args: tuple[Any, ...], agent_id: int) -> str | None:
        device = self.devices.get(agent_id)
        if device:
            return self.settings.outside.format(number=device)
        endpoint = self.settings.endpoints.get(agent_id)
        if endpoint is None:
            self._reject(command, args, f"no endpoint configured for agent {agent_id}")
        return endpoint

    def _phone_free(self, command: str, args: tuple[Any, ...], agent_id: int) -> bool:
        if agent_id in self.endpoints:
            self._reject(command, args, f"agent's phone is busy with {self.endpoints[agent_id]}")
            return False
        return True

    def _known(self, command: str, args: tuple[Any, ...]) -> AriCall | None:
        call = self.calls.get(args[0])
        if call is None:
            self._reject(command, args, "unknown call")
        return call

    def _live(self, command: str, args: tuple[Any, ...]) -> AriCall | None:
        call = self._known(command, args)
        if call is not None and call.state == Leg.ENDED:
            self._reject(command, args, "call has ended")
            return None
        return call

    def _connected(self, command: str, args: tuple[Any, ...]) -> AriCall | None:
        call = self._known(command, args)
        if call is not None and call.state != Leg.CONNECTED:
            self._reject(command, args, f"call is {call.state.value}, not connected")
            return None
        return call

    def _consulting(self, command: str, args: tuple[Any, ...]) -> AriCall | None:
        call = self._connected(command, args)
        if call is not None and not call.consulting:
            self._reject(command, args, "no consultation is open")
            return None
        return call

    def _reject(self, command: str, args: tuple[Any, ...], reason: str, *, said: str = "") -> None:
        """A refused command: logged, kept in ``rejected`` and reported to the listeners (with what
        Asterisk ``said``, when it was Asterisk that refused); ``_reported`` flushes the report."""
        log.warning("Asterisk adapter: %s%r rejected: %s", command, args, reason)
        self.rejected.append((command, args, reason))
        self._emit(pbx.CommandRefusedAtPbx, str(args[0]), command=command, reason=said or reason)

    def _emit(self, kind: type[pbx.PbxEvent], call_id: str, **fields: Any) -> None:
        self._outbox.append(kind(at=self._clock.now(), call_id=call_id, **fields))

    def _flush(self) -> None:
        """Hand queued events to the listeners, outside the state lock and in order."""
        with self._emitting:
            while True:
                with self._lock:
                    if not self._outbox:
                        return
                    event = self._outbox.popleft()
                for listener in list(self._listeners):
                    try:
                        listener(event)
                    except Exception:
                        log.exception("PBX event listener failed on %s", type(event).__name__)


def _reported(command: Callable[..., None]) -> Callable[..., None]:
    """A command whose refusal (``_reject``, under the lock, often on an early return) reaches the
    listeners when it returns, outside the lock."""

    @functools.wraps(command)
    def run(self: AsteriskPbx, *args: Any) -> None:
        try:
            command(self, *args)
        finally:
            self._flush()

    return run


for _command in COMMANDS:  # every CallControl command of the adapter
    setattr(AsteriskPbx, _command, _reported(getattr(AsteriskPbx, _command)))


def _colleague(target: str) -> int | None:
    """The agent of ``agent:<id>``; None for a line or number."""
    kind, _, rest = target.partition(":")
    return int(rest) if kind == "agent" and rest.isdecimal() else None


def cause_text(cause: int | None) -> str:
    if cause is None:
        return "normal"
    return CAUSES.get(cause, f"cause_{cause}")


def _recording(event: AriEvent) -> str:
    recording = event.get("recording")
    return str(recording.get("name", "")) if isinstance(recording, Mapping) else ""


def _channel(event: AriEvent) -> Mapping[str, Any]:
    channel = event.get("channel")
    return channel if isinstance(channel, Mapping) else {}
