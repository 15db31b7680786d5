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
