"""A report's filter (REP-06, ADM-06): presets, days and times, ids checked, the retention limit, and
the reader's scope; every problem named with its field."""

from __future__ import annotations

from datetime import date, time

import pytest

from kc_domain.errors import Forbidden, ValidationFailed
from kc_domain.reports.filters import ReportFilter, Scope, parse_filter, preset_period, restrict

TODAY = date(2026, 11, 26)  # a Thursday
KNOWN = {"queues": {1, 2, 3}, "agents": {7, 8}, "groups": {10, 11}, "categories": {31, 32}}


def parse(**args: str | list[str]) -> ReportFilter:
    return parse_filter({k: v if isinstance(v, list) else [v] for k, v in args.items()}, TODAY, **KNOWN)


def fields(**args: str | list[str]) -> list[tuple[str, str]]:
    with pytest.raises(ValidationFailed) as caught:
        parse(**args)
    return [(e.field, e.code) for e in caught.value.errors]


@pytest.mark.req("REP-06")
def test_presets_cover_the_usual_periods():
    assert preset_period("today", TODAY) == (TODAY, TODAY)
    assert preset_period("this_week", TODAY) == (date(2026, 11, 23), TODAY)
    assert preset_period("last_week", TODAY) == (date(2026, 11, 16), date(2026, 11, 22))
    assert preset_period("last_month", TODAY) == (date(2026, 10, 1), date(2026, 10, 31))
    assert preset_period("last_30_days", TODAY) == (date(2026, 10, 28), TODAY)
    assert parse(preset="yesterday").since == date(2026, 11, 25)


@pytest.mark.req("REP-06")
def test_days_weekdays_time_window_and_ids():
    wanted = parse(
        since="2026-11-01",
        until="2026-11-20",
        weekday=["0", "4"],
        **{"from": "08:00", "to": "12:30"},
        queue=["1", "3"],
        agent="7",
        group="10",
    )
    assert (wanted.since, wanted.until, wanted.weekdays) == (date(2026, 11, 1), date(2026, 11, 20), {0, 4})
    assert (wanted.time_from, wanted.time_to, wanted.minutes) == (time(8), time(12, 30), (480, 750))
    assert (wanted.queue_ids, wanted.agent_ids, wanted.group_ids) == ({1, 3}, {7}, {10})
    assert parse().since == date(2026, 11, 20)  # default: the last 7 days


@pytest.mark.req("REP-06")
def test_bad_input_is_refused_with_every_field():
    assert fields(since="2026-11-20", until="2026-11-01") == [("until", "ends_before_start")]
    assert fields(since="2024-01-01") == [("since", "beyond_retention")]
    assert fields(until="2026-12-31") == [("until", "in_future")]
    assert fields(since="1.11.2026") == [("since", "bad_date")]
    assert fields(preset="forever") == [("preset", "invalid_choice")]
    assert fields(queue=["1", "99", "x"], weekday="9") == [
        ("weekday", "unknown_reference"),
        ("queue", "unknown_reference"),
        ("queue", "not_a_number"),
    ]
    assert fields(**{"from": "12:00", "to": "08:00"}) == [("to", "ends_before_start")]
    assert fields(**{"from": "25:00"}) == [("from", "bad_time")]
    assert fields(interval="20") == [("interval", "invalid_choice")]
    assert parse(interval="15").interval_min == 15 and parse().interval_min == 60
    assert parse(category=["31", "32"]).category_ids == {31, 32}
    assert fields(category="99") == [("category", "unknown_reference")]


@pytest.mark.req("ADM-06", "REP-04")
def test_the_scope_limits_reports_queues_and_groups_and_an_agent_to_own_figures():
    limited = Scope(
        reports=frozenset({"calls_overview"}), queue_ids=frozenset({1, 2}), group_ids=frozenset({10})
    )
    wanted = parse()
    assert restrict("calls_overview", wanted, limited).queue_ids == {1, 2}  # nothing asked: the scope's
    with pytest.raises(Forbidden):
        restrict("lost_calls", wanted, limited)
    with pytest.raises(Forbidden):
        restrict("calls_overview", parse(queue="3"), limited)
    with pytest.raises(Forbidden):
        restrict("calls_overview", parse(group="11"), limited)
    agent = Scope(own_agent_id=7)
    assert restrict("calls_overview", wanted, agent).agent_ids == {7}
    with pytest.raises(Forbidden):
        restrict("calls_overview", parse(agent="8"), agent)
    assert restrict("calls_overview", parse(queue="3"), Scope()).queue_ids == {3}
