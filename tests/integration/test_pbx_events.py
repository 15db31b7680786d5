"""The PBX's event stream drives the engine: a call handled at the desk phone is the same call as
one handled from the web (IN-05), and the simulated PBX reports what a real one would."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kc_adapters.simulated_pbx import SimulatedPbx
from kc_adapters.system import FixedClock
from kc_domain.routing import pbx_events as pbx
from kc_domain.routing.agent import Agent, Skill
from kc_domain.routing.config import QueueRouting
from kc_domain.routing.engine import RoutingEngine

NUMBER = "+420261105555"


class Wiring:
    """PBX events queued by a listener and fed to the engine after each action, never re-entrantly."""

    def __init__(self, *colleagues: Agent) -> None:
        self.clock = FixedClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
        self.pbx = SimulatedPbx(clock=self.clock)
        self.engine = RoutingEngine(
            self.clock,
            [QueueRouting(1, "Obecná linka", NUMBER, wrap_up_s=0)],
            [Agent(7, "Marie Nováková", {1: Skill(8, 1)}), *colleagues],
            self.pbx,
        )
        self.seen: list[pbx.PbxEvent] = []
        self._pending: list[pbx.PbxEvent] = []
        self.pbx.listen(self._pending.append)

    def settle(self) -> None:
        while self._pending:
            event = self._pending.pop(0)
            self.seen.append(event)
            self.engine.on_pbx(event)


@pytest.mark.req("IN-05", "IN-04")
def test_a_call_handled_at_the_desk_phone_flows_through_the_pbx_events():
    w = Wiring()
    w.engine.log_in(7)
    w.engine.ready(7)
    w.pbx.incoming("c1", "+420777123456", NUMBER)
    w.settle()
    assert w.engine.calls["c1"].agent_id == 7 and w.pbx.state("c1").state.value == "ringing"
    w.clock.advance(seconds=3)
    w.pbx.pick_up("c1", 7)
    w.pbx.press("c1", "12")
    w.pbx.hold("c1")
    w.pbx.retrieve("c1")
    w.settle()
    call = w.engine.calls["c1"]
    assert call.stage.value == "answered" and call.tags["digits"] == "12" and not call.held
    w.clock.advance(seconds=90)
    w.pbx.transfer_at_phone("c1", "2450")
    w.settle()
    assert call.end is not None and call.end.value == "transferred"
    assert [type(e).__name__ for e in w.seen] == [
        "CallReachedPbx",
        "PhoneRinging",
        "PhonePickedUp",
        "DigitsPressed",
        "CallHeldAtPbx",
        "CallHeldAtPbx",
        "RecordingReady",  # the agent's stretch of the call is recorded (REC-01)
        "CallTransferredAtPbx",
    ]
    assert w.engine.agents[7].state.value == "ready" and not w.engine.ignored


@pytest.mark.req("REC-02", "IN-15")
def test_a_call_transferred_to_a_colleague_goes_on_at_the_pbx_with_a_recorded_stretch_each():
    from kc_domain.routing import events as ev

    w = Wiring(Agent(8, "Eva Kučerová", {1: Skill(8, 1)}))
    for agent_id in (7, 8):
        w.engine.log_in(agent_id)
        w.engine.ready(agent_id)
    w.pbx.incoming("c1", "+420777123456", NUMBER)
    w.settle()
    assert w.engine.calls["c1"].agent_id == 7
    w.engine.answer_call(7, "c1")
    answered = w.clock.now()
    w.clock.advance(seconds=60)
    w.engine.consult(7, "c1", "agent:8")
    w.clock.advance(seconds=30)
    w.engine.complete_transfer(7, "c1")
    handed_over = w.clock.now()
    w.settle()
    leg = w.pbx.state("c1")  # the caller talks with Eva now; the call has not left the PBX
    assert (leg.state.value, leg.agent_id, leg.consulting) == ("connected", 8, "")
    w.clock.advance(seconds=45)
    w.engine.hang_up_call(8, "c1")
    w.settle()
    stretches = [
        (e.agent_id, e.started_at, e.duration_s) for e in w.engine.events if isinstance(e, ev.CallRecorded)
    ]
    assert stretches == [(7, answered, 90.0), (8, handed_over, 45.0)]
    assert w.engine.calls["c1"].end is not None and w.engine.agents[8].state.value == "ready"


@pytest.mark.req("IN-16", "INT-04")
def test_a_blind_transfer_to_a_colleague_rings_her_phone_with_nothing_refused():
    """The engine's blind transfer to an agent frees the first agent's phone at the PBX and rings the
    colleague's; the simulated PBX must not end the call there (its ring would be refused, and she
    paused as if her phone were unreachable)."""
    w = Wiring(Agent(8, "Eva Kučerová", {1: Skill(5, 1)}))
    w.engine.log_in(7)
    w.engine.ready(7)
    w.pbx.incoming("c1", "+420777123456", NUMBER)
    w.settle()
    w.engine.answer_call(7, "c1")
    w.engine.log_in(8)
    w.engine.ready(8)
    w.engine.blind_transfer(7, "c1", "agent:8")
    w.settle()
    assert w.pbx.rejected == [] and w.pbx.state("c1").agent_id == 8
    assert w.engine.agents[8].state.value == "ringing" and w.engine.agents[7].state.value == "ready"
    assert w.pbx.pick_up("c1", 8)
    w.settle()
    assert w.engine.calls["c1"].agent_id == 8 and w.engine.calls["c1"].stage.value == "answered"


@pytest.mark.req("IN-04")
def test_a_caller_hanging_up_at_the_pbx_is_an_abandon_and_late_events_are_ignored_with_a_reason():
    w = Wiring()
    w.pbx.incoming("c2", "+420777000111", NUMBER)
    w.settle()
    w.pbx.end("c2", "caller_abandoned")
    w.settle()
    assert w.engine.calls["c2"].end is not None and w.engine.calls["c2"].end.value == "abandoned_in_queue"
    w.engine.on_pbx(pbx.PhonePickedUp(w.clock.now(), "c2", 7))
    w.engine.on_pbx(pbx.DigitsPressed(w.clock.now(), "c2", "5"))
    w.engine.on_pbx(pbx.CallHungUpAtPbx(w.clock.now(), "c2"))
    assert len(w.engine.ignored) == 3


@pytest.mark.req("AG-12", "IN-15")
def test_a_consulted_line_shows_busy_in_the_panel_and_free_again_after():
    w = Wiring()
    w.engine.log_in(7)
    w.engine.ready(7)
    w.pbx.line_state("2410", "free")  # the PBX's presence monitor reports the line at start
    w.pbx.incoming("c1", "+420777123456", NUMBER)
    w.settle()
    w.engine.answer_call(7, "c1")
    w.engine.consult(7, "c1", "2410")
    w.settle()
    assert {"device": "2410", "state": "busy"} in w.engine.panel()
    assert w.engine.drain_device_changes() == [{"device": "2410", "state": "busy"}]
    w.engine.end_consultation(7, "c1")
    w.settle()
    assert w.engine.devices == {"2410": "free"} and not w.pbx.state("c1").consulting
    w.engine.on_pbx(pbx.DeviceStateChanged(w.clock.now(), "", "2410", "on fire"))
    assert w.engine.devices == {"2410": "free"} and "on fire" in w.engine.ignored[-1][1]
    assert [e.state for e in w.seen if isinstance(e, pbx.DeviceStateChanged)] == ["free", "busy", "free"]
    with pytest.raises(Exception, match="no such device state"):
        w.pbx.line_state("2410", "on fire")
