"""Which agent gets which call (IN-01, IN-02, IN-03, IN-22, ADM-10): strategies, ordering, explanations."""

from __future__ import annotations

import pytest

from kc_domain.routing import events as ev
from kc_domain.routing.agent import Skill
from kc_domain.routing.policy import Candidate, Strategy, choose, rank_key
from kc_domain.routing.rules import CallerRule

from .fakes import CLAIMS, DEBTS, SALES, Harness, agent, queue


# -- only ready agents -----------------------------------------------------------------------------
@pytest.mark.req("IN-22")
def test_a_call_waits_while_no_agent_is_ready_and_rings_the_first_that_becomes_ready():
    h = Harness([queue(SALES)], [agent(1, SALES), agent(2, SALES), agent(3, SALES)])
    h.engine.log_in(1)  # paused (LOGIN)
    h.engine.log_in(2)
    call = h.arrive()
    assert h.pbx.rings() == [] and [c.call_id for c in h.engine.waiting(SALES)] == [call]
    h.engine.ready(2)
    assert h.pbx.rings() == [(call, 2)] and h.engine.waiting(SALES) == []
    assert h.state(1) == "paused" and h.state(3) == "logged_out"


@pytest.mark.req("IN-22")
def test_busy_ringing_and_wrap_up_agents_get_no_second_call():
    h = Harness([queue(SALES, wrap_up_s=60)], [agent(1, SALES), agent(2, SALES), agent(3, SALES)])
    h.ready(1, 2, 3)
    first, second, _third = h.arrive(), h.arrive(), h.arrive()
    h.answer(first)
    h.engine.call_ended(first)  # agent of `first` now in wrap-up
    h.answer(second)  # busy; `third` is ringing
    fourth = h.arrive()
    assert h.engine.calls[fourth].stage == "queued" and h.at(fourth) is None
    assert sorted(a for _c, a in h.pbx.rings()) == [1, 2, 3]  # one offer each, none for `fourth`
    states = {h.state(a) for a in (1, 2, 3)}
    assert states == {"wrap_up", "busy", "ringing"}


@pytest.mark.req("IN-22")
def test_an_agent_not_skilled_for_the_queue_never_gets_its_calls():
    h = Harness([queue(SALES), queue(CLAIMS)], [agent(1, CLAIMS)])
    h.ready(1)
    h.arrive(dialled="801")
    assert h.pbx.rings() == [] and h.state(1) == "ready"


# -- several queues --------------------------------------------------------------------------------
@pytest.mark.req("IN-03")
def test_an_agent_signed_into_several_queues_takes_calls_from_each():
    h = Harness([queue(SALES, wrap_up_s=0), queue(CLAIMS, wrap_up_s=0)], [agent(1, SALES, CLAIMS)])
    h.ready(1)
    assert h.engine.ready_agents(SALES) == {1} and h.engine.ready_agents(CLAIMS) == {1}
    sales = h.arrive(dialled="801")
    assert h.engine.ready_agents(CLAIMS) == set()  # ringing: gone from every queue
    h.talk(sales)
    claims = h.arrive(dialled="802")
    assert h.pbx.rings() == [(sales, 1), (claims, 1)]
    assert [e.queue_id for e in h.events(ev.CallOffered)] == [SALES, CLAIMS]


@pytest.mark.req("IN-03")
def test_a_call_dialled_to_a_queue_number_goes_to_that_queue():
    h = Harness([queue(SALES), queue(CLAIMS, number="+420800111222")], [])
    call = h.arrive(dialled="+420800111222")
    assert h.engine.calls[call].queue_id == CLAIMS


@pytest.mark.req("IN-03")
def test_the_pbx_may_name_the_queue_itself():
    h = Harness([queue(SALES), queue(CLAIMS)], [])
    h.engine.call_arrived("x", "+420601000000", "anything", queue_id=CLAIMS)
    assert h.engine.calls["x"].queue_id == CLAIMS


