"""The CallAudio contract: the audio a PBX recorded is fetched by the reference its event carried.

Each adapter joins through ``make_adapter``, which returns a harness: the port, the PBX's event
stream, and driver hooks to record a stretch of a connected call and to leave a voicemail message.
The simulated PBX and the Asterisk adapter on the real test Asterisk (tests/asterisk_harness.py),
with the same assertions: a recorded stretch is a WAV of its length, a message comes back as the WAV
the caller left (its length, not silence).
"""

from __future__ import annotations

import io
import itertools
import threading
import wave
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol, TypeVar

import pytest

from kc_adapters.simulated_pbx import SimulatedPbx
from kc_adapters.system import FixedClock
from kc_domain.errors import NotFound
from kc_domain.routing import pbx_events as pbx
from kc_ports.telephony import CallAudio
from tests.asterisk_harness import AsteriskHarness
from tests.asterisk_peer import tone_wav

pytestmark = pytest.mark.req("INT-04")

AGENT = 7
MESSAGE = tone_wav(600, 1.5, silence_before_s=0.5)  # 2 s: the caller is silent, then speaks
E = TypeVar("E", bound=pbx.PbxEvent)


class Harness(Protocol):
    @property
    def audio(self) -> CallAudio: ...

    def record_stretch(self, seconds: float) -> str:
        """A connected call recorded for ``seconds``; the reference its ``RecordingReady`` carried."""

    def leave_message(self, audio: bytes) -> str:
        """A caller leaves ``audio`` in a voicemail box; the reference ``VoicemailRecorded`` carried."""


class SimulatedHarness:
    def __init__(self) -> None:
        self.clock = FixedClock(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
        self.sim = SimulatedPbx(strict=True, clock=self.clock)
        self.audio: CallAudio = self.sim  # mypy proves here that SimulatedPbx is a CallAudio
        self.events: list[pbx.PbxEvent] = []
        self.sim.listen(self.events.append)
        self._ids = itertools.count(1)

    def _reported(self, kind: type[E]) -> E:
        return next(e for e in reversed(self.events) if isinstance(e, kind))

    def record_stretch(self, seconds: float) -> str:
        call_id = self._incoming()
        self.sim.ring_agent(call_id, AGENT)
        assert self.sim.pick_up(call_id, AGENT)
        self.sim.start_recording(call_id)
        self.clock.advance(seconds=seconds)
        self.sim.stop_recording(call_id)
        self.sim.hang_up(call_id, "normal")
        return self._reported(pbx.RecordingReady).recording

    def leave_message(self, audio: bytes) -> str:
        call_id = self._incoming()
        self.sim.answer(call_id)
        self.sim.record_voicemail(call_id, "reklamace")
        assert self.sim.leave_message(call_id, audio, 4.0)
        return self._reported(pbx.VoicemailRecorded).recording

    def _incoming(self) -> str:
        call_id = f"sim-{next(self._ids)}"
        self.sim.incoming(call_id, "+420602123456", "800123456")
        return call_id


class AsteriskAudioHarness:
    """The Asterisk adapter: a stretch is recorded in real time; the caller plays their message."""

    def __init__(self, asterisk: AsteriskHarness) -> None:
        self.h = asterisk
        self.audio: CallAudio = asterisk.adapter  # mypy proves here that AsteriskPbx is a CallAudio

    def record_stretch(self, seconds: float) -> str:
        call_id = self.h.incoming()
        self.h.pbx.ring_agent(call_id, AGENT)
        self.h.picks_up(call_id, AGENT)
        self.h.pbx.start_recording(call_id)
        threading.Event().wait(seconds)  # the talk itself
        self.h.pbx.stop_recording(call_id)
        reference = self.h.wait_for(pbx.RecordingReady, call_id).recording
        self.h.pbx.hang_up(call_id, "normal")
        return reference

    def leave_message(self, audio: bytes) -> str:
        call_id = self.h.incoming(speaks=True)
        self.h.pbx.answer(call_id)
        self.h.pbx.record_voicemail(call_id, "reklamace")
        self.h.leaves_message(call_id, audio)
        return self.h.wait_for(pbx.VoicemailRecorded, call_id).recording


@pytest.fixture(params=["asterisk", "simulated"])
def harness(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Harness]:
    if request.param == "simulated":
        yield SimulatedHarness()
        return
    asterisk = AsteriskHarness(request.getfixturevalue("asterisk"), tmp_path / "kc")
    try:
        yield AsteriskAudioHarness(asterisk)
    finally:
        asterisk.close()


def wav_seconds(audio: bytes) -> float:
    with wave.open(io.BytesIO(audio)) as wav:
        return wav.getnframes() / wav.getframerate()


def wav_peak(audio: bytes) -> int:
    with wave.open(io.BytesIO(audio)) as wav:
        samples = memoryview(wav.readframes(wav.getnframes())).cast("h")
    return max((abs(x) for x in samples), default=0)


def test_a_recorded_stretch_is_fetched_as_wav_audio_of_its_length(harness: Harness):
    reference = harness.record_stretch(seconds=3)

    with wave.open(io.BytesIO(harness.audio.recording(reference))) as wav:
        assert (wav.getframerate(), wav.getsampwidth(), wav.getnchannels()) == (8000, 2, 1)
        assert wav.getnframes() / wav.getframerate() == pytest.approx(3, abs=0.3)


def test_a_voicemail_message_is_fetched_as_the_caller_left_it(harness: Harness):
    reference = harness.leave_message(MESSAGE)

    left = harness.audio.recording(reference)
    assert wav_seconds(left) == pytest.approx(wav_seconds(MESSAGE), abs=0.6)  # a beep may cut its start
    assert wav_peak(left) > 1000  # the caller's voice, not silence


def test_each_stretch_has_its_own_reference_and_may_be_fetched_again(harness: Harness):
    first, second = harness.record_stretch(seconds=1), harness.record_stretch(seconds=2)

    assert first != second
    assert harness.audio.recording(first) == harness.audio.recording(first)
    assert harness.audio.recording(first) != harness.audio.recording(second)


def test_an_unknown_reference_is_not_found(harness: Harness):
    harness.record_stretch(seconds=1)

    with pytest.raises(NotFound) as refused:
        harness.audio.recording("no-such-recording")
    assert (refused.value.kind, refused.value.key) == ("recording", "no-such-recording")
