"""Opening hours and overflow (IN-18, IN-23, ADM-05): closed queues, no agents, maximum wait."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from kc_adapters.system import CzechHolidays
from kc_domain.organisation.hours import OpeningHours
from kc_domain.organisation.model import OverflowKind
from kc_domain.routing import events as ev
from kc_domain.routing import prompts

from .fakes import CLAIMS, DEBTS, SALES, Harness, agent, queue

PRAGUE = ZoneInfo("Europe/Prague")
OFFICE = OpeningHours.office()  # Mon-Thu 08:00-17:00, Fri 08:00-15:00, closed on holidays
MONDAY_EVENING = datetime(2026, 3, 2, 17, 30, tzinfo=PRAGUE)
EASTER_MONDAY_10AM = datetime(2026, 4, 6, 10, 0, tzinfo=PRAGUE)
SUMMER_0745_UTC = datetime(2026, 7, 1, 5, 45, tzinfo=UTC)  # 07:45 in Prague (CEST): closed
SUMMER_0615_UTC = datetime(2026, 7, 1, 6, 15, tzinfo=UTC)  # 08:15 in Prague: open


@pytest.fixture(scope="module")
def czech() -> CzechHolidays:
    return CzechHolidays()


def closed_sales(overflow: tuple[OverflowKind, str], at: datetime = MONDAY_EVENING, **kw) -> Harness:
    return Harness(
        [queue(SALES, hours=OFFICE, overflow=overflow), queue(CLAIMS), queue(DEBTS, hours=OFFICE)],
        [agent(1, SALES), agent(2, CLAIMS)],
        at=at,
        **kw,
    )


@pytest.mark.req("IN-18", "ADM-05")
def test_a_call_inside_opening_hours_is_routed():
    h = closed_sales((OverflowKind.VOICEMAIL, "sales"), at=datetime(2026, 3, 2, 16, 59, tzinfo=PRAGUE))
    h.ready(1)
    call = h.arrive(dialled="801")
    assert h.at(call) == 1 and not h.events(ev.CallOverflowed)


@pytest.mark.req("IN-18", "ADM-05", "IN-21")
@pytest.mark.parametrize(
    ("kind", "target", "expected"),
    [
        (OverflowKind.IVR, "night", "ivr:night"),
        (OverflowKind.EXTERNAL, "+420222333444", "external:+420222333444"),
        (OverflowKind.MOBILE, "+420777888999", "mobile:+420777888999"),
        (OverflowKind.LINE, "2100", "line:2100"),
    ],
)
def test_a_call_outside_hours_is_transferred_to_the_overflow_target(kind, target, expected):
    h = closed_sales((kind, target))
    h.ready(1)
    call = h.arrive(dialled="801")
    assert h.pbx.commands == [("transfer", call, expected)]
    (overflowed,) = h.events(ev.CallOverflowed)
    assert (overflowed.reason, overflowed.queue_id, overflowed.target_kind, overflowed.target) == (
        "closed",
        SALES,
        kind.value,
        target,
    )
    (ended,) = h.ended(call)
    assert (ended.stage, ended.cause, ended.queue_id) == ("overflowed", "closed", SALES)
    assert h.state(1) == "ready"


@pytest.mark.req("IN-18", "ADM-05")
def test_a_call_outside_hours_with_hang_up_overflow_is_hung_up():
    h = closed_sales((OverflowKind.HANGUP, ""))
    call = h.arrive(dialled="801")
    assert h.pbx.commands == [("hang_up", call, "closed")]
    assert [e.stage for e in h.ended(call)] == ["overflowed"]


@pytest.mark.req("IN-18", "ADM-05")
def test_a_czech_public_holiday_closes_the_queue(czech):
    h = closed_sales((OverflowKind.LINE, "2100"), at=EASTER_MONDAY_10AM, holidays=czech)
    h.ready(1)
    call = h.arrive(dialled="801")
    assert h.pbx.commands == [("transfer", call, "line:2100")]
    assert h.ended(call)[0].stage == "overflowed"


@pytest.mark.req("IN-18")
def test_the_same_monday_morning_is_open_when_no_holiday_calendar_is_given():
    h = closed_sales((OverflowKind.VOICEMAIL, "holiday"), at=EASTER_MONDAY_10AM)
    h.ready(1)
    assert h.at(h.arrive(dialled="801")) == 1


@pytest.mark.req("IN-18")
def test_opening_hours_are_judged_in_prague_time_in_summer():
    early = closed_sales((OverflowKind.HANGUP, ""), at=SUMMER_0745_UTC)
    assert early.ended(early.arrive(dialled="801"))[0].stage == "overflowed"
    open_ = closed_sales((OverflowKind.HANGUP, ""), at=SUMMER_0615_UTC)
    open_.ready(1)
    assert open_.at(open_.arrive(dialled="801")) == 1


@pytest.mark.req("IN-18", "ADM-05")
def test_a_closed_queue_overflows_into_another_queue_where_the_call_is_routed():
    h = closed_sales((OverflowKind.QUEUE, str(CLAIMS)))
    h.ready(2)
    call = h.arrive(dialled="801")
    c = h.engine.calls[call]
    assert (c.queue_id, c.overflow_hops, h.at(call)) == (CLAIMS, 1, 2)
    queued = [(e.queue_id, e.rule) for e in h.events(ev.CallQueued)]
    assert queued == [(SALES, ""), (CLAIMS, "overflow:closed")]
    assert h.ended(call) == [] and h.pbx.rings() == [(call, 2)]


@pytest.mark.req("IN-18", "ADM-05")
def test_an_overflow_loop_between_two_closed_queues_ends_after_three_hops():
    closed = dict(hours=OFFICE)
    h = Harness(
        [
            queue(SALES, overflow=(OverflowKind.QUEUE, str(DEBTS)), **closed),
            queue(DEBTS, overflow=(OverflowKind.QUEUE, str(SALES)), **closed),
        ],
        [agent(1, SALES, DEBTS)],
        at=MONDAY_EVENING,
    )
    h.ready(1)
    call = h.arrive(dialled="801")
    hops = [(e.queue_id, e.target) for e in h.events(ev.CallOverflowed)]
    assert hops == [(SALES, "3"), (DEBTS, "1"), (SALES, "3"), (DEBTS, "1")]
    assert h.engine.calls[call].overflow_hops == 3
    assert h.pbx.commands == [("hang_up", call, "closed")]
    assert [e.stage for e in h.ended(call)] == ["overflowed"]


@pytest.mark.req("IN-18", "ADM-05")
def test_a_queue_that_overflows_into_itself_does_not_loop_forever():
    h = Harness(
        [queue(SALES, hours=OFFICE, overflow=(OverflowKind.QUEUE, str(SALES)))], [], at=MONDAY_EVENING
    )
    call = h.arrive(dialled="801")
    assert len(h.events(ev.CallOverflowed)) == 4 and h.ended(call)[0].stage == "overflowed"


@pytest.mark.req("IN-18", "ADM-05")
def test_an_overflow_to_a_queue_the_engine_does_not_know_hangs_up_instead_of_crashing():
    h = closed_sales((OverflowKind.QUEUE, "99"))
    call = h.arrive(dialled="801")
    assert h.pbx.commands == [("hang_up", call, "closed")]
    assert [e.stage for e in h.ended(call)] == ["overflowed"]


@pytest.mark.req("IN-23")
def test_overflow_when_no_agents_are_signed_in():
    h = Harness(
        [queue(SALES, overflow_when_no_agents=True, overflow=(OverflowKind.VOICEMAIL, "box"))],
        [agent(1, SALES)],
    )
    first = h.arrive()
    assert h.said(first) == [prompts.NO_AGENTS, prompts.VOICEMAIL_INTRO]  # IN-23, then voicemail
    assert h.events(ev.CallOverflowed)[-1].reason == "no_agents"
    assert h.pbx.of("record_voicemail") == []  # after the prompts
    h.prompts_done(first)
    assert h.pbx.of("record_voicemail") == [("record_voicemail", first, "box")]
    assert h.engine.calls[first].stage == "voicemail" and not h.ended(first)


@pytest.mark.req("IN-23")
def test_a_paused_signed_in_agent_keeps_calls_in_the_queue_despite_overflow_when_no_agents():
    h = Harness(
        [queue(SALES, overflow_when_no_agents=True, overflow=(OverflowKind.VOICEMAIL, "box"))],
        [agent(1, SALES)],
    )
    h.engine.log_in(1)
    call = h.arrive()
    assert h.engine.calls[call].stage == "queued" and h.pbx.commands == []


@pytest.mark.req("IN-23", "AG-03")
def test_an_agent_signed_out_of_the_queue_does_not_count_as_signed_in():
    h = Harness(
        [queue(SALES, overflow_when_no_agents=True), queue(CLAIMS)],
        [agent(1, SALES, CLAIMS)],
    )
    h.ready(1)
    h.engine.sign_out(1, SALES)
    call = h.arrive(dialled="801")
    assert h.ended(call)[0].stage == "overflowed" and h.state(1) == "ready"


@pytest.mark.req("IN-23")
def test_without_overflow_when_no_agents_the_call_waits_for_someone_to_log_in():
    h = Harness([queue(SALES)], [agent(1, SALES)])
    call = h.arrive()
    h.advance(600)
    h.ready(1)
    assert h.at(call) == 1


@pytest.mark.req("IN-23", "ADM-05")
def test_a_waiting_call_overflows_after_max_wait():
    h = Harness(
        [queue(SALES, max_wait_s=90, overflow=(OverflowKind.EXTERNAL, "+420222333444"))],
        [agent(1, SALES)],
    )
    h.engine.log_in(1)
    call, later = h.arrive(), None
    h.advance(30)
    later = h.arrive()
    h.advance(59)
    assert h.engine.calls[call].stage == "queued"
    h.advance(1)
    assert h.pbx.commands == [("transfer", call, "external:+420222333444")]
    assert [e.stage for e in h.ended(call)] == ["overflowed"]
    assert [w.call_id for w in h.engine.waiting(SALES)] == [later]
    h.engine.ready(1)
    assert h.pbx.rings() == [(later, 1)]


@pytest.mark.req("IN-23")
def test_max_wait_does_not_touch_an_answered_call():
    h = Harness([queue(SALES, max_wait_s=30)], [agent(1, SALES)])
    h.ready(1)
    call = h.arrive()
    h.answer(call)
    h.advance(120)
    assert h.engine.calls[call].stage == "answered" and not h.events(ev.CallOverflowed)


@pytest.mark.req("IN-23", "ADM-05")
def test_max_wait_overflow_into_another_queue_keeps_the_original_wait():
    h = Harness(
        [queue(SALES, max_wait_s=60, overflow=(OverflowKind.QUEUE, str(CLAIMS))), queue(CLAIMS)],
        [agent(2, CLAIMS)],
    )
    h.engine.log_in(2)
    call = h.arrive(dialled="801")
    h.advance(60)
    assert h.engine.calls[call].queue_id == CLAIMS
    assert [w.call_id for w in h.engine.waiting(CLAIMS)] == [call]
    h.advance(15)
    h.engine.ready(2)
    h.answer(call)
    assert h.events(ev.CallAnswered)[-1].waited_s == 75


@pytest.mark.req("IN-23")
def test_a_call_abandoned_before_max_wait_does_not_overflow_later():
    h = Harness([queue(SALES, max_wait_s=60, overflow=(OverflowKind.VOICEMAIL, "x"))], [])
    call = h.arrive()
    h.advance(10)
    h.engine.call_ended(call, "caller_hangup")
    h.advance(100)
    assert [e.stage for e in h.ended(call)] == ["abandoned_in_queue"]
    assert h.said(call) == [prompts.NO_AGENTS]  # IN-23: nobody is signed in
    assert not h.pbx.of("transfer") and not h.pbx.of("hang_up") and not h.pbx.of("record_voicemail")


@pytest.mark.req("IN-23")
def test_callers_waiting_when_the_last_agent_logs_out_overflow_at_once():
    h = Harness(
        [queue(SALES, overflow_when_no_agents=True, overflow=(OverflowKind.VOICEMAIL, "box"))],
        [agent(1, SALES)],
    )
    h.engine.log_in(1)
    call = h.arrive()
    h.engine.log_out(1)
    assert h.engine.calls[call].stage == "voicemail"
    assert h.events(ev.CallOverflowed)[-1].reason == "no_agents"


@pytest.mark.req("RT-05", "AG-16")
def test_a_closed_queue_shows_as_closed_with_its_opening_to_agents_and_supervisors():
    from kc_domain.routing.live import LiveCounters, agent_view, snapshot

    h = Harness([queue(SALES, hours=OFFICE), queue(CLAIMS)], [agent(1, SALES, CLAIMS)], at=MONDAY_EVENING)
    h.ready(1)
    now = h.clock.now()
    opens = datetime(2026, 3, 3, 8, 0, tzinfo=PRAGUE).astimezone(UTC).isoformat()  # Tuesday 8:00
    view = {q["queue_id"]: q for q in agent_view(h.engine, 1, now)["queues"]}
    assert (view[SALES]["open"], view[SALES]["opens_at"]) == (False, opens)
    assert (view[CLAIMS]["open"], view[CLAIMS]["opens_at"]) == (True, None)  # open round the clock
    live = {q["queue_id"]: q for q in snapshot(h.engine, LiveCounters(PRAGUE, {}), now)["queues"]}
    assert (live[SALES]["open"], live[SALES]["opens_at"]) == (False, opens)
