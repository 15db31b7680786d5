"""The Asterisk CallControl adapter (ARI) against the real test Asterisk: the flows the contract suite
(tests/contract/test_call_control.py) does not walk, end to end with KC's routing engine."""

from __future__ import annotations

import io
import logging
import threading
import time
import wave
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from kc_adapters.asterisk.ari import AriError
from kc_adapters.speech.memory import MemorySpeech
from kc_adapters.system import SystemClock
from kc_domain.errors import NotFound
from kc_domain.ivr.model import Prompt
from kc_domain.routing import events as ev
from kc_domain.routing import pbx_events as pbx
from kc_domain.routing.engine import RoutingEngine
from tests.asterisk_harness import CALLER, DIALLED, AsteriskHarness, wait_for
from tests.asterisk_peer import OUTSIDE_CONTEXT, AsteriskPeer, tone_wav
from tests.unit.routing.fakes import agent, queue

pytestmark = pytest.mark.req("INT-04")

AGENT = 7


@pytest.fixture
def make_harness(asterisk: AsteriskPeer, tmp_path: Path) -> Iterator[Callable[..., AsteriskHarness]]:
    made: list[AsteriskHarness] = []

    def make(**options: Any) -> AsteriskHarness:
        made.append(AsteriskHarness(asterisk, tmp_path / f"kc-{len(made)}", **options))
        return made[-1]

    yield make
    for harness in made:
        harness.close()


@pytest.fixture
def h(make_harness: Callable[..., AsteriskHarness]) -> AsteriskHarness:
    return make_harness()


def bridges(h: AsteriskHarness) -> dict[str, int]:
    """Asterisk's bridges (AMI BridgeList) and how many channels each holds."""
    listed = h.ami.list_action("BridgeList").events
    return {e.get("BridgeUniqueid"): int(e.get("BridgeNumChannels", "0")) for e in listed}


def channels(h: AsteriskHarness) -> dict[str, dict[str, str]]:
    """Asterisk's channels (AMI CoreShowChannels) by name."""
    return {e.get("Channel"): dict(e.headers) for e in h.ami.list_action("CoreShowChannels").events}


def test_a_caller_reaches_kc_hears_a_prompt_is_offered_to_agent_7_talks_and_hangs_up(h: AsteriskHarness):
    """End to end: Asterisk -> adapter -> RoutingEngine -> adapter -> Asterisk, every event fed back."""
    engine = RoutingEngine(
        SystemClock(),
        [queue(1, number=DIALLED)],
        [agent(AGENT, 1)],
        h.pbx,
        general_prompts=lambda _dialled, _now: [Prompt(audio="vitejte")],
    )
    engine.log_in(AGENT)
    engine.ready(AGENT)
    h.feed = engine.on_pbx

    call_id = h.incoming()  # the engine answers and plays the general announcement
    assert engine.calls[call_id].caller == CALLER
    h.wait_for(pbx.PromptFinished, call_id)  # then queues the call and rings agent 7
    h.wait_for(pbx.PhoneRinging, call_id)
    assert h.ringing_at(call_id) == AGENT
    h.picks_up(call_id, AGENT)

    bridge = h.state(call_id).bridge
    assert h.recording(call_id)  # the engine records every answered call (REC-01): Asterisk's
    # Recorder channel is the bridge's third (CoreShowChannels does not list it)
    assert bridges(h).get(bridge) == 3, bridges(h)
    in_bridge = [c for c, item in channels(h).items() if item.get("BridgeId") == bridge]
    assert sorted(c.split("/")[1].split("@")[0] for c in in_bridge) == ["800123456", f"agent{AGENT}"]

    h.caller_hangs_up(call_id)
    hung_up = h.wait_for(pbx.CallHungUpAtPbx, call_id)
    assert hung_up.cause == "normal"
    assert h.ended(call_id)
    h.wait_for(pbx.RecordingReady, call_id)  # the stretch ends with the call
    # the bridge goes once Asterisk's Recorder channel has left it
    h.ari.wait_for("BridgeDestroyed", lambda e: e["bridge"]["id"] == bridge)
    assert h.problems() == []

    seen = [type(e) for e in engine.events if getattr(e, "call_id", None) == call_id]
    kinds = (ev.CallArrived, ev.CallAnnounced, ev.CallOffered, ev.CallAnswered, ev.CallEnded, ev.CallRecorded)
    for kind in kinds:
        assert kind in seen, (kind.__name__, seen)
    assert seen.index(ev.CallArrived) < seen.index(ev.CallOffered) < seen.index(ev.CallAnswered)
    assert seen[-1] is ev.CallEnded or ev.CallEnded in seen[seen.index(ev.CallAnswered) :]


