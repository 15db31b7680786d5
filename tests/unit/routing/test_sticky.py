"""Sticky routing (IN-13): a caller goes back to the agent they last spoke with."""

from __future__ import annotations

import pytest

from kc_domain.routing import events as ev

from .fakes import CLAIMS, SALES, Harness, agent, queue

pytestmark = pytest.mark.req("IN-13")

CALLER = "+420604123456"


def served_once(sticky_wait_s: int = 60, wrap_up_s: int = 30, agents: int = 3) -> Harness:
    """Agent 2 has just finished a call with CALLER (and is in wrap-up unless wrap_up_s is 0)."""
    h = Harness(
        [queue(SALES, sticky_wait_s=sticky_wait_s, wrap_up_s=wrap_up_s)],
        [agent(i, SALES) for i in range(1, agents + 1)],
    )
    h.ready(2)
    assert h.talk(h.arrive(CALLER), 30) == 2
    return h


def test_the_caller_gets_the_last_agent_when_that_agent_is_free():
    h = served_once(wrap_up_s=0)
    h.ready(1, 3)  # all idle equally long: skill_first alone would pick agent 1 (lowest id)
    call = h.arrive(CALLER)
    assert h.at(call) == 2
    (d,) = h.engine.decisions[call]
    assert (d.rule, d.chosen, d.reason) == ("sticky", 2, "last agent of caller")
    assert [c.agent_id for c in d.candidates] == [2]


def test_another_caller_is_routed_normally():
    h = served_once(wrap_up_s=0)
    h.ready(1)
    h.clock.advance(seconds=5)
    call = h.arrive("+420604999999")
    assert h.engine.decisions[call][0].rule == "skill_first"


def test_the_caller_waits_for_the_last_agent_in_wrap_up_and_gets_them_when_free():
    h = served_once(sticky_wait_s=60, wrap_up_s=30)
    h.ready(1, 3)
    call = h.arrive(CALLER)
    assert h.state(2) == "wrap_up" and h.at(call) is None
    assert h.engine.calls[call].sticky_agent_id == 2 and h.state(1) == h.state(3) == "ready"
    h.advance(30)  # wrap-up over
    assert h.at(call) == 2 and h.state(2) == "ringing"
    assert h.engine.decisions[call][-1].reason == "caller waited for the last agent"


def test_the_caller_waits_for_the_last_agent_who_is_busy():
    h = served_once(sticky_wait_s=120, wrap_up_s=0)
    other = h.arrive()
    assert h.at(other) == 2
    h.answer(other)
    call = h.arrive(CALLER)
    h.ready(1)
    assert h.at(call) is None
    h.clock.advance(seconds=50)
    h.engine.call_ended(other)
    assert h.at(call) == 2


def test_the_caller_stops_waiting_after_sticky_wait_and_joins_the_queue():
    h = served_once(sticky_wait_s=20, wrap_up_s=300, agents=2)
    call = h.arrive(CALLER)
    h.advance(19)
    assert h.at(call) is None and h.engine.calls[call].sticky_agent_id == 2
    assert h.engine.waiting(SALES) == []  # parked for agent 2, not in the queue
    h.advance(1)
    assert h.engine.calls[call].sticky_agent_id is None
    assert [c.call_id for c in h.engine.waiting(SALES)] == [call]
    h.ready(1)
    assert h.at(call) == 1


def test_after_the_wait_the_call_goes_to_a_ready_agent_at_once():
    h = served_once(sticky_wait_s=20, wrap_up_s=300)
    h.ready(1, 3)
    call = h.arrive(CALLER)
    h.advance(20)
    assert h.at(call) in (1, 3)
    assert h.engine.decisions[call][-1].rule == "skill_first"


def test_with_sticky_wait_zero_the_call_does_not_wait_for_a_busy_last_agent():
    h = served_once(sticky_wait_s=0, wrap_up_s=300)
    h.ready(1)
    call = h.arrive(CALLER)
    assert h.at(call) == 1 and h.engine.calls[call].sticky_agent_id is None


def test_with_sticky_wait_zero_and_nobody_ready_the_call_queues_normally():
    h = served_once(sticky_wait_s=0, wrap_up_s=30)
    call = h.arrive(CALLER)
    assert [c.call_id for c in h.engine.waiting(SALES)] == [call]
    h.ready(3)
    assert h.at(call) == 3


def test_no_waiting_for_a_last_agent_who_logged_out():
    h = served_once(sticky_wait_s=60, wrap_up_s=30)
    h.engine.log_out(2)
    h.ready(1)
    call = h.arrive(CALLER)
    assert h.at(call) == 1