# -- order of waiting calls ------------------------------------------------------------------------
@pytest.mark.req("IN-01", "IN-02")
def test_waiting_calls_are_ordered_by_priority_then_arrival():
    rule = CallerRule("vip", numbers=frozenset({"+420777"}), priority=1)
    low = CallerRule("slow", numbers=frozenset({"+420999"}), priority=9)
    h = Harness([queue(SALES, wrap_up_s=0)], [agent(1, SALES)], rules=[rule, low])
    h.engine.log_in(1)
    first = h.arrive("+420601")
    late_low = h.arrive("+420999")
    second = h.arrive("+420602")
    vip = h.arrive("+420777")
    assert [c.call_id for c in h.engine.waiting(SALES)] == [vip, first, second, late_low]
    h.engine.ready(1)
    order = []
    for _ in range(4):
        call = h.pbx.rings()[-1][0]
        order.append(call)
        h.talk(call)
    assert order == [vip, first, second, late_low]


# -- strategies ------------------------------------------------------------------------------------
def decision(h: Harness, call_id: str):
    (only,) = h.engine.decisions[call_id]
    return only


@pytest.mark.req("IN-01", "ADM-10")
def test_skill_first_picks_the_highest_level_then_the_best_priority():
    agents = [
        agent(1, q1=Skill(level=3, priority=1)),
        agent(2, q1=Skill(level=8, priority=5)),
        agent(3, q1=Skill(level=8, priority=2)),
    ]
    h = Harness([queue(SALES, strategy=Strategy.SKILL_FIRST)], agents)
    h.ready(1, 2, 3)
    call = h.arrive()
    d = decision(h, call)
    assert (d.rule, d.chosen, d.queue_id, d.call_id) == ("skill_first", 3, SALES, call)
    assert sorted(c.agent_id for c in d.candidates) == [1, 2, 3]
    assert d.reason == "level 8, priority 2, idle 0 s; best of 3 ready agent(s)"
    assert h.pbx.rings() == [(call, 3)]


@pytest.mark.req("IN-01", "ADM-10")
def test_skill_first_breaks_a_tie_in_level_and_priority_by_the_longest_idle():
    h = Harness([queue(SALES)], [agent(1, SALES, level=7), agent(2, SALES, level=7)])
    h.ready(2)
    h.clock.advance(seconds=30)
    h.ready(1)
    h.clock.advance(seconds=10)
    call = h.arrive()
    d = decision(h, call)
    assert d.chosen == 2 and "idle 40 s" in d.reason
    assert {c.agent_id: c.idle_s for c in d.candidates} == {1: 10, 2: 40}


@pytest.mark.req("IN-01")
def test_longest_idle_picks_the_agent_ready_the_longest_whatever_the_skill():
    agents = [agent(1, SALES, level=10), agent(2, SALES, level=1), agent(3, SALES, level=5)]
    h = Harness([queue(SALES, strategy=Strategy.LONGEST_IDLE)], agents)
    h.ready(3)
    h.clock.advance(seconds=20)
    h.ready(2)
    h.clock.advance(seconds=20)
    h.ready(1)
    h.clock.advance(seconds=5)
    call = h.arrive()
    d = decision(h, call)
    assert (d.rule, d.chosen) == ("longest_idle", 3)
    assert d.reason == "idle longest (45 s); best of 3 ready agent(s)"


@pytest.mark.req("IN-01")
def test_least_occupied_picks_the_agent_with_the_least_talk_time():
    h = Harness(
        [queue(SALES, strategy=Strategy.LEAST_OCCUPIED, wrap_up_s=0)],
        [agent(1, SALES), agent(2, SALES), agent(3, SALES)],
    )
    talk = {1: 300, 2: 60, 3: 120}
    for agent_id, seconds in talk.items():
        h.engine.agents[agent_id].talk_s = seconds
    h.ready(1, 2, 3)
    call = h.arrive()
    d = decision(h, call)
    assert (d.rule, d.chosen) == ("least_occupied", 2)
    assert d.reason == "least talk time today (60 s); best of 3 ready agent(s)"
    assert {c.agent_id: c.talk_s for c in d.candidates} == talk


@pytest.mark.req("IN-01")
def test_least_occupied_counts_the_talk_time_of_calls_handled():
    h = Harness(
        [queue(SALES, strategy=Strategy.LEAST_OCCUPIED, wrap_up_s=0)], [agent(1, SALES), agent(2, SALES)]
    )
    h.ready(1, 2)
    a = h.talk(h.arrive(), 200)
    b = h.talk(h.arrive(), 50)
    assert a != b
    short_talker = b
    call = h.arrive()
    assert h.at(call) == short_talker


