"""The agent as a state machine (IN-22, IN-14): every legal move, every illegal one refused."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from kc_domain.routing import events as ev
from kc_domain.routing.agent import RONA_PAUSE, Agent, AgentState, IllegalTransition, Skill

from .fakes import SALES, START, Harness, agent, queue

S = AgentState
T = START
Action = Callable[[Agent], object]

ACTIONS: dict[str, Action] = {
    "log_in": lambda a: a.log_in(T),
    "log_out": lambda a: a.log_out(T),
    "make_ready": lambda a: a.make_ready(T),
    "pause": lambda a: a.pause("LUNCH", T),
    "reserve": lambda a: a.reserve("c9", T),
    "answer": lambda a: a.answer("c1", T),
    "ring_no_answer": lambda a: a.ring_no_answer(T),
    "release": lambda a: a.release(T),
    "dial_not_picked_up": lambda a: a.dial_not_picked_up(T),
    "finish_call": lambda a: a.finish_call(T, 30),
    "extend_wrap_up": lambda a: a.extend_wrap_up(30, T),
}

LEGAL: dict[tuple[AgentState, str], AgentState] = {
    (S.LOGGED_OUT, "log_in"): S.PAUSED,
    (S.READY, "log_out"): S.LOGGED_OUT,
    (S.READY, "make_ready"): S.READY,
    (S.READY, "pause"): S.PAUSED,
    (S.READY, "reserve"): S.RINGING,
    (S.RINGING, "answer"): S.BUSY,
    (S.RINGING, "ring_no_answer"): S.PAUSED,
    (S.RINGING, "release"): S.READY,
    (S.RINGING, "dial_not_picked_up"): S.READY,  # rung from ready: back to ready
    (S.BUSY, "finish_call"): S.WRAP_UP,
    (S.WRAP_UP, "log_out"): S.LOGGED_OUT,
    (S.WRAP_UP, "make_ready"): S.READY,
    (S.WRAP_UP, "pause"): S.PAUSED,
    (S.WRAP_UP, "extend_wrap_up"): S.WRAP_UP,
    (S.PAUSED, "log_out"): S.LOGGED_OUT,
    (S.PAUSED, "make_ready"): S.READY,
    (S.PAUSED, "pause"): S.PAUSED,
}


def agent_in(state: AgentState) -> Agent:
    """A fresh agent walked into ``state`` through legal moves only (offered call: c1)."""
    a = Agent(7, skills={SALES: Skill()})
    path = {
        S.LOGGED_OUT: [],
        S.PAUSED: [lambda: a.log_in(T)],
        S.READY: [lambda: a.log_in(T), lambda: a.make_ready(T)],
        S.RINGING: [lambda: a.log_in(T), lambda: a.make_ready(T), lambda: a.reserve("c1", T)],
        S.BUSY: [
            lambda: a.log_in(T),
            lambda: a.make_ready(T),
            lambda: a.reserve("c1", T),
            lambda: a.answer("c1", T),
        ],
        S.WRAP_UP: [
            lambda: a.log_in(T),
            lambda: a.make_ready(T),
            lambda: a.reserve("c1", T),
            lambda: a.answer("c1", T),
            lambda: a.finish_call(T, 30),
        ],
    }[state]
    for step in path:
        step()
    assert a.state == state
    return a


ALL = [(state, action) for state in AgentState for action in ACTIONS]


@pytest.mark.req("IN-22")
@pytest.mark.parametrize(("state", "action"), [k for k in ALL if k in LEGAL], ids=lambda v: str(v))
def test_legal_transition_reaches_the_expected_state_and_returns_the_previous_one(state, action):
    a = agent_in(state)
    previous = ACTIONS[action](a)
    if action != "extend_wrap_up":
        assert previous == state
    assert a.state == LEGAL[(state, action)]


@pytest.mark.req("IN-22")
@pytest.mark.parametrize(("state", "action"), [k for k in ALL if k not in LEGAL], ids=lambda v: str(v))
def test_illegal_transition_raises_and_leaves_the_agent_untouched(state, action):
    a = agent_in(state)
    before = (a.state, a.since, a.call_id, a.pause_code, a.wrap_up_until, a.idle_since, a.handled)
    with pytest.raises(IllegalTransition) as raised:
        ACTIONS[action](a)
    assert raised.value.state == state and raised.value.agent_id == 7
    assert (a.state, a.since, a.call_id, a.pause_code, a.wrap_up_until, a.idle_since, a.handled) == before


def test_every_state_and_action_is_classified():
    assert len(ALL) == 6 * 11 and len(LEGAL) == 17


@pytest.mark.req("IN-22")
def test_answering_a_call_other_than_the_offered_one_is_illegal():
    a = agent_in(S.RINGING)
    with pytest.raises(IllegalTransition, match="offered c1"):
        a.answer("c2", T)
    assert a.state == S.RINGING and a.call_id == "c1"


@pytest.mark.req("IN-22")
def test_log_in_signs_the_agent_into_every_skilled_queue_and_pauses_with_login_code():
    a = Agent(1, skills={1: Skill(), 2: Skill()})
    a.log_in(T)
    assert a.state == S.PAUSED and a.pause_code == "LOGIN" and a.signed_in == {1, 2}


@pytest.mark.req("IN-22")
def test_log_out_signs_the_agent_out_of_every_queue():
    a = agent_in(S.PAUSED)
    a.log_out(T)
    assert a.signed_in == set() and a.pause_code == ""


@pytest.mark.req("IN-22")
def test_ring_no_answer_pauses_with_the_rona_code_and_drops_the_call():
    a = agent_in(S.RINGING)
    a.ring_no_answer(T + timedelta(seconds=20))
    assert (a.state, a.pause_code, a.call_id) == (S.PAUSED, RONA_PAUSE, "")


@pytest.mark.req("IN-14")
def test_finish_call_counts_the_talk_and_starts_wrap_up():
    a = agent_in(S.BUSY)
    a.finish_call(T + timedelta(seconds=95), 30)
    assert a.talk_s == 95 and a.handled == 1 and a.call_id == ""
    assert a.wrap_up_until == T + timedelta(seconds=125)


@pytest.mark.req("IN-14")
def test_finish_call_without_wrap_up_makes_the_agent_ready_and_idle_from_then():
    a = agent_in(S.BUSY)
    end = T + timedelta(seconds=40)
    a.finish_call(end, 0)
    assert a.state == S.READY and a.idle_since == end and a.wrap_up_until is None


@pytest.mark.req("IN-14")
def test_extend_wrap_up_adds_to_the_later_of_the_deadline_and_now():
    a = agent_in(S.WRAP_UP)  # until T+30
    a.extend_wrap_up(20, T + timedelta(seconds=10))
    assert a.wrap_up_until == T + timedelta(seconds=50)
    a.extend_wrap_up(20, T + timedelta(seconds=100))  # already overdue: counted from now
    assert a.wrap_up_until == T + timedelta(seconds=120)


@pytest.mark.req("IN-14")
def test_leaving_wrap_up_clears_its_deadline():
    a = agent_in(S.WRAP_UP)
    a.pause("ADMIN", T)
    assert a.wrap_up_until is None


@pytest.mark.req("IN-22")
def test_idle_since_starts_when_the_agent_becomes_ready_not_when_ready_is_repeated():
    a = agent_in(S.PAUSED)
    a.make_ready(T + timedelta(seconds=5))
    a.make_ready(T + timedelta(seconds=50))
    assert a.idle_since == T + timedelta(seconds=5)


@pytest.mark.req("IN-22")
def test_a_released_offer_keeps_the_agents_idle_time():
    a = agent_in(S.READY)
    idle = a.idle_since
    a.reserve("c1", T + timedelta(seconds=9))
    a.release(T + timedelta(seconds=12))
    assert a.state == S.READY and a.idle_since == idle


@pytest.mark.req("IN-22")
def test_can_take_needs_ready_signed_in_and_skilled():
    a = agent_in(S.READY)
    assert a.can_take(SALES)
    assert not a.can_take(99)
    a.signed_in.discard(SALES)
    assert not a.can_take(SALES)
    a.signed_in.add(SALES)
    a.pause("X", T)
    assert not a.can_take(SALES)


# -- through the engine ----------------------------------------------------------------------------
@pytest.mark.req("IN-22", "IN-04")
def test_engine_reports_each_state_change_of_a_full_call_cycle():
    h = Harness([queue(SALES, wrap_up_s=30)], [agent(1, SALES)])
    h.ready(1)
    call = h.arrive()
    h.clock.advance(seconds=5)
    h.answer(call)
    h.clock.advance(seconds=100)
    h.engine.call_ended(call)
    h.advance(30)
    h.engine.pause(1, "LUNCH")
    h.engine.log_out(1)
    moves = [(e.previous, e.state) for e in h.events(ev.AgentStateChanged)]
    assert moves == [
        ("logged_out", "paused"),
        ("paused", "ready"),
        ("ready", "ringing"),
        ("ringing", "busy"),
        ("busy", "wrap_up"),
        ("wrap_up", "ready"),
        ("ready", "paused"),
        ("paused", "logged_out"),
    ]
    assert h.engine.agents[1].talk_s == 100 and h.engine.agents[1].handled == 1
    assert [type(e) for e in h.engine.events if isinstance(e, ev.AgentLoggedIn | ev.AgentLoggedOut)] == [
        ev.AgentLoggedIn,
        ev.AgentLoggedOut,
    ]


@pytest.mark.req("IN-22")
def test_engine_talk_time_adds_up_over_calls():
    h = Harness([queue(SALES, wrap_up_s=0)], [agent(1, SALES)])
    h.ready(1)
    h.talk(h.arrive(), 40)
    h.talk(h.arrive(), 25)
    assert h.engine.agents[1].talk_s == 65 and h.engine.agents[1].handled == 2


@pytest.mark.req("IN-22")
def test_engine_refuses_to_log_out_a_busy_agent_and_keeps_the_call():
    h = Harness([queue(SALES)], [agent(1, SALES)])
    h.ready(1)
    call = h.arrive()
    h.answer(call)
    with pytest.raises(IllegalTransition):
        h.engine.log_out(1)
    assert h.state(1) == "busy" and h.engine.agents[1].call_id == call


@pytest.mark.req("IN-22")
def test_engine_refuses_to_pause_or_log_out_a_ringing_agent():
    h = Harness([queue(SALES)], [agent(1, SALES)])
    h.ready(1)
    call = h.arrive()
    for command in (lambda: h.engine.pause(1, "X"), lambda: h.engine.log_out(1)):
        with pytest.raises(IllegalTransition):
            command()
    assert h.state(1) == "ringing" and h.at(call) == 1


@pytest.mark.req("IN-22")
def test_engine_refuses_ready_for_a_logged_out_agent():
    h = Harness([queue(SALES)], [agent(1, SALES)])
    with pytest.raises(IllegalTransition):
        h.engine.ready(1)
    assert h.engine.ready_agents(SALES) == set()


@pytest.mark.req("IN-22", "IN-04")
def test_changing_the_pause_code_while_paused_is_reported():
    h = Harness([queue(SALES)], [agent(1, SALES)])
    h.engine.log_in(1)
    h.engine.pause(1, "LUNCH")
    assert h.engine.agents[1].pause_code == "LUNCH"
    last = h.events(ev.AgentStateChanged)[-1]
    assert (last.state, last.pause_code) == ("paused", "LUNCH")
