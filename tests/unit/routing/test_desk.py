"""Call control from the agent desktop (AG-01, AG-11, IN-05, IN-15, IN-16, REC-01): the agent's own
calls only, consultation with return, transfer or conference, blind transfer, manual dialling, which
never ends a pause the agent chose."""

from __future__ import annotations

import pytest

from kc_domain.errors import Forbidden, NotFound, ValidationFailed
from kc_domain.routing import commands as c
from kc_domain.routing import events as ev
from kc_domain.routing import pbx_events as pbx
from kc_domain.routing.agent import RONA_PAUSE
from kc_domain.routing.desk import parse_target
from kc_domain.routing.dialback import DIAL_RING_S
from kc_domain.routing.engine import DEFAULT_WRAP_UP_S

from .fakes import CLAIMS, SALES, Harness, agent, queue


def talking(agents: int = 3) -> tuple[Harness, str]:
    """Agent 1 talks with a caller of SALES; the others are ready."""
    h = Harness(
        [queue(SALES, wrap_up_s=30), queue(CLAIMS)], [agent(a, SALES, CLAIMS) for a in range(1, agents + 1)]
    )
    h.ready(1)
    call = h.arrive()
    h.engine.answer_call(1, call)
    h.ready(*range(2, agents + 1))
    return h, call


@pytest.mark.req("AG-01", "IN-05")
def test_the_agent_answers_from_the_web_and_only_their_own_call():
    h = Harness([queue(SALES)], [agent(1, SALES), agent(2, SALES)])
    h.ready(1)
    call = h.arrive()
    with pytest.raises(Forbidden):
        h.engine.answer_call(2, call)
    with pytest.raises(ValidationFailed):
        h.engine.hang_up_call(1, call)  # ringing: not answered yet
    h.engine.answer_call(1, call)
    assert h.pbx.of("answer_at_phone") == [("answer_at_phone", call, 1)] and h.state(1) == "busy"
    h.engine.on_pbx(pbx.PhonePickedUp(h.clock.now(), call, 1))  # the PBX echoes it: nothing changes
    assert h.state(1) == "busy"
    with pytest.raises(NotFound):
        h.engine.hold_call(1, "no-such-call")


@pytest.mark.req("AG-11", "IN-05")
def test_hold_retrieve_and_hang_up():
    h, call = talking()
    h.engine.hold_call(1, call)
    h.engine.hold_call(1, call)  # already on hold: nothing more
    assert h.pbx.of("hold") == [("hold", call)] and h.engine.calls[call].held
    with pytest.raises(Forbidden):
        h.engine.hold_call(2, call, False)
    h.engine.hold_call(1, call, False)
    assert [type(e).__name__ for e in h.events(ev.CallHeld) + h.events(ev.CallRetrieved)] == [
        "CallHeld",
        "CallRetrieved",
    ]
    h.engine.hang_up_call(1, call)
    assert h.pbx.of("hang_up") == [("hang_up", call, "agent_hangup")]
    assert h.ended(call)[0].stage == "completed" and h.state(1) == "wrap_up"


@pytest.mark.req("IN-15")
def test_consulting_an_agent_and_returning_to_the_caller():
    h, call = talking()
    h.engine.consult(1, call, "agent:2")
    assert h.state(2) == "busy" and h.engine.calls[call].held
    assert h.pbx.of("consult") == [("consult", call, "agent:2")]
    with pytest.raises(ValidationFailed):
        h.engine.consult(1, call, "agent:3")  # one consultation at a time
    with pytest.raises(ValidationFailed):
        h.engine.hold_call(1, call, False)
    h.engine.end_consultation(1, call)
    assert h.state(2) == "ready" and not h.engine.calls[call].held
    assert [e.how for e in h.events(ev.CallConsultEnded)] == ["returned"]


