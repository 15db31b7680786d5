"""Consultation, transfer after it, conference, supervision and the web pick-up through the real
Asterisk: the adapter's bridges and snoop channels, and with KC's routing engine the journal."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kc_adapters.system import SystemClock
from kc_domain.routing import commands as cmd
from kc_domain.routing import events as ev
from kc_domain.routing import pbx_events as pbx
from kc_domain.routing.engine import RoutingEngine
from tests.asterisk_harness import DIALLED, AsteriskHarness, supervisor_in_place
from tests.asterisk_peer import AsteriskPeer
from tests.unit.routing.fakes import agent, queue

pytestmark = pytest.mark.req("INT-04", "IN-15", "IN-17")

AGENT, COLLEAGUE, SUPERVISOR = 7, 8, 90


@pytest.fixture
def h(asterisk: AsteriskPeer, tmp_path: Path) -> Iterator[AsteriskHarness]:
    harness = AsteriskHarness(asterisk, tmp_path / "kc")
    yield harness
    harness.close()


def in_bridge(h: AsteriskHarness, bridge: str) -> list[str]:
    """The channels in ``bridge`` (AMI BridgeInfo), by name; the Recorder channel too."""
    listed = h.ami.list_action("BridgeInfo", BridgeUniqueid=bridge).events
    return sorted(e.get("Channel") for e in listed if e.name == "BridgeInfoChannel")


def who(names: list[str]) -> list[str]:
    """``Local/agent8@kc-test-phones-00000003;1`` -> ``agent8``; the Recorder channel left out."""
    return sorted(n.split("/")[1].split("@")[0] for n in names if n.startswith("Local/"))


def connected(h: AsteriskHarness) -> str:
    call_id = h.incoming()
    h.pbx.ring_agent(call_id, AGENT)
    h.picks_up(call_id, AGENT)
    return call_id


def test_a_call_consulted_with_agent_8_and_transferred_to_her_goes_on_with_her(h: AsteriskHarness):
    engine = RoutingEngine(
        SystemClock(), [queue(1, number=DIALLED)], [agent(AGENT, 1), agent(COLLEAGUE, 1)], h.pbx
    )
    h.feed = engine.on_pbx
    engine.log_in(AGENT)
    engine.ready(AGENT)
    call_id = h.incoming()
    h.wait_for(pbx.PhoneRinging, call_id)
    engine.log_in(COLLEAGUE)
    engine.ready(COLLEAGUE)  # after the call went to agent 7
    h.picks_up(call_id, AGENT)
    first_leg = h.state(call_id).agent_leg
    bridge = h.state(call_id).bridge

    engine.handle(cmd.Consult(AGENT, call_id, f"agent:{COLLEAGUE}"))
    assert h.held(call_id) and h.state(call_id).consulting == f"agent:{COLLEAGUE}"
    h.consulted_picks_up(call_id)  # agent 8 talks with agent 7; the caller hears music
    assert who(in_bridge(h, bridge)) == [f"agent{AGENT}", f"agent{COLLEAGUE}"]

    engine.handle(cmd.CompleteTransfer(AGENT, call_id))
    h.ari.wait_for("ChannelDestroyed", lambda e: e["channel"]["id"] == first_leg)
    assert who(in_bridge(h, bridge)) == [DIALLED, f"agent{COLLEAGUE}"]
    first = h.wait_for(pbx.RecordingReady, call_id)  # agent 7's stretch; agent 8's is recorded now
    assert h.recording(call_id) and h.state(call_id).recording != first.recording
    assert h.state(call_id).agent_id == COLLEAGUE and h.problems() == []

    h.caller_hangs_up(call_id)
    h.wait_for(pbx.CallHungUpAtPbx, call_id)
    second = h.wait_for(pbx.RecordingReady, call_id)
    assert second.recording != first.recording
    seen = [e for e in engine.events if getattr(e, "call_id", None) == call_id]
    kinds = [type(e) for e in seen]
    consulted = kinds.index(ev.CallConsulted)
    transferred = kinds.index(ev.CallTransferred)
    assert kinds.index(ev.CallAnswered) < consulted < transferred < kinds.index(ev.CallEnded)
    assert seen[transferred].target == str(COLLEAGUE)
    assert engine.calls[call_id].agent_id == COLLEAGUE
    recorded = [e for e in seen if isinstance(e, ev.CallRecorded)]
    assert len(recorded) == 2, seen


def test_back_from_a_consultation_the_consulted_party_is_hung_up(h: AsteriskHarness):
    call_id = connected(h)
    bridge = h.state(call_id).bridge
    h.pbx.consult(call_id, "2201")  # a line: the stand-in answers at once
    leg = h.state(call_id).consult_leg
    h.ari.wait_for("ChannelEnteredBridge", lambda e: e["channel"]["id"] == leg)
    h.pbx.retrieve(call_id)
    h.ari.wait_for("ChannelDestroyed", lambda e: e["channel"]["id"] == leg)
    assert not h.wait_for(pbx.CallHeldAtPbx, call_id).held
    assert who(in_bridge(h, bridge)) == [DIALLED, f"agent{AGENT}"]
    assert h.problems() == []


def test_a_conference_mixes_caller_agent_and_consulted_party(h: AsteriskHarness):
    call_id = connected(h)
    bridge = h.state(call_id).bridge
    h.pbx.consult(call_id, "2201")
    leg = h.state(call_id).consult_leg
    h.ari.wait_for("ChannelEnteredBridge", lambda e: e["channel"]["id"] == leg)
    h.pbx.conference(call_id)
    assert not h.held(call_id)
    assert who(in_bridge(h, bridge)) == ["2201", DIALLED, f"agent{AGENT}"]
    h.pbx.hang_up(call_id, "normal")
    h.ari.wait_for("ChannelDestroyed", lambda e: e["channel"]["id"] == leg)
    assert h.problems() == []


def test_a_transfer_to_a_line_after_consultation_leaves_the_two_talking_until_one_hangs_up(
    h: AsteriskHarness,
):
    call_id = connected(h)
    first_leg = h.state(call_id).agent_leg
    bridge = h.state(call_id).bridge
    h.pbx.consult(call_id, "2201")
    leg = h.state(call_id).consult_leg
    h.ari.wait_for("ChannelEnteredBridge", lambda e: e["channel"]["id"] == leg)
    h.pbx.complete_transfer(call_id)
    assert h.ended(call_id) and AGENT not in h.adapter.endpoints
    h.ari.wait_for("ChannelDestroyed", lambda e: e["channel"]["id"] == first_leg)
    assert who(in_bridge(h, bridge)) == ["2201", DIALLED]
    h.caller_hangs_up(call_id)
    h.ari.wait_for("ChannelDestroyed", lambda e: e["channel"]["id"] == leg)  # the line is hung up
    h.ari.wait_for("BridgeDestroyed", lambda e: e["bridge"]["id"] == bridge)
    assert h.problems() == []


# -- supervision: where the supervisor's voice (the stand-in's tone) is heard ---------------------------
@pytest.mark.req("IN-17", "RT-07")
def test_a_whisper_is_heard_by_the_agent_only_listening_by_nobody_barging_by_both(
    h: AsteriskHarness, tmp_path: Path
):
    call_id = connected(h)
    h.caller_talks(call_id)  # as on a real call, audio flows through the bridge all the time
    ears = h.ears(call_id, tmp_path)
    levels = {}
    for mode in ("listen", "whisper", "barge"):
        h.pbx.monitor(call_id, SUPERVISOR, mode)
        assert h.monitors(call_id) == {SUPERVISOR: mode}
        supervisor_in_place(h.ari, h.adapter, call_id, SUPERVISOR, mode)
        levels[mode] = ears.listen(1.5, mode)
    print(levels)
    heard, silent = 200.0, 20.0  # the tone is ~850 where it is heard
    assert levels["listen"]["caller"] < silent and levels["listen"]["agent"] < silent
    assert levels["whisper"]["agent"] > heard and levels["whisper"]["caller"] < silent
    assert levels["barge"]["agent"] > heard and levels["barge"]["caller"] > heard
    h.pbx.stop_monitor(call_id, SUPERVISOR)
    assert h.monitors(call_id) == {} and h.problems() == []


def test_a_pick_up_from_the_web_makes_the_ringing_phone_answer(h: AsteriskHarness):
    call_id = h.incoming()
    h.pbx.ring_agent(call_id, AGENT)
    ringing = h.state(call_id).agent_leg
    h.pbx.answer_at_phone(call_id, AGENT)  # the phone is rung again, asked to answer by itself
    h.ari.wait_for("ChannelDestroyed", lambda e: e["channel"]["id"] == ringing)
    assert h.wait_for(pbx.PhonePickedUp, call_id).agent_id == AGENT
    call = h.state(call_id)
    assert call.state.value == "connected" and call.agent_leg != ringing
    assert who(in_bridge(h, call.bridge)) == [DIALLED, f"agent{AGENT}"]
    assert h.problems() == []
