"""KC's Asterisk adapter on the test Asterisk, with the driver hooks tests need to play the world.

A caller is a Local channel originated over AMI into KC's context (its other half waits, as a caller
would); an agent's phone is a Local channel into the stand-in phones' context, which rings until the
test redirects it to answer. Every wait is on an event with a timeout, never a sleep.
"""

from __future__ import annotations

import array
import itertools
import math
import queue
import threading
import time
import wave
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from kc_adapters.asterisk.ami import AmiClient, AmiEvent
from kc_adapters.asterisk.ari import AriClient, AriEvent
from kc_adapters.asterisk.pbx import AriCall, AsteriskPbx, AsteriskSettings
from kc_adapters.simulated_pbx import LegState as Leg
from kc_domain.routing import pbx_events as pbx
from kc_ports.telephony import CallControl
from tests.asterisk_peer import (
    APP,
    CALLERS_CONTEXT,
    IN_CONTEXT,
    OUTSIDE_CONTEXT,
    PHONES_CONTEXT,
    SUPERVISOR_TONE_HZ,
    SUPERVISORS_CONTEXT,
    AsteriskPeer,
    tone_wav,
)

CALLER, DIALLED = "+420602123456", "800123456"
AGENTS = (7, 8)
SUPERVISORS = (90,)
WAIT_S = 10.0
E = TypeVar("E", bound=pbx.PbxEvent)
T = TypeVar("T")


def wait_for(condition: Callable[[], T | None], what: str, timeout_s: float = WAIT_S) -> T:
    """The first true value of ``condition``, asked every 50 ms; fails naming ``what`` after the timeout."""
    deadline = time.monotonic() + timeout_s
    while not (found := condition()):
        assert time.monotonic() < deadline, f"waited in vain for {what} ({timeout_s} s)"
        time.sleep(0.05)
    return found


def agent_endpoints(context: str = PHONES_CONTEXT) -> dict[int, str]:
    """``/n``: Asterisk must not optimise the Local channel away, so its id stays KC's to follow."""
    return {agent: f"Local/agent{agent}@{context}/n" for agent in AGENTS}


class ObservedAri(AriClient):
    """KC's ARI client, whose events the test sees too (after the adapter): what Asterisk does that
    KC reports nothing of yet, e.g. a recording has begun (``RecordingStarted``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.seen: list[AriEvent] = []
        self.changed = threading.Condition()

    def connect(self, on_event: Callable[[AriEvent], None], *args: Any, **kwargs: Any) -> None:
        def observed(event: AriEvent) -> None:
            on_event(event)
            with self.changed:
                self.seen.append(event)
                self.changed.notify_all()

        super().connect(observed, *args, **kwargs)

    def wait_for(self, kind: str, test: Callable[[AriEvent], bool], timeout_s: float = WAIT_S) -> AriEvent:
        def found() -> AriEvent | None:
            return next((e for e in self.seen if e.get("type") == kind and test(e)), None)

        with self.changed:
            assert self.changed.wait_for(lambda: found() is not None, timeout_s), (kind, self.seen[-5:])
            event = found()
            assert event is not None
            return event


def caller_half(name: str) -> str:
    """The caller's own half of the Local channel sent into KC's context (whose ;2 KC handles)."""
    return name.removesuffix(";2") + ";1"


def phone_half(name: str) -> str:
    """The stand-in phone's half of the Local channel KC dialled (whose ;1 KC handles)."""
    return name.removesuffix(";1") + ";2"


