"""The engine and recording (REC-01, IN-21): a call is recorded from the moment it connects,
inbound or outbound, unless the agent opted out; the PBX's finished stretches become events."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kc_domain.routing import events as ev
from kc_domain.routing import pbx_events as pbx

from .fakes import SALES, Harness, agent, queue


@pytest.mark.req("REC-01")
def test_inbound_and_outbound_calls_are_recorded_when_they_connect():
    h = Harness([queue(SALES)], [agent(1, SALES)])
    h.ready(1)
    call = h.arrive()
    assert h.pbx.of("start_recording") == []  # ringing: nothing to record yet
    h.answer(call)
    assert h.pbx.of("start_recording") == [("start_recording", call)]
    h.engine.call_ended(call)
    h.engine.ready(1)
    out = h.engine.dial(1, "+420603123456")
    h.engine.call_answered(out, 1)  # the agent's phone is off-hook: the customer's rings
    assert len(h.pbx.of("start_recording")) == 1
    h.engine.on_pbx(pbx.CalledPartyAnswered(h.clock.now(), out))
    assert h.pbx.of("start_recording")[-1] == ("start_recording", out)


@pytest.mark.req("REC-01")
def test_a_finished_stretch_becomes_a_call_recorded_event_with_the_agent():
    h = Harness([queue(SALES)], [agent(1, SALES)])
    h.ready(1)
    call = h.arrive()
    h.answer(call)
    started = h.clock.now()
    h.advance(42)
    h.engine.on_pbx(pbx.RecordingReady(h.clock.now(), call, "rec-1", started, 42.0))
    (event,) = h.events(ev.CallRecorded)
    assert (event.call_id, event.agent_id, event.recording, event.duration_s) == (call, 1, "rec-1", 42.0)
    assert event.started_at == h.clock.now() - timedelta(seconds=42)


@pytest.mark.req("IN-21")
def test_internal_transfers_stop_recording_only_when_configured():
    for record_internal, expected in ((True, []), (False, ["stop_recording"])):
        h = Harness([queue(SALES)], [agent(1, SALES)], record_internal=record_internal)
        h.ready(1)
        call = h.arrive()
        h.answer(call)
        h.engine.blind_transfer(1, call, "2410")
        assert [c[0] for c in h.pbx.of("stop_recording")] == expected
    h = Harness([queue(SALES)], [agent(1, SALES)], record_internal=False)
    h.ready(1)
    call = h.arrive()
    h.answer(call)
    h.engine.blind_transfer(1, call, "+420541105200")  # external: recorded on
    assert h.pbx.of("stop_recording") == []


def talking_to(h: Harness, agent_id: int) -> tuple[str, object]:
    h.ready(agent_id)
    call = h.arrive()
    h.answer(call)
    return call, h.clock.now()


def recorded(h: Harness, call: str, reference: str, started, seconds: float) -> int | None:
    h.engine.on_pbx(pbx.RecordingReady(h.clock.now(), call, reference, started, seconds))
    return next(e.agent_id for e in h.events(ev.CallRecorded) if e.recording == reference)


@pytest.mark.req("REC-02", "REC-07", "IN-15")
def test_each_stretch_of_a_transferred_call_belongs_to_the_agent_who_talked_in_it():
    h = Harness([queue(SALES)], [agent(1, SALES), agent(2, SALES)])
    call, answered = talking_to(h, 1)
    h.ready(2)
    h.advance(60)
    h.engine.consult(1, call, "agent:2")
    h.advance(30)
    h.engine.complete_transfer(1, call)
    handed_over = h.clock.now()
    # the first agent's stretch ends at the hand-over and the consulted agent's begins
    assert [c[0] for c in h.pbx.commands if "recording" in c[0]] == [
        "start_recording",
        "stop_recording",
        "start_recording",
    ]
    h.advance(45)
    h.engine.hang_up_call(2, call)
    # the PBX reports the first stretch only now, while the call is the second agent's
    assert recorded(h, call, "rec-1", answered, 90.0) == 1
    assert recorded(h, call, "rec-2", handed_over, 45.0) == 2


@pytest.mark.req("REC-02", "IN-16")
def test_a_blind_transfer_ends_the_stretch_and_the_next_agent_starts_a_new_one():
    h = Harness([queue(SALES)], [agent(1, SALES), agent(2, SALES)])
    call, answered = talking_to(h, 1)
    h.ready(2)
    h.advance(20)
    h.engine.blind_transfer(1, call, "agent:2")
    assert h.pbx.of("stop_recording") == [("stop_recording", call)]
    h.advance(5)
    h.engine.answer_call(2, call)
    second = h.clock.now()
    assert h.pbx.of("start_recording")[-1] == ("start_recording", call)
    assert recorded(h, call, "rec-1", answered, 20.0) == 1
    assert recorded(h, call, "rec-2", second, 10.0) == 2
