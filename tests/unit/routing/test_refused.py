"""The PBX refuses a command (INT-04): the engine journals it, tells the agent it concerns, and the
call goes on, or ends with a reason, as the PBX really left it (docs/asterisk.md, "When Asterisk
refuses a command"). The simulated PBX refuses on the test's word (``refuse``) or in a wrong state,
and reports it as Asterisk's adapter does; its events reach the engine after each step."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from kc_adapters.simulated_pbx import LegState, SimulatedPbx
from kc_adapters.system import FixedClock
from kc_domain.ivr.model import Prompt
from kc_domain.organisation.model import OverflowKind
from kc_domain.routing import events as ev
from kc_domain.routing import pbx_events as pbx
from kc_domain.routing.agent import Agent
from kc_domain.routing.engine import RoutingEngine

from .fakes import SALES, START, agent, queue

pytestmark = pytest.mark.req("INT-04")

CALLER, LINE = "+420602123456", "+420800111222"


class World:
    """An engine on the simulated PBX; the PBX's events are fed to it after each step (``settle``)."""

    def __init__(self, *agents: Agent, **settings: Any) -> None:
        self.clock = FixedClock(START)
        self.pbx = SimulatedPbx(clock=self.clock)
        options = {k: settings.pop(k) for k in ("general_prompts",) if k in settings}
        self.engine = RoutingEngine(
            self.clock, [queue(SALES, wrap_up_s=0, **settings)], list(agents), self.pbx, **options
        )
        self.pending: list[pbx.PbxEvent] = []
        self.pbx.listen(self.pending.append)

    def settle(self) -> None:
        while self.pending:
            self.engine.on_pbx(self.pending.pop(0))

    def ready(self, *agent_ids: int) -> None:
        for agent_id in agent_ids:
            self.engine.log_in(agent_id)
            self.engine.ready(agent_id)
        self.settle()

    def arrives(self, call_id: str = "c1") -> str:
        self.pbx.incoming(call_id, CALLER, "801")
        self.settle()
        return call_id

    def talking(self, agent_id: int = 1, call_id: str = "c1") -> str:
        self.arrives(call_id)
        assert self.pbx.pick_up(call_id, agent_id)
        self.settle()
        return call_id

    def do(self, action: Any) -> None:
        """An agent's command, then what the PBX reported meanwhile."""
        action(self.engine)
        self.settle()

    def events(self, kind: type[Any]) -> list[Any]:
        return [e for e in self.engine.events if isinstance(e, kind)]

    def refusals(self) -> list[tuple[str, int | None, str]]:
        return [(r.command, r.agent_id, r.reason) for r in self.events(ev.PbxCommandRefused)]

    def told(self, agent_id: int) -> str | None:
        refusal = self.engine.view_of(agent_id)["refusal"]
        return None if refusal is None else f"{refusal['command']}: {refusal['reason']}"


Step = Callable[[RoutingEngine, str], object]


def refused_while_talking(
    command: str, reason: str, *steps: Step, colleague: bool = False
) -> tuple[World, str]:
    """Agent 1 talks with a caller (and her ``colleague``, agent 2, is ready) and takes ``steps`` on
    the call; the PBX refuses ``command`` in the last one."""
    w = World(agent(1, SALES), *([agent(2, SALES)] if colleague else []))
    w.ready(1)
    call = w.talking()
    if colleague:
        w.ready(2)
    *before, last = steps
    for step in before:
        w.do(lambda e, step=step: step(e, call))
    w.pbx.refuse(command, reason)
    w.do(lambda e: last(e, call))
    return w, call


# -- the call cannot go on with that agent: the next one gets it ---------------------------------------
def test_given_an_agent_whose_phone_is_unreachable_when_rung_then_the_call_rings_the_next_agent():
    w = World(agent(1, SALES, level=9), agent(2, SALES, level=5))
    w.ready(1, 2)
    w.pbx.refuse("ring_agent", "Allocation failed")
    call = w.arrives()
    assert w.refusals() == [("ring_agent", 1, "Allocation failed")]
    assert w.engine.calls[call].agent_id == 2 and w.pbx.state(call).agent_id == 2  # it rings there
    first = w.engine.agents[1]
    assert (first.state.value, first.pause_code) == ("paused", "RONA")  # no further call rings at her
    assert w.events(ev.CallRingNoAnswer)[0].agent_id == 1
    change = next(e for e in w.events(ev.AgentStateChanged) if e.agent_id == 1 and e.pause_code == "RONA")
    assert change.reason == "phone_refused"
    assert w.told(1) == "ring_agent: Allocation failed" and w.told(2) is None