class Outside:
    """The world around KC at the test Asterisk, played over AMI: callers' own halves (the ;1 of the
    Local channel sent into KC's context) and agents' stand-in phones (the ;2 of a leg KC dials)."""

    def __init__(self, peer: AsteriskPeer, messages_dir: Path) -> None:
        self.messages_dir = messages_dir  # what callers say, as WAVs Asterisk reads
        self._messages = itertools.count(1)
        self._waiting: set[str] = set()  # channels waiting in their dialplan (AMI Newexten of Wait)
        self._changed = threading.Condition()
        self.ami = AmiClient(peer.host, peer.port, peer.username, peer.secret, timeout_s=5.0)
        self.ami.subscribe(self._on_ami)
        self.ami.connect()

    def close(self) -> None:
        self.ami.close()

    def waiting(self) -> set[str]:
        """The channels seen waiting in their dialplan: stand-in phones ringing, callers' halves
        waiting, callers trying KC's application again."""
        with self._changed:
            return set(self._waiting)

    def hang_up_everything(self) -> None:
        self.ami.action("Command", Command="channel request hangup all")

    def dials(self, number: str, caller: str, *, speaks: bool = False) -> None:
        """A caller dials ``number`` into KC's context. A caller who ``speaks`` waits in the callers'
        context (their own dialplan: ``speaks``, ``talks``); otherwise their half only waits."""
        where: dict[str, Any] = (
            {"Context": CALLERS_CONTEXT, "Exten": "caller", "Priority": "1"}
            if speaks
            else {"Application": "Wait", "Data": "120"}
        )
        where |= {"Channel": f"Local/{number}@{IN_CONTEXT}", "CallerID": caller, "Async": "true"}
        self.ami.action("Originate", **where)

    def waits(self, channel: str) -> None:
        """Until ``channel`` waits in its dialplan. Redirecting a half before it runs its dialplan
        makes Asterisk start a second PBX on it (and crash)."""
        with self._changed:
            assert self._changed.wait_for(lambda: channel in self._waiting, WAIT_S), channel

    def answers(self, phone: str) -> None:
        """A stand-in phone ringing in the phones' context answers."""
        self.waits(phone)
        self.ami.action("Redirect", Channel=phone, Context=PHONES_CONTEXT, Exten="answer", Priority="1")

    def speaks(self, caller: str, audio: bytes, *, then: str = "hash") -> None:
        """The caller's half plays ``audio`` (a WAV) towards KC, then presses # (``then="hash"``) or
        hangs up (``then="hangup"``)."""
        message = self.messages_dir / f"message-{next(self._messages)}.wav"
        message.write_bytes(audio)
        self.waits(caller)
        self.ami.action("Setvar", Channel=caller, Variable="MESSAGE", Value=str(message.with_suffix("")))
        exten = "speak-hash" if then == "hash" else "speak"
        self.ami.action("Redirect", Channel=caller, Context=CALLERS_CONTEXT, Exten=exten, Priority="1")

    def talks(self, caller: str) -> None:
        """The caller's half speaks (a tone, CALLER_TONE_HZ) towards KC until hung up."""
        self.ami.action("Redirect", Channel=caller, Context=CALLERS_CONTEXT, Exten="talk", Priority="1")

    def presses(self, caller: str, keys: str) -> None:
        """The caller's half sends the keys (DTMF) towards KC, one after another."""
        for key in keys:
            self.ami.action("PlayDTMF", Channel=caller, Digit=key, Duration="100")

    def hangs_up(self, channel: str) -> None:
        self.ami.action("Hangup", Channel=channel)

    def _on_ami(self, event: AmiEvent) -> None:
        if event.name == "Newexten" and event.get("Application") == "Wait":
            with self._changed:
                self._waiting.add(event.get("Channel"))
                self._changed.notify_all()


# -- supervision by ear: where the supervisor's voice (the stand-in's tone) is heard ---------------------
def tone_level(path: Path, hertz: float = SUPERVISOR_TONE_HZ, block_s: float = 0.2) -> float:
    """The amplitude of ``hertz`` in a WAV: ~0 without it, ~1000s with. Goertzel over each block of
    ``block_s``, averaged: a looped sound (a stand-in's Playback, again and again) jumps in phase
    where it starts again, and over the whole file those pieces would partly cancel out."""
    with wave.open(str(path)) as wav:
        rate = wav.getframerate()
        samples = array.array("h", wav.readframes(wav.getnframes()))
    size = min(len(samples), int(rate * block_s))
    if not size:
        return 0.0
    blocks = [samples[start : start + size] for start in range(0, len(samples) - size + 1, size)]
    return sum(goertzel(block, hertz, rate) for block in blocks) / len(blocks)


def goertzel(samples: array.array[int], hertz: float, rate: int) -> float:
    coefficient = 2 * math.cos(2 * math.pi * hertz / rate)
    previous = before = 0.0
    for sample in samples:
        previous, before = sample + coefficient * previous - before, previous
    power = previous**2 + before**2 - coefficient * previous * before
    return 2 * math.sqrt(max(power, 0.0)) / len(samples)


class Ears:
    """What the caller and the agent hear, recorded at their phones' own halves (``phones``: who ->
    channel): MixMonitor's read feed there is what KC's side sends them, with what the supervisor
    whispers mixed in already (a spy on KC's side of the agent's leg would see the frames before the
    whisper is added)."""

    def __init__(self, ami: AmiClient, phones: Mapping[str, str], directory: Path) -> None:
        self.ami, self.phones, self.directory = ami, dict(phones), directory

    def listen(self, seconds: float, label: str) -> dict[str, float]:
        """The supervisor's tone level in what each heard for ``seconds``."""
        files = {who: self.directory / f"{label}-{who}.wav" for who in self.phones}
        for who, phone in self.phones.items():
            mixed = self.directory / f"{label}-{who}-both.wav"
            self.ami.action("MixMonitor", Channel=phone, File=str(mixed), Options=f"r({files[who]})")
        threading.Event().wait(seconds)  # the supervisor speaks meanwhile
        for phone in self.phones.values():
            self.ami.action("StopMixMonitor", Channel=phone)
        for path in files.values():  # MixMonitor closes its files on its own thread
            closed(path)
        return {who: tone_level(path) for who, path in files.items()}