def test_prompts_are_reported_finished_in_order_and_tts_is_synthesised(
    make_harness: Callable[..., AsteriskHarness],
):
    h = make_harness()
    h.adapter._speech = MemorySpeech()
    call_id = h.incoming()
    h.pbx.answer(call_id)
    h.pbx.play(call_id, "file:vitejte")
    h.pbx.play(call_id, "tts:Dobrý den")
    h.wait_for(pbx.PromptFinished, call_id)
    h.wait_for(pbx.PromptFinished, call_id)
    assert h.problems() == []
    assert list((h.settings.prompts_dir / "tts").glob("*.wav"))


def test_a_missing_prompt_or_a_refused_command_is_reported_and_the_call_goes_on(
    make_harness: Callable[..., AsteriskHarness],
):
    h = make_harness(endpoints={AGENT: "Nonsense/agent7"})  # a channel technology Asterisk lacks
    call_id = h.incoming()
    h.pbx.play(call_id, "file:no-such-prompt")
    h.pbx.play(call_id, "file:../etc/passwd")
    h.pbx.ring_agent(call_id, AGENT)
    h.pbx.ring_agent(call_id, 99)
    reasons = [reason for _command, _args, reason in h.adapter.rejected]
    assert reasons[0] == "no prompt 'no-such-prompt' in the prompts directory"
    assert reasons[1].startswith("prompt name '../etc/passwd' is not")
    assert reasons[2] == "Asterisk refused: POST /channels: 500 Allocation failed"
    assert reasons[3] == "no endpoint configured for agent 99"
    assert h.ringing_at(call_id) is None and AGENT not in h.adapter.endpoints
    h.pbx.answer(call_id)  # the call goes on
    h.pbx.play(call_id, "file:vitejte")
    h.wait_for(pbx.PromptFinished, call_id)
    assert len(h.adapter.rejected) == 4


def test_a_key_press_is_reported_and_cuts_off_what_plays(h: AsteriskHarness):
    call_id = h.incoming()
    h.pbx.answer(call_id)
    for _ in range(3):
        h.pbx.play(call_id, "file:vitejte")
    h.wait_for(pbx.PromptFinished, call_id)  # the first prompt plays out
    cut_off = list(h.state(call_id).playbacks)
    assert len(cut_off) == 2
    caller = h.channel_name(call_id).removesuffix(";2") + ";1"
    h.ami.action("PlayDTMF", Channel=caller, Digit="5", Duration="100")  # sent towards KC
    assert h.wait_for(pbx.DigitsPressed, call_id).digits == "5"
    for playback in cut_off:  # stopped: Asterisk no longer knows them
        with pytest.raises(AriError, match="404"):
            h.ari.request("GET", f"/playbacks/{playback}")
    h.pbx.play(call_id, "file:vitejte")  # a new prompt after the key plays and is reported
    h.wait_for(pbx.PromptFinished, call_id)
    assert [type(e) for e in h.seen].count(pbx.PromptFinished) == 2
    assert h.problems() == []


def test_hold_plays_music_and_retrieve_bridges_the_caller_again(h: AsteriskHarness):
    call_id = h.incoming()
    h.pbx.ring_agent(call_id, AGENT)
    h.picks_up(call_id, AGENT)
    bridge = h.state(call_id).bridge
    h.pbx.hold(call_id)
    assert h.wait_for(pbx.CallHeldAtPbx, call_id).held
    assert bridges(h)[bridge] == 1
    h.pbx.retrieve(call_id)
    assert not h.wait_for(pbx.CallHeldAtPbx, call_id).held
    assert bridges(h)[bridge] == 2
    assert h.problems() == []


def test_the_agent_hanging_up_ends_the_call_for_both(h: AsteriskHarness):
    call_id = h.incoming()
    h.pbx.ring_agent(call_id, AGENT)
    h.picks_up(call_id, AGENT)
    agent_leg = h.state(call_id).agent_leg
    h.ari.request("DELETE", f"/channels/{agent_leg}")
    assert h.wait_for(pbx.CallHungUpAtPbx, call_id).cause == "normal"
    assert h.ended(call_id)
    # the caller's channel is hung up too (Asterisk tears its two halves down by itself)
    wait_for(lambda: not [n for n in channels(h) if n.startswith(f"Local/{DIALLED}@")], "the caller gone")


