"""A PBX in memory: every CallControl command, with the state a real PBX would keep.

The engine talks to it exactly as to Asterisk or a CSTA switch. A *driver* (the simulator, a test)
plays the outside world: it announces incoming calls (``incoming``), picks up at an agent's phone
(``pick_up``), hangs up on either side (``end``) and may register callbacks with ``on`` to react to
the engine's commands, e.g. a robot agent that answers a few seconds after ``ring_agent``.

Callbacks run synchronously inside the engine's call; they must not call back into the engine (a
real PBX answers asynchronously too) but schedule their reaction, as the simulator does.

Commands for a call the PBX never saw raise ``UnknownCall`` (or, with ``strict=False``, are only
reported). Commands the PBX cannot carry out in the call's current state (hold an unanswered call,
ring an agent whose phone is busy) are never raised: a real PBX answers them with an error, so they
change nothing and are reported, in ``rejected`` and to the listeners as ``CommandRefusedAtPbx``.
A driver makes the PBX refuse a command it would carry out with ``refuse`` (as Asterisk refuses to
ring an endpoint it cannot reach). Harmless races - cancelling the ring of a call the caller already
left, hanging up an ended call - are accepted as no-ops.
"""

from __future__ import annotations

import array
from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from typing import Any

import attrs

from kc_adapters.speech.audio import telephony_wav, wav_samples
from kc_adapters.system import SystemClock
from kc_domain.errors import NotFound
from kc_domain.routing import pbx_events as pbx
from kc_ports.system import Clock

COMMANDS = (
    "answer",
    "play",
    "record_voicemail",
    "ring_agent",
    "answer_at_phone",
    "route_agent",
    "cancel_ring",
    "hold",
    "retrieve",
    "transfer",
    "consult",
    "complete_transfer",
    "conference",
    "hang_up",
    "dial_out",
    "originate",
    "start_recording",
    "stop_recording",
    "monitor",
    "stop_monitor",
)
MONITOR_MODES = frozenset({"listen", "whisper", "barge"})


class PbxError(Exception):
    """A command the simulated PBX refuses outright."""


class UnknownCall(PbxError, LookupError):
    def __init__(self, command: str, call_id: str) -> None:
        self.command, self.call_id = command, call_id
        super().__init__(f"simulated PBX: {command} for unknown call {call_id!r}")


class LegState(StrEnum):
    INCOMING = "incoming"  # at the PBX: in the IVR or queue, not at an agent
    RINGING = "ringing"  # an agent's phone rings
    CONNECTED = "connected"  # caller and agent talk (or hold)
    DIALLING = "dialling"  # outbound: the agent picked up, the called party's phone rings
    ENDED = "ended"


@attrs.define(eq=False)
class SimCall:
    call_id: str
    caller: str = ""
    dialled: str = ""
    state: LegState = LegState.INCOMING
    answered_by_pbx: bool = False  # picked up for IVR and announcements
    agent_id: int | None = None  # the agent rung, talking or dialling
    held: bool = False
    recording: bool = False
    recording_since: datetime | None = None  # the stretch being recorded began then
    recorded: int = 0  # stretches recorded so far
    monitors: dict[int, str] = attrs.field(factory=dict)  # supervisor id -> mode
    consulting: str = ""  # the consulted party, while a consultation is open
    conference: bool = False
    prompts: list[str] = attrs.field(factory=list)  # every prompt played, in order
    playing: int = 0  # prompts queued and not finished
    voicemail_box: str = ""  # recording a message into this box
    outbound: bool = False  # placed by ``originate``
    dialled_out: bool = False  # placed by ``dial_out`` (a campaign's): an incoming caller once answered
    ring_s: int = 0  # ``dial_out``: how long the number may ring
    transferred_to: str = ""
    end_cause: str = ""


Callback = Callable[..., Any]
MAX_RECORDING_S = 600.0  # the simulated audio of one recorded stretch is cut there


def silent_recording(_call: SimCall, seconds: float) -> bytes:
    """A recorded stretch as silence of its length (8 kHz, 16-bit mono WAV)."""
    return telephony_wav(array.array("h", [0]) * int(8000 * min(seconds, MAX_RECORDING_S)))


