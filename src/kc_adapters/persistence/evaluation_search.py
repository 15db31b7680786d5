"""Reading evaluations of recorded calls (REC-07): an agent's or everybody's evaluations over a
period with the agent's name and the recording, and the score report per agent (count, average,
lowest, highest), aggregated in the database; the same on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from kc_ports.recording_search import AgentScore, EvaluationQuery, EvaluationRow

from .tables import evaluations, recordings, users
from .uow import READ_ONLY

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


class SqlEvaluationSearch:
    """``EvaluationSearch`` aggregated in the database, on SQLite and PostgreSQL alike."""

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine

    def search(self, wanted: EvaluationQuery) -> list[EvaluationRow]:
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
            .where(*_chosen(wanted))
            .order_by(e.created_at.desc(), e.id.desc())
            .limit(max(wanted.limit, 0))
            .offset(max(wanted.offset, 0))
        )
        if wanted.recording_id is not None:
            query = query.where(e.recording_id == wanted.recording_id)
        with self._engine.connect().execution_options(**{READ_ONLY: True}) as connection:
            return [EvaluationRow(**row._mapping) for row in connection.execute(query)]

    def report(self, wanted: EvaluationQuery) -> list[AgentScore]:
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
            .where(*_chosen(wanted))
            .group_by(e.agent_id, name)
            .order_by(name, e.agent_id)
        )
        with self._engine.connect().execution_options(**{READ_ONLY: True}) as connection:
            return [_score_row(row._mapping) for row in connection.execute(query)]


def _chosen(wanted: EvaluationQuery) -> list[sa.ColumnElement[bool]]:
    """The query's period and agents (the list and the report alike)."""
    e = evaluations.c
    where: list[sa.ColumnElement[bool]] = []
    if wanted.since is not None:
        where.append(e.created_at >= wanted.since)
    if wanted.until is not None:
        where.append(e.created_at < wanted.until)
    if wanted.agent_id is not None:
        where.append(e.agent_id == wanted.agent_id)
    if wanted.agent_ids is not None:
        where.append(e.agent_id.in_(sorted(wanted.agent_ids)))
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
