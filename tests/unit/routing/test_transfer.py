"""Blind transfer by the agent (IN-16): to a queue re-queues the call, to a number hands it to the PBX."""

from __future__ import annotations

import pytest

from kc_domain.errors import NotFound, ValidationFailed
from kc_domain.routing import events as ev

from .fakes import CLAIMS, SALES, Harness, agent, queue

pytestmark = pytest.mark.req("IN-16")


def talking(wrap_up_s: int = 30, sticky_wait_s: int = 0) -> tuple[Harness, str]:
    h = Harness(
        [
            queue(SALES, wrap_up_s=wrap_up_s, sticky_wait_s=sticky_wait_s),
            queue(CLAIMS, wrap_up_s=wrap_up_s, sticky_wait_s=sticky_wait_s),
        ],
        [agent(1, SALES, CLAIMS), agent(2, CLAIMS), agent(3, SALES, CLAIMS)],
    )
    h.ready(1)
    call = h.arrive(dialled="801")
    h.answer(call)
    h.clock.advance(seconds=40)
    return h, call


def test_transfer_to_a_queue_requeues_the_call_and_sends_the_agent_to_wrap_up():
    h, call = talking()
    h.engine.transfer(call, "queue", str(CLAIMS))
    c = h.engine.calls[call]
    assert (c.stage, c.queue_id, c.agent_id) == ("queued", CLAIMS, None)
    assert [w.call_id for w in h.engine.waiting(CLAIMS)] == [call]
    assert h.state(1) == "wrap_up" and h.engine.agents[1].talk_s == 40 and h.engine.agents[1].call_id == ""
    (transferred,) = h.events(ev.CallTransferred)
    assert (transferred.agent_id, transferred.target_kind, transferred.target) == (1, "queue", "2")
    assert h.events(ev.CallQueued)[-1].rule == "transfer"
    assert h.ended(call) == [] and h.pbx.of("transfer") == []


def test_a_call_transferred_to_a_queue_rings_an_agent_of_that_queue():
    h, call = talking()
    h.ready(2)
    h.engine.transfer(call, "queue", str(CLAIMS))
    assert h.at(call) == 2
    h.clock.advance(seconds=3)
    h.answer(call)
    h.engine.call_ended(call)
    (ended,) = h.ended(call)
    assert (ended.stage, ended.queue_id, ended.agent_id) == ("completed", CLAIMS, 2)


def test_transfer_to_a_number_ends_the_call_as_transferred():
    h, call = talking()
    h.engine.transfer(call, "external", "+420222333444")
    assert h.pbx.commands[-1] == ("transfer", call, "+420222333444")
    (ended,) = h.ended(call)
    assert (ended.stage, ended.agent_id, ended.cause) == ("transferred", 1, "transfer to +420222333444")
    assert h.state(1) == "wrap_up"
    h.engine.call_ended(call)  # the PBX reports the hang-up later: ignored
    assert len(h.ended(call)) == 1 and h.engine.ignored


def test_only_an_answered_call_can_be_transferred():
    h = Harness([queue(SALES)], [agent(1, SALES)])
    h.ready(1)
    call = h.arrive()
    with pytest.raises(ValidationFailed):
        h.engine.transfer(call, "queue", str(SALES))
    assert h.at(call) == 1 and h.events(ev.CallTransferred) == []


def test_transfer_to_an_unknown_queue_or_of_an_unknown_call_is_not_found():
    h, call = talking()
    with pytest.raises(NotFound):
        h.engine.transfer(call, "queue", "99")
    with pytest.raises(NotFound):
        h.engine.transfer(call, "queue", "claims")  # not a queue id at all
    with pytest.raises(NotFound):
        h.engine.transfer("nope", "queue", str(CLAIMS))
    assert h.engine.calls[call].stage == "answered" and h.state(1) == "busy"


def test_a_call_transferred_to_a_queue_is_not_routed_back_to_the_agent_who_transferred_it():
    h, call = talking(wrap_up_s=0)  # agent 1 is skilled in both queues and ready again at once
    h.ready(3)
    h.clock.advance(seconds=5)
    h.engine.transfer(call, "queue", str(CLAIMS))
    assert h.at(call) == 3 and h.engine.decisions[call][-1].rule == "skill_first"


def test_a_call_transferred_to_a_queue_does_not_wait_for_the_transferring_agent():
    h, call = talking(wrap_up_s=30, sticky_wait_s=60)
    h.ready(2)
    h.engine.transfer(call, "queue", str(CLAIMS))
    assert h.at(call) == 2


def test_the_wait_after_a_transfer_is_counted_from_the_transfer():
    h, call = talking()
    h.engine.transfer(call, "queue", str(CLAIMS))
    h.clock.advance(seconds=7)
    h.ready(2)
    h.answer(call)
    assert h.events(ev.CallAnswered)[-1].waited_s == 7


def test_after_a_transfer_a_later_call_from_the_same_caller_may_stick_to_the_new_agent():
    h, call = talking(wrap_up_s=0)
    h.ready(2)
    h.clock.advance(seconds=5)
    h.engine.transfer(call, "queue", str(CLAIMS))
    assert h.talk(call) == 2
    h.ready(3)
    again = h.arrive(h.engine.calls[call].caller, dialled="802")
    assert h.at(again) == 2
