"""Callback requests worked by the engine (IN-09, IN-26, AG-17): a virtual contact keeping its place in
line, dialled from a free agent's phone, attempts and retries, and the agent's own actions."""

from __future__ import annotations

from datetime import timedelta
from itertools import count

import pytest

from kc_domain.callbacks.model import CallbackRequest, CallbackState, NotYourCallback
from kc_domain.errors import NotFound, ValidationFailed
from kc_domain.organisation.hours import OpeningHours
from kc_domain.routing import events as ev
from kc_domain.routing import pbx_events as pbx

from .fakes import SALES, START, Harness, agent, queue

CUSTOMER = "+420603555666"


def harness(agents: int = 2, hours: OpeningHours | None = None, **options: object) -> Harness:
    ids = count(1)
    return Harness(
        [queue(SALES, wrap_up_s=10, hours=hours, callback_key="1")],
        [agent(a, SALES) for a in range(1, agents + 1)],
        new_id=lambda: f"cb{next(ids)}",
        **options,
    )


def dialled(h: Harness) -> list[tuple[str, int, str]]:
    return [(c[1], c[2], c[3]) for c in h.pbx.of("originate")]


@pytest.mark.req("IN-09", "AG-17")
def test_a_free_agent_calls_the_customer_back_and_the_request_is_done():
    h = harness()
    callback_id = h.engine.request_callback(CUSTOMER, SALES, note="reklamace platby")
    assert dialled(h) == []  # nobody is ready yet
    h.ready(1)
    ((call_id, agent_id, number),) = dialled(h)
    assert (
        (agent_id, number) == (1, CUSTOMER) and call_id.startswith("cb-") and call_id != f"cb-{callback_id}"
    )
    assert h.engine.callbacks.get(callback_id).state == CallbackState.DIALLING
    assert h.state(1) == "ringing"
    h.engine.on_pbx(pbx.PhonePickedUp(h.clock.now(), call_id, 1))
    assert h.state(1) == "busy"
    h.engine.on_pbx(pbx.CalledPartyAnswered(h.clock.now(), call_id))
    h.clock.advance(seconds=90)
    h.engine.on_pbx(pbx.CallHungUpAtPbx(h.clock.now(), call_id))
    assert h.state(1) == "wrap_up"
    assert h.ended(call_id)[0].stage == "completed"
    (changed,) = [r for r in h.engine.drain_callback_changes() if r.id == callback_id]
    assert changed.state == CallbackState.DONE and changed.attempts[0].outcome.value == "answered"
    assert callback_id not in h.engine.callbacks  # final: stored by the host, gone from memory
    (out,) = h.events(ev.CallDialled)
    assert (out.callback_id, out.agent_id, out.queue_id) == (callback_id, 1, SALES)
    assert not h.events(ev.CallAnswered)  # an outbound call is not an answered queue call


@pytest.mark.req("IN-09")
def test_no_answer_is_an_attempt_and_the_request_is_retried_later():
    h = harness()
    callback_id = h.engine.request_callback(CUSTOMER, SALES)
    h.ready(1)
    ((call_id, _, _),) = dialled(h)
    h.engine.call_answered(call_id, 1)
    h.clock.advance(seconds=30)
    h.engine.call_ended(call_id, "no_answer")
    request = h.engine.callbacks.get(callback_id)
    assert request.state == CallbackState.OPEN and len(request.attempts) == 1
    assert h.ended(call_id)[0].stage == "not_reached"
    h.advance(10)  # wrap-up over, the agent is ready, but the retry is not due yet
    assert len(dialled(h)) == 1
    h.advance(15 * 60)
    assert len(dialled(h)) == 2 and dialled(h)[1][0] not in (
        call_id,
        f"cb-{callback_id}",
    )  # a new id per dial


@pytest.mark.req("IN-09")
def test_the_last_attempt_fails_the_request():
    h = harness()
    callback_id = h.engine.request_callback(CUSTOMER, SALES)
    h.ready(1)
    for _attempt in range(3):
        call_id = dialled(h)[-1][0]
        h.engine.call_answered(call_id, 1)
        h.engine.call_ended(call_id, "busy")
        h.advance(10)
        h.advance(15 * 60)
    request = h.engine.callbacks.get(callback_id)
    assert (
        request.state == CallbackState.FAILED and [a.outcome.value for a in request.attempts] == ["busy"] * 3
    )
    assert len(dialled(h)) == 3


