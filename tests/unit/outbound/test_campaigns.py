"""Campaigns and their calling rules (OUT-01..OUT-13): who may be dialled when, and what an
attempt's outcome does to the contact. Pure: a fixed clock, Prague time, Czech holidays given."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from kc_domain.errors import ValidationFailed
from kc_domain.organisation.hours import OpeningHours, TimeInterval
from kc_domain.outbound.campaigns import (
    Calendar,
    Campaign,
    CampaignState,
    DialMode,
    IllegalCampaignTransition,
    ListEntry,
    NotCallable,
    RetryRule,
    next_contacts,
    record_outcome,
    reschedule,
    why_not_now,
)
from kc_domain.outbound.outcomes import Outcome

PRAGUE = ZoneInfo("Europe/Prague")
CALENDAR = Calendar(PRAGUE, frozenset({date(2026, 12, 24), date(2026, 12, 25)}))
MONDAY_10 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # 10:00 in Prague
NO_DNC: frozenset[str] = frozenset()
DAY = timedelta(hours=24)


def campaign(**changes: object) -> Campaign:
    made = Campaign("Připomínka nedoplatku", queue_id=1, mode=DialMode.PROGRESSIVE, caller_id="+420261100900")
    for name, value in changes.items():
        setattr(made, name, value)
    return made


def running(**changes: object) -> Campaign:
    made = campaign(**changes)
    made.start(agents=3, contacts_left=10)
    return made


def entry(n: int = 1, **changes: object) -> ListEntry:
    made = ListEntry(campaign_id=1, phone=f"+42060312345{n}", name=f"Klient {n}", id=n)
    for name, value in changes.items():
        setattr(made, name, value)
    return made


pytestmark = pytest.mark.req("OUT-12")


@pytest.mark.req("OUT-03")
def test_a_campaign_starts_pauses_resumes_and_stops():
    c = campaign()
    c.start(agents=2, contacts_left=5)
    assert c.state == CampaignState.RUNNING and c.dials
    c.pause()
    assert not c.dials
    c.start(agents=2, contacts_left=5)  # resumed
    c.stop()
    assert c.state == CampaignState.STOPPED
    with pytest.raises(IllegalCampaignTransition):
        c.start(agents=2, contacts_left=5)
    with pytest.raises(IllegalCampaignTransition):
        c.pause()


@pytest.mark.req("OUT-03")
def test_a_campaign_without_agents_or_contacts_does_not_start_and_says_why():
    c = campaign()
    with pytest.raises(ValidationFailed) as refused:
        c.start(agents=0, contacts_left=0)
    assert {(e.field, e.code) for e in refused.value.errors} == {
        ("agents", "no_agents"),
        ("contacts", "empty_list"),
    }
    assert c.state == CampaignState.DRAFT


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"name": " "}, "name", "required"),
        ({"priority": 11}, "priority", "out_of_range"),
        ({"abandon_cap": 0.2}, "abandon_cap", "out_of_range"),
        ({"ring_s": 10}, "ring_s", "out_of_range"),  # at least 15 s to answer
        ({"caller_id": "261100900"}, "caller_id", "bad_phone"),
        ({"caller_id": ""}, "caller_id", "required"),
        (
            {"retries": {Outcome.ABANDONED: RetryRule(timedelta(hours=24), 3)}},
            "retries.abandoned",
            "too_soon",
        ),
        (
            {"retries": {Outcome.SUCCESS: RetryRule(timedelta(hours=1), 3)}},
            "retries.success",
            "final_outcome",
        ),
    ],
)
def test_a_bad_campaign_is_refused_naming_the_field(changes, field, code):
    assert (field, code) in {(e.field, e.code) for e in campaign(**changes).problems()}


@pytest.mark.req("OUT-17")
def test_the_officers_own_number_needs_no_campaign_number():
    assert campaign(caller_id="", officer_caller_id=True, mode=DialMode.PREVIEW).problems() == []


@pytest.mark.req("OUT-17")
@pytest.mark.parametrize("mode", [DialMode.PROGRESSIVE, DialMode.PREDICTIVE])
def test_a_dialler_campaign_cannot_call_with_the_officers_number(mode):
    problems = campaign(officer_caller_id=True, mode=mode).problems()
    assert [(e.field, e.code) for e in problems] == [("officer_caller_id", "needs_an_agent")]


@pytest.mark.req("OUT-01")
def test_calling_rules_hours_holidays_do_not_call_attempts_and_due_times():
    c = running()
    assert why_not_now(c, entry(), MONDAY_10, CALENDAR, NO_DNC) is None
    evening = MONDAY_10.replace(hour=18)  # 19:00 in Prague
    assert why_not_now(c, entry(), evening, CALENDAR, NO_DNC) == NotCallable.OUTSIDE_HOURS
    christmas = datetime(2026, 12, 24, 9, 0, tzinfo=UTC)  # a Thursday, but a public holiday
    assert why_not_now(c, entry(), christmas, CALENDAR, NO_DNC) == NotCallable.OUTSIDE_HOURS
    assert why_not_now(c, entry(), MONDAY_10, CALENDAR, {entry().phone}) == NotCallable.DO_NOT_CALL
    assert why_not_now(c, entry(attempts=5), MONDAY_10, CALENDAR, NO_DNC) == NotCallable.OUT_OF_ATTEMPTS
    later = entry(next_try_at=MONDAY_10 + timedelta(minutes=1))
    assert why_not_now(c, later, MONDAY_10, CALENDAR, NO_DNC) == NotCallable.NOT_DUE
    assert why_not_now(c, entry(done=True), MONDAY_10, CALENDAR, NO_DNC) == NotCallable.DONE
    assert why_not_now(c, entry(removed=True), MONDAY_10, CALENDAR, NO_DNC) == NotCallable.REMOVED
    c.pause()
    assert why_not_now(c, entry(), MONDAY_10, CALENDAR, NO_DNC) == NotCallable.CAMPAIGN_NOT_RUNNING


def test_an_abandoned_callee_is_not_called_again_within_72_hours():
    c = running(retries={Outcome.ABANDONED: RetryRule(timedelta(hours=72), 3)})
    e = entry()
    record_outcome(c, e, Outcome.ABANDONED, MONDAY_10)
    assert e.abandoned_at == MONDAY_10 and not e.done
    thursday_9 = MONDAY_10 + timedelta(days=3) - timedelta(hours=1)
    assert why_not_now(c, e, thursday_9, CALENDAR, NO_DNC) == NotCallable.ABANDONED_RECENTLY
    e.next_try_at = None  # even if someone moved the due time, the 72 hours hold
    assert why_not_now(c, e, thursday_9, CALENDAR, NO_DNC) == NotCallable.ABANDONED_RECENTLY
    assert why_not_now(c, e, MONDAY_10 + timedelta(days=3), CALENDAR, NO_DNC) is None


@pytest.mark.req("OUT-13")
def test_final_outcomes_end_the_contact_others_schedule_the_retry_of_their_rule():
    c = running()
    for outcome in (Outcome.SUCCESS, Outcome.REFUSED, Outcome.WRONG_NUMBER, Outcome.INVALID):
        e = entry()
        record_outcome(c, e, outcome, MONDAY_10)
        assert e.done and e.next_try_at is None and e.attempts == 1
    e = entry()
    record_outcome(c, e, Outcome.BUSY, MONDAY_10)
    assert not e.done and e.next_try_at == MONDAY_10 + timedelta(minutes=15)
    record_outcome(c, e, Outcome.NO_ANSWER, MONDAY_10 + timedelta(minutes=15))
    assert e.next_try_at == MONDAY_10 + timedelta(minutes=15, hours=2)
    assert e.attempts == 2 and e.last_outcome == Outcome.NO_ANSWER


def test_a_rule_of_fewer_attempts_ends_the_contact_sooner_than_the_campaigns_limit():
    c = running(retries={Outcome.ANSWERING_MACHINE: RetryRule(timedelta(hours=4), 2)})
    e = entry()
    record_outcome(c, e, Outcome.ANSWERING_MACHINE, MONDAY_10)
    assert not e.done
    record_outcome(c, e, Outcome.ANSWERING_MACHINE, MONDAY_10 + timedelta(hours=4))
    assert e.done


@pytest.mark.req("OUT-04")
def test_the_next_contacts_are_agreed_calls_then_by_priority_attempts_and_age():
    c = running()
    low = entry(1, priority=2)
    high = entry(2, priority=9)
    tried = entry(3, priority=9, attempts=1, last_attempt_at=MONDAY_10 - timedelta(hours=3))
    agreed = entry(4, priority=1, agreed_with=7, next_try_at=MONDAY_10 - timedelta(minutes=1))
    not_yet = entry(5, priority=10, next_try_at=MONDAY_10 + timedelta(hours=1))
    picked = next_contacts(c, [low, high, tried, agreed, not_yet], MONDAY_10, CALENDAR, NO_DNC, limit=3)
    assert [e.id for e in picked] == [4, 2, 3]
    busy = next_contacts(c, [low, high], MONDAY_10, CALENDAR, NO_DNC, limit=5, busy={2})
    assert [e.id for e in busy] == [1]  # never the same contact twice at once


@pytest.mark.req("OUT-11")
def test_a_callback_is_agreed_only_when_the_agent_is_free_then():
    c = running()
    e = entry()
    tomorrow_14 = datetime(2026, 12, 8, 13, 0, tzinfo=UTC)  # 14:00 in Prague
    hours = OpeningHours.office()

    def refused(at: datetime, appointments: list[datetime] = (), agent_hours=hours) -> str:  # type: ignore[assignment]
        with pytest.raises(ValidationFailed) as why:
            reschedule(c, e, at, MONDAY_10, CALENDAR, 7, agent_hours, appointments)
        return why.value.errors[0].code

    assert refused(MONDAY_10 - timedelta(minutes=1)) == "in_past"
    assert refused(datetime(2026, 12, 8, 19, 0, tzinfo=UTC)) == "outside_calling_hours"
    mornings = OpeningHours(weekly=((TimeInterval.parse("08:00-12:00"),),) * 5 + ((), ()))
    assert refused(tomorrow_14, agent_hours=mornings) == "agent_not_working"
    assert refused(tomorrow_14, [tomorrow_14 + timedelta(minutes=10)]) == "agent_has_appointment"
    assert e.next_try_at is None  # nothing changed by a refusal
    reschedule(c, e, tomorrow_14, MONDAY_10, CALENDAR, 7, hours, [tomorrow_14 + timedelta(minutes=30)])
    assert (e.next_try_at, e.agreed_with) == (tomorrow_14, 7)
    record_outcome(c, e, Outcome.CALLBACK, MONDAY_10)  # the call ends with the agreed callback
    assert not e.done and (e.next_try_at, e.agreed_with) == (tomorrow_14, 7)
    assert why_not_now(c, e, tomorrow_14 - timedelta(minutes=1), CALENDAR, NO_DNC) == NotCallable.NOT_DUE
    e.attempts = c.max_attempts  # an agreed call is made even after the last ordinary attempt
    assert why_not_now(c, e, tomorrow_14, CALENDAR, NO_DNC) is None
    assert next_contacts(c, [entry(2), e], tomorrow_14, CALENDAR, NO_DNC, limit=1) == [e]
    with pytest.raises(ValidationFailed):
        record_outcome(c, entry(3), Outcome.CALLBACK, MONDAY_10)  # a callback without a time