@pytest.mark.req("IN-15", "IN-16")
def test_transfer_after_consultation_hands_the_caller_to_the_consulted_agent():
    h, call = talking()
    h.engine.consult(1, call, "agent:2")
    with pytest.raises(Forbidden):
        h.engine.complete_transfer(2, call)  # only the agent who has the caller
    h.engine.complete_transfer(1, call)
    assert h.state(1) == "wrap_up" and h.state(2) == "busy" and h.engine.calls[call].agent_id == 2
    h.engine.hang_up_call(2, call)
    assert h.ended(call)[0].agent_id == 2 and h.state(2) == "wrap_up"


@pytest.mark.req("IN-15", "IN-05")
def test_consulting_a_line_then_a_conference_that_ends_with_the_call():
    h, call = talking()
    h.engine.consult(1, call, "2410")
    h.engine.conference(1, call)
    assert h.pbx.of("conference") == [("conference", call)] and h.events(ev.CallConferenced)
    h.engine.hang_up_call(1, call)
    assert h.ended(call)[0].stage == "completed"
    h2, call2 = talking()
    h2.engine.consult(1, call2, "agent:3")
    h2.engine.conference(1, call2)
    h2.engine.call_ended(call2)  # the caller hangs up: both agents are free of it
    assert h2.state(3) == "ready" and h2.state(1) == "wrap_up"


@pytest.mark.req("IN-15")
def test_transfer_to_a_consulted_line_ends_the_call_for_kc():
    h, call = talking()
    h.engine.consult(1, call, "+420222333444")
    h.engine.complete_transfer(1, call)
    assert h.ended(call)[0].stage == "transferred"
    assert h.events(ev.CallTransferred)[0].target == "+420222333444"


@pytest.mark.req("IN-16")
def test_blind_transfer_to_an_agent_a_queue_or_a_number():
    h, call = talking()
    h.engine.blind_transfer(1, call, "agent:2")
    assert h.at(call) == 2 and h.engine.calls[call].stage == "ringing" and h.state(1) == "wrap_up"
    h.engine.answer_call(2, call)
    h.engine.blind_transfer(2, call, "queue:2")
    assert h.engine.calls[call].queue_id == CLAIMS and h.at(call) == 3
    h.engine.answer_call(3, call)
    h.engine.blind_transfer(3, call, "+420 800 111 222")
    assert h.pbx.of("transfer")[-1] == ("transfer", call, "+420800111222")
    assert h.ended(call)[0].stage == "transferred"


@pytest.mark.req("IN-16")
@pytest.mark.parametrize("target", ["", "1", "abc", "+4201", "agent:x", "queue:", "line:2410", "123456789"])
def test_a_transfer_to_an_invalid_target_is_refused_and_changes_nothing(target):
    h, call = talking()
    with pytest.raises(ValidationFailed) as refused:
        h.engine.blind_transfer(1, call, target)
    assert refused.value.errors[0].field == "target"
    assert h.engine.calls[call].stage == "answered" and h.state(1) == "busy" and not h.pbx.of("transfer")


@pytest.mark.req("IN-16")
def test_a_transfer_to_a_busy_agent_or_an_unknown_queue_is_refused():
    h, call = talking()
    h.engine.pause(2, "BREAK")
    with pytest.raises(ValidationFailed):
        h.engine.blind_transfer(1, call, "agent:2")
    with pytest.raises(NotFound):
        h.engine.blind_transfer(1, call, "queue:99")
    assert h.engine.calls[call].agent_id == 1


@pytest.mark.req("AG-11", "AG-01")
def test_a_manual_outbound_call_from_the_dial_pad():
    h = Harness([queue(SALES)], [agent(1, SALES)])
    h.engine.log_in(1)  # paused after log-in: dialling is allowed
    with pytest.raises(ValidationFailed):
        h.engine.dial(1, "nope")
    call = h.engine.dial(1, "+420603555666")
    assert h.pbx.of("originate") == [("originate", call, 1, "+420603555666")] and h.state(1) == "ringing"
    h.engine.call_answered(call, 1)
    h.engine.on_pbx(pbx.CalledPartyAnswered(h.clock.now(), call))
    h.engine.hang_up_call(1, call)
    assert h.ended(call)[0].stage == "completed" and h.state(1) == "wrap_up"
    assert h.events(ev.CallDialled)[0].queue_id is None
    again = h.engine.dial(1, "+420603555666")  # from wrap-up, e.g. to call back at once
    with pytest.raises(ValidationFailed):
        h.engine.dial(1, "+420603555777")  # but not while the phone rings for the first one
    assert h.engine.calls[again].stage == "ringing"