def test_given_nobody_else_when_the_ring_is_refused_then_the_call_waits_at_the_head_of_the_queue():
    w = World(agent(1, SALES))
    w.ready(1)
    w.pbx.refuse("ring_agent", "Allocation failed")
    call = w.arrives()
    assert w.engine.calls[call].stage.value == "queued" and w.engine.waiting(SALES)[0].call_id == call
    w.do(lambda e: e.ready(1))  # her phone works again: she takes it, and the notice is over
    assert w.engine.calls[call].agent_id == 1 and w.told(1) is None


def test_given_an_agent_dialling_when_her_phone_cannot_be_rung_then_the_call_ends_and_her_pause_stays():
    w = World(agent(1, SALES))
    w.do(lambda e: e.log_in(1))
    w.pbx.refuse("originate", "Allocation failed")
    call = w.engine.dial(1, LINE)
    w.settle()
    (ended,) = w.events(ev.CallEnded)
    assert (ended.call_id, ended.stage) == (call, "not_reached")
    assert ended.cause == "PBX refused originate: Allocation failed"
    assert w.engine.agents[1].state.value == "paused" and w.engine.agents[1].pause_code == "LOGIN"
    assert w.told(1) == "originate: Allocation failed"


# -- the call cannot go on at all: it ends with the reason -----------------------------------------
def test_given_a_caller_kc_cannot_pick_up_for_the_welcome_then_the_call_ends_rejected_and_is_hung_up():
    w = World(agent(1, SALES), general_prompts=lambda _dialled, _at: [Prompt(text="Vítejte")])
    w.pbx.refuse("answer", "Channel not in Stasis application")
    call = w.arrives()
    (ended,) = w.events(ev.CallEnded)
    assert (ended.stage, ended.cause) == ("rejected", "PBX refused answer: Channel not in Stasis application")
    assert w.pbx.state(call).state == LegState.ENDED and w.pbx.state(call).end_cause == "pbx_refused"
    assert w.refusals() == [("answer", None, "Channel not in Stasis application")]


def test_given_a_caller_at_voicemail_when_the_message_cannot_be_recorded_then_the_call_ends_there():
    w = World(overflow=(OverflowKind.VOICEMAIL, "reklamace"), overflow_when_no_agents=True)
    w.pbx.refuse("record_voicemail", "Recording failed")
    call = w.arrives()  # nobody is signed in: to voicemail, after its announcements
    while w.pbx.finish_prompt(call):
        w.settle()
    (ended,) = w.events(ev.CallEnded)
    assert (ended.stage, ended.cause) == ("voicemail", "PBX refused record_voicemail: Recording failed")
    assert w.pbx.state(call).state == LegState.ENDED


def test_given_a_prompt_that_cannot_be_played_then_it_counts_as_played_and_the_call_is_queued():
    w = World(agent(1, SALES), general_prompts=lambda _dialled, _at: [Prompt(audio="vitejte")])
    w.ready(1)
    w.pbx.refuse("play", "no prompt 'vitejte' in the prompts directory")
    call = w.arrives()
    assert w.engine.calls[call].agent_id == 1 and w.engine.calls[call].stage.value == "ringing"


# -- the call goes on as the PBX left it -----------------------------------------------------------
def test_given_a_refused_hold_then_the_call_is_not_held_in_kc_either_and_the_agent_is_told():
    w, call = refused_while_talking("hold", "Channel not found", lambda e, c: e.hold_call(1, c))
    assert not w.engine.calls[call].held and not w.pbx.state(call).held
    assert [type(e).__name__ for e in w.engine.events[-3:]] == [
        "CallHeld",
        "PbxCommandRefused",
        "CallRetrieved",
    ]
    assert w.engine.view_of(1)["call"]["held"] is False
    assert w.told(1) == "hold: Channel not found"


def test_given_a_refused_retrieve_then_the_caller_stays_held_in_kc_too():
    w, call = refused_while_talking(
        "retrieve", "Channel not found", lambda e, c: e.hold_call(1, c), lambda e, c: e.hold_call(1, c, False)
    )
    assert w.engine.calls[call].held and w.pbx.state(call).held
    assert isinstance(w.engine.events[-1], ev.CallHeld) and w.told(1) == "retrieve: Channel not found"


