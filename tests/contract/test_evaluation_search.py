"""The EvaluationSearch contract (REC-07) on the in-memory fake, SQLite and PostgreSQL: the list
with its filters, order and paging, and the score report per agent over a period, on hand-made
evaluations whose answers are written here."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from kc_adapters.memory.persistence import MemoryUnitOfWorkFactory
from kc_adapters.memory.recording_search import MemoryEvaluationSearch
from kc_adapters.persistence.evaluation_search import SqlEvaluationSearch
from kc_domain.identity.model import User
from kc_domain.recordings.evaluation import Criterion, Evaluation, Scale, Score, TimelineNote
from kc_domain.recordings.model import Recording
from kc_ports.persistence import UnitOfWorkFactory
from kc_ports.recording_search import AgentScore, EvaluationQuery, EvaluationSearch
from tests.contract.conftest import open_database

pytestmark = pytest.mark.req("REC-07")

MONDAY = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # 9:00 in Prague
GREETING = Criterion("Pozdrav", Scale.POINTS, 5, 2)


@pytest.fixture
def stores(backend: str, tmp_path: Path) -> Iterator[tuple[UnitOfWorkFactory, EvaluationSearch]]:
    if backend == "memory":
        uow_factory = MemoryUnitOfWorkFactory()
        yield uow_factory, MemoryEvaluationSearch(uow_factory)
        return
    database, drop = open_database(backend, tmp_path)
    try:
        yield database.uow_factory(), SqlEvaluationSearch(database.engine)
    finally:
        database.dispose()
        drop()


@pytest.fixture
def evaluations(stores: tuple[UnitOfWorkFactory, EvaluationSearch]) -> EvaluationSearch:
    return stores[1]


@pytest.fixture
def made(stores: tuple[UnitOfWorkFactory, EvaluationSearch]) -> dict[str, Any]:
    """Alfa evaluated three times (80 % Monday, 60 % Tuesday, 100 % a week later), Beta once (45 %
    Monday); the evaluator Cyril."""
    with stores[0]() as uow:
        alfa = uow.users.add(User("alfa", "Adam Alfa", agent_number="2101"))
        beta = uow.users.add(User("beta", "Bára Beta", agent_number="2102"))
        cyril = uow.users.add(User("cyril", "Cyril Hodnotitel"))
        ids: dict[str, Any] = {"alfa": alfa.id, "beta": beta.id}
        for name, agent, day, percent in (
            ("e1", alfa, 0, 80.0),
            ("e2", alfa, 1, 60.0),
            ("e3", alfa, 7, 100.0),
            ("e4", beta, 0, 45.0),
        ):
            started = MONDAY + timedelta(days=day)
            recording = uow.recordings.add(
                Recording(f"c-{name}", started, 120.0, f"{name}.wav", 1000, "a" * 64, agent.id)
            )
            evaluation = uow.evaluations.add(
                Evaluation(
                    recording_id=recording.id or 0,
                    call_id=recording.call_id,
                    agent_id=agent.id or 0,
                    form_id=None,
                    form_name="Kvalita",
                    evaluator_id=cyril.id or 0,
                    evaluator_name=cyril.full_name,
                    scores=(Score(GREETING, round(percent / 20), f"komentář {name}"),),
                    notes=(TimelineNote(30.5, f"poznámka {name}"),),
                    comment=f"celkem {name}",
                    score_percent=percent,
                    created_at=started + timedelta(hours=2),
                    updated_at=started + timedelta(hours=2),
                )
            )
            ids[name] = evaluation.id
            ids[f"{name}_recording"] = recording.id
        uow.commit()
    return ids


WEEK = {"since": MONDAY - timedelta(hours=8), "until": MONDAY + timedelta(days=6)}


def test_the_list_is_newest_first_with_the_agent_scores_notes_and_recording(evaluations, made):
    rows = evaluations.search(EvaluationQuery(**WEEK))

    # e1 and e4 were made at the same instant: the later id first
    assert [r.id for r in rows] == [made["e2"], made["e4"], made["e1"]]
    first = rows[0]
    assert (first.agent_name, first.form_name, first.evaluator_name) == (
        "Adam Alfa",
        "Kvalita",
        "Cyril Hodnotitel",
    )
    assert first.scores == (Score(GREETING, 3, "komentář e2"),)
    assert first.notes == (TimelineNote(30.5, "poznámka e2"),)
    assert (first.recording_id, first.duration_s) == (made["e2_recording"], 120.0)
    assert first.call_started_at == MONDAY + timedelta(days=1)
    assert first.created_at == MONDAY + timedelta(days=1, hours=2)


def test_the_list_filters_by_agent_period_and_recording(evaluations, made):
    assert [r.id for r in evaluations.search(EvaluationQuery(agent_id=made["alfa"]))] == [
        made["e3"],
        made["e2"],
        made["e1"],
    ]
    assert [r.id for r in evaluations.search(EvaluationQuery(agent_id=made["beta"], **WEEK))] == [made["e4"]]
    assert [r.id for r in evaluations.search(EvaluationQuery(recording_id=made["e3_recording"]))] == [
        made["e3"]
    ]
    assert evaluations.search(EvaluationQuery(since=MONDAY + timedelta(days=30))) == []
    assert len(evaluations.search(EvaluationQuery(limit=2))) == 2


def test_the_report_gives_count_average_lowest_and_highest_per_agent_ordered_by_name(evaluations, made):
    assert evaluations.report(EvaluationQuery(**WEEK)) == [
        AgentScore(made["alfa"], "Adam Alfa", 2, 70.0, 60.0, 80.0),
        AgentScore(made["beta"], "Bára Beta", 1, 45.0, 45.0, 45.0),
    ]


def test_the_report_for_one_agent_and_a_longer_period(evaluations, made):
    whole = evaluations.report(
        EvaluationQuery(since=MONDAY - timedelta(days=1), until=MONDAY + timedelta(days=8))
    )
    only_alfa = evaluations.report(
        EvaluationQuery(
            since=MONDAY - timedelta(days=1),
            until=MONDAY + timedelta(days=8),
            agent_id=made["alfa"],
        )
    )

    assert only_alfa == [AgentScore(made["alfa"], "Adam Alfa", 3, 80.0, 60.0, 100.0)]
    assert [r.agent_name for r in whole] == ["Adam Alfa", "Bára Beta"]


def test_the_period_is_half_open(evaluations, made):
    exactly = MONDAY + timedelta(hours=2)  # e1 and e4 were made at this instant

    assert (
        evaluations.report(EvaluationQuery(since=exactly, until=exactly + timedelta(seconds=1)))[0].count == 1
    )
    assert evaluations.report(EvaluationQuery(since=exactly - timedelta(seconds=1), until=exactly)) == []


def test_the_list_and_the_report_keep_to_the_agents_a_reader_may_see(evaluations, made):
    beta_only = {made["beta"]}

    assert [r.id for r in evaluations.search(EvaluationQuery(agent_ids=beta_only))] == [made["e4"]]
    assert evaluations.search(EvaluationQuery(agent_ids=set())) == []
    assert evaluations.report(EvaluationQuery(**WEEK, agent_ids=beta_only)) == [
        AgentScore(made["beta"], "Bára Beta", 1, 45.0, 45.0, 45.0)
    ]
    assert evaluations.report(EvaluationQuery(**WEEK, agent_id=made["alfa"], agent_ids=beta_only)) == []


def test_the_list_pages_follow_each_other_newest_first(evaluations, made):
    pages = [evaluations.search(EvaluationQuery(limit=3, offset=offset)) for offset in (0, 3, 6)]

    assert [[r.id for r in page] for page in pages] == [
        [made["e3"], made["e2"], made["e4"]],
        [made["e1"]],
        [],
    ]
