"""The engine's journal in SQL: Core statements in batches, one transaction per ``record``."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import attrs
import sqlalchemy as sa

from kc_domain.contacts.stats import CallTally
from kc_domain.ivr.stats import NodeTotals
from kc_domain.reports.activity import AgentTime, agent_times
from kc_domain.reports.figures import CallFigures, report_times
from kc_domain.reports.filters import ReportFilter
from kc_domain.routing.events import Event, event_from_plain, event_to_plain
from kc_domain.routing.policy import Decision, decision_from_plain
from kc_domain.routing.projection import (
    LOST,
    Interaction,
    StateInterval,
    call_id_of,
    fold_interaction,
    fold_intervals,
    starts_call,
)

from . import ivr_days, rollups
from .tables import (
    JOURNAL_MARK_ID,
    agent_state_intervals,
    event_log,
    interactions,
    journal_mark,
    routing_decisions,
)

_CHUNK = 500  # ids per IN (...) clause
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


def _add_rows(sums: dict[Any, list[float]], group: str, rows: Iterable[Any]) -> None:
    """Add rows (key, sums in ``rollups.FIGURE_NAMES`` order) into ``sums`` by their group key."""
    for row in rows:
        if row[1] is None:  # no call at all: SUM over nothing
            continue
        into = sums.setdefault(_key(group, row[0]), [0] * len(rollups.FIGURE_NAMES))
        for n, value in enumerate(row[1:]):
            into[n] += value or 0


class SqlJournal:
    def __init__(self, engine: sa.Engine, zone: tzinfo = PRAGUE) -> None:
        self._engine, self._zone = engine, zone

    def record(self, events: Sequence[Event], decisions: Sequence[Decision], *, through: int = 0) -> None:
        if not events and not decisions and not through:
            return
        with self._engine.begin() as connection:
            if through:
                self._mark(connection, through)
            if events:
                connection.execute(sa.insert(event_log), [_event_row(e) for e in events])
            if decisions:
                connection.execute(sa.insert(routing_decisions), [_decision_row(d) for d in decisions])
            self._fold_interactions(connection, events)
            self._fold_intervals(connection, events)
            ivr_days.add_walks(connection, events, self._zone)

    @staticmethod
    def _mark(connection: sa.Connection, through: int) -> None:
        m = journal_mark
        higher = sa.case((m.c.through < through, through), else_=m.c.through)
        update = sa.update(m).where(m.c.id == JOURNAL_MARK_ID).values(through=higher)
        moved = connection.execute(update).rowcount
        if not moved:
            connection.execute(sa.insert(m).values(id=JOURNAL_MARK_ID, through=through))

    def recorded_through(self) -> int:
        with self._engine.connect() as connection:
            found = connection.execute(sa.select(journal_mark.c.through)).scalar()
        return int(found or 0)

    def open_calls(self) -> list[Interaction]:
        c = interactions.c
        query = sa.select(interactions).where(c.arrived_at.is_not(None), c.ended_at.is_(None))
        with self._engine.connect() as connection:
            return [_interaction(r) for r in connection.execute(query.order_by(c.arrived_at, c.call_id))]

    def open_intervals(self) -> list[StateInterval]:
        t = agent_state_intervals
        query = sa.select(t).where(t.c.ended_at.is_(None)).order_by(t.c.agent_id, t.c.id)
        with self._engine.connect() as connection:
            return [_interval(r) for r in connection.execute(query)]

    def last_event_at(self) -> datetime | None:
        with self._engine.connect() as connection:
            newest: datetime | None = connection.execute(sa.select(sa.func.max(event_log.c.at))).scalar()
        return newest

    def events_for(self, call_id: str) -> list[Event]:
        query = sa.select(event_log.c.name, event_log.c.data).where(event_log.c.call_id == call_id)
        with self._engine.connect() as connection:
            return [
                event_from_plain(r.name, r.data) for r in connection.execute(query.order_by(event_log.c.seq))
            ]

    def decisions_for(self, call_id: str) -> list[Decision]:
        query = sa.select(routing_decisions).where(routing_decisions.c.call_id == call_id)
        with self._engine.connect() as connection:
            rows = connection.execute(query.order_by(routing_decisions.c.id))
            return [decision_from_plain(r._asdict()) for r in rows]

    def interaction(self, call_id: str) -> Interaction | None:
        with self._engine.connect() as connection:
            row = connection.execute(sa.select(interactions).where(interactions.c.call_id == call_id)).first()
        return None if row is None else _interaction(row)

    def interactions_of(self, call_ids: Collection[str]) -> dict[str, Interaction]:
        with self._engine.connect() as connection:
            rows = _select_in(connection, interactions, interactions.c.call_id, sorted(set(call_ids)))
        return {row.call_id: _interaction(row) for row in rows}

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
        """``kc_domain.reports.figures.call_figures`` from the roll-ups of the period's rolled days
        and one aggregate query over the calls of the others (``rollups``)."""
        kind = rollups.kind_for(wanted, group, agents)
        sums: dict[Any, list[float]] = {}
        with self._engine.connect() as connection:
            rolled = (
                set()
                if kind is None
                else rollups.rolled_days(connection, wanted.since, wanted.until, thresholds)
            )
            if rolled:
                assert kind is not None
                rows = rollups.rolled_figures(connection, kind, wanted, group, agents, rolled)
                _add_rows(sums, group, rows)
            days = None
            if rolled:
                span = (wanted.until - wanted.since).days + 1
                days = [d for d in (wanted.since + timedelta(days=n) for n in range(span)) if d not in rolled]
            if days is None or days:
                _add_rows(sums, group, self._call_rows(connection, wanted, group, thresholds, agents, days))
        found: dict[Any, CallFigures] = {}
        for key, values in sums.items():
            fields: dict[str, Any] = {
                n: _number(n, v) for n, v in zip(rollups.FIGURE_NAMES, values, strict=True)
            }
            found[key] = CallFigures(**fields)
        return found

    def _call_rows(
        self,
        connection: sa.Connection,
        wanted: ReportFilter,
        group: str,
        thresholds: Mapping[int, int],
        agents: frozenset[int],
        days: list[date] | None,
    ) -> list[Any]:
        """Rows (key, sums) over the calls themselves, of ``days`` (None: the whole period)."""
        key = rollups.group_column(group, wanted.interval_min, rollups.CALL_KEYS)
        where = rollups.conditions(wanted, agents, rollups.CALL_KEYS)
        if days is not None:
            where.append(interactions.c.local_day.in_(days))
        columns = rollups.figure_columns(thresholds)
        query = sa.select(key.label("key"), *columns.values()).where(*where)
        if group == "category" or wanted.category_ids:  # the call category its agent gave it (REP-03)
            query = query.select_from(rollups.with_categories())
        if group != "total":
            query = query.group_by(key)
        return list(connection.execute(query))

    def agent_times(
        self, since: datetime, until: datetime, now: datetime, agents: frozenset[int] = frozenset()
    ) -> dict[int, AgentTime]:
        """Each interval clipped to [since, until), open ones to ``now``: the whole local days of the
        period that are rolled up from ``report_agent_days``, the rest in aggregate queries."""
        with self._engine.connect() as connection:
            parts = self._time_parts(connection, since, until)
            rows: dict[tuple[int, str, str], list[float]] = {}
            for n, (start, end, rolled) in enumerate(parts):
                if rolled:
                    found = rollups.rolled_agent_seconds(connection, rolled, rolled[0], agents)
                else:
                    found = rollups.agent_seconds(connection, start, end, now, agents)
                for agent_id, state, code, seconds, begun, carried in found:
                    into = rows.setdefault((agent_id, state, code), [0.0, 0])
                    into[0] += seconds
                    into[1] += begun + (carried if n == 0 else 0)  # carried in: counted once, at the start
        return agent_times([(a, s, p, max(0.0, v[0]), int(v[1])) for (a, s, p), v in rows.items()])

    def _time_parts(
        self, connection: sa.Connection, since: datetime, until: datetime
    ) -> list[tuple[datetime, datetime, list[date]]]:
        """[since, until) cut into consecutive parts: runs of whole rolled-up local days (their days
        listed) and the stretches between them (no days: read from the intervals)."""
        first = since.astimezone(self._zone).date()
        if since >= until or rollups.day_bounds(first, self._zone)[0] != since:
            return [(since, until, [])]
        last = (until - timedelta(microseconds=1)).astimezone(self._zone).date()
        rolled = rollups.rolled_days(connection, first, last, None)
        parts: list[tuple[datetime, datetime, list[date]]] = []
        day = first
        while day <= last:
            start, end = rollups.day_bounds(day, self._zone)
            whole = day in rolled and end <= until
            if parts and bool(parts[-1][2]) == whole:
                previous = parts[-1]
                parts[-1] = (previous[0], min(end, until), previous[2] + ([day] if whole else []))
            else:
                parts.append((start, min(end, until), [day] if whole else []))
            day += timedelta(days=1)
        return parts

    def ivr_nodes(self, wanted: ReportFilter) -> dict[str, dict[str, NodeTotals]]:
        with self._engine.connect() as connection:
            return ivr_days.ivr_nodes(connection, wanted)

    def roll_up(self, thresholds: Mapping[int, int], now: datetime) -> dict[str, int]:
        """Sum every finished day not yet rolled up with these thresholds (each day in a transaction
        of its own); how many days."""
        today = now.astimezone(self._zone).date()
        with self._engine.connect() as connection:
            days = rollups.days_to_roll(connection, today, thresholds)
        for day in days:
            with self._engine.begin() as connection:
                rollups.roll_up_day(connection, day, thresholds, self._zone, now)
        return {"days": len(days)}

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
            if call_id not in stored and not starts_call(call_events[0]):
                continue  # events of a call never seen arriving: the event log keeps them, no row
            row = stored.get(call_id) or Interaction(call_id)
            for event in call_events:
                fold_interaction(row, event)  # refuses (and logs) what would merge two calls
            (changed if call_id in stored else new).append(
                {**attrs.asdict(row), **report_times(row, self._zone)}
            )
        rollups.unroll(connection, [r["local_day"] for r in (*new, *changed) if r["local_day"] is not None])
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
            # a new interval changes the agent time of the day it begins (closing one never changes
            # a rolled day: days are rolled once over, and their open intervals counted to their end)
            rollups.unroll(connection, [i.started_at.astimezone(self._zone).date() for i in fresh])
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


def _interval(row: Any) -> StateInterval:
    return StateInterval(
        row.agent_id, row.state, row.started_at, row.ended_at, row.pause_code, row.call_id, row.id
    )


if TYPE_CHECKING:
    from kc_ports.journal import ContactJournal

    def _implements(journal: SqlJournal) -> ContactJournal:
        return journal  # mypy checks the journal against the union of every narrow journal port
