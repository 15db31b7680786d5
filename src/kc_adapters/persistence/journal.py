"""The engine's journal in SQL: Core statements in batches, one transaction per ``record``."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import sqlalchemy as sa

from kc_domain.contacts.stats import CallTally
from kc_domain.reports.activity import AgentTime, agent_times
from kc_domain.reports.figures import BUCKETS, LOST_STAGES, SHORT_ABANDON_S, CallFigures, report_times
from kc_domain.reports.filters import ReportFilter
from kc_domain.routing.call import CallEnd
from kc_domain.routing.events import Event, event_from_plain, event_to_plain
from kc_domain.routing.policy import Candidate, Decision
from kc_domain.routing.projection import (
    LOST,
    Interaction,
    StateInterval,
    call_id_of,
    fold_interaction,
    fold_intervals,
)

from .tables import agent_state_intervals, contact_records, event_log, interactions, routing_decisions
from .types import UTCDateTime

_CHUNK = 500  # ids per IN (...) clause
LONGEST_INTERVAL = timedelta(days=7)  # an agent's state interval is never longer (a shift, a pause)
_INTERACTION_FIELDS = [f.name for f in attrs.fields(Interaction)]
_REPORT_FIELDS = ("local_day", "local_weekday", "local_minute", "caller_wait_s", "ring_s")
_UPDATED_FIELDS = [name for name in (*_INTERACTION_FIELDS, *_REPORT_FIELDS) if name != "call_id"]
PRAGUE = ZoneInfo("Europe/Prague")


def _interaction(row: Any) -> Interaction:
    return Interaction(**{name: row._mapping[name] for name in _INTERACTION_FIELDS})


def fill_report_columns(connection: sa.Connection, zone: tzinfo = PRAGUE, batch: int = 5000) -> int:
    """Fill the reports' columns where they are missing (calls stored before migration 0013, or
    written by a bulk loader); returns how many rows were filled."""
    c = interactions.c
    statement = (
        sa.update(interactions)
        .where(c.call_id == sa.bindparam("key"))
        .values({name: sa.bindparam(name) for name in _REPORT_FIELDS})
    )
    filled = 0
    while True:
        rows = connection.execute(
            sa.select(c.call_id, c.arrived_at, c.offered_at, c.answered_at, c.ended_at, c.end_stage)
            .where(c.local_day.is_(None), c.arrived_at.is_not(None))
            .limit(batch)
        ).all()
        if not rows:
            return filled
        values = [
            {"key": r.call_id, **report_times(Interaction(r.call_id, **_times_of(r)), zone)} for r in rows
        ]
        connection.execute(statement, values)
        filled += len(rows)


def _times_of(row: Any) -> dict[str, Any]:
    names = ("arrived_at", "offered_at", "answered_at", "ended_at", "end_stage")
    return {name: getattr(row, name) for name in names}


_FLOAT_FIGURES = {f.name for f in attrs.fields(CallFigures) if f.type in ("float", float)}


def _seconds_between(dialect: str, start: Any, end: Any) -> Any:
    """Seconds from ``start`` to ``end`` in SQL (the two databases say it differently)."""
    if dialect == "postgresql":
        return sa.func.extract("epoch", end - start)
    return (sa.func.julianday(end) - sa.func.julianday(start)) * 86400.0


def _number(name: str, value: Any) -> int | float:
    return round(float(value or 0), 3) if name in _FLOAT_FIGURES else int(value or 0)


def _key(group: str, value: Any) -> Any:
    """A group key as the reference computation gives it (SQLite and PostgreSQL differ: an hour is
    an integer division, a day a string or a date)."""
    if value is None or group in ("total",):
        return None
    if group == "day":
        return value if isinstance(value, date) else date.fromisoformat(str(value))
    return int(value)


class SqlJournal:
    def __init__(self, engine: sa.Engine, zone: tzinfo = PRAGUE) -> None:
        self._engine, self._zone = engine, zone

    def record(self, events: Sequence[Event], decisions: Sequence[Decision]) -> None:
        if not events and not decisions:
            return
        with self._engine.begin() as connection:
            if events:
                connection.execute(sa.insert(event_log), [_event_row(e) for e in events])
            if decisions:
                connection.execute(sa.insert(routing_decisions), [_decision_row(d) for d in decisions])
            self._fold_interactions(connection, events)
            self._fold_intervals(connection, events)

    def events_for(self, call_id: str) -> list[Event]:
        query = sa.select(event_log.c.name, event_log.c.data).where(event_log.c.call_id == call_id)
        with self._engine.connect() as connection:
            return [
                event_from_plain(r.name, r.data) for r in connection.execute(query.order_by(event_log.c.seq))
            ]

    def decisions_for(self, call_id: str) -> list[Decision]:
        query = sa.select(routing_decisions).where(routing_decisions.c.call_id == call_id)
        with self._engine.connect() as connection:
            return [_decision(r) for r in connection.execute(query.order_by(routing_decisions.c.id))]

    def interaction(self, call_id: str) -> Interaction | None:
        with self._engine.connect() as connection:
            row = connection.execute(sa.select(interactions).where(interactions.c.call_id == call_id)).first()
        return None if row is None else _interaction(row)

    def missed_calls(
        self, since: datetime, until: datetime, queue_ids: Collection[int] = ()
    ) -> list[Interaction]:
        query = sa.select(interactions).where(
            interactions.c.end_stage.in_([e.value for e in LOST]),
            interactions.c.arrived_at >= since,
            interactions.c.arrived_at < until,
        )
        if queue_ids:
            query = query.where(interactions.c.queue_id.in_(list(queue_ids)))
        with self._engine.connect() as connection:
            rows = connection.execute(query.order_by(interactions.c.arrived_at.desc()))
            return [_interaction(r) for r in rows]

    def calls_of(self, caller: str, limit: int = 20) -> list[Interaction]:
        # Rows without an arrival time (never seen arriving) last, as in the memory journal.
        query = (
            sa.select(interactions)
            .where(interactions.c.caller == caller)
            .order_by(
                interactions.c.arrived_at.is_(None),
                interactions.c.arrived_at.desc(),
                interactions.c.call_id.desc(),
            )
            .limit(limit)
        )
        with self._engine.connect() as connection:
            return [_interaction(r) for r in connection.execute(query)]

    def intervals(self, agent_id: int, since: datetime, until: datetime) -> list[StateInterval]:
        t = agent_state_intervals
        query = sa.select(t).where(
            t.c.agent_id == agent_id,
            t.c.started_at < until,
            sa.or_(t.c.ended_at.is_(None), t.c.ended_at > since),
        )
        with self._engine.connect() as connection:
            return [_interval(r) for r in connection.execute(query.order_by(t.c.started_at))]

    def interactions(
        self,
        since: datetime,
        until: datetime,
        *,
        agent_id: int | None = None,
        queue_ids: Collection[int] = (),
        answered_only: bool = False,
        limit: int | None = None,
    ) -> list[Interaction]:
        c = interactions.c
        query = (
            sa.select(interactions)
            .where(*_period(since, until, agent_id, queue_ids))
            .order_by(c.arrived_at.desc(), c.call_id.desc())
            .limit(limit)
        )
        if answered_only:
            query = query.where(c.answered_at.is_not(None))
        with self._engine.connect() as connection:
            return [_interaction(r) for r in connection.execute(query)]

    def tally(
        self,
        since: datetime,
        until: datetime,
        thresholds: Mapping[int, float],
        *,
        agent_id: int | None = None,
        queue_ids: Collection[int] = (),
    ) -> dict[int | None, CallTally]:
        # One aggregate query grouped by queue; the per-queue threshold is a CASE over queue ids.
        c = interactions.c
        inbound = c.direction != "outbound"
        answered = c.answered_at.is_not(None)
        lost = c.end_stage.in_([e.value for e in LOST])
        in_time: Any = sa.false()
        if thresholds:
            limit = sa.case(*[(c.queue_id == q, float(s)) for q, s in sorted(thresholds.items())], else_=None)
            in_time = c.waited_s <= limit

        def count(*conditions: Any) -> Any:
            return sa.func.sum(sa.case((sa.and_(*conditions), 1), else_=0))

        query = (
            sa.select(
                c.queue_id,
                count(inbound, c.queued_at.is_not(None), sa.or_(answered, lost)),
                count(inbound, answered),
                count(inbound, answered, c.waited_s.is_not(None), in_time),
                count(lost),
                count(sa.not_(inbound), answered),
            )
            .where(*_period(since, until, agent_id, queue_ids))
            .group_by(c.queue_id)
        )
        with self._engine.connect() as connection:
            return {row[0]: CallTally(*(int(v or 0) for v in row[1:])) for row in connection.execute(query)}

    def figures(
        self,
        wanted: ReportFilter,
        group: str,
        thresholds: Mapping[int, int],
        agents: frozenset[int] = frozenset(),
    ) -> dict[Any, CallFigures]:
        """``kc_domain.reports.figures.call_figures`` in one aggregate query over the stored columns."""
        c = interactions.c
        key = {
            "total": sa.literal(None),
            "queue": c.queue_id,
            "agent": c.agent_id,
            "hour": c.local_minute // 60,
            "interval": c.local_minute // wanted.interval_min * wanted.interval_min,
            "day": c.local_day,
            "weekday": c.local_weekday,
            "category": contact_records.c.category_id,
        }[group]
        where: list[Any] = [c.local_day >= wanted.since, c.local_day <= wanted.until]
        if wanted.weekdays:
            where.append(c.local_weekday.in_(sorted(wanted.weekdays)))
        if wanted.minutes is not None:
            where += [c.local_minute >= wanted.minutes[0], c.local_minute < wanted.minutes[1]]
        if wanted.queue_ids:
            where.append(c.queue_id.in_(sorted(wanted.queue_ids)))
        if agents:
            where.append(c.agent_id.in_(sorted(agents)))
        inbound, outbound = c.direction != "outbound", c.direction == "outbound"
        answered = c.answered_at.is_not(None)
        lost = c.end_stage.in_(list(LOST_STAGES))
        in_time: Any = sa.false()
        if thresholds:
            limit = sa.case(*[(c.queue_id == q, float(s)) for q, s in sorted(thresholds.items())], else_=None)
            in_time = c.waited_s <= limit

        def count(*conditions: Any) -> Any:
            return sa.func.sum(sa.case((sa.and_(*conditions), 1), else_=0))

        def total(value: Any, *conditions: Any) -> Any:
            return sa.func.sum(sa.case((sa.and_(*conditions), value), else_=0.0))

        def bucket(column: Any, low: float | None, high: float | None) -> Any:
            bounds = [column.is_not(None)]
            bounds += [] if low is None else [column > low]
            bounds += [] if high is None else [column <= high]
            return count(inbound, answered, *bounds)

        columns: dict[str, Any] = {
            "inbound": count(inbound),
            "outbound": count(outbound),
            "answered": count(inbound, answered),
            "outbound_connected": count(outbound, answered),
            "lost": count(inbound, lost),
            **{name: count(inbound, c.end_stage == stage) for stage, name in LOST_STAGES.items()},
            "short_abandons": count(inbound, lost, c.caller_wait_s <= SHORT_ABANDON_S),
            "transferred": count(inbound, c.end_stage == CallEnd.TRANSFERRED.value),
            "called_back": count(inbound, c.end_stage == CallEnd.CALLED_BACK.value),
            "answered_in_sl": count(inbound, answered, c.waited_s.is_not(None), in_time),
            "talk_s": total(sa.func.coalesce(c.talk_s, 0.0), inbound, answered),
            "outbound_talk_s": total(sa.func.coalesce(c.talk_s, 0.0), outbound, answered),
            "wait_s": total(sa.func.coalesce(c.caller_wait_s, 0.0), inbound, answered),
            "queue_wait_s": total(sa.func.coalesce(c.waited_s, 0.0), inbound, answered),
            "ring_s": total(sa.func.coalesce(c.ring_s, 0.0), inbound, answered),
        }
        edges = (None, *BUCKETS, None)
        for prefix, column in (("wait", c.caller_wait_s), ("ring", c.ring_s)):
            for low, high, name in zip(edges[:-1], edges[1:], (*BUCKETS, "more"), strict=True):
                columns[f"{prefix}_{name}"] = bucket(column, low, high)
        query = sa.select(key.label("key"), *(v.label(k) for k, v in columns.items())).where(*where)
        if group == "category" or wanted.category_ids:  # the call category its agent gave it (REP-03)
            joined = interactions.outerjoin(contact_records, contact_records.c.call_id == c.call_id)
            query = query.select_from(joined)
        if wanted.category_ids:
            query = query.where(contact_records.c.category_id.in_(sorted(wanted.category_ids)))
        if group != "total":
            query = query.group_by(key)
        found: dict[Any, CallFigures] = {}
        with self._engine.connect() as connection:
            for row in connection.execute(query):
                values = row._mapping
                if values["inbound"] is None:  # no call at all: SUM over nothing
                    continue
                fields: dict[str, Any] = {name: _number(name, values[name]) for name in columns}
                found[_key(group, values["key"])] = CallFigures(**fields)
        return found

    def agent_times(
        self, since: datetime, until: datetime, now: datetime, agents: frozenset[int] = frozenset()
    ) -> dict[int, AgentTime]:
        """One aggregate query: each interval clipped to [since, until), open ones to ``now``."""
        t = agent_state_intervals.c
        end = sa.func.coalesce(t.ended_at, sa.literal(now, UTCDateTime()))
        clipped_end = sa.case((end > until, sa.literal(until, UTCDateTime())), else_=end)
        clipped_start = sa.case((t.started_at < since, sa.literal(since, UTCDateTime())), else_=t.started_at)
        seconds = _seconds_between(self._engine.dialect.name, clipped_start, clipped_end)
        query = (
            sa.select(t.agent_id, t.state, t.pause_code, sa.func.sum(seconds), sa.func.count())
            .where(
                t.started_at < until,
                t.started_at >= since - LONGEST_INTERVAL,  # lets the index bound the scan
                sa.or_(t.ended_at.is_(None), t.ended_at > since),
                t.started_at < now,
            )
            .group_by(t.agent_id, t.state, t.pause_code)
        )
        if agents:
            query = query.where(t.agent_id.in_(sorted(agents)))
        with self._engine.connect() as connection:
            rows = [
                (r[0], r[1], r[2], max(0.0, float(r[3] or 0)), int(r[4])) for r in connection.execute(query)
            ]
        return agent_times(rows)

    # -- projections ---------------------------------------------------------------------------------
    def _fold_interactions(self, connection: sa.Connection, events: Sequence[Event]) -> None:
        by_call: dict[str, list[Event]] = {}
        for event in events:
            call_id = call_id_of(event)
            if call_id is not None:
                by_call.setdefault(call_id, []).append(event)
        if not by_call:
            return
        stored = {
            r.call_id: _interaction(r)
            for r in _select_in(connection, interactions, interactions.c.call_id, by_call)
        }
        new: list[dict[str, Any]] = []
        changed: list[dict[str, Any]] = []
        for call_id, call_events in by_call.items():
            row = stored.get(call_id) or Interaction(call_id)
            for event in call_events:
                fold_interaction(row, event)
            (changed if call_id in stored else new).append(
                {**attrs.asdict(row), **report_times(row, self._zone)}
            )
        if new:
            connection.execute(sa.insert(interactions), new)
        if changed:
            keyed = [{**row, "key": row["call_id"]} for row in changed]
            statement = (
                sa.update(interactions)
                .where(interactions.c.call_id == sa.bindparam("key"))
                .values({name: sa.bindparam(name) for name in _UPDATED_FIELDS})
            )
            connection.execute(statement, keyed)

    def _fold_intervals(self, connection: sa.Connection, events: Sequence[Event]) -> None:
        t = agent_state_intervals
        agents = {e.agent_id for e in events if type(e).__name__ == "AgentStateChanged"}  # type: ignore[attr-defined]
        if not agents:
            return
        open_rows = connection.execute(sa.select(t).where(t.c.agent_id.in_(agents), t.c.ended_at.is_(None)))
        opened = {r.agent_id: _interval(r) for r in open_rows}
        stored = {id(i) for i in opened.values()}
        touched = fold_intervals(opened, events)
        fresh, seen = [], set()
        for interval in touched:
            if id(interval) not in stored and id(interval) not in seen:
                seen.add(id(interval))
                fresh.append(interval)
        closed = [i for i in touched if id(i) in stored]
        if closed:
            statement = sa.update(t).where(t.c.id == sa.bindparam("key")).values(ended_at=sa.bindparam("e"))
            connection.execute(statement, [{"key": i.id, "e": i.ended_at} for i in closed])
        if fresh:
            rows = [attrs.asdict(i, filter=lambda a, _v: a.name != "id") for i in fresh]
            connection.execute(sa.insert(t), rows)


def _period(since: datetime, until: datetime, agent_id: int | None, queue_ids: Collection[int]) -> list[Any]:
    c = interactions.c
    conditions: list[Any] = [c.arrived_at >= since, c.arrived_at < until]
    if agent_id is not None:
        conditions.append(c.agent_id == agent_id)
    if queue_ids:
        conditions.append(c.queue_id.in_(sorted(queue_ids)))
    return conditions


def _select_in(
    connection: sa.Connection, table: sa.Table, column: sa.Column[Any], keys: Iterable[str]
) -> list[Any]:
    keys = list(keys)
    rows: list[Any] = []
    for start in range(0, len(keys), _CHUNK):
        rows += connection.execute(sa.select(table).where(column.in_(keys[start : start + _CHUNK]))).all()
    return rows


def _event_row(event: Event) -> dict[str, Any]:
    data = event_to_plain(event)
    return {
        "at": event.at,
        "name": type(event).__name__,
        "call_id": call_id_of(event),
        "agent_id": data.get("agent_id"),
        "data": data,
    }


def _decision_row(decision: Decision) -> dict[str, Any]:
    return {
        "call_id": decision.call_id,
        "at": decision.at,
        "queue_id": decision.queue_id,
        "rule": decision.rule,
        "chosen": decision.chosen,
        "reason": decision.reason,
        "candidates": [attrs.asdict(c) for c in decision.candidates],
    }


def _decision(row: Any) -> Decision:
    candidates = tuple(Candidate(**c) for c in row.candidates)
    return Decision(row.call_id, row.at, row.queue_id, row.rule, row.chosen, candidates, row.reason)


def _interval(row: Any) -> StateInterval:
    return StateInterval(
        row.agent_id, row.state, row.started_at, row.ended_at, row.pause_code, row.call_id, row.id
    )
