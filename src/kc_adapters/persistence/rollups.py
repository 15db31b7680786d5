"""Report roll-ups (REP-11..REP-20, REP-16): the call figures and the agents' time of whole past
days, summed once so that a report over six months reads a few hundred thousand rows instead of
millions (tables in ``tables.py``, migration 0019).

- ``roll_up_day`` sums one local day into ``report_call_rollups`` (three kinds, see ``KINDS``) and
  ``report_agent_days``, and marks it in ``report_rollup_days`` with the service-level thresholds
  it used for the queues it has calls of. The worker does it for every finished day
  (``SqlJournal.roll_up``).
- A report reads the rolled days of its period from the roll-ups and the other days (today, a day
  changed since, a day summed with another threshold for one of its queues) from the calls; the
  results are the same, which the contract tests hold (tests/contract/test_report_figures.py).
- The journal unmarks a day when one of its calls or contact records changes (``unroll``).

The SQL of each figure is written once, in ``figure_columns``: the roll-ups and the direct query
both use it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

import attrs
import sqlalchemy as sa

from kc_domain.reports.figures import BUCKETS, LOST_STAGES, SHORT_ABANDON_S
from kc_domain.reports.filters import ReportFilter
from kc_domain.routing.call import CallEnd

from .tables import (
    REPORT_FIGURE_COLUMNS,
    agent_state_intervals,
    contact_records,
    interactions,
    report_agent_days,
    report_call_rollups,
    report_rollup_days,
)
from .types import UTCDateTime

# kind -> (minutes per time slot, the extra key column); every kind is also keyed by queue
KINDS: dict[str, tuple[int, str | None]] = {
    "queue": (15, None),
    "agent": (60, "agent_id"),
    "category": (60, "category_id"),
}
FIGURE_NAMES = tuple(name for name, _kind in REPORT_FIGURE_COLUMNS)


def thresholds_key(thresholds: Mapping[int, int | float], queue_ids: Iterable[int]) -> str:
    """What a rolled day keeps of the thresholds: those of the queues it has calls of (null for a
    queue without one), as JSON."""
    return json.dumps(
        [[q, None if q not in thresholds else float(thresholds[q])] for q in sorted(set(queue_ids))]
    )


def still_holds(kept: str, thresholds: Mapping[int, int | float]) -> bool:
    """Whether a day rolled with the ``kept`` thresholds is right under these: the same for every
    queue it has calls of (another queue's threshold does not matter to it)."""
    current = {q: float(s) for q, s in thresholds.items()}
    return all(current.get(int(q)) == s for q, s in json.loads(kept))


def seconds_between(dialect: str, start: Any, end: Any) -> Any:
    """Seconds from ``start`` to ``end`` in SQL (the two databases say it differently)."""
    if dialect == "postgresql":
        return sa.func.extract("epoch", end - start)
    return (sa.func.julianday(end) - sa.func.julianday(start)) * 86400.0


def figure_columns(thresholds: Mapping[int, int | float]) -> dict[str, Any]:
    """Each ``CallFigures`` sum as an SQL aggregate over ``interactions`` (the definitions of
    ``kc_domain.reports.figures``, docs/metrics.md); ``thresholds``: queue id -> SL seconds."""
    c = interactions.c
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
    assert tuple(columns) == FIGURE_NAMES, "report_call_rollups and the figures must list the same sums"
    return columns


def with_categories() -> Any:
    """The calls with the category their agent gave them (REP-03): at most one contact record each."""
    return interactions.outerjoin(contact_records, contact_records.c.call_id == interactions.c.call_id)


# -------------------------------------------------------------------------------------- summing
def roll_up_day(
    connection: sa.Connection, day: date, thresholds: Mapping[int, int | float], zone: tzinfo, now: datetime
) -> None:
    """Sum one finished local day (replacing what it had) and mark it rolled with ``thresholds``."""
    unroll(connection, [day])
    connection.execute(sa.delete(report_call_rollups).where(report_call_rollups.c.day == day))
    connection.execute(sa.delete(report_agent_days).where(report_agent_days.c.day == day))
    c = interactions.c
    columns = figure_columns(thresholds)
    for kind, (step, extra) in KINDS.items():
        slot = c.local_minute // step * step
        extra_column: Any = {"agent_id": c.agent_id, "category_id": contact_records.c.category_id}.get(
            extra or ""
        )
        keys = {
            "kind": sa.literal(kind),
            "day": c.local_day,
            "weekday": c.local_weekday,
            "slot": slot,
            "queue_id": c.queue_id,
            "agent_id": extra_column if extra == "agent_id" else sa.null(),
            "category_id": extra_column if extra == "category_id" else sa.null(),
        }
        query = sa.select(*(v.label(k) for k, v in keys.items()), *(v.label(k) for k, v in columns.items()))
        if extra == "category_id":
            query = query.select_from(with_categories())
        grouping = [c.local_day, c.local_weekday, slot, c.queue_id] + ([extra_column] if extra else [])
        query = query.where(c.local_day == day, c.local_minute.is_not(None)).group_by(*grouping)
        connection.execute(sa.insert(report_call_rollups).from_select([*keys, *columns], query))
    start, end = day_bounds(day, zone)
    rows = [
        {"day": day, "agent_id": a, "state": s, "pause_code": p, "seconds": sec, "started": n, "carried": m}
        for a, s, p, sec, n, m in agent_seconds(connection, start, min(end, now), now)
    ]
    if rows:
        connection.execute(sa.insert(report_agent_days), rows)
    queues = connection.execute(
        sa.select(c.queue_id).where(c.local_day == day, c.queue_id.is_not(None)).group_by(c.queue_id)
    ).scalars()
    kept = thresholds_key(thresholds, queues)
    connection.execute(sa.insert(report_rollup_days).values(day=day, thresholds=kept, rolled_at=now))


def days_to_roll(connection: sa.Connection, today: date, thresholds: Mapping[int, int | float]) -> list[date]:
    """The days from the first call's to yesterday not rolled up with these thresholds (days without
    calls too: a weekend's agent time, and no gaps for a report to read around); yesterday only
    once its calls have all ended (a call may run past midnight)."""
    c = interactions.c
    first = connection.execute(sa.select(sa.func.min(c.local_day)).where(c.local_day < today)).scalar()
    if first is None:
        return []
    first = _as_date(first)
    done = rolled_days(connection, first, today, thresholds)
    days = [d for d in (first + timedelta(days=n) for n in range((today - first).days)) if d not in done]
    yesterday = today - timedelta(days=1)
    if yesterday in days:
        still_open = connection.execute(
            sa.select(c.call_id).where(c.local_day == yesterday, c.ended_at.is_(None)).limit(1)
        ).first()
        if still_open is not None:
            days.remove(yesterday)
    return days


def unroll(connection: sa.Connection, days: Iterable[date]) -> None:
    """The days' roll-ups no longer hold (a call or a contact record of theirs changed)."""
    wanted = sorted(set(days))
    if wanted:
        connection.execute(sa.delete(report_rollup_days).where(report_rollup_days.c.day.in_(wanted)))


def unroll_call(connection: sa.Connection, call_id: str) -> None:
    """As ``unroll`` for the day of one call."""
    day = sa.select(interactions.c.local_day).where(interactions.c.call_id == call_id).scalar_subquery()
    connection.execute(sa.delete(report_rollup_days).where(report_rollup_days.c.day == day))


# -------------------------------------------------------------------------------------- reading
@attrs.frozen
class Keys:
    """The columns a report groups and filters by: on the calls, or on the roll-ups (``minute``:
    of the day, or the first of the slot)."""

    queue: Any
    agent: Any
    minute: Any
    day: Any
    weekday: Any
    category: Any


CALL_KEYS = Keys(
    interactions.c.queue_id,
    interactions.c.agent_id,
    interactions.c.local_minute,
    interactions.c.local_day,
    interactions.c.local_weekday,
    contact_records.c.category_id,  # joined by ``with_categories``
)
ROLLUP_KEYS = Keys(
    report_call_rollups.c.queue_id,
    report_call_rollups.c.agent_id,
    report_call_rollups.c.slot,
    report_call_rollups.c.day,
    report_call_rollups.c.weekday,
    report_call_rollups.c.category_id,
)


def group_column(group: str, interval: int, keys: Keys) -> Any:
    """The SQL key of a report group (``figures.GROUPS``)."""
    return {
        "total": sa.literal(None),
        "queue": keys.queue,
        "agent": keys.agent,
        "hour": keys.minute // 60,
        "interval": keys.minute // interval * interval,
        "day": keys.day,
        "weekday": keys.weekday,
        "category": keys.category,
    }[group]


def conditions(wanted: ReportFilter, agents: frozenset[int], keys: Keys) -> list[Any]:
    """The report filter in SQL (``figures.selected``); ``agents``: groups resolved, empty: all."""
    where: list[Any] = [keys.day >= wanted.since, keys.day <= wanted.until]
    if wanted.weekdays:
        where.append(keys.weekday.in_(sorted(wanted.weekdays)))
    if wanted.minutes is not None:
        where += [keys.minute >= wanted.minutes[0], keys.minute < wanted.minutes[1]]
    if wanted.queue_ids:
        where.append(keys.queue.in_(sorted(wanted.queue_ids)))
    if agents:
        where.append(keys.agent.in_(sorted(agents)))
    if wanted.category_ids:
        where.append(keys.category.in_(sorted(wanted.category_ids)))
    return where


def kind_for(wanted: ReportFilter, group: str, agents: frozenset[int]) -> str | None:
    """The roll-up that can answer this query, or None (then only the calls can)."""
    by_agent = group == "agent" or bool(agents)
    by_category = group == "category" or bool(wanted.category_ids)
    if by_agent and by_category:
        return None
    kind = "agent" if by_agent else "category" if by_category else "queue"
    step = KINDS[kind][0]
    if group == "interval" and wanted.interval_min % step:
        return None
    if wanted.minutes is not None and any(m % step for m in wanted.minutes):
        return None
    return kind


def rolled_days(
    connection: sa.Connection, since: date, until: date, thresholds: Mapping[int, int | float] | None
) -> set[date]:
    """The days in [since, until] rolled up (and still right under these thresholds, unless None)."""
    r = report_rollup_days.c
    query = sa.select(r.day, r.thresholds).where(r.day >= since, r.day <= until)
    return {
        _as_date(d)
        for d, kept in connection.execute(query)
        if thresholds is None or still_holds(kept, thresholds)
    }


def rolled_figures(
    connection: sa.Connection,
    kind: str,
    wanted: ReportFilter,
    group: str,
    agents: frozenset[int],
    days: Iterable[date],
) -> list[Any]:
    """Rows (key, sums in ``FIGURE_NAMES`` order) of the rolled ``days`` (``rolled_days``)."""
    t = report_call_rollups.c
    key = group_column(group, wanted.interval_min, ROLLUP_KEYS)
    where = [t.kind == kind, t.day.in_(sorted(days)), *conditions(wanted, agents, ROLLUP_KEYS)]
    sums = [sa.func.sum(getattr(t, name)) for name in FIGURE_NAMES]
    query = sa.select(key.label("key"), *sums).where(*where)
    if group != "total":
        query = query.group_by(key)
    return list(connection.execute(query))


def day_bounds(day: date, zone: tzinfo) -> tuple[datetime, datetime]:
    """The local day as [its midnight, the next midnight) (23 or 25 hours when the clock moves)."""
    return (
        datetime.combine(day, time(), zone),
        datetime.combine(day + timedelta(days=1), time(), zone),
    )


LONGEST_INTERVAL = timedelta(days=7)  # an agent's state interval is never longer (a shift, a pause)


def agent_seconds(
    connection: sa.Connection,
    since: datetime,
    until: datetime,
    now: datetime,
    agents: frozenset[int] = frozenset(),
) -> list[tuple[int, str, str, float, int, int]]:
    """(agent, state, pause code, seconds, intervals begun in the period, intervals carried into it)
    over [since, until): each interval clipped to it, open ones to ``now``."""
    t = agent_state_intervals.c
    dialect = connection.dialect.name
    end = sa.func.coalesce(t.ended_at, sa.literal(now, UTCDateTime()))
    clipped_end = sa.case((end > until, sa.literal(until, UTCDateTime())), else_=end)
    clipped_start = sa.case((t.started_at < since, sa.literal(since, UTCDateTime())), else_=t.started_at)
    seconds = seconds_between(dialect, clipped_start, clipped_end)
    begun = sa.func.sum(sa.case((t.started_at >= since, 1), else_=0))
    query = (
        sa.select(t.agent_id, t.state, t.pause_code, sa.func.sum(seconds), begun, sa.func.count())
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
    return [
        (r[0], r[1], r[2], max(0.0, float(r[3] or 0)), int(r[4] or 0), int(r[5]) - int(r[4] or 0))
        for r in connection.execute(query)
    ]


def rolled_agent_seconds(
    connection: sa.Connection, days: Iterable[date], first: date, agents: frozenset[int]
) -> list[tuple[int, str, str, float, int, int]]:
    """As ``agent_seconds`` over rolled ``days``; the intervals carried in count only on ``first``,
    the period's first day (before it they are the period's own)."""
    d = report_agent_days.c
    wanted = sorted(set(days))
    if not wanted:
        return []
    carried = sa.func.sum(sa.case((d.day == first, d.carried), else_=0))
    query = (
        sa.select(d.agent_id, d.state, d.pause_code, sa.func.sum(d.seconds), sa.func.sum(d.started), carried)
        .where(d.day.in_(wanted))
        .group_by(d.agent_id, d.state, d.pause_code)
    )
    if agents:
        query = query.where(d.agent_id.in_(sorted(agents)))
    return [
        (r[0], r[1], r[2], float(r[3] or 0), int(r[4] or 0), int(r[5] or 0))
        for r in connection.execute(query)
    ]


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))
