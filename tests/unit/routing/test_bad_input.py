"""Bad input from the PBX and from agents: duplicates, late and wrong events, unknown ids (IN-04)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kc_domain.errors import NotFound
from kc_domain.routing import events as ev
from kc_domain.routing import pbx_events as pbx

from .fakes import SALES, Harness, agent, queue

pytestmark = pytest.mark.req("IN-04")


def two_ready() -> Harness:
    h = Harness([queue(SALES)], [agent(1, SALES), agent(2, SALES)])
    h.ready(1, 2)
    return h


def test_a_duplicate_arrival_is_ignored_with_a_reason():
    h = two_ready()
    call = h.arrive(caller="+420605000001")
    before = (list(h.engine.events), list(h.pbx.commands))
    h.engine.call_arrived(call, "+420605000002", "801")
    assert (h.engine.events, h.pbx.commands) == before
    assert h.engine.calls[call].caller == "+420605000001"
    assert h.engine.ignored[-1] == (h.clock.now(), f"call {call} arrived twice")
    assert h.state(2) == "ready"


def test_an_answer_after_the_caller_hung_up_is_ignored():
    h = two_ready()
    call = h.arrive()
    agent_id = h.at(call)
    assert agent_id is not None
    h.engine.call_ended(call, "caller_hangup")
    h.engine.call_answered(call, agent_id)
    assert "ignored" in h.engine.ignored[-1][1] and "ended" in h.engine.ignored[-1][1]
    assert h.state(agent_id) == "ready" and h.engine.agents[agent_id].call_id == ""
    assert [e.stage for e in h.ended(call)] == ["abandoned_ringing"]
    assert h.events(ev.CallAnswered) == []


def test_an_answer_by_an_agent_the_call_was_not_offered_to_is_ignored_and_changes_nothing():
    h = two_ready()
    call = h.arrive()
    offered = h.at(call)
    other = 2 if offered == 1 else 1
    h.engine.call_answered(call, other)
    assert f"by agent {other} ignored" in h.engine.ignored[-1][1]
    assert h.state(offered) == "ringing" and h.state(other) == "ready"
    assert h.engine.calls[call].stage == "ringing" and h.at(call) == offered
    h.answer(call)
    h.engine.call_answered(call, other)  # taken by the right agent meanwhile: still ignored
    assert h.state(other) == "ready" and h.engine.agents[other].call_id == ""
    assert h.engine.agents[offered].call_id == call and h.state(offered) == "busy"
    assert len(h.events(ev.CallAnswered)) == 1


def test_a_second_answer_by_the_same_agent_is_ignored():
    h = two_ready()
    call = h.arrive()
    agent_id = h.answer(call)
    h.engine.call_answered(call, agent_id)
    assert len(h.events(ev.CallAnswered)) == 1 and len(h.engine.ignored) == 1


def test_a_duplicate_hang_up_is_ignored_and_the_call_ends_once():
    h = two_ready()
    call = h.arrive()
    h.answer(call)
    h.engine.call_ended(call)
    h.engine.call_ended(call)
    assert [e.stage for e in h.ended(call)] == ["completed"]
    assert h.engine.ignored[-1][1] == f"hang-up of {call} ignored: ended"


def test_a_hang_up_of_an_unknown_call_is_ignored():
    h = two_ready()
    h.engine.call_ended("ghost")
    h.engine.call_answered("ghost", 1)
    h.engine.call_held("ghost", True)
    assert len(h.engine.ignored) == 3 and h.engine.events[-1].name == "AgentStateChanged"


def test_an_unknown_dialled_number_is_rejected():
    h = two_ready()
    call = h.arrive(dialled="999")
    assert h.pbx.commands == [("hang_up", call, "unknown_number")]
    (ended,) = h.ended(call)
    assert (ended.stage, ended.cause) == ("rejected", "no queue for 999")
    assert h.state(1) == h.state(2) == "ready"


@pytest.mark.parametrize(
    "command",
    [
        lambda e: e.log_in(9),
        lambda e: e.log_out(9),
        lambda e: e.ready(9),
        lambda e: e.pause(9, "X"),
        lambda e: e.extend_wrap_up(9, 30),
        lambda e: e.sign_in(9, SALES),
        lambda e: e.sign_out(9, SALES),
        lambda e: e.sign_in(1, 42),
        lambda e: e.sign_out(1, 42),
        lambda e: e.transfer("ghost", "queue", "1"),
    ],
)
def test_unknown_agent_queue_or_call_in_a_command_is_not_found(command):
    h = two_ready()
    before = list(h.engine.events)
    with pytest.raises(NotFound):
        command(h.engine)
    assert h.engine.events == before


def test_hold_and_retrieve_are_reported_once_and_repeats_ignored():
    h = two_ready()
    call = h.arrive()
    agent_id = h.answer(call)
    h.engine.call_held(call, True)
    h.engine.call_held(call, True)
    h.engine.call_held(call, False)
    assert [type(e) for e in h.engine.events[-2:]] == [ev.CallHeld, ev.CallRetrieved]
    assert h.engine.events[-1] == ev.CallRetrieved(h.clock.now(), call, agent_id)
    assert len(h.engine.ignored) == 1


def test_a_hang_up_while_ringing_frees_the_agent_for_the_next_call():
    h = Harness([queue(SALES)], [agent(1, SALES)])
    h.ready(1)
    first = h.arrive()
    second = h.arrive()
    h.engine.call_ended(first, "caller_hangup")
    assert h.pbx.commands[-2:] == [("cancel_ring", first, 1), ("ring_agent", second, 1)]
    assert h.at(second) == 1
    h.advance(60)  # the ring-no-answer timer of the first call must not fire
    assert h.events(ev.CallRingNoAnswer)[0].call_id == second


@pytest.mark.req("IN-04", "GEN-03")
def test_a_hang_up_reported_late_ends_the_talk_when_the_pbx_says_it_ended():
    h = two_ready()
    call = h.arrive()
    h.answer(call)
    hung_up = h.clock.now() + timedelta(seconds=30)
    h.advance(120)  # the hang-up reaches KC 90 s late
    h.engine.on_pbx(pbx.CallHungUpAtPbx(hung_up, call))
    [ended] = h.ended(call)
    assert ended.at == hung_up and h.engine.calls[call].ended_at == hung_up


@pytest.mark.req("IN-04", "GEN-03")
def test_an_arrival_reported_after_its_hang_up_rings_nobody():
    h = two_ready()
    h.engine.call_ended("early", "caller_hangup")  # the PBX's events crossed
    h.engine.call_arrived("early", "+420605000009", "801")
    assert "early" not in h.engine.calls and h.pbx.rings() == []
    assert h.state(1) == h.state(2) == "ready"
    assert "arrived after its hang-up" in h.engine.ignored[-1][1]


@pytest.mark.req("IN-04", "GEN-03")
def test_recordings_of_unknown_calls_are_dropped_counted_and_the_count_journaled_not_each_one():
    h = two_ready()
    for n in range(10_000):
        h.engine.on_pbx(pbx.RecordingReady(h.clock.now(), f"ghost-{n}", f"r{n}", h.clock.now(), 1.0))
    assert h.events(ev.CallRecorded) == []
    assert h.engine.rejected == 10_000 and len(h.engine.ignored) == 100  # the newest kept, no more
    h.advance(61)
    h.engine.tick()
    [counted] = h.events(ev.PbxEventsRejected)
    assert counted.count == 10_000 and "ghost-9999" in counted.example
