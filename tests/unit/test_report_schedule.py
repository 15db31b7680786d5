"""Scheduled reports (REP-21): when they run (daily, weekly, monthly, across the clock changes),
what is refused, and the retries after a failed sending."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from kc_domain.reports.schedule import Frequency, ReportSchedule

PRAGUE = ZoneInfo("Europe/Prague")


def schedule(**values) -> ReportSchedule:
    base = {
        "owner_id": 2,
        "name": "Včerejší hovory",
        "report": "calls_overview",
        "recipients": ("a@ozp.example",),
    }
    return ReportSchedule(**{**base, **values})


@pytest.mark.req("REP-21")
def test_daily_weekly_and_monthly_runs_in_prague_time():
    monday_noon = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)  # 12:00 in Prague
    daily = schedule(at="07:00")
    assert daily.next_run(monday_noon, PRAGUE) == datetime(2026, 11, 24, 6, 0, tzinfo=UTC)
    assert schedule(at="13:30").next_run(monday_noon, PRAGUE) == datetime(2026, 11, 23, 12, 30, tzinfo=UTC)
    weekly = schedule(frequency=Frequency.WEEKLY, weekday=0, at="08:00")
    assert weekly.next_run(monday_noon, PRAGUE) == datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
    monthly = schedule(frequency=Frequency.MONTHLY, day=1, at="06:00")
    assert monthly.next_run(monday_noon, PRAGUE) == datetime(2026, 12, 1, 5, 0, tzinfo=UTC)


@pytest.mark.req("REP-21")
def test_the_clock_changes():
    summer = schedule(at="07:00").next_run(datetime(2027, 3, 27, 12, 0, tzinfo=UTC), PRAGUE)
    assert summer == datetime(2027, 3, 28, 5, 0, tzinfo=UTC)  # 7:00 CEST
    skipped = schedule(at="02:30").next_run(datetime(2027, 3, 27, 12, 0, tzinfo=UTC), PRAGUE)
    assert skipped.astimezone(PRAGUE).hour == 3  # 02:30 does not exist that night
    winter = schedule(at="07:00").next_run(datetime(2026, 10, 24, 12, 0, tzinfo=UTC), PRAGUE)
    assert winter == datetime(2026, 10, 25, 6, 0, tzinfo=UTC)  # 7:00 CET


@pytest.mark.req("REP-21")
def test_bad_schedules_are_refused_field_by_field():
    bad = schedule(
        name="",
        report="nope",
        format="docx",
        recipients=("vedouci@ozp.example", "not-an-address"),
        at="7:00",
        weekday=9,
        day=31,
    )
    problems = {(e.field, e.code) for e in bad.problems(frozenset({"calls_overview"}))}
    assert problems == {
        ("name", "required"),
        ("report", "invalid_choice"),
        ("format", "invalid_choice"),
        ("recipients", "bad_recipient"),
        ("at", "bad_time"),
        ("weekday", "out_of_range"),
        ("day", "out_of_range"),
    }
    assert ("recipients", "required") in {(e.field, e.code) for e in schedule(recipients=()).problems()}


@pytest.mark.req("REP-21")
def test_a_failure_is_retried_then_waits_for_the_next_regular_run():
    now = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
    plan = schedule(at="07:00")
    waits = []
    for _ in range(4):
        plan.failed(now, PRAGUE, "SMTP refused")
        waits.append(plan.next_run_at - now)
        assert plan.last_error == "SMTP refused"
    assert waits[:3] == [timedelta(minutes=5), timedelta(minutes=15), timedelta(minutes=60)]
    assert plan.next_run_at == datetime(2026, 11, 24, 6, 0, tzinfo=UTC) and plan.failures == 0
    plan.sent(now, PRAGUE)
    assert (plan.last_run_at, plan.last_error, plan.next_run_at) == (
        now,
        "",
        datetime(2026, 11, 24, 6, 0, tzinfo=UTC),
    )
