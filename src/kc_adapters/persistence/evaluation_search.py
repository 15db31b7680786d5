"""Reading evaluations of recorded calls (REC-07): an agent's or everybody's evaluations over a
period with the agent's name and the recording, and the score report per agent (count, average,
lowest, highest), aggregated in the database; the same on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from kc_ports.recording_search import AgentScore, EvaluationRow

from .tables import evaluations, recordings, users
from .uow import READ_ONLY


class SqlEvaluationSearch:
    """``EvaluationSearch`` aggregated in the database, on SQLite and PostgreSQL alike."""

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine

    def search(self, **query: Any) -> list[EvaluationRow]:
        return _search(self._engine, **query)

    def report(self, **query: Any) -> list[AgentScore]:
        return _report(self._engine, **query)


def _search(
    engine: sa.Engine,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    agent_id: int | None = None,
    recording_id: int | None = None,
    agent_ids: Collection[int] | None = None,
    limit: int = 500,
    offset: int = 0,
) -> list[EvaluationRow]:
    """Evaluations made in [since, until) matching the filters, newest first, at most ``limit``
    after skipping ``offset``; ``agent_ids``: only of these agents (None: any)."""
    e, r = evaluations.c, recordings.c
    query = (
        sa.select(
            *(e[name] for name in _EVALUATION_COLUMNS),
            sa.func.coalesce(users.c.full_name, "").label("agent_name"),
            r.started_at.label("call_started_at"),
            r.duration_s,
        )
        .select_from(
            evaluations.outerjoin(users, users.c.id == e.agent_id).outerjoin(
                recordings, r.id == e.recording_id
            )
        )
        .where(*_period(since, until))
        .order_by(e.created_at.desc(), e.id.desc())
        .limit(max(limit, 0))
        .offset(max(offset, 0))
    )
    if agent_id is not None:
        query = query.where(e.agent_id == agent_id)
    if recording_id is not None:
        query = query.where(e.recording_id == recording_id)
    if agent_ids is not None:
        query = query.where(e.agent_id.in_(sorted(agent_ids)))
    with engine.connect().execution_options(**{READ_ONLY: True}) as connection:
        return [EvaluationRow(**row._mapping) for row in connection.execute(query)]


_EVALUATION_COLUMNS = (
    "id",
    "recording_id",
    "call_id",
    "agent_id",
    "form_name",
    "evaluator_id",
    "evaluator_name",
    "scores",
    "notes",
    "comment",
    "score_percent",
    "created_at",
    "updated_at",
)


def _report(
    engine: sa.Engine,
    *,
    since: datetime,
    until: datetime,
    agent_id: int | None = None,
    agent_ids: Collection[int] | None = None,
) -> list[AgentScore]:
    """Per agent evaluated in [since, until): the number of evaluations and the average, lowest and
    highest score in percent; ordered by the agent's name. ``agent_ids``: only these (None: any)."""
    e = evaluations.c
    name = sa.func.coalesce(users.c.full_name, "")
    query = (
        sa.select(
            e.agent_id,
            name.label("agent_name"),
            sa.func.count(e.id).label("count"),
            sa.func.avg(e.score_percent).label("average"),
            sa.func.min(e.score_percent).label("lowest"),
            sa.func.max(e.score_percent).label("highest"),
        )
        .select_from(evaluations.outerjoin(users, users.c.id == e.agent_id))
        .where(*_period(since, until))
        .group_by(e.agent_id, name)
        .order_by(name, e.agent_id)
    )
    if agent_id is not None:
        query = query.where(e.agent_id == agent_id)
    if agent_ids is not None:
        query = query.where(e.agent_id.in_(sorted(agent_ids)))
    with engine.connect().execution_options(**{READ_ONLY: True}) as connection:
        return [_score_row(row._mapping) for row in connection.execute(query)]


def _period(since: datetime | None, until: datetime | None) -> list[sa.ColumnElement[bool]]:
    where: list[sa.ColumnElement[bool]] = []
    if since is not None:
        where.append(evaluations.c.created_at >= since)
    if until is not None:
        where.append(evaluations.c.created_at < until)
    return where


def _score_row(row: Any) -> AgentScore:
    return AgentScore(
        int(row["agent_id"]),
        str(row["agent_name"]),
        int(row["count"]),
        round(float(row["average"]), 1),
        float(row["lowest"]),
        float(row["highest"]),
    )
