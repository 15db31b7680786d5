"""Per-node IVR counts by local day (REP-09): the journal adds each caller's walk through a tree
(``CallLeftIvr``) to ``ivr_node_days`` and ``ivr_choice_days`` in the transaction that records it,
so the IVR report over months reads a row per day and node. The sums are those of
``kc_domain.ivr.stats`` (the memory journal computes them from its events; the contract tests hold
the two equal)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, tzinfo
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from kc_domain.ivr.stats import COUNTS, NodeTotals, add_node_stats, empty_totals
from kc_domain.reports.filters import ReportFilter
from kc_domain.routing.events import CallLeftIvr, Event, event_from_plain

from .tables import event_log, ivr_choice_days, ivr_node_days

NODE_COUNTS = ("calls", *COUNTS)


def add_walks(connection: sa.Connection, events: Iterable[Event], zone: tzinfo) -> None:
    """Add the walks among ``events`` to the day of their end."""
    totals: dict[tuple[date, str, str], NodeTotals] = {}
    for event in events:
        if isinstance(event, CallLeftIvr):
            day = event.at.astimezone(zone).date()
            for node_id, stats in event.stats.items():
                add_node_stats(totals.setdefault((day, event.tree, str(node_id)), empty_totals()), stats)
    if not totals:
        return
    nodes = [
        {"day": d, "tree": t, "node": n, **{name: found[name] for name in NODE_COUNTS}}  # type: ignore[literal-required]
        for (d, t, n), found in totals.items()
    ]
    add_counts(connection, ivr_node_days, ("day", "tree", "node"), NODE_COUNTS, nodes)
    choices = [
        {"day": d, "tree": t, "node": n, "key": key, "count": count}
        for (d, t, n), found in totals.items()
        for key, count in found["choices"].items()
    ]
    if choices:
        add_counts(connection, ivr_choice_days, ("day", "tree", "node", "key"), ("count",), choices)


def add_counts(
    connection: sa.Connection,
    table: sa.Table,
    keys: Sequence[str],
    counts: Sequence[str],
    rows: list[dict[str, Any]],
) -> None:
    """Insert the rows, or add their counts to the rows already there."""
    insert = (postgresql if connection.dialect.name == "postgresql" else sqlite).insert(table)
    upsert = insert.on_conflict_do_update(
        index_elements=list(keys), set_={name: table.c[name] + insert.excluded[name] for name in counts}
    )
    connection.execute(upsert, rows)


def ivr_nodes(connection: sa.Connection, wanted: ReportFilter) -> dict[str, dict[str, NodeTotals]]:
    """``{tree: {node: totals}}`` over the days ``wanted`` selects (its dates and weekdays; the
    other filters do not apply to the IVR), sorted as ``kc_domain.ivr.stats.sum_node_stats``."""
    n, c = ivr_node_days.c, ivr_choice_days.c
    found: dict[str, dict[str, NodeTotals]] = {}

    def wanted_day(day: Any) -> bool:
        day = day if isinstance(day, date) else date.fromisoformat(str(day))
        return not wanted.weekdays or day.weekday() in wanted.weekdays

    nodes = sa.select(ivr_node_days).where(n.day >= wanted.since, n.day <= wanted.until)
    for row in connection.execute(nodes):
        if wanted_day(row.day):
            totals = found.setdefault(row.tree, {}).setdefault(row.node, empty_totals())
            for name in NODE_COUNTS:
                totals[name] += getattr(row, name)  # type: ignore[literal-required]
    choices = sa.select(ivr_choice_days).where(c.day >= wanted.since, c.day <= wanted.until)
    for row in connection.execute(choices):
        if wanted_day(row.day):
            totals = found.setdefault(row.tree, {}).setdefault(row.node, empty_totals())
            totals["choices"][row.key] = totals["choices"].get(row.key, 0) + row._mapping["count"]
    return {
        tree: {
            node: NodeTotals(**{**totals, "choices": dict(sorted(totals["choices"].items()))})
            for node, totals in sorted(nodes_.items())
        }
        for tree, nodes_ in sorted(found.items())
    }


def fill_ivr_days(connection: sa.Connection, zone: tzinfo | None = None, batch: int = 5000) -> int:
    """Add every walk already in the event log (calls journaled before migration 0019); how many."""
    from zoneinfo import ZoneInfo

    zone = zone or ZoneInfo("Europe/Prague")
    e = event_log.c
    last, added = -1, 0
    while True:
        rows = connection.execute(
            sa.select(e.seq, e.data).where(e.name == "CallLeftIvr", e.seq > last).order_by(e.seq).limit(batch)
        ).all()
        if not rows:
            return added
        add_walks(connection, [event_from_plain("CallLeftIvr", r.data) for r in rows], zone)
        last, added = rows[-1].seq, added + len(rows)