def test_no_waiting_for_a_last_agent_not_signed_into_the_queue():
    h = Harness(
        [queue(SALES, sticky_wait_s=60), queue(CLAIMS, sticky_wait_s=60)],
        [agent(1, SALES), agent(2, SALES, CLAIMS)],
    )
    h.ready(2)
    h.talk(h.arrive(CALLER, dialled="802"))  # agent 2 now in wrap-up
    h.engine.sign_out(2, SALES)
    h.ready(1)
    call = h.arrive(CALLER, dialled="801")
    assert h.at(call) == 1 and h.engine.calls[call].sticky_agent_id is None


def test_the_last_agent_of_another_queue_is_taken_when_signed_into_this_one():
    h = Harness([queue(SALES), queue(CLAIMS)], [agent(1, SALES), agent(2, SALES, CLAIMS)])
    h.engine.log_in(2)
    h.engine.ready(2)
    h.talk(h.arrive(CALLER, dialled="802"))
    h.ready(1)
    h.engine.ready(2)
    call = h.arrive(CALLER, dialled="801")
    assert h.at(call) == 2 and h.engine.decisions[call][0].rule == "sticky"


def test_a_call_parked_for_an_agent_who_signs_out_of_the_queue_is_not_offered_to_them():
    h = Harness([queue(SALES, sticky_wait_s=60, wrap_up_s=30), queue(CLAIMS)], [agent(2, SALES, CLAIMS)])
    h.ready(2)
    h.talk(h.arrive(CALLER))
    call = h.arrive(CALLER)  # parked for agent 2 (in wrap-up)
    h.engine.sign_out(2, SALES)
    h.advance(30)
    assert h.at(call) is None and h.state(2) == "ready"


def test_a_call_parked_for_an_agent_who_logs_out_goes_to_the_queue_at_once():
    h = Harness([queue(SALES, sticky_wait_s=120, wrap_up_s=30)], [agent(1, SALES), agent(2, SALES)])
    h.ready(2)
    h.talk(h.arrive(CALLER))
    h.ready(1)
    call = h.arrive(CALLER)  # parked for agent 2 (in wrap-up) although agent 1 is ready
    h.engine.log_out(2)
    assert h.at(call) == 1


def test_a_parked_caller_who_hangs_up_ends_once_and_no_longer_waits():
    h = served_once(sticky_wait_s=60, wrap_up_s=30)
    call = h.arrive(CALLER)
    h.clock.advance(seconds=10)
    h.engine.call_ended(call, "caller_hangup")
    h.advance(20)  # agent 2 ready: nothing left for them
    assert h.state(2) == "ready"
    assert [e.stage for e in h.ended(call)] == ["abandoned_in_queue"]
    h.advance(60)
    assert [e.stage for e in h.ended(call)] == ["abandoned_in_queue"]


def test_a_parked_caller_overflows_at_max_wait():
    h = Harness([queue(SALES, sticky_wait_s=120, wrap_up_s=300, max_wait_s=30)], [agent(2, SALES)])
    h.ready(2)
    h.talk(h.arrive(CALLER))
    call = h.arrive(CALLER)
    h.advance(30)
    assert [e.stage for e in h.ended(call)] == ["overflowed"]
    assert h.events(ev.CallOverflowed)[-1].reason == "max_wait"
    h.advance(300)
    assert h.state(2) == "ready" and h.engine.calls[call].stage == "ended"


def test_withheld_numbers_do_not_share_a_last_agent():
    h = Harness([queue(SALES, sticky_wait_s=60, wrap_up_s=30)], [agent(1, SALES), agent(2, SALES)])
    h.ready(2)
    h.engine.call_arrived("anon1", "", "801")
    h.talk("anon1")  # agent 2 now in wrap-up
    h.ready(1)
    h.engine.call_arrived("anon2", "", "801")
    assert h.at("anon2") == 1, "an empty caller number must not be waited for at agent 2"


@pytest.mark.req("IN-13")
def test_the_caller_does_not_wait_for_a_last_agent_who_is_paused():
    h = Harness([queue(SALES, sticky_wait_s=120, wrap_up_s=0)], [agent(1, SALES), agent(2, SALES)])
    h.ready(2)
    h.talk(h.arrive(CALLER))
    h.engine.pause(2, "OBED")
    h.ready(1)
    call = h.arrive(CALLER)
    assert h.at(call) == 1


@pytest.mark.req("IN-13")
def test_a_call_parked_for_an_agent_who_pauses_goes_to_the_queue_and_counts_as_waiting():
    h = Harness([queue(SALES, sticky_wait_s=120, wrap_up_s=60)], [agent(2, SALES)])
    h.ready(2)
    h.talk(h.arrive(CALLER))
    call = h.arrive(CALLER)
    assert [c.call_id for c in h.engine.parked(SALES)] == [call]
    h.engine.pause(2, "OBED")
    assert h.engine.parked(SALES) == [] and [c.call_id for c in h.engine.waiting(SALES)] == [call]