def test_a_blind_transfer_moves_the_caller_to_the_target_and_frees_the_agent(h: AsteriskHarness):
    call_id = h.incoming()
    h.pbx.ring_agent(call_id, AGENT)
    h.picks_up(call_id, AGENT)
    h.pbx.transfer(call_id, "+420800111222")
    assert h.ended(call_id) and h.problems() == []
    caller = h.channel_name(call_id)
    assert channels(h)[caller]["Context"] == OUTSIDE_CONTEXT
    assert channels(h)[caller]["Exten"] == "+420800111222"
    follow_up = h.incoming()
    h.pbx.ring_agent(follow_up, AGENT)
    assert h.ringing_at(follow_up) == AGENT


def test_a_blind_transfer_to_a_colleague_leaves_the_caller_on_music_until_she_answers(h: AsteriskHarness):
    call_id = h.incoming()
    h.pbx.ring_agent(call_id, AGENT)
    h.picks_up(call_id, AGENT)
    first_leg = h.state(call_id).agent_leg
    h.pbx.transfer(call_id, "agent:8")  # the engine rings her next
    assert not h.ended(call_id) and h.state(call_id).on_music and h.problems() == []
    assert first_leg not in {c["id"] for c in h.ari.request("GET", "/channels")}
    h.pbx.ring_agent(call_id, 8)
    h.picks_up(call_id, 8)
    assert not h.state(call_id).on_music
    assert bridges(h)[h.state(call_id).bridge] >= 2  # the caller and the colleague (and the recorder)


def test_a_transfer_to_a_line_named_by_its_kind_goes_to_its_number(h: AsteriskHarness):
    call_id = h.incoming()
    h.pbx.ring_agent(call_id, AGENT)
    h.picks_up(call_id, AGENT)
    h.pbx.transfer(call_id, "line:2410")  # an overflow target's form
    assert h.ended(call_id) and h.problems() == []
    assert channels(h)[h.channel_name(call_id)]["Exten"] == "2410"


def test_originate_rings_the_agent_first_then_dials_the_number(h: AsteriskHarness):
    h.pbx.originate("out-1", AGENT, "+420603987654")
    assert h.wait_for(pbx.PhoneRinging, "out-1").agent_id == AGENT
    h.picks_up("out-1", AGENT)
    h.wait_for(pbx.CalledPartyAnswered, "out-1")
    assert bridges(h)[h.state("out-1").bridge] == 2
    h.pbx.hang_up("out-1", "normal")
    assert h.ended("out-1") and h.problems() == []


def wav_seconds(audio: bytes) -> float:
    with wave.open(io.BytesIO(audio)) as wav:
        assert (wav.getframerate(), wav.getsampwidth(), wav.getnchannels()) == (8000, 2, 1)
        return wav.getnframes() / wav.getframerate()


def wav_peak(audio: bytes) -> int:
    with wave.open(io.BytesIO(audio)) as wav:
        frames = wav.readframes(wav.getnframes())
    samples = memoryview(frames).cast("h")
    return max((abs(x) for x in samples), default=0)


def talk(seconds: float) -> float:
    """The agent and the caller talk for ``seconds`` (the talk itself, not a wait for Asterisk)."""
    began = time.monotonic()
    threading.Event().wait(seconds)
    return time.monotonic() - began


@pytest.mark.req("REC-01")
def test_a_talk_of_two_seconds_is_recorded_as_a_wav_within_half_a_second_of_it(h: AsteriskHarness):
    call_id = h.incoming()
    h.pbx.ring_agent(call_id, AGENT)
    h.picks_up(call_id, AGENT)
    began = time.monotonic()
    h.pbx.start_recording(call_id)
    assert h.recording(call_id)
    talk(2.0)
    h.caller_hangs_up(call_id)
    h.wait_for(pbx.CallHungUpAtPbx, call_id)
    talked = time.monotonic() - began
    ready = h.wait_for(pbx.RecordingReady, call_id)
    audio = h.adapter.recording(ready.recording)
    print(f"talk {talked:.3f} s, WAV {wav_seconds(audio):.3f} s, reported {ready.duration_s:.3f} s")
    assert wav_seconds(audio) == pytest.approx(talked, abs=0.5)
    assert ready.duration_s == pytest.approx(talked, abs=0.5)
    assert h.problems() == []