class SpokenRecording:
    """A recorded stretch that can be listened to: the caller and the agent say a sentence each
    (Czech speech from ``speech``, e.g. espeak-ng), then silence to the stretch's length."""

    CALLER = "Dobrý den, volám kvůli potvrzení o bezdlužnosti."
    AGENT = "Dobrý den, Oborová zdravotní pojišťovna, s čím vám mohu pomoci?"

    def __init__(self, speech: Any, max_s: float = MAX_RECORDING_S) -> None:
        self._speech, self._max_s = speech, max_s

    def __call__(self, _call: SimCall, seconds: float) -> bytes:
        total = int(8000 * min(seconds, self._max_s))
        spoken = array.array("h")
        for line in (self.AGENT, self.CALLER):
            spoken.extend(wav_samples(self._speech.synthesise(line)))
            spoken.extend(array.array("h", [0]) * 2000)  # a quarter of a second between them
        samples = spoken[:total]
        samples.extend(array.array("h", [0]) * (total - len(samples)))
        return telephony_wav(samples)


class SimulatedPbx:
    def __init__(
        self,
        *,
        strict: bool = True,
        record_commands: bool = True,
        clock: Clock | None = None,
        recording_audio: Callable[[SimCall, float], bytes] | None = None,
    ) -> None:
        """``recording_audio(call, seconds)``: the audio of a recorded stretch (default: silence of
        that length, 8 kHz mono, at most MAX_RECORDING_S)."""
        self.strict, self.record_commands = strict, record_commands
        self.recording_audio = recording_audio or silent_recording
        self._clock: Clock = clock or SystemClock()
        self._listeners: list[Callable[[pbx.PbxEvent], None]] = []
        self.calls: dict[str, SimCall] = {}
        self.commands: list[tuple[str, tuple[Any, ...]]] = []
        self.rejected: list[tuple[str, tuple[Any, ...], str]] = []  # (command, args, reason)
        self.endpoints: dict[int, str] = {}  # agent id -> the call ringing or connected at the phone
        self._callbacks: dict[str, list[Callback]] = {}
        self.recordings: dict[str, bytes] = {}  # voicemail recordings by reference
        self.devices: dict[int, str] = {}  # agent id -> the mobile number they work on (IN-28)
        self.lines: dict[str, str] = {}  # a monitored line or extension -> its state (AG-12)
        self._refusing: dict[str, str] = {}  # command -> the reason its next call is refused with

    # == the driver's side ==========================================================================
    def on(self, command: str, callback: Callback) -> None:
        """Call ``callback(*args)`` after the PBX has carried out ``command`` (not after a rejection)."""
        if command not in COMMANDS:
            raise ValueError(f"no such CallControl command: {command!r}")
        self._callbacks.setdefault(command, []).append(callback)

    def refuse(self, command: str, reason: str) -> None:
        """The PBX refuses the next ``command`` with ``reason`` (e.g. Asterisk's "Allocation failed"
        for an unreachable phone): nothing of it is carried out, and it is reported as any refusal."""
        if command not in COMMANDS:
            raise ValueError(f"no such CallControl command: {command!r}")
        self._refusing[command] = reason

    def listen(self, listener: Callable[[pbx.PbxEvent], None]) -> None:
        """Receive the PBX's event stream (``kc_domain.routing.pbx_events``), as from a real PBX:
        calls reaching it, phones ringing and picked up, digits, hold, transfers at the phone, hang-ups.
        Events come while the engine may be inside a command (``ring_agent``): a listener queues them
        and feeds the engine afterwards, as with a real PBX, whose events arrive asynchronously."""
        self._listeners.append(listener)

    def incoming(self, call_id: str, caller: str = "", dialled: str = "") -> SimCall:
        """A call reaches the PBX; the driver then tells the engine (``call_arrived``), or a listener
        does so from the ``CallReachedPbx`` event."""
        if call_id in self.calls:
            raise PbxError(f"simulated PBX: call {call_id!r} exists already")
        call = self.calls[call_id] = SimCall(call_id, caller, dialled)
        self._emit(pbx.CallReachedPbx, call_id, caller=caller, dialled=dialled)
        return call

    def press(self, call_id: str, digits: str) -> None:
        """The caller presses keys (DTMF)."""
        call = self._known("press", call_id)
        if call is not None and call.state != LegState.ENDED:
            call.playing = 0  # a key press cuts off what plays (barge-in)
            self._emit(pbx.DigitsPressed, call_id, digits=digits)

    def finish_prompt(self, call_id: str) -> bool:
        """The oldest prompt playing to the caller has finished; False if none was playing."""
        call = self._known("finish_prompt", call_id)
        if call is None or call.playing == 0 or call.state == LegState.ENDED:
            return False
        call.playing -= 1
        self._emit(pbx.PromptFinished, call_id)
        return True

    def leave_message(self, call_id: str, audio: bytes, duration_s: float) -> str:
        """The caller speaks after the beep and presses # (or hangs up); returns the recording's
        reference, or "" when KC is not recording the call."""
        call = self._known("leave_message", call_id)
        if call is None or not call.voicemail_box or call.state == LegState.ENDED:
            return ""
        reference = f"vm-{call_id}"
        self.recordings[reference] = audio
        box, call.voicemail_box = call.voicemail_box, ""
        self._emit(pbx.VoicemailRecorded, call_id, box=box, recording=reference, duration_s=duration_s)
        return reference

    def line_state(self, device: str, state: str) -> None:
        """A monitored line or a supervisor's extension changes state (somebody calls it, it goes
        offline); the PBX reports ``DeviceStateChanged`` when the state is new."""
        if state not in pbx.DEVICE_STATES:
            raise PbxError(f"simulated PBX: no such device state {state!r}")
        self._line(device, state, "")

    def recording(self, reference: str) -> bytes:
        """The audio of a voicemail or call recording (``CallAudio``); ``NotFound`` when unknown."""
        try:
            return self.recordings[reference]
        except KeyError:
            raise NotFound("recording", reference) from None

    def called_party_answers(self, call_id: str, machine: bool = False) -> bool:
        """The customer answers an outbound call after the agent picked up, or a number the dialler
        dialled (``machine``: the PBX's detection took it for an answering machine); False if not
        dialling."""
        call = self._known("called_party_answers", call_id)
        if call is None or call.state != LegState.DIALLING:
            return False
        if call.dialled_out:  # the callee is on the line, waiting for an agent like a caller
            call.state, call.answered_by_pbx = LegState.INCOMING, True
        else:
            call.state = LegState.CONNECTED
        self._emit(pbx.CalledPartyAnswered, call_id, machine=machine)
        return True

    def transfer_at_phone(self, call_id: str, target: str) -> bool:
        """The agent transfers the connected call from the desk phone; False if not connected."""
        call = self._known("transfer_at_phone", call_id)
        if call is None or call.state != LegState.CONNECTED:
            return False
        call.transferred_to = target
        self._finish(call, f"transferred to {target}")
        self._emit(pbx.CallTransferredAtPbx, call_id, target=target)
        return True

    def pick_up(self, call_id: str, agent_id: int) -> bool:
        """The agent lifts the ringing phone; False if it no longer rings for them (too late)."""
        call = self._known("pick_up", call_id)
        if call is None or call.state != LegState.RINGING or call.agent_id != agent_id:
            return False
        call.state = LegState.DIALLING if call.outbound else LegState.CONNECTED
        self._emit(pbx.PhonePickedUp, call_id, agent_id=agent_id)
        return True

    def end(self, call_id: str, cause: str = "normal") -> bool:
        """The caller or the agent hangs up; False if the call had ended already."""
        call = self._known("end", call_id)
        if call is None or call.state == LegState.ENDED:
            return False
        self._finish(call, cause)
        self._emit(pbx.CallHungUpAtPbx, call_id, cause=cause)
        return True

    def state(self, call_id: str) -> SimCall:
        call = self.calls.get(call_id)
        if call is None:
            raise UnknownCall("state", call_id)
        return call

    def active(self) -> list[SimCall]:
        return [c for c in self.calls.values() if c.state != LegState.ENDED]

    # == CallControl ================================================================================
    def answer(self, call_id: str) -> None:
        call = self._command("answer", call_id)
        if call and self._live(call, "answer", (call_id,)):
            call.answered_by_pbx = True
            self._done("answer", call_id)

    def play(self, call_id: str, prompt: str) -> None:
        call = self._command("play", call_id, prompt)
        if call and self._live(call, "play", (call_id, prompt)):
            call.prompts.append(prompt)
            call.playing += 1
            self._done("play", call_id, prompt)

    def record_voicemail(self, call_id: str, box: str) -> None:
        call = self._command("record_voicemail", call_id, box)
        if call and self._live(call, "record_voicemail", (call_id, box)):
            if call.state != LegState.INCOMING:
                return self._reject("record_voicemail", (call_id, box), f"call is {call.state.value}")
            call.voicemail_box = box
            self._done("record_voicemail", call_id, box)

    def ring_agent(self, call_id: str, agent_id: int) -> None:
        args = (call_id, agent_id)
        call = self._command("ring_agent", *args)
        if call is None or not self._live(call, "ring_agent", args):
            return
        if call.state != LegState.INCOMING:
            return self._reject("ring_agent", args, f"call is {call.state.value}")
        if agent_id in self.endpoints:
            return self._reject("ring_agent", args, f"agent's phone is busy with {self.endpoints[agent_id]}")
        call.state, call.agent_id = LegState.RINGING, agent_id
        self.endpoints[agent_id] = call_id
        self._done("ring_agent", *args)
        self._emit(pbx.PhoneRinging, call_id, agent_id=agent_id)

    def answer_at_phone(self, call_id: str, agent_id: int) -> None:
        args = (call_id, agent_id)
        call = self._command("answer_at_phone", *args)
        if call is None or not self._live(call, "answer_at_phone", args):
            return
        if call.state != LegState.RINGING or call.agent_id != agent_id:
            return self._reject("answer_at_phone", args, f"call is {call.state.value}, not ringing there")
        call.state = LegState.DIALLING if call.outbound else LegState.CONNECTED
        self._done("answer_at_phone", *args)

    def route_agent(self, agent_id: int, device: str) -> None:
        if self.record_commands:
            self.commands.append(("route_agent", (agent_id, device)))
        if device:
            self.devices[agent_id] = device
        else:
            self.devices.pop(agent_id, None)
        self._done("route_agent", agent_id, device)

    def cancel_ring(self, call_id: str, agent_id: int) -> None:
        args = (call_id, agent_id)
        call = self._command("cancel_ring", *args)
        if call is None:
            return
        if call.state == LegState.ENDED or call.agent_id != agent_id:
            return  # the phone stopped ringing by itself (the caller left, another agent took it)
        if call.state != LegState.RINGING:
            return self._reject("cancel_ring", args, f"call is {call.state.value}")
        self._free_endpoint(call)
        call.state, call.agent_id = LegState.INCOMING, None
        self._done("cancel_ring", *args)

    def hold(self, call_id: str) -> None:
        call = self._command("hold", call_id)
        if call and self._connected(call, "hold", (call_id,)):
            call.held = True
            self._done("hold", call_id)
            self._emit(pbx.CallHeldAtPbx, call_id, held=True)

    def retrieve(self, call_id: str) -> None:
        call = self._command("retrieve", call_id)
        if call and self._connected(call, "retrieve", (call_id,)):
            call.held = False
            if call.consulting:  # back from a consultation: the consulted party hangs up
                self._line(call.consulting, "free", call_id)
                call.consulting, call.conference = "", False
            self._done("retrieve", call_id)
            self._emit(pbx.CallHeldAtPbx, call_id, held=False)

    def transfer(self, call_id: str, target: str) -> None:
        """To a number the call leaves KC; to an agent of KC (``agent:<id>``, the engine's blind
        transfer to a colleague) the agent's phone is freed and the caller waits for KC to ring hers."""
        call = self._command("transfer", call_id, target)
        if call and self._live(call, "transfer", (call_id, target)):
            call.transferred_to = target
            colleague = target.removeprefix("agent:")
            if colleague != target and colleague.isdecimal():
                self._free_endpoint(call)
                call.state, call.agent_id, call.held = LegState.INCOMING, None, False
            else:
                self._finish(call, f"transferred to {target}")
            self._done("transfer", call_id, target)

    def consult(self, call_id: str, target: str) -> None:
        call = self._command("consult", call_id, target)
        if call and self._connected(call, "consult", (call_id, target)):
            call.held, call.consulting = True, target
            self._line(target, "busy", call_id)  # the consulted line picks up at once
            self._done("consult", call_id, target)

    def complete_transfer(self, call_id: str) -> None:
        call = self._command("complete_transfer", call_id)
        if call is None or not self._connected(call, "complete_transfer", (call_id,)):
            return
        if not call.consulting:
            return self._reject("complete_transfer", (call_id,), "no consultation is open")
        target = call.consulting
        call.transferred_to = target
        colleague = target.removeprefix("agent:")
        if colleague != target and colleague.isdecimal():  # to an agent of KC: the call goes on with them
            self._free_endpoint(call)
            call.agent_id, call.consulting, call.held, call.conference = int(colleague), "", False, False
            self.endpoints[call.agent_id] = call_id
        else:  # a line or an external number: the call leaves KC
            self._finish(call, f"transferred to {target}")
        self._done("complete_transfer", call_id)

    def conference(self, call_id: str) -> None:
        call = self._command("conference", call_id)
        if call is None or not self._connected(call, "conference", (call_id,)):
            return
        if not call.consulting:
            return self._reject("conference", (call_id,), "no consultation is open")
        call.conference, call.held = True, False
        self._done("conference", call_id)

    def hang_up(self, call_id: str, cause: str) -> None:
        call = self._command("hang_up", call_id, cause)
        if call is None or call.state == LegState.ENDED:
            return  # both sides hung up at once: nothing left to end
        self._finish(call, cause)
        self._done("hang_up", call_id, cause)

    def originate(self, call_id: str, agent_id: int, number: str, caller_id: str = "") -> None:
        args = (call_id, agent_id, number, caller_id) if caller_id else (call_id, agent_id, number)
        if self.record_commands:
            self.commands.append(("originate", args))
        if call_id in self.calls:
            raise PbxError(f"simulated PBX: originate with the id of an existing call {call_id!r}")
        if self._refused("originate", args):
            return
        if agent_id in self.endpoints:
            return self._reject("originate", args, f"agent's phone is busy with {self.endpoints[agent_id]}")
        self.calls[call_id] = SimCall(
            call_id, caller_id, number, LegState.RINGING, agent_id=agent_id, outbound=True
        )
        self.endpoints[agent_id] = call_id
        self._done("originate", *args)
        self._emit(pbx.PhoneRinging, call_id, agent_id=agent_id)

    def dial_out(self, call_id: str, number: str, caller_id: str, ring_s: int) -> None:
        args = (call_id, number, caller_id, ring_s)
        if self.record_commands:
            self.commands.append(("dial_out", args))
        if call_id in self.calls:
            raise PbxError(f"simulated PBX: dial_out with the id of an existing call {call_id!r}")
        if self._refused("dial_out", args):
            return
        self.calls[call_id] = SimCall(
            call_id, number, caller_id, LegState.DIALLING, dialled_out=True, ring_s=ring_s
        )
        self._done("dial_out", *args)

    def start_recording(self, call_id: str) -> None:
        call = self._command("start_recording", call_id)
        if call and self._live(call, "start_recording", (call_id,)):
            if not call.recording:
                call.recording, call.recording_since = True, self._clock.now()
            self._done("start_recording", call_id)

    def stop_recording(self, call_id: str) -> None:
        call = self._command("stop_recording", call_id)
        if call and self._live(call, "stop_recording", (call_id,)):
            self._recording_over(call)
            self._done("stop_recording", call_id)

    def _recording_over(self, call: SimCall) -> None:
        """The stretch being recorded is complete: its audio is kept and ``RecordingReady`` sent."""
        if not call.recording or call.recording_since is None:
            call.recording = False
            return
        started = call.recording_since
        seconds = round(max(0.0, (self._clock.now() - started).total_seconds()), 2)
        call.recording, call.recording_since = False, None
        call.recorded += 1
        reference = f"rec-{call.call_id}-{call.recorded}"
        self.recordings[reference] = self.recording_audio(call, seconds)
        self._emit(
            pbx.RecordingReady, call.call_id, recording=reference, started_at=started, duration_s=seconds
        )

    def monitor(self, call_id: str, supervisor_id: int, mode: str) -> None:
        args = (call_id, supervisor_id, mode)
        call = self._command("monitor", *args)
        if call is None or not self._connected(call, "monitor", args):
            return
        if mode not in MONITOR_MODES:
            return self._reject("monitor", args, f"mode must be one of {', '.join(sorted(MONITOR_MODES))}")
        call.monitors[supervisor_id] = mode
        self._done("monitor", *args)

    def stop_monitor(self, call_id: str, supervisor_id: int) -> None:
        call = self._command("stop_monitor", call_id, supervisor_id)
        if call is None or call.state == LegState.ENDED:
            return  # the call ended first: the supervisor is out already
        if call.monitors.pop(supervisor_id, None) is None:
            return self._reject("stop_monitor", (call_id, supervisor_id), "the supervisor is not on the call")
        self._done("stop_monitor", call_id, supervisor_id)

    # == internals ==================================================================================
    def _command(self, command: str, call_id: str, *rest: Any) -> SimCall | None:
        if self.record_commands:
            self.commands.append((command, (call_id, *rest)))
        call = self._known(command, call_id, *rest)
        return None if call is None or self._refused(command, (call_id, *rest)) else call

    def _known(self, command: str, call_id: str, *rest: Any) -> SimCall | None:
        call = self.calls.get(call_id)
        if call is None:
            if self.strict:
                raise UnknownCall(command, call_id)
            if command in COMMANDS:
                self._reject(command, (call_id, *rest), "unknown call")
            else:  # the driver's own action, not KC's command
                self.rejected.append((command, (call_id, *rest), "unknown call"))
        return call

    def _refused(self, command: str, args: tuple[Any, ...]) -> bool:
        reason = self._refusing.pop(command, None)
        if reason is not None:
            self._reject(command, args, reason)
        return reason is not None

    def _live(self, call: SimCall, command: str, args: tuple[Any, ...]) -> bool:
        if call.state == LegState.ENDED:
            self._reject(command, args, "call has ended")
            return False
        return True

    def _connected(self, call: SimCall, command: str, args: tuple[Any, ...]) -> bool:
        if call.state != LegState.CONNECTED:
            self._reject(command, args, f"call is {call.state.value}, not connected")
            return False
        return True

    def _reject(self, command: str, args: tuple[Any, ...], reason: str) -> None:
        self.rejected.append((command, args, reason))
        self._emit(pbx.CommandRefusedAtPbx, str(args[0]), command=command, reason=reason)

    def _emit(self, kind: type[pbx.PbxEvent], call_id: str, **fields: Any) -> None:
        if self._listeners:
            event = kind(at=self._clock.now(), call_id=call_id, **fields)
            for listener in list(self._listeners):
                listener(event)

    def _line(self, device: str, state: str, call_id: str) -> None:
        """Presence of a line (agents' phones are KC's business: ``endpoints``)."""
        if device.startswith("agent:") or self.lines.get(device) == state:
            return
        self.lines[device] = state
        self._emit(pbx.DeviceStateChanged, call_id, device=device, state=state)

    def _finish(self, call: SimCall, cause: str) -> None:
        if call.consulting:
            self._line(call.consulting, "free", call.call_id)
        self._recording_over(call)
        self._free_endpoint(call)
        call.state, call.end_cause = LegState.ENDED, cause
        call.held = call.recording = False
        call.playing, call.voicemail_box = 0, ""
        call.monitors.clear()

    def _free_endpoint(self, call: SimCall) -> None:
        if call.agent_id is not None and self.endpoints.get(call.agent_id) == call.call_id:
            del self.endpoints[call.agent_id]

    def _done(self, command: str, *args: Any) -> None:
        for callback in self._callbacks.get(command, ()):
            callback(*args)
