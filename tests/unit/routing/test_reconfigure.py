"""Administration taking effect in the running engine (ADM-02, ADM-10, GEN-03): queues, agents,
skills and caller rules changed while calls go on, without a restart."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kc_domain.errors import NotFound
from kc_domain.ivr.model import Prompt
from kc_domain.routing import events as ev
from kc_domain.routing.agent import Agent, Skill
from kc_domain.routing.config import QueueRouting
from kc_domain.routing.reconfigure import BY_ADMINISTRATION
from kc_domain.routing.rules import CallerRule

from .fakes import CLAIMS, SALES, Harness, agent, queue


def two_queues(*agents: Agent, **settings: object) -> Harness:
    return Harness([queue(SALES, **settings), queue(CLAIMS, **settings)], agents)


def config(
    h: Harness, queues: list[QueueRouting], *agents: Agent, rules: tuple[CallerRule, ...] = ()
) -> None:
    """What the host's reload does: the administered configuration read again, handed over."""
    h.engine.reconfigure(queues, list(agents), rules)


@pytest.mark.req("GEN-03")
def test_given_a_call_in_progress_when_the_wrap_up_changes_then_it_goes_on_and_the_next_wrap_up_is_new():
    h = two_queues(agent(1, SALES), wrap_up_s=30)
    h.ready(1)
    call = h.arrive(dialled="801")
    h.answer(call)
    config(h, [queue(SALES, wrap_up_s=5), queue(CLAIMS)], agent(1, SALES))
    assert h.engine.calls[call].stage == "answered" and h.state(1) == "busy"
    assert h.pbx.of("hang_up") == [] and h.pbx.of("cancel_ring") == []
    h.clock.advance(seconds=60)
    h.engine.call_ended(call)
    assert h.engine.agents[1].wrap_up_until == h.clock.now() + timedelta(seconds=5)
    h.advance(5)
    assert h.state(1) == "ready"


@pytest.mark.req("GEN-03")
def test_given_callers_waiting_when_the_settings_change_then_they_keep_their_place():
    h = two_queues(agent(1, SALES))
    first, second = h.arrive(dialled="801"), h.arrive(dialled="801")
    config(h, [queue(SALES, rona_timeout_s=7, strategy=h.engine.queues[SALES].strategy), queue(CLAIMS)])
    assert [c.call_id for c in h.engine.waiting(SALES)] == [first, second]
    config(h, [queue(SALES, rona_timeout_s=7), queue(CLAIMS)], agent(1, SALES))
    h.ready(1)
    assert h.at(first) == 1
    h.advance(7)  # the new ring-no-answer time
    assert h.events(ev.CallRingNoAnswer)[0].call_id == first


@pytest.mark.req("GEN-03")
def test_a_new_queue_takes_calls_at_once_and_its_skilled_agents_are_signed_in():
    h = two_queues(agent(1, SALES))
    h.ready(1)
    config(h, [queue(SALES), queue(CLAIMS), queue(7)], agent(1, SALES, 7))
    assert h.engine.agents[1].signed_in == {SALES, 7}
    assert [(e.agent_id, e.queue_id) for e in h.events(ev.AgentSignedIntoQueue)] == [(1, 7)]
    call = h.arrive(dialled="807")
    assert h.at(call) == 1


@pytest.mark.req("GEN-03")
def test_a_deactivated_queue_takes_no_new_call_but_serves_its_waiting_callers_then_leaves():
    h = two_queues(agent(1, SALES), agent(2, CLAIMS))
    h.ready(2)
    waiting = h.arrive(dialled="801")
    config(h, [queue(CLAIMS)], agent(1, SALES), agent(2, CLAIMS))
    late = h.arrive(dialled="801")
    assert h.ended(late)[0].stage == "rejected"
    assert h.engine.calls[waiting].stage == "queued"
    with pytest.raises(NotFound):
        other = h.arrive(dialled="802")
        h.answer(other)
        h.engine.transfer(other, "queue", str(SALES))
    h.ready(1)
    assert h.at(waiting) == 1  # her skill in the closing queue still serves its caller
    h.talk(waiting)
    config(h, [queue(CLAIMS)], agent(1, SALES), agent(2, CLAIMS))
    config(h, [queue(CLAIMS)], agent(1, SALES), agent(2, CLAIMS))
    assert SALES not in h.engine.queues and h.engine.agents[1].skills == {}


@pytest.mark.req("ADM-10")
def test_a_new_skill_routes_the_next_call_and_a_waiting_one_at_once():
    h = two_queues(agent(1, SALES))
    h.ready(1)
    waiting = h.arrive(dialled="802")
    assert h.at(waiting) is None
    config(h, [queue(SALES), queue(CLAIMS)], agent(1, SALES, CLAIMS))
    assert h.at(waiting) == 1
    h.talk(waiting)
    h.advance(30)
    assert h.at(h.arrive(dialled="802")) == 1


@pytest.mark.req("ADM-10")
def test_a_lost_skill_signs_the_agent_out_of_that_queue_and_a_changed_level_routes_by_it():
    h = two_queues(agent(1, SALES, CLAIMS, level=5), agent(2, SALES, level=3))
    h.ready(1, 2)
    config(h, [queue(SALES), queue(CLAIMS)], agent(1, CLAIMS), agent(2, SALES, level=9))
    assert h.engine.agents[1].signed_in == {CLAIMS} and h.engine.ready_agents(SALES) == {2}
    assert [(e.agent_id, e.queue_id) for e in h.events(ev.AgentSignedOutOfQueue)] == [(1, SALES)]
    assert h.engine.skilled_in(SALES) == [2]
    assert h.at(h.arrive(dialled="801")) == 2
    config(h, [queue(SALES), queue(CLAIMS)], agent(1, CLAIMS), agent(2, SALES, CLAIMS, level=1))
    assert h.at(h.arrive(dialled="802")) == 1  # agent 2 is busy; agent 1 is the only one free