def test_given_a_refused_consultation_then_the_colleague_is_free_again_and_the_caller_as_before():
    w, call = refused_while_talking(
        "consult", "Allocation failed", lambda e, c: e.consult(1, c, "agent:2"), colleague=True
    )
    c = w.engine.calls[call]
    assert (c.consulting, c.consult_agent_id, c.held) == ("", None, False)
    assert w.engine.agents[2].state.value == "ready" and w.engine.agents[1].state.value == "busy"
    assert w.events(ev.CallConsultEnded)[-1].how == "refused"
    assert w.told(1) == "consult: Allocation failed" and w.told(2) is None


def test_given_a_refused_conference_then_the_consultation_goes_on_with_the_caller_on_hold():
    w, call = refused_while_talking(
        "conference",
        "Bridge not found",
        lambda e, c: e.consult(1, c, "2201"),
        lambda e, c: e.conference(1, c),
    )
    c = w.engine.calls[call]
    assert (c.consulting, c.conference, c.held) == ("2201", False, True)
    assert w.told(1) == "conference: Bridge not found"


def test_given_a_refused_start_of_recording_then_kc_shows_the_call_as_not_recorded():
    w = World(agent(1, SALES))
    w.ready(1)
    w.pbx.refuse("start_recording", "Recording failed")
    call = w.talking()
    assert w.engine.calls[call].recording is False and w.engine.view_of(1)["call"]["recording"] is False
    assert w.told(1) == "start_recording: Recording failed"


def test_given_a_refused_pick_up_from_the_web_then_the_call_stays_answered_and_the_agent_is_told():
    w = World(agent(1, SALES))
    w.ready(1)
    call = w.arrives()
    w.pbx.refuse("answer_at_phone", "Allocation failed")
    w.do(lambda e: e.answer_call(1, call))
    assert w.engine.calls[call].stage.value == "answered"
    assert w.told(1) == "answer_at_phone: Allocation failed"


# -- KC let the call go already: told, and journaled -------------------------------------------------
def test_given_a_refused_blind_transfer_to_a_number_then_the_agent_who_sent_it_is_told():
    w, call = refused_while_talking(
        "transfer", "Channel not in Stasis application", lambda e, c: e.blind_transfer(1, c, LINE)
    )
    assert w.events(ev.CallEnded)[-1].stage == "transferred"  # its end is final
    assert w.pbx.state(call).state == LegState.CONNECTED  # the caller is still on her line
    assert w.told(1) == "transfer: Channel not in Stasis application"


def test_given_a_refused_blind_transfer_to_a_colleague_then_her_ring_is_withdrawn_and_she_stays_ready():
    w, call = refused_while_talking(
        "transfer",
        "Channel not in Stasis application",
        lambda e, c: e.blind_transfer(1, c, "agent:2"),
        colleague=True,
    )
    assert w.engine.calls[call].stage.value == "ended" and w.engine.agents[2].state.value == "ready"
    assert [(c, a) for c, a, _r in w.refusals()] == [("transfer", 1), ("ring_agent", 2)]
    assert w.told(1) == "transfer: Channel not in Stasis application" and w.told(2) is None


def test_given_a_refusal_for_a_cancelled_ring_or_an_unknown_call_then_nothing_else_happens():
    w = World(agent(1, SALES))
    w.ready(1)
    call = w.arrives()
    w.engine.on_pbx(pbx.CommandRefusedAtPbx(w.clock.now(), call, "cancel_ring", "Channel not found"))
    w.engine.on_pbx(pbx.CommandRefusedAtPbx(w.clock.now(), "nobody", "hold", "unknown call"))
    assert w.refusals() == [("cancel_ring", 1, "Channel not found")]
    assert w.engine.agents[1].state.value == "ringing" and w.told(1) is None
    assert w.engine.rejected == 1 and "unknown call nobody" in w.engine.ignored[-1][1]


def test_the_notice_ends_when_her_next_call_begins_and_is_in_the_journal_with_the_call():
    w, first = refused_while_talking("hold", "Channel not found", lambda e, c: e.hold_call(1, c))
    assert w.told(1) == "hold: Channel not found"
    w.pbx.end(first)
    w.settle()
    assert w.told(1) == "hold: Channel not found"  # still what she last heard of
    w.arrives("c2")
    assert w.told(1) is None
    refused = ev.event_from_plain("PbxCommandRefused", ev.event_to_plain(w.events(ev.PbxCommandRefused)[0]))
    assert refused.call_id == first and refused.agent_id == 1
