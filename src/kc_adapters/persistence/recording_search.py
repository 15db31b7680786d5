"""Searching call recordings (REC-02, REC-06): one SQL query over the recordings joined with what the
journal and the contact records know of each call (agent, queue, number, type, time in queue,
category, the latest note), filtered, sorted and paged in the database; the same on SQLite and
PostgreSQL. The recording's data is the call's current data: a category changed later shows."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from kc_ports.recording_search import NOTE_PREVIEW, RecordingQuery, RecordingRow

from .tables import call_categories, contact_records, interactions, note_versions, queues, recordings, users
from .uow import READ_ONLY


def _latest_note() -> sa.ScalarSelect[Any]:
    """The text of the call's highest note version (correlated: one per recording row)."""
    nv = note_versions.c
    return (
        sa.select(nv.text)
        .where(nv.call_id == recordings.c.call_id)
        .order_by(nv.number.desc())
        .limit(1)
        .correlate(recordings)
        .scalar_subquery()
    )


def _kind() -> sa.ColumnElement[str]:
    i = interactions.c
    return sa.case(
        (i.call_id.is_(None), ""),
        (i.end_stage.like("abandoned\\_%", escape="\\"), "lost"),
        (sa.and_(i.direction == "outbound", i.answered_at.is_(None)), "not_connected"),
        (i.direction == "outbound", "outbound"),
        else_="inbound",
    )


class SqlRecordingSearch:
    """``RecordingSearch`` in one SQL query per page, on SQLite and PostgreSQL alike."""

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine

    def search(self, query: RecordingQuery) -> tuple[int, list[RecordingRow]]:
        r, i = recordings.c, interactions.c
        columns, joined, parts = _base()
        where = _conditions(query, parts, sqlite=self._engine.dialect.name == "sqlite")
        keys: dict[str, sa.ColumnElement[Any]] = {
            "started_at": r.started_at,
            "agent": users.c.full_name,
            "number": i.caller,
            "duration": r.duration_s,
            "queue_wait": i.waited_s,
            "category": call_categories.c.name,
            "queue": queues.c.name,
            "note": parts["note"],
        }
        key, descending = keys[query.sort], query.descending
        order = [
            (key.desc() if descending else key.asc()).nulls_last(),
            r.id.desc() if descending else r.id.asc(),
        ]
        page = sa.select(*columns).select_from(joined).where(*where).order_by(*order)
        counted = sa.select(sa.func.count()).select_from(
            sa.select(r.id).select_from(joined).where(*where).subquery()
        )
        with self._engine.connect().execution_options(**{READ_ONLY: True}) as connection:
            total = int(connection.execute(counted).scalar_one())
            found = connection.execute(page.offset(max(query.offset, 0)).limit(max(query.limit, 0))).all()
        return total, [_row(row._mapping) for row in found]

    def find(self, recording_id: int) -> RecordingRow | None:
        columns, joined, _ = _base()
        query = sa.select(*columns).select_from(joined).where(recordings.c.id == recording_id)
        with self._engine.connect().execution_options(**{READ_ONLY: True}) as connection:
            found = connection.execute(query).first()
        return None if found is None else _row(found._mapping)

    def recorded_calls(self, call_ids: Iterable[str]) -> dict[str, list[int]]:
        wanted = sorted(set(call_ids))
        found: dict[str, list[int]] = {}
        r = recordings.c
        with self._engine.connect().execution_options(**{READ_ONLY: True}) as connection:
            for start in range(0, len(wanted), 500):  # bounded IN lists
                chunk = wanted[start : start + 500]
                query = (
                    sa.select(r.call_id, r.id)
                    .where(r.call_id.in_(chunk), r.purged_at.is_(None))
                    .order_by(r.call_id, r.started_at, r.id)
                )
                for call_id, recording_id in connection.execute(query):
                    found.setdefault(call_id, []).append(recording_id)
        return found


