"""The engine's dialler (OUT-01, OUT-04, OUT-05, OUT-16, OUT-17): progressive and predictive campaigns
dialled through the PBX, live answers connected to a free agent at once or abandoned after 2 s with
the information message, outcomes of the PBX (busy, no answer, answering machine, invalid), the
hopper given back, and each dialled call explained."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kc_domain.routing import commands as cmd
from kc_domain.routing import events as ev
from kc_domain.routing import pbx_events as pbx
from kc_domain.routing.dialler import ABANDON_MESSAGE, DiallerCampaign, HopperContact

from .fakes import SALES, Harness, agent, queue

CAMPAIGN = 7


def harness(agents: int = 2) -> Harness:
    return Harness([queue(SALES, wrap_up_s=10)], [agent(a, SALES) for a in range(1, agents + 1)])


def campaign(mode: str = "progressive", **options: object) -> DiallerCampaign:
    fields: dict[str, object] = {"caller_id": "+420261000111", "ring_s": 20, "abandon_cap": 0.03}
    return DiallerCampaign(CAMPAIGN, "Dlužné pojistné", SALES, mode, **(fields | options))  # type: ignore[arg-type]


def contacts(n: int, first: int = 1) -> tuple[HopperContact, ...]:
    return tuple(HopperContact(i, f"+420601{i:06d}", f"Klient {i}") for i in range(first, first + n))


def start(h: Harness, c: DiallerCampaign, n: int = 10) -> None:
    h.engine.handle(cmd.UseCampaigns((c,)))
    h.engine.handle(cmd.FillHopper(c.campaign_id, contacts(n)))
    h.engine.tick()


def dialled(h: Harness) -> list[tuple[str, str, str, int]]:
    return [c[1:] for c in h.pbx.of("dial_out")]


def answered(h: Harness, call_id: str, machine: bool = False) -> None:
    h.engine.on_pbx(pbx.CalledPartyAnswered(h.clock.now(), call_id, machine))


@pytest.mark.req("OUT-01", "OUT-17")
def test_progressive_dials_one_number_per_free_agent_with_the_campaigns_caller_id():
    h = harness(agents=3)
    h.ready(1, 2)
    start(h, campaign())
    calls = dialled(h)
    assert len(calls) == 2  # two free agents: two numbers, the third agent is logged out
    assert [(n, cid, ring) for _, n, cid, ring in calls] == [
        ("+420601000001", "+420261000111", 20),
        ("+420601000002", "+420261000111", 20),
    ]
    h.advance(1)
    assert len(dialled(h)) == 2  # nothing more while both calls ring
    (first,) = [e for e in h.events(ev.CallDialled) if e.call_id == calls[0][0]]
    assert (first.agent_id, first.campaign_entry_id, first.queue_id) == (None, 1, SALES)
    assert h.engine.handle(cmd.HopperNeeds()) == {
        CAMPAIGN: 4 + 3 * 2 - 8
    }  # 2 signed in, 8 left in the hopper


@pytest.mark.req("OUT-01", "OUT-13", "OUT-16")
def test_a_live_answer_goes_to_the_free_agent_at_once_and_the_contact_becomes_hers():
    h = harness(agents=1)
    h.ready(1)
    start(h, campaign(intro_prompt="uvod-ozp"))
    ((call_id, number, _, _),) = dialled(h)
    h.clock.advance(seconds=6)
    answered(h, call_id)
    assert ("play", call_id, "file:uvod-ozp") in h.pbx.commands  # the intro (OUT-16)
    assert h.pbx.of("ring_agent") == [("ring_agent", call_id, 1)]
    assert ("answer_at_phone", call_id, 1) in h.pbx.commands  # her phone answers by itself
    assert h.state(1) == "busy"
    (connected,) = h.events(ev.CallCampaignConnected)
    assert (connected.call_id, connected.campaign_id, connected.entry_id, connected.agent_id) == (
        call_id,
        CAMPAIGN,
        1,
        1,
    )
    (answer,) = h.events(ev.CallAnswered)
    assert answer.waited_s == 0 and answer.queue_id == SALES
    assert ("start_recording", call_id) in h.pbx.commands
    h.clock.advance(seconds=120)
    h.engine.call_ended(call_id)
    assert h.ended(call_id)[0].stage == "completed" and h.state(1) == "wrap_up"
    assert not h.events(ev.CallAttemptEnded)  # the agent sets the outcome of a connected call
    view = h.engine.view_of(1)["call"]
    assert view is None or view["call_id"] == call_id
    assert number == "+420601000001"


@pytest.mark.req("OUT-05")
def test_a_live_answer_without_an_agent_within_2_s_is_abandoned_with_the_message():
    h = harness(agents=2)
    h.ready(1, 2)
    start(h, campaign())
    a, b = (c[0] for c in dialled(h))
    answered(h, a)
    h.engine.pause(2, "oběd")  # the second agent leaves before the second callee answers
    answered(h, b)
    assert h.engine.calls[b].stage.value == "queued"
    h.clock.advance(seconds=1.9)
    h.engine.tick()
    assert h.engine.calls[b].stage.value == "queued"  # still within the 2 s
    h.clock.advance(seconds=0.1)
    h.engine.tick()
    assert ("play", b, f"tts:{ABANDON_MESSAGE}") in h.pbx.commands
    assert ("hang_up", b, "abandoned") not in h.pbx.commands  # the message first
    h.prompts_done(b)
    assert ("hang_up", b, "abandoned") in h.pbx.commands
    assert h.ended(b)[0].stage == "dialler_abandoned"
    (ended,) = h.events(ev.CallAttemptEnded)
    assert (ended.call_id, ended.entry_id, ended.outcome) == (b, 2, "abandoned")
    (view,) = dialler_view(h)
    assert (view["live_today"], view["abandoned_today"], view["abandon_rate_today"]) == (2, 1, 0.5)


def dialler_view(h: Harness) -> list[dict[str, object]]:
    from kc_domain.routing.dialler import dialler_view as view

    return view(h.engine, h.clock.now())


@pytest.mark.req("OUT-12")
@pytest.mark.parametrize(
    ("cause", "outcome"),
    [("busy", "busy"), ("no_answer", "no_answer"), ("invalid", "invalid"), ("congestion", "busy")],
)
def test_the_pbx_ends_an_attempt_with_its_outcome_and_the_next_number_is_dialled(cause, outcome):
    h = harness(agents=1)
    h.ready(1)
    start(h, campaign())
    ((call_id, *_),) = dialled(h)
    h.clock.advance(seconds=5)
    h.engine.call_ended(call_id, cause)
    (ended,) = h.events(ev.CallAttemptEnded)
    assert (ended.entry_id, ended.outcome) == (1, outcome)
    assert h.ended(call_id)[0].stage == "not_reached"
    h.engine.tick()
    assert [c[1] for c in dialled(h)] == ["+420601000001", "+420601000002"]


@pytest.mark.req("OUT-01")
def test_an_answering_machine_is_an_outcome_not_a_live_answer():
    h = harness(agents=1)
    h.ready(1)
    start(h, campaign())
    ((call_id, *_),) = dialled(h)
    answered(h, call_id, machine=True)
    assert ("hang_up", call_id, "answering_machine") in h.pbx.commands
    assert h.state(1) == "ready" and not h.events(ev.CallCampaignConnected)
    (ended,) = h.events(ev.CallAttemptEnded)
    assert ended.outcome == "answering_machine"
    (view,) = dialler_view(h)
    assert view["live_today"] == 0


@pytest.mark.req("OUT-01")
def test_a_number_ringing_past_its_ring_time_is_given_up_as_not_answered():
    h = harness(agents=1)
    h.ready(1)
    start(h, campaign(ring_s=20))
    ((call_id, *_),) = dialled(h)
    h.advance(29)
    assert not h.events(ev.CallAttemptEnded)
    h.advance(2)
    assert ("hang_up", call_id, "no_answer") in h.pbx.commands
    assert h.events(ev.CallAttemptEnded)[0].outcome == "no_answer"


@pytest.mark.req("OUT-03", "OUT-09")
def test_a_campaign_that_stops_dialling_gives_its_hopper_back_and_its_calls_finish():
    h = harness(agents=1)
    h.ready(1)
    start(h, campaign(), n=5)
    ((call_id, *_),) = dialled(h)
    h.engine.handle(cmd.UseCampaigns(()))
    returned = h.engine.drain_returned()
    assert sorted(r.entry_id for r in returned) == [2, 3, 4, 5]
    assert {r.reason for r in returned} == {"campaign_not_dialling"}
    answered(h, call_id)  # the call in the air still reaches the agent
    assert h.state(1) == "busy"
    h.engine.handle(cmd.FillHopper(CAMPAIGN, contacts(1, first=9)))
    assert [r.entry_id for r in h.engine.drain_returned()] == [9]


@pytest.mark.req("OUT-04", "OUT-09")
def test_the_campaign_of_higher_priority_gets_the_free_agents_first():
    h = harness(agents=2)
    h.ready(1, 2)
    low = DiallerCampaign(1, "Průzkum", SALES, "progressive", priority=3, caller_id="+420261000111")
    high = DiallerCampaign(2, "Dluhy", SALES, "progressive", priority=9, caller_id="+420261000222")
    h.engine.handle(cmd.UseCampaigns((low, high)))
    h.engine.handle(cmd.FillHopper(1, contacts(5)))
    h.engine.handle(cmd.FillHopper(2, contacts(5, first=100)))
    h.engine.tick()
    assert [c[2] for c in dialled(h)] == ["+420261000222", "+420261000222"]


@pytest.mark.req("OUT-05")
def test_every_dialled_call_carries_its_pacing_decision_in_words():
    h = harness(agents=3)
    h.ready(1, 2, 3)
    start(h, campaign("predictive"))
    paced = h.events(ev.CallPaced)
    assert len(paced) == len(dialled(h)) >= 3
    assert paced[0].mode == "predictive" and paced[0].campaign_id == CAMPAIGN
    assert "free" in paced[0].explanation.lower()


@pytest.mark.req("OUT-01")
def test_a_dial_the_pbx_refuses_gives_the_contact_back_uncounted():
    h = harness(agents=1)
    h.ready(1)
    start(h, campaign())
    ((call_id, *_),) = dialled(h)
    h.engine.on_pbx(pbx.CommandRefusedAtPbx(h.clock.now(), call_id, "dial_out", "Allocation failed"))
    assert [(r.entry_id, r.reason) for r in h.engine.drain_returned()] == [(1, "refused_at_pbx")]
    assert not h.events(ev.CallAttemptEnded)
    assert h.ended(call_id)[0].stage == "not_reached"


@pytest.mark.req("OUT-01")
def test_the_callee_hanging_up_while_waiting_for_an_agent_is_an_abandon():
    h = harness(agents=2)
    h.ready(1, 2)
    start(h, campaign())
    a, b = (c[0] for c in dialled(h))
    answered(h, a)
    h.engine.pause(2, "oběd")
    answered(h, b)
    h.clock.advance(seconds=1)
    h.engine.call_ended(b)
    assert h.ended(b)[0].stage == "dialler_abandoned"
    assert [e.outcome for e in h.events(ev.CallAttemptEnded)] == ["abandoned"]
    h.clock.advance(seconds=5)
    h.engine.tick()  # the connect timer is over: nothing more happens to the ended call
    assert len(h.ended(b)) == 1


def test_a_quiet_pbx_and_no_campaign_leave_the_engine_as_it_was():
    h = harness(agents=1)
    h.ready(1)
    h.engine.tick()
    assert dialled(h) == [] and h.engine.handle(cmd.HopperNeeds()) == {}
    assert timedelta(0) == timedelta(0)


@pytest.mark.req("OUT-07")
def test_contacts_changed_on_the_list_leave_the_hopper_undialled():
    h = harness(agents=1)
    start(h, campaign(), n=4)  # nobody ready: all four wait in the hopper
    assert h.engine.handle(cmd.HopperContents()) == {CAMPAIGN: {i: f"+420601{i:06d}" for i in range(1, 5)}}
    assert h.engine.handle(cmd.DropFromHopper(CAMPAIGN, (2, 4), "changed_on_the_list")) == 2
    assert [(r.entry_id, r.reason) for r in h.engine.drain_returned()] == [
        (2, "changed_on_the_list"),
        (4, "changed_on_the_list"),
    ]
    h.ready(1)
    h.engine.tick()
    assert [c[1] for c in dialled(h)] == ["+420601000001"]
    assert set(h.engine.handle(cmd.HopperContents())[CAMPAIGN]) == {3}


@pytest.mark.req("RT-05")
def test_a_callee_put_through_is_not_counted_as_a_caller_of_the_queue():
    from kc_domain.routing.live import LiveCounters

    h = harness(agents=1)
    h.ready(1)
    start(h, campaign())
    ((call_id, *_),) = dialled(h)
    answered(h, call_id)
    counters = LiveCounters(h.engine.zone, {SALES: 20})
    counters.apply(h.engine.events)
    today = counters.queues.get(SALES)
    assert today is None or (today.offered, today.answered) == (0, 0)  # the queue's callers only
    assert counters.agents[1]["handled"] == 1  # her work all the same