@pytest.mark.req("REC-01")
def test_the_agent_opts_out_of_recording_the_call():
    h, call = talking()
    h.engine.set_recording(1, call, False)
    h.engine.set_recording(1, call, False)
    assert h.pbx.of("stop_recording") == [("stop_recording", call)]
    assert [e.recording for e in h.events(ev.CallRecordingSwitched)] == [False]
    with pytest.raises(Forbidden):
        h.engine.set_recording(2, call, True)


@pytest.mark.req("IN-16")
def test_targets_are_parsed_strictly():
    assert parse_target("agent:7").agent_id == 7 and parse_target("queue:3").queue_id == 3
    assert parse_target(" +420 261 105 555 ").value == "+420261105555"
    assert parse_target("2410").kind == "number"


@pytest.mark.req("IN-28")
def test_an_agent_works_on_a_mobile_phone_and_back_on_the_desk_phone():
    h = Harness([queue(SALES)], [agent(1, SALES)])
    h.engine.log_in(1)
    with pytest.raises(ValidationFailed):
        h.engine.use_device(1, "731000111")  # not E.164
    h.engine.use_device(1, "+420 731 000 111")
    assert h.pbx.of("route_agent") == [("route_agent", 1, "+420731000111")]
    assert h.engine.view_of(1)["device"] == "+420731000111"
    h.engine.ready(1)
    call = h.arrive()
    assert h.at(call) == 1  # rung on the mobile by the PBX; the engine routes as ever
    with pytest.raises(ValidationFailed):
        h.engine.use_device(1, "")  # not while the phone rings
    h.engine.call_ended(call)
    h.engine.use_device(1, "")
    assert h.engine.agents[1].device == "" and [e.device for e in h.events(ev.AgentDeviceChanged)] == [
        "+420731000111",
        "",
    ]


def paused_for_lunch() -> Harness:
    """Agent 1 on her lunch pause; a caller waits in SALES for whoever is ready next."""
    h = Harness([queue(SALES, wrap_up_s=30)], [agent(1, SALES)])
    h.engine.log_in(1)
    h.engine.pause(1, "OBED")
    h.arrive()
    return h


@pytest.mark.req("AG-11")
def test_a_call_she_dials_from_a_pause_and_does_not_pick_up_leaves_her_on_that_pause():
    h = paused_for_lunch()
    call = h.engine.dial(1, "+420603555666")
    h.advance(DIAL_RING_S + 1)  # her own phone rang out
    assert h.engine.calls[call].stage == "ended" and h.ended(call)[0].stage == "not_reached"
    assert (h.state(1), h.engine.agents[1].pause_code) == ("paused", "OBED")
    assert h.events(ev.CallRingNoAnswer) == []  # nobody was offered to her: no ring-no-answer
    assert h.events(ev.AgentStateChanged)[-1].reason == "dial_not_picked_up"


@pytest.mark.req("AG-11")
def test_hanging_up_her_own_ringing_call_returns_her_to_her_pause_and_a_ready_agent_to_the_queue():
    h = paused_for_lunch()
    call = h.engine.dial(1, "+420603555666")
    h.engine.hang_up_call(1, call)
    assert (h.state(1), h.engine.agents[1].pause_code) == ("paused", "OBED")
    h.engine.ready(1)  # the waiting caller rings at once
    waiting = h.engine.agents[1].call_id
    h.engine.call_answered(waiting, 1)
    h.engine.call_ended(waiting)
    h.engine.ready(1)
    h.engine.dial(1, "+420603555666")
    h.advance(DIAL_RING_S + 1)
    assert h.state(1) == "ready"


