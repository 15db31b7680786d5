"""The CallAudio contract: the audio a PBX recorded is fetched by the reference its event carried.

Each adapter joins through ``make_adapter``, which returns a harness: the port, the PBX's event
stream, and driver hooks to record a stretch of a connected call and to leave a voicemail message.
Today the simulated PBX; the Asterisk and Mitel adapters will add a harness on a fake switch.
"""

from __future__ import annotations

import io
import itertools
import wave
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol, TypeVar

import pytest

from kc_adapters.simulated_pbx import SimulatedPbx
from kc_adapters.system import FixedClock
from kc_domain.errors import NotFound
from kc_domain.routing import pbx_events as pbx
from kc_ports.telephony import CallAudio

pytestmark = pytest.mark.req("INT-04")

AGENT = 7
MESSAGE = b"RIFF-the-callers-message"
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


ADAPTERS: dict[str, Callable[[], Harness]] = {"simulated": SimulatedHarness}


@pytest.fixture(params=sorted(ADAPTERS))
def harness(request: pytest.FixtureRequest) -> Harness:
    return ADAPTERS[request.param]()


def test_a_recorded_stretch_is_fetched_as_wav_audio_of_its_length(harness: Harness):
    reference = harness.record_stretch(seconds=3)

    with wave.open(io.BytesIO(harness.audio.recording(reference))) as wav:
        assert wav.getnframes() / wav.getframerate() == pytest.approx(3, abs=0.1)


def test_a_voicemail_message_is_fetched_as_the_caller_left_it(harness: Harness):
    reference = harness.leave_message(MESSAGE)

    assert harness.audio.recording(reference) == MESSAGE


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