@pytest.mark.req("IN-01")
def test_round_robin_takes_the_agents_in_turn_and_wraps_around():
    h = Harness(
        [queue(SALES, strategy=Strategy.ROUND_ROBIN, wrap_up_s=0)],
        [agent(3, SALES), agent(1, SALES), agent(2, SALES)],
    )
    h.ready(1, 2, 3)
    served = []
    for _ in range(5):
        call = h.arrive()
        served.append(h.talk(call, 10))
        assert decision(h, call).reason == "next in turn; best of 3 ready agent(s)"
    assert served == [1, 2, 3, 1, 2]


@pytest.mark.req("IN-01")
def test_round_robin_skips_an_agent_who_is_not_ready():
    h = Harness(
        [queue(SALES, strategy=Strategy.ROUND_ROBIN, wrap_up_s=0)],
        [agent(1, SALES), agent(2, SALES), agent(3, SALES)],
    )
    h.ready(1, 2, 3)
    h.talk(h.arrive())  # agent 1
    h.engine.pause(2, "BREAK")
    call = h.arrive()
    assert h.at(call) == 3


@pytest.mark.req("IN-01")
def test_each_offer_leaves_one_decision_with_every_ready_agent_as_candidate():
    h = Harness([queue(SALES)], [agent(1, SALES), agent(2, SALES)])
    h.ready(1, 2)
    h.engine.pause(2, "X")
    call = h.arrive()
    d = decision(h, call)
    assert [c.agent_id for c in d.candidates] == [1]
    assert d.candidates[0] == Candidate(1, 5, 5, 0.0, 0.0)
    assert d.reason.endswith("best of 1 ready agent(s)")


def test_rank_keys_end_with_the_agent_id_so_ties_are_deterministic():
    tied = [Candidate(4, 5, 5, 10, 10), Candidate(2, 5, 5, 10, 10)]
    for strategy in Strategy:
        assert choose(strategy, tied).agent_id == 2
        assert rank_key(strategy, tied[0])[-1] == 4
    assert choose(Strategy.SKILL_FIRST, []) is None


# -- an agent becoming ready chooses among their queues --------------------------------------------
@pytest.mark.req("IN-03", "ADM-10")
def test_a_ready_agent_takes_the_queue_with_their_best_skill_priority_first():
    queues = [queue(SALES, wrap_up_s=0), queue(CLAIMS, wrap_up_s=0)]
    h = Harness(queues, [agent(1, q1=Skill(5, priority=3), q2=Skill(5, priority=1))])
    h.engine.log_in(1)
    older_sales = h.arrive(dialled="801")
    h.clock.advance(seconds=30)
    claims = h.arrive(dialled="802")
    h.engine.ready(1)
    assert h.pbx.rings() == [(claims, 1)]
    d = decision(h, claims)
    assert d.rule == "agent_ready" and "agent's priority" in d.reason
    h.talk(claims)
    assert h.pbx.rings()[-1] == (older_sales, 1)


@pytest.mark.req("IN-03", "IN-02")
def test_with_equal_skill_priority_a_ready_agent_takes_the_higher_call_priority():
    vip = CallerRule("vip", numbers=frozenset({"+420777"}), priority=2)
    h = Harness([queue(SALES), queue(CLAIMS)], [agent(1, SALES, CLAIMS)], rules=[vip])
    h.engine.log_in(1)
    h.arrive("+420601", dialled="801")
    important = h.arrive("+420777", dialled="802")
    h.engine.ready(1)
    assert h.pbx.rings() == [(important, 1)]


@pytest.mark.req("IN-03")
def test_with_equal_priorities_a_ready_agent_takes_the_oldest_call_of_their_queues():
    h = Harness([queue(SALES), queue(CLAIMS), queue(DEBTS)], [agent(1, SALES, CLAIMS, DEBTS)])
    h.engine.log_in(1)
    h.arrive(dialled="803")
    h.clock.advance(seconds=1)
    h.arrive(dialled="801")
    oldest = "c1"
    h.engine.ready(1)
    assert h.pbx.rings() == [(oldest, 1)]
