"""A caller waiting in the queue: position and expected wait announcements (IN-10), "no agent" (IN-23),
a key for a callback with a preferred time (IN-09) and a key for voicemail (IN-08)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kc_domain.organisation.hours import OpeningHours
from kc_domain.routing import events as ev
from kc_domain.routing import pbx_events as pbx
from kc_domain.routing import prompts

from .fakes import SALES, Harness, agent, queue

ANNOUNCING = {"announce_every_s": 30, "callback_key": "1", "voicemail_key": "2"}


def busy_queue(**settings: object) -> Harness:
    """One agent, busy with a first call, so that the next callers wait."""
    h = Harness([queue(SALES, hours=OpeningHours.office(), **(ANNOUNCING | settings))], [agent(1, SALES)])
    h.ready(1)
    h.answer(h.arrive())
    return h


@pytest.mark.req("IN-10")
def test_waiting_callers_hear_their_position_and_expected_wait_repeatedly():
    h = busy_queue()
    first, second = h.arrive(), h.arrive()
    offers = prompts.offers_text("1", "2")
    assert h.said(first) == [
        f"{prompts.HOLD_ON} Jste 1. v pořadí. Předpokládaná doba čekání je přibližně 3 minuty. {offers}"
    ]
    assert h.said(second)[0].startswith(
        f"{prompts.HOLD_ON} Jste 2. v pořadí. Předpokládaná doba čekání je přibližně 6 minut."
    )
    h.prompts_done(first)
    h.advance(30)
    assert h.said(first)[-1] == f"Jste 1. v pořadí. Předpokládaná doba čekání je přibližně 3 minuty. {offers}"
    assert len(h.said(second)) == 2
    h.engine.call_ended(first, "caller_hangup")
    h.advance(30)
    assert h.said(second)[-1].startswith("Jste 1. v pořadí.")
    assert len(h.said(first)) == 2  # no more announcements once the caller left


@pytest.mark.req("IN-10")
def test_the_expected_wait_learns_from_handled_calls_and_can_be_switched_off():
    h = busy_queue()
    (first,) = h.engine.calls  # the call in progress
    h.clock.advance(seconds=30)
    h.engine.call_ended(first)  # 30 s talk + 30 s wrap-up pull the average down from 180 s
    h.engine.pause(1, "BREAK")
    waiting = h.arrive()
    assert "přibližně" not in h.said(waiting)[0]  # the only agent is paused: no estimate
    quiet = busy_queue(announce_position=False, announce_wait=False, callback_key="", voicemail_key="")
    call = quiet.arrive()
    assert quiet.said(call) == [prompts.HOLD_ON]


@pytest.mark.req("IN-10")
def test_czech_minutes():
    assert [prompts.minutes_cs(s) for s in (30, 60, 61, 150, 240, 300, 1260)] == [
        "méně než minuta",
        "1 minuta",
        "2 minuty",
        "3 minuty",
        "4 minuty",
        "5 minut",
        "21 minut",
    ]


@pytest.mark.req("IN-23")
def test_a_caller_hears_that_no_agent_is_available_when_nobody_is_signed_in():
    h = Harness([queue(SALES, announce_every_s=60)], [agent(1, SALES)])
    call = h.arrive()
    assert h.said(call)[0] == prompts.NO_AGENTS
    assert "Předpokládaná" not in h.said(call)[1]
    assert [e.kind for e in h.events(ev.CallAnnounced)] == ["no_agents", "position"]


@pytest.mark.req("IN-09", "IN-10")
def test_pressing_the_callback_key_leaves_the_queue_keeping_the_place_in_line():
    h = busy_queue()
    call = h.arrive()
    joined = h.clock.now()
    h.advance(20)
    h.press(call, "1")
    assert h.engine.waiting(SALES) == [] and h.engine.calls[call].stage == "callback"
    assert h.said(call)[-1] == prompts.CALLBACK_ASK_TIME
    h.press(call, "16")
    h.press(call, "30#")  # 16:30 today in Prague (the clock says Monday 09:50)
    (request,) = h.engine.callbacks.open_list()
    assert request.preferred_at == datetime(2026, 3, 2, 15, 30, tzinfo=UTC)
    assert request.joined_at == joined and request.source.value == "queue_dtmf" and request.call_id == call
    assert h.said(call)[-1] == "Děkujeme. Zavoláme vám 2. 3. v 16:30. Na shledanou."
    assert h.ended(call)[0].stage == "called_back"
    h.prompts_done(call)
    assert h.pbx.of("hang_up")[-1] == ("hang_up", call, "callback_requested")


@pytest.mark.req("IN-09")
def test_a_preferred_time_outside_opening_hours_is_refused_and_asked_again_then_asap():
    h = busy_queue()
    call = h.arrive()
    h.press(call, "1")
    h.press(call, "2200#")  # the office is closed at 22:00
    assert h.said(call)[-2:] == [prompts.CALLBACK_BAD_TIME, prompts.CALLBACK_ASK_TIME]
    assert not h.engine.callbacks.open_list()
    h.press(call, "99#")  # wrong again: the caller gets a callback as soon as possible
    (request,) = h.engine.callbacks.open_list()
    assert request.preferred_at is None
    assert h.said(call)[-1] == prompts.CALLBACK_ASAP


@pytest.mark.req("IN-09")
def test_silence_or_hanging_up_during_the_time_entry_still_makes_the_callback():
    h = busy_queue()
    quiet, gone = h.arrive(), h.arrive()
    h.press(quiet, "1")
    h.press(gone, "1")
    h.press(gone, "14")
    h.engine.call_ended(gone, "caller_hangup")
    h.prompts_done(quiet)  # the question has been asked
    h.advance(15)
    assert {r.call_id for r in h.engine.callbacks.open_list()} == {quiet, gone}
    assert h.ended(gone)[0].stage == h.ended(quiet)[0].stage == "called_back"


@pytest.mark.req("IN-09")
def test_a_withheld_number_is_not_offered_a_callback():
    h = busy_queue()
    call = "anon"
    h.engine.call_arrived(call, "", "801")
    assert "zavolali zpět" not in h.said(call)[0]
    h.press(call, "1")
    assert h.said(call)[-1] == prompts.CALLBACK_NO_NUMBER and h.engine.calls[call].stage == "queued"


@pytest.mark.req("IN-09")
def test_the_same_caller_asking_twice_keeps_one_request():
    h = busy_queue()
    for _ in range(2):
        call = h.arrive(caller="+420603111222")
        h.press(call, "1#")
    (request,) = h.engine.callbacks.open_list()
    assert request.caller == "+420603111222"


@pytest.mark.req("IN-08")
def test_pressing_the_voicemail_key_records_a_message_for_the_queue():
    h = busy_queue()
    call = h.arrive()
    h.press(call, "2")
    assert h.engine.waiting(SALES) == []
    assert h.said(call)[-1] == prompts.VOICEMAIL_INTRO
    h.prompts_done(call)
    assert h.pbx.of("record_voicemail") == [("record_voicemail", call, "q1")]
    h.engine.on_pbx(pbx.VoicemailRecorded(h.clock.now(), call, "q1", "rec-7", 20.0))
    (left,) = h.events(ev.CallVoicemailLeft)
    assert (left.queue_id, left.caller) == (SALES, h.engine.calls[call].caller)
    assert h.ended(call)[0].stage == "voicemail"


@pytest.mark.req("IN-08")
def test_hanging_up_before_leaving_a_message():
    h = busy_queue()
    call = h.arrive()
    h.press(call, "2")
    h.engine.call_ended(call)
    assert h.ended(call)[0].stage == "voicemail" and not h.events(ev.CallVoicemailLeft)


@pytest.mark.req("IN-10")
def test_an_answered_call_stops_its_announcements():
    h = busy_queue()
    (first,) = h.engine.calls
    waiting = h.arrive()
    h.clock.advance(seconds=10)
    h.engine.call_ended(first)
    h.engine.ready(1)
    assert h.at(waiting) == 1
    h.advance(60)
    assert len(h.said(waiting)) == 1


@pytest.mark.req("IN-09")
def test_the_time_entry_waits_for_the_question_to_be_asked_before_its_timeout_runs():
    h = busy_queue()
    call = h.arrive()
    h.press(call, "1")
    h.advance(20)  # the question is long; still playing: no timeout yet
    assert h.engine.calls[call].stage == "callback" and not h.engine.callbacks.open_list()
    h.prompts_done(call)
    h.advance(15)  # asked, and nothing keyed in: as soon as possible
    (request,) = h.engine.callbacks.open_list()
    assert request.preferred_at is None and h.ended(call)[0].stage == "called_back"
