"""The campaign report of the reports framework (OUT-14, OUT-18, REP-10, REP-08), over a context made
by hand: per campaign, over the last 24 hours, per Prague day and per agent with occupancy from the
journal's state times, outcomes and questionnaire results; the dialler's attempts without an agent
count in everything but the agents' rows; the campaign and agent filters narrow it."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, date, datetime, timedelta
from gettext import NullTranslations
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from kc_adapters.exports.wording import BabelWording
from kc_adapters.memory.journal import MemoryJournal
from kc_domain.outbound.attempts import CampaignAttempt
from kc_domain.outbound.campaigns import Campaign
from kc_domain.outbound.outcomes import Outcome
from kc_domain.outbound.script_example import example_script
from kc_domain.outbound.script_plain import script_from_plain
from kc_domain.outbound.scripts import CallScript
from kc_domain.reports.campaigns import REPORTS
from kc_domain.reports.catalogue import build_document
from kc_domain.reports.definition import Context
from kc_domain.reports.document import Document, Table
from kc_domain.reports.filters import ReportFilter
from kc_domain.routing import events as ev

pytestmark = pytest.mark.req("OUT-14", "REP-10")

PRAGUE = ZoneInfo("Europe/Prague")
MIDNIGHT = datetime(2026, 12, 7, 23, 0, tzinfo=UTC)  # 8 December 00:00 in Prague
NOW = MIDNIGHT + timedelta(hours=23, minutes=50)  # 23:50 on the 8th
CAMPAIGNS = {
    1: Campaign("Prevence", queue_id=5, script_id=1, id=1),
    2: Campaign("Dluhy", queue_id=6, id=2),
}


def attempt(
    campaign: int, agent: int | None, start: datetime, minutes: int, outcome: Outcome, **answers: Any
) -> CampaignAttempt:
    made = CampaignAttempt(campaign, 1, agent, start)
    made.answers = answers
    made.end(start + timedelta(minutes=minutes), outcome)
    return made


ATTEMPTS = [
    attempt(1, 7, MIDNIGHT - timedelta(minutes=30), 5, Outcome.SUCCESS, zajem="ano"),  # 23:30 on the 7th
    attempt(1, None, MIDNIGHT - timedelta(minutes=10), 1, Outcome.ABANDONED),  # the dialler's, 23:50
    attempt(1, None, MIDNIGHT + timedelta(minutes=10), 1, Outcome.ABANDONED),  # 00:10 on the 8th
    attempt(1, 8, MIDNIGHT + timedelta(minutes=20), 10, Outcome.REFUSED, zajem="ne"),
    attempt(2, 8, MIDNIGHT + timedelta(hours=10), 5, Outcome.BUSY),
]


def attempts_of(campaigns: Collection[int], since: datetime, until: datetime) -> list[CampaignAttempt]:
    return [a for a in ATTEMPTS if a.campaign_id in campaigns and since <= a.started_at < until]


def script(campaign: Campaign) -> CallScript | None:
    return script_from_plain(example_script()) if campaign.script_id else None


def journal() -> MemoryJournal:
    """Agent 8 on the 8th: logged in 09:00-10:00, on a call 09:10-09:30, wrap-up 09:30-09:40 (UTC)."""
    at = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)
    found = MemoryJournal(PRAGUE)
    changes = [
        ev.AgentStateChanged(at, 8, "ready", "logged_out"),
        ev.AgentStateChanged(at + timedelta(minutes=10), 8, "busy", "ready"),
        ev.AgentStateChanged(at + timedelta(minutes=30), 8, "wrap_up", "busy"),
        ev.AgentStateChanged(at + timedelta(minutes=40), 8, "ready", "wrap_up"),
        ev.AgentStateChanged(at + timedelta(minutes=60), 8, "logged_out", "ready"),
    ]
    found.record(changes, [])
    return found


def document(**wanted: Any) -> Document:
    ctx = Context(
        ReportFilter(date(2026, 12, 7), date(2026, 12, 8), **wanted),
        frozenset(wanted.get("agent_ids", ())),
        journal(),  # type: ignore[arg-type]  # the memory journal is the whole journal
        {},
        {},
        {7: "Eva Kučerová", 8: "Jan Novák"},
        PRAGUE,
        NOW,
        BabelWording(NullTranslations(), "en"),
        campaigns=lambda: CAMPAIGNS,
        attempts=attempts_of,
        script=script,
    )
    (report,) = REPORTS
    return build_document(report, ctx)


def table(found: Document, title: str) -> Table:
    return next(t for t in found.tables if t.title.startswith(title))


def column(found: Table, key: str) -> list[Any]:
    at = [c.key for c in found.columns].index(key)
    return [row[at] for row in found.rows]


def total(found: Table, key: str) -> Any:
    assert found.totals is not None
    return found.totals[[c.key for c in found.columns].index(key)]


def test_per_campaign_and_in_all_the_dialler_s_attempts_count():
    found = table(document(), "Campaigns")
    assert column(found, "key") == ["Dluhy", "Prevence"]
    assert column(found, "attempts") == [1, 4] and column(found, "abandoned") == [0, 2]
    assert column(found, "abandon_rate") == [None, 0.5]  # 2 abandoned of 4 live answers
    assert (total(found, "attempts"), total(found, "live"), total(found, "abandon_rate")) == (5, 4, 0.5)
    assert total(found, "reach_rate") == 0.8 and total(found, "success_rate") == 0.2
    # 3 attempts by agents in 5 + 10 + 5 minutes: 9 an hour
    assert total(found, "agent_hours") == 1200.0 and total(found, "per_agent_hour") == 9.0


def test_the_abandon_rate_per_prague_day_and_over_the_last_24_hours():
    days = table(document(), "By day")
    assert column(days, "key") == [date(2026, 12, 7), date(2026, 12, 8)]
    assert column(days, "abandon_rate") == [0.5, 0.5]  # 1 of 2, then 1 of 2 (the busy line is no answer)
    last_day = table(document(), "The last 24 hours")
    # from 23:50 on the 7th: the dialler's two abandons, a refusal, a busy line
    assert (total(last_day, "attempts"), total(last_day, "live"), total(last_day, "abandoned")) == (4, 3, 2)
    assert total(last_day, "abandon_rate") == round(2 / 3, 4)


def test_per_agent_with_occupancy_from_the_journal_and_without_the_dialler():
    agents = table(document(), "By agent")
    assert column(agents, "key") == ["Eva Kučerová", "Jan Novák"]  # no row for the dialler
    assert column(agents, "attempts") == [1, 2]
    assert column(agents, "logged_in") == [0.0, 3600.0] and column(agents, "occupied") == [0.0, 1800.0]
    assert column(agents, "occupancy") == [None, 0.5]  # 20 min talk + 10 min wrap-up of 60 min
    assert total(agents, "occupancy") == 0.5 and total(agents, "attempts") == 5


def test_outcomes_and_questionnaire_results_of_the_campaign_with_a_script():
    found = document()
    outcomes = table(found, "Outcomes")
    assert dict(zip(column(outcomes, "outcome"), column(outcomes, "attempts"), strict=True)) == {
        "Successful": 1,
        "Not interested": 1,
        "Busy": 1,
        "Answered, but no agent was free": 2,
    }
    questions = table(found, "Questionnaire results: Prevence")
    first = [r for r in questions.rows if r[0] == questions.rows[0][0]]  # answered, skipped, each choice
    assert [r[2] for r in first] == [2, 0, 1, 1]  # "ano" once, "ne" once
    assert questions.totals is not None and questions.totals[2] == 2  # two runs with answers
    assert not any(t.title.endswith("Dluhy") for t in found.tables)  # no script, no questionnaire
    assert "Abandon rate" in " ".join(found.notes) and found.charts


def test_the_campaign_and_agent_filters_narrow_it():
    only = table(document(campaign_ids=frozenset({2})), "Campaigns")
    assert column(only, "key") == ["Dluhy"] and total(only, "attempts") == 1
    assert ("Campaigns", "Dluhy") in document(campaign_ids=frozenset({2})).filters
    mine = table(document(agent_ids=frozenset({8})), "Campaigns")
    assert total(mine, "attempts") == 2 and total(mine, "abandoned") == 0  # the dialler's drop out
    by_queue = table(document(queue_ids=frozenset({5})), "Campaigns")
    assert column(by_queue, "key") == ["Prevence"]


@pytest.mark.req("REP-08", "OUT-18")
def test_handling_by_campaign_from_the_calls_talk_and_the_wrap_up_that_names_them(monkeypatch):
    """Agent 8 dialled a Dluhy contact at 09:10 (UTC, the 8th): the callee answered at 09:11, the
    call ended at 09:21 (10 min of talk) and her wrap-up named it until 09:23 (2 min)."""
    at = datetime(2026, 12, 8, 9, 10, tzinfo=UTC)
    talked = CampaignAttempt(2, 1, 8, at, call_id="out-1")
    talked.end(at + timedelta(minutes=14), Outcome.SUCCESS)
    events = [
        ev.AgentStateChanged(at, 8, "busy", "ready", "", "out-1"),
        ev.CallDialled(at, "out-1", "+420603123456", 6, 8, "", 1),
        ev.CallConnected(at + timedelta(minutes=1), "out-1"),
        ev.CallEnded(at + timedelta(minutes=11), "out-1", "completed", 6, 8),
        ev.AgentStateChanged(at + timedelta(minutes=11), 8, "wrap_up", "busy", "", "out-1"),
        ev.AgentStateChanged(at + timedelta(minutes=13), 8, "ready", "wrap_up", "", "out-1"),
    ]
    recorded = MemoryJournal(PRAGUE)
    recorded.record(events, [])
    monkeypatch.setattr(f"{__name__}.ATTEMPTS", [*ATTEMPTS, talked])
    monkeypatch.setattr(f"{__name__}.journal", lambda: recorded)
    handling = table(document(), "Handling by campaign")
    assert column(handling, "campaign") == ["Dluhy"]
    assert column(handling, "calls") == [1]
    assert (column(handling, "talk"), column(handling, "wrap_up"), column(handling, "handling")) == (
        [600.0],
        [120.0],
        [720.0],
    )
    assert total(handling, "handling") == 720.0
    agents = table(document(), "By agent")  # OUT-18: on the call from her dial (11 min), wrap-up (2)
    assert (
        dict(zip(column(agents, "key"), column(agents, "on_campaign_calls"), strict=True))["Jan Novák"]
        == 780.0
    )