@pytest.mark.req("REC-01", "REC-02")
def test_stop_and_start_give_two_stretches_each_with_its_own_wav(h: AsteriskHarness):
    call_id = h.incoming()
    h.pbx.ring_agent(call_id, AGENT)
    h.picks_up(call_id, AGENT)
    h.pbx.start_recording(call_id)
    talk(1.0)
    h.pbx.stop_recording(call_id)
    assert not h.recording(call_id)
    first = h.wait_for(pbx.RecordingReady, call_id)
    talk(0.5)  # not recorded: the agent opted out for a while
    h.pbx.start_recording(call_id)
    talk(1.5)
    h.pbx.hang_up(call_id, "normal")
    second = h.wait_for(pbx.RecordingReady, call_id)
    assert first.recording != second.recording
    assert first.started_at < second.started_at
    assert wav_seconds(h.adapter.recording(first.recording)) == pytest.approx(1.0, abs=0.5)
    assert wav_seconds(h.adapter.recording(second.recording)) == pytest.approx(1.5, abs=0.5)
    assert h.problems() == []


@pytest.mark.req("REC-01")
def test_a_blind_transfer_ends_the_recorded_stretch(h: AsteriskHarness):
    call_id = h.incoming()
    h.pbx.ring_agent(call_id, AGENT)
    h.picks_up(call_id, AGENT)
    h.pbx.start_recording(call_id)
    h.pbx.transfer(call_id, "+420800111222")
    ready = h.wait_for(pbx.RecordingReady, call_id)
    assert wav_seconds(h.adapter.recording(ready.recording)) < 1.0
    assert h.problems() == []


@pytest.mark.req("INT-04")
def test_an_unknown_or_malformed_recording_is_not_found(h: AsteriskHarness):
    for reference in ("kc-rec-none-1", "../../etc/passwd", ""):
        with pytest.raises(NotFound) as refused:
            h.adapter.recording(reference)
        assert (refused.value.kind, refused.value.key) == ("recording", reference)


@pytest.mark.req("IN-08")
@pytest.mark.parametrize("then", ["hash", "hangup"])
def test_a_voicemail_left_by_a_caller_comes_back_with_its_audio(h: AsteriskHarness, then: str):
    call_id = h.incoming(speaks=True)
    h.pbx.answer(call_id)
    h.pbx.record_voicemail(call_id, "reklamace")
    h.leaves_message(call_id, tone_wav(600, 1.5, silence_before_s=0.5), then=then)
    message = h.wait_for(pbx.VoicemailRecorded, call_id)
    assert message.box == "reklamace"
    audio = h.adapter.recording(message.recording)
    print(f"message 2.0 s, WAV {wav_seconds(audio):.3f} s, reported {message.duration_s:.3f} s ({then})")
    assert wav_seconds(audio) == pytest.approx(2.0, abs=0.6)
    assert wav_peak(audio) > 1000  # the caller's tone, not silence
    assert h.problems() == []


def test_unknown_duplicate_and_out_of_order_events_are_ignored(
    h: AsteriskHarness, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.DEBUG, logger="kc_adapters.asterisk.pbx")
    call_id = h.incoming()
    start = {"type": "StasisStart", "args": [], "channel": {"id": call_id, "caller": {"number": "1"}}}
    h.adapter._on_event(start)  # the same call again
    h.adapter._on_event({"type": "PlaybackFinished", "playback": {"id": "never-played"}})
    h.adapter._on_event({"type": "ChannelDestroyed", "channel": {"id": "nobody"}, "cause": 16})
    h.adapter._on_event({"type": "SomethingNew"})
    h.adapter._on_event({"type": "StasisStart"})  # no channel
    h.pbx.hang_up(call_id, "normal")
    assert h.ended(call_id)
    assert [type(e) for e in h.seen] == [pbx.CallReachedPbx]
    assert h.events.empty()
    for reason in (
        "duplicate",
        "'never-played' is none of KC's",
        "nobody is none of KC's",
        "SomethingNew ignored",
        "no channel id",
    ):
        assert reason in caplog.text
