"""A campaign's report (OUT-14, REP-10): the figures of a small campaign, computed by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest

from kc_domain.outbound.attempt_report import campaign_report
from kc_domain.outbound.attempts import CampaignAttempt
from kc_domain.outbound.outcomes import Outcome
from kc_domain.outbound.script_example import example_script
from kc_domain.outbound.script_plain import script_from_plain

pytestmark = pytest.mark.req("OUT-14", "REP-10")

DAY1 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # 10:00 in Prague
DAY2 = datetime(2026, 12, 8, 22, 30, tzinfo=UTC)  # 23:30 in Prague: still the 8th


def attempt(
    agent: int, start: datetime, minutes: int, outcome: Outcome | None, **more: object
) -> CampaignAttempt:
    made = CampaignAttempt(1, 10 + agent, agent, start)
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
    report = campaign_report(seeded(), ZoneInfo("Europe/Prague"), script_from_plain(example_script()))
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
    results = report.questionnaire
    assert results is not None and results.runs == 2
    zajem = results.questions[0]
    assert [(c.key, c.count) for c in zajem.choices] == [("ano", 1), ("ne", 1)]
    assert {e.id: e.count for e in results.ends} == {"objednan": 1, "odmitl": 1}


def test_nothing_attempted_yet():
    report = campaign_report([], ZoneInfo("Europe/Prague"))
    assert report.total.attempts == 0 and report.total.reach_rate is None and report.questionnaire is None
