"""``kc engine`` on the test Asterisk: the engine host ``apps.cli.serve.start_engine`` builds with
``KC_TELEPHONY=asterisk``, run on a thread of its own as the process runs it, with the world around
it played over AMI (``tests.asterisk_harness.Outside``): callers dial KC's numbers, press keys, talk,
leave messages and hang up; agents' stand-in phones answer. Commands go in as the web sends them (the
host's wire form). Every wait is on a condition with a timeout, never a sleep.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from apps.cli.serve import start_engine, stop_telephony
from apps.container import Container
from kc_adapters.asterisk.pbx import AriCall, AsteriskPbx
from kc_domain.routing import pbx_events as pbx
from kc_domain.routing.call import Call
from tests.asterisk_harness import Ears, ObservedAri, Outside, caller_half, phone_half, wait_for
from tests.asterisk_peer import AsteriskPeer

PROMPT_S = 30.0  # a TTS prompt is synthesised, then Asterisk plays it in real time (up to ~12 s)


class KcOnAsterisk:
    """``kc engine`` running against the test Asterisk (its ARI client observed: ``ObservedAri``),
    and the callers and phones around it. ``close`` hangs up what is left and stops the engine."""

    def __init__(self, container: Container, peer: AsteriskPeer, directory: Path) -> None:
        self.container = container
        self.host = start_engine(container)
        adapter, ari = self.host.engine.pbx, getattr(self.host.engine.pbx, "ari", None)
        assert isinstance(adapter, AsteriskPbx) and isinstance(ari, ObservedAri), adapter
        self.adapter, self.ari = adapter, ari
        self.heard: list[pbx.PbxEvent] = []  # every event the adapter reported to the engine, in order
        adapter.listen(self.heard.append)
        directory.mkdir(parents=True, exist_ok=True)
        self.outside = Outside(peer, directory)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self.host.run, args=(self._stop,), name="kc-engine")
        self._thread.daemon = True
        self._thread.start()

    def close(self) -> None:
        try:
            self.outside.hang_up_everything()
        finally:
            self._stop.set()
            self._thread.join(30)
            stop_telephony(self.host)
            self.outside.close()

    # -- KC's side ------------------------------------------------------------------------------------
    def command(self, name: str, **fields: Any) -> Any:
        """A command in the wire form the web sends on the bus; its result, or the test fails with
        the refusal."""
        reply = self.host.command({"command": name, **fields})
        assert reply["ok"], (name, fields, reply)
        return reply.get("result")

    def call(self, call_id: str) -> Call:
        """The engine's call, once the engine has heard of it (the PBX's events reach it queued)."""

        def known() -> Call | None:
            with self.host.lock:
                return self.host.engine.calls.get(call_id)

        return wait_for(known, f"the engine knowing {call_id}")

    def pbx_call(self, call_id: str) -> AriCall:
        """The call as the adapter keeps it (its legs and bridge at Asterisk)."""
        call = self.adapter.call(call_id)
        assert call is not None, f"the adapter knows no call {call_id}"
        return call

    def heard_of(self, kind: type[pbx.PbxEvent], call_id: str) -> list[pbx.PbxEvent]:
        return [e for e in list(self.heard) if isinstance(e, kind) and e.call_id == call_id]

    # -- the caller's side ----------------------------------------------------------------------------
    def dials(self, number: str, caller: str) -> str:
        """A caller dials ``number`` (their own half waits in the callers' context); KC's call id."""

        def reached() -> list[str]:
            return [e.call_id for e in list(self.heard) if isinstance(e, pbx.CallReachedPbx)]

        before = set(reached())
        self.outside.dials(number, caller, speaks=True)
        return wait_for(lambda: next((c for c in reached() if c not in before), None), f"{caller}'s call")

    def caller(self, call_id: str) -> str:
        """The caller's own half of the call (Local/...;1)."""
        answer: Any = self.ari.request("GET", f"/channels/{call_id}")
        return caller_half(str(answer["name"]))

    def presses(self, call_id: str, keys: str) -> None:
        self.outside.presses(self.caller(call_id), keys)

    def leaves_message(self, call_id: str, audio: bytes) -> None:
        """Once KC records the caller's message (after its beep), the caller plays ``audio`` (a WAV)
        towards KC and presses #."""
        name = wait_for(lambda: self.pbx_call(call_id).voicemail, "the message recorded", PROMPT_S)
        self.ari.wait_for("RecordingStarted", lambda e: e["recording"]["name"] == name)
        self.outside.speaks(self.caller(call_id), audio)

    def talks(self, call_id: str) -> None:
        """The caller speaks (a tone, CALLER_TONE_HZ) towards KC until hung up."""
        self.outside.talks(self.caller(call_id))

    def hangs_up(self, call_id: str) -> None:
        self.outside.hangs_up(self.caller(call_id))

    def ears(self, call_id: str, directory: Path) -> Ears:
        """What the caller and the agent of ``call_id`` now hear, recorded at their own halves."""
        call = self.pbx_call(call_id)
        phones = {"caller": self.caller(call_id), "agent": phone_half(call.agent_leg_name)}
        return Ears(self.outside.ami, phones, directory)
