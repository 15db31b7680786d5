"""Signing in and out of single queues (IN-03, AG-03)."""

from __future__ import annotations

import pytest

from kc_domain.errors import NotFound, ValidationFailed
from kc_domain.routing import events as ev
from kc_domain.routing.agent import Agent, Skill

from .fakes import CLAIMS, DEBTS, SALES, Harness, agent, queue


def three_queues(*agents: Agent) -> Harness:
    return Harness([queue(SALES), queue(CLAIMS), queue(DEBTS)], agents)


@pytest.mark.req("IN-03", "AG-03")
def test_signing_out_of_a_queue_stops_its_calls_but_not_those_of_the_others():
    h = three_queues(agent(1, SALES, CLAIMS))
    h.ready(1)
    h.engine.sign_out(1, SALES)
    assert h.engine.ready_agents(SALES) == set() and h.engine.ready_agents(CLAIMS) == {1}
    sales = h.arrive(dialled="801")
    assert h.at(sales) is None and h.state(1) == "ready"
    claims = h.arrive(dialled="802")
    assert h.at(claims) == 1
    (out,) = h.events(ev.AgentSignedOutOfQueue)
    assert (out.agent_id, out.queue_id) == (1, SALES)


@pytest.mark.req("IN-03", "AG-03")
def test_signing_in_while_ready_takes_a_waiting_call_of_that_queue_at_once():
    h = three_queues(agent(1, SALES, CLAIMS))
    h.ready(1)
    h.engine.sign_out(1, SALES)
    call = h.arrive(dialled="801")
    h.engine.sign_in(1, SALES)
    assert h.at(call) == 1
    assert [(e.agent_id, e.queue_id) for e in h.events(ev.AgentSignedIntoQueue)] == [(1, SALES)]


@pytest.mark.req("IN-03", "AG-03")
def test_signing_in_while_paused_waits_until_the_agent_is_ready():
    h = three_queues(agent(1, SALES, CLAIMS))
    h.engine.log_in(1)
    h.engine.sign_out(1, SALES)
    call = h.arrive(dialled="801")
    h.engine.sign_in(1, SALES)
    assert h.at(call) is None
    h.engine.ready(1)
    assert h.at(call) == 1


@pytest.mark.req("IN-03")
def test_logging_in_signs_into_every_skilled_queue():
    h = three_queues(agent(1, SALES, DEBTS))
    h.ready(1)
    assert h.engine.agents[1].signed_in == {SALES, DEBTS}
    assert h.engine.ready_agents(SALES) == h.engine.ready_agents(DEBTS) == {1}
    assert h.engine.ready_agents(CLAIMS) == set()


@pytest.mark.req("AG-03")
def test_a_locked_queue_refuses_the_agents_own_sign_out_and_sign_in():
    locked = Agent(1, skills={SALES: Skill(), CLAIMS: Skill()}, locked_queues=frozenset({SALES}))
    h = three_queues(locked)
    h.ready(1)
    for command in (h.engine.sign_out, h.engine.sign_in):
        with pytest.raises(ValidationFailed) as refused:
            command(1, SALES)
        assert refused.value.errors[0].code == "sign_in_locked"
    assert h.engine.ready_agents(SALES) == {1}
    assert h.events(ev.AgentSignedOutOfQueue) == []


@pytest.mark.req("AG-03")
def test_a_supervisor_may_sign_an_agent_out_of_and_into_a_locked_queue():
    locked = Agent(1, skills={SALES: Skill()}, locked_queues=frozenset({SALES}))
    h = three_queues(locked)
    h.ready(1)
    h.engine.sign_out(1, SALES, by_supervisor=True)
    assert h.engine.ready_agents(SALES) == set() and SALES not in h.engine.agents[1].signed_in
    h.engine.sign_in(1, SALES, by_supervisor=True)
    assert h.engine.ready_agents(SALES) == {1}


@pytest.mark.req("IN-03", "AG-03", "ADM-10")
def test_signing_into_a_queue_without_a_skill_is_refused():
    h = three_queues(agent(1, SALES))
    h.ready(1)
    with pytest.raises(ValidationFailed) as refused:
        h.engine.sign_in(1, CLAIMS)
    assert refused.value.errors[0].code == "no_skill_in_queue"
    assert CLAIMS not in h.engine.agents[1].signed_in and h.engine.ready_agents(CLAIMS) == set()


@pytest.mark.req("IN-03", "AG-03")
def test_unknown_agent_or_queue_in_sign_in_is_not_found():
    h = three_queues(agent(1, SALES))
    with pytest.raises(NotFound):
        h.engine.sign_in(9, SALES)
    with pytest.raises(NotFound):
        h.engine.sign_in(1, 99)
    with pytest.raises(NotFound):
        h.engine.sign_out(1, 99)


@pytest.mark.req("IN-03", "AG-03")
def test_signing_out_while_ringing_keeps_the_offer_but_no_new_calls_from_that_queue():
    h = three_queues(agent(1, SALES, CLAIMS))
    h.ready(1)
    call = h.arrive(dialled="801")
    h.engine.sign_out(1, SALES)
    h.answer(call)
    h.engine.call_ended(call)
    h.engine.ready(1)
    assert h.engine.ready_agents(SALES) == set() and h.engine.ready_agents(CLAIMS) == {1}


@pytest.mark.req("IN-03")
def test_an_agent_skilled_in_a_queue_the_engine_does_not_route_can_still_work():
    """The engine is built from active queues only; a skill in an inactive queue must not break it."""
    h = Harness([queue(SALES)], [agent(1, SALES, 77)])
    h.ready(1)
    call = h.arrive()
    h.talk(call)
    h.engine.pause(1, "X")
    h.engine.ready(1)
    assert h.state(1) == "ready" and h.engine.ready_agents(SALES) == {1}
