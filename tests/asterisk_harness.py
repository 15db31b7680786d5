"""KC's Asterisk adapter on the test Asterisk, with the driver hooks tests need to play the world.

A caller is a Local channel originated over AMI into KC's context (its other half waits, as a caller
would); an agent's phone is a Local channel into the stand-in phones' context, which rings until the
test redirects it to answer. Every wait is on an event with a timeout, never a sleep.
"""

from __future__ import annotations

import itertools
import queue
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from kc_adapters.asterisk.ami import AmiClient, AmiEvent
from kc_adapters.asterisk.ari import AriClient, AriEvent
from kc_adapters.asterisk.pbx import AriCall, AsteriskPbx, AsteriskSettings, Leg
from kc_domain.routing import pbx_events as pbx
from kc_ports.telephony import CallControl
from tests.asterisk_peer import (
    APP,
    CALLERS_CONTEXT,
    IN_CONTEXT,
    OUTSIDE_CONTEXT,
    PHONES_CONTEXT,
    SUPERVISORS_CONTEXT,
    AsteriskPeer,
    tone_wav,
)

CALLER, DIALLED = "+420602123456", "800123456"
AGENTS = (7, 8)
SUPERVISORS = (90,)
WAIT_S = 10.0
E = TypeVar("E", bound=pbx.PbxEvent)


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

    def connect(self, on_event: Callable[[AriEvent], None]) -> None:
        def observed(event: AriEvent) -> None:
            on_event(event)
            with self.changed:
                self.seen.append(event)
                self.changed.notify_all()

        super().connect(observed)

    def wait_for(self, kind: str, test: Callable[[AriEvent], bool], timeout_s: float = WAIT_S) -> AriEvent:
        def found() -> AriEvent | None:
            return next((e for e in self.seen if e.get("type") == kind and test(e)), None)

        with self.changed:
            assert self.changed.wait_for(lambda: found() is not None, timeout_s), (kind, self.seen[-5:])
            event = found()
            assert event is not None
            return event


class AsteriskHarness:
    unknown_calls = "report"  # a real PBX cannot raise into the engine: refusals are reported

    def __init__(self, peer: AsteriskPeer, directory: Path, endpoints: dict[int, str] | None = None) -> None:
        self.peer = peer
        prompts = directory / "prompts"
        prompts.mkdir(parents=True, exist_ok=True)
        (prompts / "vitejte.wav").write_bytes(tone_wav())
        self._messages = itertools.count(1)
        self.ami = AmiClient(peer.host, peer.port, peer.username, peer.secret, timeout_s=5.0)
        self._ringing_phones: set[str] = set()  # stand-in phones waiting in the dialplan (AMI Newexten)
        self._channels_changed = threading.Condition()
        self.ami.subscribe(self._on_ami)
        self.ami.connect()
        self.ari = ObservedAri(peer.host, peer.http_port, peer.username, peer.secret, app=APP)
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
            self.ami.action("Command", Command="channel request hangup all")
        finally:
            self.adapter.close()
            self.ami.close()

    # -- the outside world ------------------------------------------------------------------------
    def incoming(self, *, speaks: bool = False) -> str:
        """A caller dials KC's number; returns KC's call id once the adapter reported the call. A caller
        who ``speaks`` waits in the callers' context until ``leaves_message`` (their own dialplan)."""
        where: dict[str, str] = (
            {"Context": CALLERS_CONTEXT, "Exten": "caller", "Priority": "1"}
            if speaks
            else {"Application": "Wait", "Data": "120"}
        )
        self.ami.action(
            "Originate", Channel=f"Local/{DIALLED}@{IN_CONTEXT}", CallerID=CALLER, Async="true", **where
        )
        return self.wait_for(pbx.CallReachedPbx).call_id

    def leaves_message(self, call_id: str, audio: bytes, *, then: str = "hash") -> None:
        """Once KC records the caller's message (after its beep), the caller plays ``audio`` (a WAV)
        towards KC, then presses # (``then="hash"``) or hangs up (``then="hangup"``)."""
        name = self.state(call_id).voicemail
        assert name, f"KC records no message of {call_id}"
        self.ari.wait_for("RecordingStarted", lambda e: e["recording"]["name"] == name)
        message = self.settings.prompts_dir / f"message-{next(self._messages)}.wav"
        message.write_bytes(audio)
        caller = self.channel_name(call_id).removesuffix(";2") + ";1"
        with self._channels_changed:  # the caller's half waits in its dialplan (see picks_up)
            assert self._channels_changed.wait_for(lambda: caller in self._ringing_phones, WAIT_S), caller
        self.ami.action("Setvar", Channel=caller, Variable="MESSAGE", Value=str(message.with_suffix("")))
        exten = "speak-hash" if then == "hash" else "speak"
        self.ami.action("Redirect", Channel=caller, Context=CALLERS_CONTEXT, Exten=exten, Priority="1")

    def picks_up(self, call_id: str, agent_id: int) -> None:
        """The agent's ringing phone answers; returns once KC reported the pick-up (and bridged)."""
        call = self.state(call_id)
        assert call.state in (Leg.RINGING,) and call.agent_id == agent_id, (call.state, call.agent_id)
        phone = call.agent_leg_name.removesuffix(";1") + ";2"
        # Asterisk dials the endpoint after it answered KC's request. Redirecting the phone's half
        # before it runs its dialplan makes Asterisk start a second PBX on it (and crash): wait until
        # it waits in the ringing context.
        with self._channels_changed:
            assert self._channels_changed.wait_for(lambda: phone in self._ringing_phones, WAIT_S), phone
        self.ami.action("Redirect", Channel=phone, Context=PHONES_CONTEXT, Exten="answer", Priority="1")
        self.wait_for(pbx.PhonePickedUp, call_id)

    def consulted_picks_up(self, call_id: str) -> None:
        """The consulted agent's ringing phone answers; returns once Asterisk bridged her leg."""
        call = self.state(call_id)
        leg, name = call.consult_leg, call.consult_leg_name
        assert leg and name, f"no consultation ringing on {call_id}"
        phone = name.removesuffix(";1") + ";2"
        with self._channels_changed:  # as in picks_up: only once it waits in the ringing context
            assert self._channels_changed.wait_for(lambda: phone in self._ringing_phones, WAIT_S), phone
        self.ami.action("Redirect", Channel=phone, Context=PHONES_CONTEXT, Exten="answer", Priority="1")
        self.ari.wait_for("ChannelEnteredBridge", lambda e: e["channel"]["id"] == leg)

    def caller_talks(self, call_id: str) -> None:
        """The caller's own half speaks (a tone, CALLER_TONE_HZ) towards KC until hung up."""
        caller = self.channel_name(self.state(call_id).customer).removesuffix(";2") + ";1"
        self.ami.action("Redirect", Channel=caller, Context=CALLERS_CONTEXT, Exten="talk", Priority="1")

    def caller_hangs_up(self, call_id: str) -> None:
        """The caller's own half (the Local channel's ;1) hangs up."""
        call = self.state(call_id)
        name = self.channel_name(call.customer)
        self.ami.action("Hangup", Channel=name.removesuffix(";2") + ";1")

    def _on_ami(self, event: AmiEvent) -> None:
        if event.name == "Newexten" and event.get("Application") == "Wait":
            with self._channels_changed:
                self._ringing_phones.add(event.get("Channel"))
                self._channels_changed.notify_all()

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