@pytest.mark.req("ADM-10")
def test_a_new_agent_appears_logged_out_and_may_log_in():
    h = two_queues(agent(1, SALES))
    config(h, [queue(SALES), queue(CLAIMS)], agent(1, SALES), agent(5, CLAIMS))
    assert h.state(5) == "logged_out" and h.engine.skilled_in(CLAIMS) == [5]
    h.ready(5)
    assert h.at(h.arrive(dialled="802")) == 5


@pytest.mark.req("ADM-02")
def test_a_deactivated_idle_agent_is_logged_out_at_once_and_may_not_log_in_again():
    h = two_queues(agent(1, SALES), agent(2, SALES))
    h.ready(1, 2)
    config(h, [queue(SALES), queue(CLAIMS)], agent(2, SALES))
    assert h.state(1) == "logged_out" and h.engine.ready_agents(SALES) == {2}
    (forced,) = h.events(ev.AgentForced)
    assert (forced.agent_id, forced.supervisor_id, forced.action, forced.pending) == (
        1,
        BY_ADMINISTRATION,
        "log_out",
        False,
    )
    assert [e.agent_id for e in h.events(ev.AgentLoggedOut)] == [1]
    with pytest.raises(NotFound):
        h.engine.log_in(1)
    config(h, [queue(SALES), queue(CLAIMS)], agent(2, SALES))
    assert 1 not in h.engine.agents and h.engine.skilled_in(SALES) == [2]


@pytest.mark.req("ADM-02")
def test_a_deactivated_agent_on_a_call_finishes_it_is_never_offered_another_and_is_logged_out_after():
    h = two_queues(agent(1, SALES), agent(2, SALES), wrap_up_s=30)
    h.ready(1)
    call = h.arrive(dialled="801")
    h.answer(call)
    config(h, [queue(SALES, wrap_up_s=30), queue(CLAIMS)], agent(2, SALES))
    assert h.state(1) == "busy" and h.engine.calls[call].stage == "answered"
    assert h.events(ev.AgentForced)[0].pending
    callback_id = h.engine.request_callback("+420777000111", SALES)  # due now, waits for a free agent
    second = h.arrive(dialled="801")
    h.clock.advance(seconds=90)
    h.engine.call_ended(call)
    assert h.state(1) == "logged_out"  # at once: no wrap-up after her last call
    assert h.at(second) is None and h.pbx.of("originate") == []
    h.advance(120)  # the callback sweep finds nobody free either
    assert h.pbx.of("originate") == [] and h.engine.callbacks.get(callback_id).agent_id is None
    with pytest.raises(NotFound):
        h.engine.log_in(1)
    h.ready(2)  # the next free agent takes what waits
    assert h.at(second) == 2 or h.pbx.of("originate")[0][2] == 2


@pytest.mark.req("ADM-02")
def test_a_caller_waiting_for_a_deactivated_agent_goes_to_the_others():
    h = Harness(
        [queue(SALES, sticky_wait_s=60, wrap_up_s=0), queue(CLAIMS)], [agent(1, SALES), agent(2, SALES)]
    )
    h.ready(1)
    h.talk(h.arrive(caller="+420601999888", dialled="801"))
    h.answer(h.arrive(dialled="801"))
    again = h.arrive(caller="+420601999888", dialled="801")
    assert h.engine.calls[again].sticky_agent_id == 1  # waits for the agent she spoke to
    config(h, [queue(SALES, sticky_wait_s=60, wrap_up_s=0), queue(CLAIMS)], agent(2, SALES))
    assert h.engine.calls[again].sticky_agent_id is None
    h.ready(2)
    assert h.at(again) == 2


@pytest.mark.req("GEN-03")
def test_caller_rules_are_replaced_for_the_next_call():
    h = two_queues(agent(1, SALES))
    blocked = CallerRule("blocked", numbers=frozenset({"+420900111222"}), block=True)
    config(h, [queue(SALES), queue(CLAIMS)], agent(1, SALES), rules=(blocked,))
    assert h.ended(h.arrive(caller="+420900111222", dialled="801"))[0].stage == "rejected"
    config(h, [queue(SALES), queue(CLAIMS)], agent(1, SALES))
    assert h.engine.calls[h.arrive(caller="+420900111222", dialled="801")].stage == "queued"


@pytest.mark.req("GEN-03")
def test_general_announcements_are_replaced_for_the_next_call():
    h = two_queues(agent(1, SALES))
    h.engine.use_general_prompts(lambda _dialled, _at: [Prompt("Portál je mimo provoz.")])
    h.arrive(dialled="801")
    assert h.said("c1") == ["Portál je mimo provoz."]


@pytest.mark.req("ADM-02")
def test_when_a_deactivated_agent_was_the_last_one_signed_in_her_queues_callers_overflow():
    h = Harness([queue(SALES, overflow_when_no_agents=True), queue(CLAIMS)], [agent(1, SALES)])
    h.ready(1)
    h.answer(h.arrive(dialled="801"))
    waiting = h.arrive(dialled="801")
    config(h, [queue(SALES, overflow_when_no_agents=True), queue(CLAIMS)], Agent(9, skills={CLAIMS: Skill()}))
    assert h.ended(waiting)[0].stage == "overflowed"  # IN-23: nobody left to answer them