def supervisor_in_place(
    ari: ObservedAri, adapter: AsteriskPbx, call_id: str, supervisor_id: int, mode: str
) -> None:
    """Until the supervisor's leg (and, listening or whispering, the snoop channel) is bridged."""
    call = adapter.call(call_id)
    assert call is not None, call_id
    monitor = call.monitors[supervisor_id]
    ari.wait_for("StasisStart", lambda e: e["channel"]["id"] == monitor.leg)  # their phone answered
    if mode == "barge":
        bridge = call.bridge
        ari.wait_for(
            "ChannelEnteredBridge",
            lambda e: e["channel"]["id"] == monitor.leg and e["bridge"]["id"] == bridge,
        )
    else:
        snoop = monitor.snoop
        assert snoop, monitor
        ari.wait_for("ChannelEnteredBridge", lambda e: e["channel"]["id"] == snoop)


def closed(path: Path, timeout_s: float = 5.0) -> None:
    """Until the WAV's header counts every sample in it (written when MixMonitor closes the file)."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with wave.open(str(path)) as wav:
                counted = wav.getnframes() * wav.getsampwidth()
            if counted and path.stat().st_size == 44 + counted:
                return
        except (OSError, EOFError, wave.Error):
            pass
        assert time.monotonic() < deadline, f"{path.name} was not closed within {timeout_s} s"
        threading.Event().wait(0.05)


class AsteriskHarness:
    unknown_calls = "report"  # a real PBX cannot raise into the engine: refusals are reported

    def __init__(
        self,
        peer: AsteriskPeer,
        directory: Path,
        endpoints: dict[int, str] | None = None,
        *,
        ari_port: int | None = None,  # ARI through a relay a test can cut (tests/cut_proxy.py)
    ) -> None:
        self.peer = peer
        prompts = directory / "prompts"
        prompts.mkdir(parents=True, exist_ok=True)
        (prompts / "vitejte.wav").write_bytes(tone_wav())
        self.outside = Outside(peer, prompts)
        self.ami = self.outside.ami
        self.ari = ObservedAri(peer.host, ari_port or peer.http_port, peer.username, peer.secret, app=APP)
        self.settings = AsteriskSettings(
            endpoints=endpoints or agent_endpoints(),
            outside=f"Local/{{number}}@{OUTSIDE_CONTEXT}/n",
            transfer_context=OUTSIDE_CONTEXT,
            prompts_dir=prompts,
            supervisors={s: f"Local/supervisor{s}@{SUPERVISORS_CONTEXT}/n" for s in SUPERVISORS},
            auto_answer={"KC_AUTO_ANSWER": "yes"},  # the stand-in phones' word for SIP's answer-after
        )
        self.adapter = AsteriskPbx(self.ari, self.settings)
        self.pbx: CallControl = self.adapter  # mypy proves here that AsteriskPbx is a CallControl
        self.events: queue.Queue[pbx.PbxEvent] = queue.Queue()
        self.seen: list[pbx.PbxEvent] = []  # every event the adapter reported, in order
        self._pending: list[pbx.PbxEvent] = []
        self.feed: Callable[[pbx.PbxEvent], None] | None = None  # e.g. a RoutingEngine's on_pbx
        self.adapter.listen(self.events.put)
        self.adapter.start()

    def close(self) -> None:
        try:
            self.outside.hang_up_everything()
        finally:
            self.adapter.close()
            self.outside.close()

    # -- the outside world ------------------------------------------------------------------------
    def incoming(self, *, speaks: bool = False) -> str:
        """A caller dials KC's number; returns KC's call id once the adapter reported the call. A caller
        who ``speaks`` waits in the callers' context until ``leaves_message`` (their own dialplan)."""
        self.outside.dials(DIALLED, CALLER, speaks=speaks)
        return self.wait_for(pbx.CallReachedPbx).call_id

    def leaves_message(self, call_id: str, audio: bytes, *, then: str = "hash") -> None:
        """Once KC records the caller's message (after its beep), the caller plays ``audio`` (a WAV)
        towards KC, then presses # (``then="hash"``) or hangs up (``then="hangup"``)."""
        name = self.state(call_id).voicemail
        assert name, f"KC records no message of {call_id}"
        self.ari.wait_for("RecordingStarted", lambda e: e["recording"]["name"] == name)
        self.outside.speaks(caller_half(self.channel_name(call_id)), audio, then=then)

    def picks_up(self, call_id: str, agent_id: int) -> None:
        """The agent's ringing phone answers; returns once KC reported the pick-up (and bridged)."""
        call = self.state(call_id)
        assert call.state in (Leg.RINGING,) and call.agent_id == agent_id, (call.state, call.agent_id)
        self.outside.answers(phone_half(call.agent_leg_name))
        self.wait_for(pbx.PhonePickedUp, call_id)

    def consulted_picks_up(self, call_id: str) -> None:
        """The consulted agent's ringing phone answers; returns once Asterisk bridged her leg."""
        call = self.state(call_id)
        leg, name = call.consult_leg, call.consult_leg_name
        assert leg and name, f"no consultation ringing on {call_id}"
        self.outside.answers(phone_half(name))
        self.ari.wait_for("ChannelEnteredBridge", lambda e: e["channel"]["id"] == leg)

    def caller_talks(self, call_id: str) -> None:
        """The caller's own half speaks (a tone, CALLER_TONE_HZ) towards KC until hung up."""
        self.outside.talks(caller_half(self.channel_name(self.state(call_id).customer)))

    def reconnect_ami(self) -> None:
        """A new AMI connection (after Asterisk restarted: the old one died with it)."""
        self.outside.close()
        self.outside = Outside(self.peer, self.outside.messages_dir)
        self.ami = self.outside.ami

    def caller_hangs_up(self, call_id: str) -> None:
        """The caller's own half (the Local channel's ;1) hangs up."""
        self.outside.hangs_up(caller_half(self.channel_name(self.state(call_id).customer)))

    def ears(self, call_id: str, directory: Path) -> Ears:
        """What the caller and the agent of ``call_id`` hear, recorded at their own halves."""
        call = self.state(call_id)
        phones = {
            "caller": caller_half(self.channel_name(call.customer)),
            "agent": phone_half(call.agent_leg_name),
        }
        return Ears(self.ami, phones, directory)

    def channel_name(self, channel_id: str) -> str:
        answer: Any = self.ari.request("GET", f"/channels/{channel_id}")
        return str(answer["name"])

    def wait_for(self, kind: type[E], call_id: str | None = None, timeout_s: float = WAIT_S) -> E:
        """The next event of ``kind`` (for ``call_id``), earlier others kept for later waits; every
        event taken from the adapter is handed to ``feed`` first, in the order the adapter sent them."""
        for event in self._pending:
            if isinstance(event, kind) and call_id in (None, event.call_id):
                self._pending.remove(event)
                return event
        while True:
            try:
                event = self.events.get(timeout=timeout_s)
            except queue.Empty:
                raise AssertionError(
                    f"no {kind.__name__} for {call_id or 'any call'} within {timeout_s} s; "
                    f"seen {self.seen}; rejected {self.adapter.rejected}"
                ) from None
            self._take(event)
            if isinstance(event, kind) and call_id in (None, event.call_id):
                return event
            self._pending.append(event)

    def _take(self, event: pbx.PbxEvent) -> None:
        """An event from the adapter: seen, and handed to ``feed``."""
        self.seen.append(event)
        if self.feed is not None:
            self.feed(event)

    # -- observing --------------------------------------------------------------------------------
    def state(self, call_id: str) -> AriCall:
        call = self.adapter.call(call_id)
        assert call is not None, f"the adapter knows no call {call_id}"
        return call

    def problems(self) -> list[str]:
        return [f"{command}{args}: {reason}" for command, args, reason in self.adapter.rejected]

    def refusals(self, call_id: str) -> list[tuple[str, str]]:
        """The refusals the adapter reported for the call so far, as (command, reason): a refusal is
        reported before its command returns, so none is still on its way."""
        while not self.events.empty():
            event = self.events.get_nowait()
            self._take(event)
            self._pending.append(event)
        refused = [e for e in self.seen if isinstance(e, pbx.CommandRefusedAtPbx) and e.call_id == call_id]
        return [(e.command, e.reason) for e in refused]

    def held(self, call_id: str) -> bool:
        return self.state(call_id).held

    def recording(self, call_id: str) -> bool:
        return bool(self.state(call_id).recording)

    def ended(self, call_id: str) -> bool:
        return self.state(call_id).state == Leg.ENDED

    def ringing_at(self, call_id: str) -> int | None:
        call = self.state(call_id)
        return call.agent_id if call.state == Leg.RINGING else None

    def monitors(self, call_id: str) -> dict[int, str]:
        return {supervisor: m.mode for supervisor, m in self.state(call_id).monitors.items()}