def _conditions(
    query: RecordingQuery, parts: dict[str, sa.ColumnElement[Any]], *, sqlite: bool
) -> list[sa.ColumnElement[bool]]:
    """The WHERE of ``query``'s filters over the joined row."""
    r, i, note, agent, sight = recordings.c, interactions.c, parts["note"], parts["agent"], query.sight
    where: list[sa.ColumnElement[bool]] = [r.started_at >= query.since, r.started_at < query.until]
    if query.call_id:
        where.append(r.call_id == query.call_id)
    if query.agent_id is not None:
        where.append(agent == query.agent_id)
    if query.queue_id is not None:
        where.append(i.queue_id == query.queue_id)
    if sight is not None and not sight.everything:  # SEC-04, ADM-06: calls of the queues and agents seen
        ways = []
        if sight.queue_ids is not None:
            ways.append(i.queue_id.in_(sorted(sight.queue_ids)))
        if sight.agent_ids is not None:
            ways.append(agent.in_(sorted(sight.agent_ids)))
        where.append(sa.or_(*ways))
    if number := query.number:
        where.append(
            sa.or_(i.caller.contains(number, autoescape=True), i.dialled.contains(number, autoescape=True))
        )
    if query.category_id is not None:
        where.append(contact_records.c.category_id == query.category_id)
    if query.kind is not None:
        where.append(parts["kind"] == query.kind)
    if query.min_duration is not None:
        where.append(r.duration_s >= query.min_duration)
    if query.max_duration is not None:
        where.append(r.duration_s <= query.max_duration)
    if text := query.note_text:
        # SQLite's lower() knows only ASCII (Dvořák); database.py registers Python's casefold.
        fold = sa.func.kc_casefold if sqlite else sa.func.lower
        folded = text.casefold() if sqlite else text.lower()
        where.append(fold(note, type_=sa.Text).contains(folded, autoescape=True))
    return where


def _base() -> tuple[list[sa.ColumnElement[Any]], sa.FromClause, dict[str, sa.ColumnElement[Any]]]:
    """The row's columns, the joined tables, and the computed columns filters and sorts reuse."""
    r, i, u, q = recordings.c, interactions.c, users.c, queues.c
    note = _latest_note()
    kind_column = _kind()
    agent = sa.func.coalesce(r.agent_id, i.agent_id)
    columns: list[sa.ColumnElement[Any]] = [
        r.id,
        r.call_id,
        r.started_at,
        r.duration_s,
        agent.label("agent_id"),
        u.full_name.label("agent_name"),
        u.agent_number,
        i.queue_id,
        q.name.label("queue_name"),
        q.number.label("queue_number"),
        i.caller,
        i.dialled,
        i.direction,
        kind_column.label("kind"),
        i.waited_s.label("queue_wait_s"),
        contact_records.c.category_id,
        call_categories.c.name.label("category_name"),
        note.label("note"),
        r.purged_at,
        r.legal_hold,
    ]
    joined: sa.FromClause = (
        recordings.outerjoin(interactions, i.call_id == r.call_id)
        .outerjoin(users, u.id == agent)
        .outerjoin(queues, q.id == i.queue_id)
        .outerjoin(contact_records, contact_records.c.call_id == r.call_id)
        .outerjoin(call_categories, call_categories.c.id == contact_records.c.category_id)
    )
    return columns, joined, {"note": note, "kind": kind_column, "agent": agent}


def _row(row: Any) -> RecordingRow:
    return RecordingRow(
        id=row["id"],
        call_id=row["call_id"],
        started_at=row["started_at"],
        duration_s=float(row["duration_s"]),
        agent_id=row["agent_id"],
        agent_name=row["agent_name"] or "",
        agent_number=row["agent_number"] or "",
        queue_id=row["queue_id"],
        queue_name=row["queue_name"] or "",
        queue_number=row["queue_number"] or "",
        caller=row["caller"] or "",
        dialled=row["dialled"] or "",
        direction=row["direction"] or "",
        kind=row["kind"] or "",
        queue_wait_s=row["queue_wait_s"],
        category_id=row["category_id"],
        category_name=row["category_name"] or "",
        note=(row["note"] or "")[:NOTE_PREVIEW],
        purged=row["purged_at"] is not None,
        legal_hold=bool(row["legal_hold"]),
    )