@pytest.mark.req("AG-11")
def test_after_an_outbound_call_from_a_pause_she_is_back_on_it_unless_she_asks_for_calls():
    h = paused_for_lunch()
    call = h.engine.dial(1, "+420603555666")
    h.engine.call_answered(call, 1)
    h.engine.on_pbx(pbx.CalledPartyAnswered(h.clock.now(), call))
    h.engine.hang_up_call(1, call)
    assert h.state(1) == "wrap_up"
    call = h.engine.dial(1, "+420603555777")  # one more call from the wrap-up
    h.engine.call_answered(call, 1)
    h.engine.hang_up_call(1, call)
    h.advance(DEFAULT_WRAP_UP_S + 1)
    assert (h.state(1), h.engine.agents[1].pause_code) == ("paused", "OBED")
    call = h.engine.dial(1, "+420603555666")
    h.engine.call_answered(call, 1)
    h.engine.hang_up_call(1, call)
    h.engine.ready(1)  # in the wrap-up she asks for calls: the waiting caller rings
    assert h.state(1) == "ringing"


@pytest.mark.req("AG-11", "IN-09")
def test_a_callback_kc_dials_for_a_free_agent_and_she_misses_is_a_ring_no_answer():
    """An offer KC made her: missing it pauses her, so that the next one does not ring at an
    empty desk (the pause says why on the desktop)."""
    h = Harness([queue(SALES, rona_timeout_s=20)], [agent(1, SALES)])
    h.engine.request_callback("+420603555666", SALES)
    h.ready(1)
    assert h.state(1) == "ringing"
    h.advance(21)
    assert (h.state(1), h.engine.agents[1].pause_code) == ("paused", RONA_PAUSE)


@pytest.mark.req("AG-09", "IN-04", "IN-15")
def test_the_journal_keeps_who_talked_in_a_call_handed_on_after_a_consultation():
    from datetime import timedelta

    from kc_adapters.memory.journal import MemoryJournal

    h, call = talking()
    answered = h.clock.now()
    h.engine.consult(1, call, "agent:2")
    h.engine.complete_transfer(1, call)
    h.engine.hang_up_call(2, call)
    journal = MemoryJournal()
    journal.record(h.engine.drain_events(), [])
    row = journal.interaction(call)
    assert row is not None and row.agent_id == 2  # the call ended with the colleague
    hers = journal.intervals(1, answered - timedelta(minutes=1), h.clock.now() + timedelta(minutes=1))
    assert {i.call_id for i in hers if i.state == "busy"} == {call}  # her busy stretch names the call
    found = journal.interactions_of([call, "nothing"])
    assert list(found) == [call] and found[call].agent_id == 2


@pytest.mark.req("OUT-18", "OUT-10")
def test_a_dial_for_a_campaign_contact_journals_the_contact_with_the_call():
    """The desktop's Vytočit sends the contact's entry id with the dial: the call's CallDialled says
    which campaign contact it called; a dial from the pad says none, and an old row loads as none."""
    h = Harness([queue(SALES)], [agent(1, SALES)])
    h.engine.log_in(1)
    message = c.from_wire(
        {"command": "dial", "v": 1, "agent_id": 1, "number": "+420603555666", "entry_id": 42}
    )
    call = h.engine.handle(message)
    dialled = h.events(ev.CallDialled)[0]
    assert (dialled.call_id, dialled.campaign_entry_id) == (call, 42)
    assert ev.event_from_plain("CallDialled", ev.event_to_plain(dialled)) == dialled
    old_row = {k: v for k, v in ev.event_to_plain(dialled).items() if k != "campaign_entry_id"}
    assert ev.event_from_plain("CallDialled", old_row).campaign_entry_id is None
    assert c.from_wire({"command": "dial", "v": 1, "agent_id": 1, "number": "+420603555666"}).entry_id is None
    h.engine.call_answered(call, 1)
    h.engine.hang_up_call(1, call)
    plain = h.engine.dial(1, "+420603555777")
    assert [e.campaign_entry_id for e in h.events(ev.CallDialled) if e.call_id == plain] == [None]
