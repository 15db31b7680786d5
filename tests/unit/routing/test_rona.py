"""Ring-no-answer: the agent is set not-ready, the call goes back to the head of the queue (IN-22)."""

from __future__ import annotations

import pytest

from kc_domain.routing import events as ev
from kc_domain.routing.agent import RONA_PAUSE

from .fakes import SALES, Harness, agent, queue

pytestmark = pytest.mark.req("IN-22")


def test_after_the_rona_timeout_the_agent_is_paused_and_the_ring_cancelled():
    h = Harness([queue(SALES, rona_timeout_s=15)], [agent(1, SALES)])
    h.ready(1)
    call = h.arrive()
    h.advance(14)
    assert h.state(1) == "ringing"
    h.advance(1)
    assert h.state(1) == "paused" and h.engine.agents[1].pause_code == RONA_PAUSE
    assert h.engine.agents[1].call_id == ""
    assert h.pbx.commands[-1] == ("cancel_ring", call, 1)
    assert h.events(ev.CallRingNoAnswer)[-1].agent_id == 1
    change = h.events(ev.AgentStateChanged)[-1]
    assert (change.state, change.pause_code, change.reason, change.call_id) == (
        "paused",
        "RONA",
        "ring_no_answer",
        call,
    )
    c = h.engine.calls[call]
    assert (c.stage, c.agent_id, c.rona_count) == ("queued", None, 1)
    assert [w.call_id for w in h.engine.waiting(SALES)] == [call]


def test_the_unanswered_call_is_offered_to_the_next_ready_agent():
    h = Harness([queue(SALES, rona_timeout_s=20)], [agent(1, SALES), agent(2, SALES)])
    h.ready(1)
    h.clock.advance(seconds=1)
    h.ready(2)
    call = h.arrive()
    assert h.at(call) == 1
    h.advance(20)
    assert h.at(call) == 2 and h.pbx.rings() == [(call, 1), (call, 2)]
    assert len(h.engine.decisions[call]) == 2
    h.answer(call)
    assert h.engine.calls[call].stage == "answered"


def test_the_unanswered_call_goes_back_before_calls_that_came_later():
    h = Harness([queue(SALES, rona_timeout_s=20, wrap_up_s=0)], [agent(1, SALES), agent(2, SALES)])
    h.ready(1)
    first = h.arrive()
    later = [h.arrive(), h.arrive()]
    h.advance(20)  # agent 1 misses `first`
    assert [w.call_id for w in h.engine.waiting(SALES)] == [first, *later]
    h.ready(2)
    assert h.pbx.rings()[-1] == (first, 2)


def test_the_next_agent_has_their_own_rona_timeout():
    h = Harness([queue(SALES, rona_timeout_s=20)], [agent(1, SALES), agent(2, SALES)])
    h.ready(1)
    call = h.arrive()
    h.advance(10)
    h.ready(2)
    h.advance(10)  # agent 1 rang out; agent 2 is offered at t=20
    assert h.at(call) == 2
    h.advance(19)
    assert h.at(call) == 2 and h.state(2) == "ringing"
    h.advance(1)
    assert h.at(call) is None and h.state(2) == "paused"
    assert h.engine.calls[call].rona_count == 2


def test_an_answer_in_time_cancels_the_rona_timer():
    h = Harness([queue(SALES, rona_timeout_s=20)], [agent(1, SALES)])
    h.ready(1)
    call = h.arrive()
    h.advance(19)
    h.answer(call)
    h.advance(60)
    assert h.state(1) == "busy" and not h.events(ev.CallRingNoAnswer)
    assert h.pbx.of("cancel_ring") == []


def test_an_agent_paused_by_rona_gets_calls_again_once_ready():
    h = Harness([queue(SALES, rona_timeout_s=20)], [agent(1, SALES)])
    h.ready(1)
    call = h.arrive()
    h.advance(20)
    h.engine.ready(1)
    assert h.at(call) == 1 and h.engine.agents[1].pause_code == ""


@pytest.mark.req("IN-23")
def test_max_wait_still_applies_to_a_call_that_was_ringing_when_it_expired():
    h = Harness([queue(SALES, rona_timeout_s=20, max_wait_s=30)], [agent(1, SALES)])
    h.engine.log_in(1)
    call = h.arrive()
    h.advance(25)
    h.engine.ready(1)  # offered at t=25; max wait expires at t=30 while ringing
    h.advance(20)  # rings out at t=45: back in the queue, already past its maximum wait
    h.advance(1)
    assert [e.stage for e in h.ended(call)] == ["overflowed"]
    assert h.events(ev.CallOverflowed)[-1].reason == "max_wait"
