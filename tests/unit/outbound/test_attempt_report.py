"""A campaign's figures (OUT-14, REP-10): those of a small campaign, computed by hand; the abandon
rate per Prague day and over the rolling 24 hours across midnight, the dialler's attempts without
an agent counted everywhere but per agent."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest

from kc_domain.outbound.attempt_report import answered, campaign_report, recent
from kc_domain.outbound.attempts import CampaignAttempt
from kc_domain.outbound.outcomes import Outcome
from kc_domain.outbound.script_example import example_script
from kc_domain.outbound.script_plain import script_from_plain
from kc_domain.outbound.script_results import questionnaire_results

pytestmark = pytest.mark.req("OUT-14", "REP-10")

DAY1 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # 10:00 in Prague
DAY2 = datetime(2026, 12, 8, 22, 30, tzinfo=UTC)  # 23:30 in Prague: still the 8th


def attempt(
    agent: int | None, start: datetime, minutes: int, outcome: Outcome | None, **more: object
) -> CampaignAttempt:
    made = CampaignAttempt(1, 10 + (agent or 0), agent, start)
    made.answers = dict(more.get("answers", {}))  # type: ignore[call-overload]
    made.end(start + timedelta(minutes=minutes), outcome, str(more.get("skip", "")))
    return made


def seeded() -> list[CampaignAttempt]:
    booked = {"zajem": "ano", "vek": 62, "termin": "2026-12-20"}
    return [
        attempt(1, DAY1, 10, Outcome.SUCCESS, answers=booked),
        attempt(1, DAY1 + timedelta(minutes=10), 5, Outcome.NO_ANSWER),
        attempt(1, DAY1 + timedelta(minutes=15), 5, None, skip="v nemocnici"),
        attempt(2, DAY2, 20, Outcome.REFUSED, answers={"zajem": "ne"}),
        attempt(2, DAY2 + timedelta(minutes=20), 10, Outcome.BUSY),
        CampaignAttempt(1, 13, 3, DAY2 + timedelta(hours=1)),  # still open: not counted
    ]


def test_the_figures_of_a_small_campaign():
    report = campaign_report(seeded(), ZoneInfo("Europe/Prague"))
    total = report.total
    assert (total.attempts, total.skipped, total.live, total.successes) == (4, 1, 2, 1)
    assert total.reach_rate == Fraction(1, 2) and total.success_rate == Fraction(1, 4)
    assert total.worked == timedelta(minutes=50) and total.per_agent_hour == Fraction(24, 5)  # 4 in 50 min
    assert dict(total.outcomes) == {
        Outcome.SUCCESS: 1,
        Outcome.REFUSED: 1,
        Outcome.NO_ANSWER: 1,
        Outcome.BUSY: 1,
    }
    agents = dict(report.agents)
    assert (agents[1].attempts, agents[1].per_agent_hour, agents[1].success_rate) == (2, 6, Fraction(1, 2))
    assert (agents[2].attempts, agents[2].per_agent_hour, agents[2].reach_rate) == (2, 4, Fraction(1, 2))
    assert 3 not in agents  # her only attempt is still open
    days = dict(report.days)
    assert [d for d, _ in report.days] == [date(2026, 12, 7), date(2026, 12, 8)]
    assert (days[date(2026, 12, 7)].attempts, days[date(2026, 12, 8)].attempts) == (2, 2)
    results = questionnaire_results(script_from_plain(example_script()), answered(seeded()))
    assert results.runs == 2
    zajem = results.questions[0]
    assert [(c.key, c.count) for c in zajem.choices] == [("ano", 1), ("ne", 1)]
    assert {e.id: e.count for e in results.ends} == {"objednan": 1, "odmitl": 1}


def test_nothing_attempted_yet():
    report = campaign_report([], ZoneInfo("Europe/Prague"))
    assert report.total.attempts == 0 and report.total.reach_rate is None and report.agents == ()
    assert report.total.abandon_rate is None and report.total.per_agent_hour is None


MIDNIGHT = datetime(2026, 12, 7, 23, 0, tzinfo=UTC)  # 8 December 00:00 in Prague


def around_midnight() -> list[CampaignAttempt]:
    """Two attempts on the Prague 7th, four on the 8th; three by the dialler alone (no agent)."""
    at = MIDNIGHT
    return [
        attempt(1, at - timedelta(minutes=30), 5, Outcome.SUCCESS),  # 23:30 on the 7th
        attempt(None, at - timedelta(minutes=10), 1, Outcome.ABANDONED),  # 23:50 on the 7th
        attempt(None, at + timedelta(minutes=10), 1, Outcome.ABANDONED),  # 00:10 on the 8th
        attempt(2, at + timedelta(minutes=20), 10, Outcome.REFUSED),
        attempt(2, at + timedelta(hours=23, minutes=40), 5, Outcome.CALLBACK),  # 23:40 on the 8th
        attempt(None, at + timedelta(hours=23, minutes=45), 1, Outcome.NO_ANSWER),
    ]


def test_the_abandon_rate_per_prague_day_and_over_the_last_24_hours():
    report = campaign_report(around_midnight(), ZoneInfo("Europe/Prague"))
    days = dict(report.days)
    seventh, eighth = days[date(2026, 12, 7)], days[date(2026, 12, 8)]
    assert (seventh.attempts, seventh.live, seventh.abandoned) == (2, 2, 1)
    assert seventh.abandon_rate == Fraction(1, 2)
    assert (eighth.attempts, eighth.live, eighth.abandoned) == (4, 3, 1)
    assert eighth.abandon_rate == Fraction(1, 3)
    total = report.total
    assert (total.attempts, total.live, total.abandoned) == (6, 5, 2) and total.abandon_rate == Fraction(2, 5)
    assert total.reach_rate == Fraction(5, 6)
    # at 23:50 on the 8th, the last 24 hours begin with the abandoned call at 23:50 on the 7th
    last_day = recent(around_midnight(), MIDNIGHT + timedelta(hours=23, minutes=50))
    assert (last_day.attempts, last_day.live, last_day.abandoned) == (5, 4, 2)
    assert last_day.abandon_rate == Fraction(1, 2)
    # a minute later it has left them
    later = recent(around_midnight(), MIDNIGHT + timedelta(hours=23, minutes=51))
    assert (later.live, later.abandoned, later.abandon_rate) == (3, 1, Fraction(1, 3))


def test_the_dialler_s_attempts_without_an_agent_add_no_agent_time_and_no_agent_row():
    report = campaign_report(around_midnight(), ZoneInfo("Europe/Prague"))
    total = report.total
    # 3 attempts by agents in 5 + 10 + 5 minutes: 9 per hour; the dialler's 3 minutes left out
    assert total.by_agents == 3 and total.worked == timedelta(minutes=20)
    assert total.per_agent_hour == 9
    assert [agent for agent, _f in report.agents] == [1, 2]
    assert dict(report.agents)[2].attempts == 2