@pytest.mark.req("IN-09", "IN-26")
def test_a_caller_waiting_on_the_line_since_earlier_goes_before_a_later_callback():
    h = harness(agents=1)
    h.ready(1)
    busy = h.arrive()
    h.answer(busy)
    waiting = h.arrive()
    h.clock.advance(seconds=5)
    h.engine.request_callback(CUSTOMER, SALES)
    h.clock.advance(seconds=60)
    h.engine.call_ended(busy)
    h.advance(10)
    assert h.at(waiting) == 1 and dialled(h) == []


@pytest.mark.req("IN-09", "IN-26")
def test_a_callback_keeps_its_place_ahead_of_callers_who_came_later():
    h = harness(agents=1)
    h.ready(1)
    busy = h.arrive()
    h.answer(busy)
    later_caller = h.arrive(caller="+420601000111")
    h.press(later_caller, "1#")  # leaves the queue for a callback: joined before the next caller
    next_caller = h.arrive()
    h.clock.advance(seconds=60)
    h.engine.call_ended(busy)
    h.advance(10)
    assert dialled(h)[0][2] == "+420601000111" and h.at(next_caller) is None


@pytest.mark.req("IN-09")
def test_the_agent_not_picking_up_returns_the_request_to_its_place_without_an_attempt():
    h = harness(agents=1)
    callback_id = h.engine.request_callback(CUSTOMER, SALES)
    h.ready(1)
    h.advance(20)  # ring-no-answer time of the queue
    request = h.engine.callbacks.get(callback_id)
    assert request.state == CallbackState.OPEN and request.attempts == []
    assert h.state(1) == "paused" and h.pbx.of("hang_up")


@pytest.mark.req("AG-17", "IN-26")
def test_an_agent_takes_a_request_dials_it_by_hand_and_another_agent_cannot():
    h = harness()
    callback_id = h.engine.request_callback(CUSTOMER, SALES, START + timedelta(hours=5))
    h.engine.log_in(1)
    h.engine.log_in(2)
    h.engine.assign_callback(callback_id, 2)
    with pytest.raises(NotYourCallback):
        h.engine.dial_callback(callback_id, 1)
    call_id = h.engine.dial_callback(callback_id, 2)  # from pause, before the preferred time
    assert dialled(h) == [(call_id, 2, CUSTOMER)]
    with pytest.raises(ValidationFailed):
        h.engine.dial_callback(callback_id, 2)  # agent 2 is on the phone now


@pytest.mark.req("AG-17")
def test_mark_done_cancel_and_unknown_requests():
    h = harness()
    done = h.engine.request_callback(CUSTOMER, SALES, START + timedelta(hours=1))
    gone = h.engine.request_callback("+420603000999", SALES, START + timedelta(hours=1))
    h.engine.callback_done(done, 1, "klient volal sám")
    h.engine.cancel_callback(gone, 1, "duplicitní")
    states = {r.id: r.state for r in h.engine.drain_callback_changes()}
    assert states == {done: CallbackState.DONE, gone: CallbackState.CANCELLED}
    with pytest.raises(NotFound):
        h.engine.assign_callback(done, 1)  # settled requests leave the engine
    with pytest.raises(NotFound):
        h.engine.request_callback(CUSTOMER, 99)
    with pytest.raises(ValidationFailed):
        h.engine.request_callback("", SALES)


@pytest.mark.req("IN-09")
def test_a_closed_queue_does_not_dial_and_restart_reopens_requests_in_progress():
    closed = OpeningHours(closed_on_holidays=False)
    h = harness(agents=1, hours=closed)
    h.engine.request_callback(CUSTOMER, SALES)
    h.ready(1)
    h.advance(60)
    assert dialled(h) == []
    interrupted = CallbackRequest.create(
        id="x", caller=CUSTOMER, queue_id=SALES, created_at=START, seq=1, source="web"
    )
    interrupted.start_dialling(1, START)
    restarted = harness(callbacks=[interrupted])
    assert restarted.engine.callbacks.get("x").state == CallbackState.OPEN
    assert [r.id for r in restarted.engine.drain_callback_changes()] == ["x"]


@pytest.mark.req("IN-09")
def test_a_dial_the_agent_let_ring_out_gets_a_new_call_id_next_time():
    h = harness(agents=1)
    h.engine.request_callback(CUSTOMER, SALES)
    h.ready(1)
    first = dialled(h)[-1][0]
    h.advance(20)  # ring-no-answer: the agent is paused, the request back in line
    h.engine.ready(1)
    second = dialled(h)[-1][0]
    assert second != first and h.engine.calls[first].stage == "ended"
