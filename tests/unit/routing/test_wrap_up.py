"""Wrap-up after a call (IN-14): per queue, ended by the clock, extendable, or none at all."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kc_domain.routing import events as ev
from kc_domain.routing.agent import IllegalTransition

from .fakes import CLAIMS, SALES, START, Harness, agent, queue

pytestmark = pytest.mark.req("IN-14")


def after_call(wrap_up_s: int, *, queues=None, dialled: str = "801") -> Harness:
    queues = queues or [queue(SALES, wrap_up_s=wrap_up_s), queue(CLAIMS, wrap_up_s=wrap_up_s)]
    h = Harness(queues, [agent(1, SALES, CLAIMS)])
    h.ready(1)
    h.talk(h.arrive(dialled=dialled), 60)
    return h


def test_the_agent_wraps_up_for_the_queues_time_and_is_ready_again_by_tick():
    h = after_call(45)
    ended_at = START + timedelta(seconds=60)
    assert h.state(1) == "wrap_up" and h.engine.agents[1].wrap_up_until == ended_at + timedelta(seconds=45)
    assert h.engine.next_due() == ended_at + timedelta(seconds=45)
    h.advance(44)
    assert h.state(1) == "wrap_up" and h.engine.ready_agents(SALES) == set()
    h.advance(1)
    assert h.state(1) == "ready" and h.engine.ready_agents(SALES) == {1}
    change = h.events(ev.AgentStateChanged)[-1]
    assert (change.previous, change.state, change.reason) == ("wrap_up", "ready", "wrap_up_over")
    assert h.engine.agents[1].idle_since == h.clock.now()


def test_wrap_up_time_is_that_of_the_queue_the_call_came_from():
    queues = [queue(SALES, wrap_up_s=10), queue(CLAIMS, wrap_up_s=120)]
    h = after_call(0, queues=queues, dialled="802")
    assert h.engine.agents[1].wrap_up_until == h.clock.now() + timedelta(seconds=120)
    h.advance(10)
    assert h.state(1) == "wrap_up"


def test_a_waiting_call_rings_the_agent_as_soon_as_wrap_up_ends():
    h = after_call(30)
    call = h.arrive()
    assert h.at(call) is None
    h.advance(30)
    assert h.at(call) == 1 and h.state(1) == "ringing"


def test_extending_wrap_up_delays_the_return_to_ready():
    h = after_call(30)
    h.advance(20)
    h.engine.extend_wrap_up(1, 60)
    assert h.engine.agents[1].wrap_up_until == h.clock.now() + timedelta(seconds=70)
    h.advance(10)  # the original end has passed
    assert h.state(1) == "wrap_up"
    h.advance(59)
    assert h.state(1) == "wrap_up"
    h.advance(1)
    assert h.state(1) == "ready"


def test_extending_wrap_up_outside_wrap_up_is_illegal():
    h = after_call(0)
    with pytest.raises(IllegalTransition):
        h.engine.extend_wrap_up(1, 30)


def test_no_wrap_up_makes_the_agent_ready_at_once_and_takes_the_next_call():
    h = Harness([queue(SALES, wrap_up_s=0)], [agent(1, SALES)])
    h.ready(1)
    first = h.arrive()
    second = h.arrive()
    h.talk(first, 30)
    assert h.at(second) == 1 and h.state(1) == "ringing"
    assert not any(e.state == "wrap_up" for e in h.events(ev.AgentStateChanged))


def test_the_agent_may_end_wrap_up_early_by_becoming_ready():
    h = after_call(300)
    h.advance(5)
    h.engine.ready(1)
    assert h.state(1) == "ready"
    h.advance(300)  # the wrap-up timer was disarmed: no second change
    changes = [e for e in h.events(ev.AgentStateChanged) if e.reason == "wrap_up_over"]
    assert changes == []


def test_pausing_in_wrap_up_cancels_the_automatic_ready():
    h = after_call(30)
    h.engine.pause(1, "ADMIN")
    h.advance(60)
    assert h.state(1) == "paused" and h.engine.agents[1].pause_code == "ADMIN"


def test_logging_out_in_wrap_up_keeps_the_agent_logged_out():
    h = after_call(30)
    h.engine.log_out(1)
    h.advance(60)
    assert h.state(1) == "logged_out"
