"""IVR reports per node (REP-09): for each tree, every node in the order of the tree (its active
version, else the newest) with the callers who reached it, entries, exits, timeouts, invalid keys,
callers who hung up there and the keys pressed. Counted by the day a caller left the tree; the date
and weekday filters apply, the queue, agent, group, category and time-of-day ones do not."""

from __future__ import annotations

from typing import Any

from kc_domain.ivr.model import IvrTree
from kc_domain.ivr.outline import TYPE_NAMES, outline
from kc_domain.ivr.stats import NodeTotals, empty_totals
from kc_domain.reports.definition import Built, Context, Report
from kc_domain.reports.document import Column, ColumnKind, Table
from kc_domain.texts import N_


def ivr(ctx: Context) -> Built:
    found = ctx.journal.ivr_nodes(ctx.wanted)
    trees = ctx.trees()
    tables, charts = [], []
    for name, nodes in found.items():
        rows = [
            _row(label, kind, nodes.get(node_id, empty_totals()))
            for label, kind, node_id in _order(ctx, trees.get(name), nodes)
        ]
        tables.append(_table(ctx, name, rows))
        charts.append(
            ctx.bars(
                ctx.gettext("IVR %(tree)s: callers per node", tree=name),
                [str(r[0]).strip("· ") for r in rows],
                [
                    (ctx.gettext("Reached"), [float(r[2]) for r in rows]),
                    (ctx.gettext("Hung up"), [float(r[7]) for r in rows]),
                ],
            )
        )
    if not tables:
        tables.append(_table(ctx, ctx.gettext("No caller went through an IVR in this period"), []))
    return Built(tuple(tables), tuple(charts))


def _order(ctx: Context, tree: IvrTree | None, nodes: dict[str, NodeTotals]) -> list[tuple[str, str, str]]:
    """(label, node type, node id): the tree's nodes as its outline (indented by depth, a node reached
    again listed once), then the nodes counted that the tree no longer has."""
    listed: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    for row in outline(tree) if tree is not None else []:
        if row.repeated or row.node_id in seen:
            continue
        seen.add(row.node_id)
        listed.append(
            (
                f"{'· ' * row.depth}{row.node_id}",
                ctx.gettext(TYPE_NAMES[row.type]) if row.type in TYPE_NAMES else row.type,
                row.node_id,
            )
        )
    listed += [(node_id, "", node_id) for node_id in nodes if node_id not in seen]
    return listed


def _row(label: str, kind: str, totals: NodeTotals) -> tuple[Any, ...]:
    calls = totals["calls"]
    keys = " · ".join(f"{key}: {n}" for key, n in totals["choices"].items())
    return (
        label,
        kind,
        calls,
        totals["entries"],
        totals["exits"],
        totals["timeouts"],
        totals["invalid"],
        totals["abandons"],
        round(totals["abandons"] / calls, 4) if calls else None,
        keys,
    )


def _table(ctx: Context, title: str, rows: list[tuple[Any, ...]]) -> Table:
    N = ColumnKind.INT
    return Table(
        title,
        (
            Column("node", ctx.gettext("Node")),
            Column("type", ctx.gettext("Type")),
            Column("calls", ctx.gettext("Callers"), N),
            Column("entries", ctx.gettext("Entries"), N),
            Column("exits", ctx.gettext("Went on"), N),
            Column("timeouts", ctx.gettext("No key pressed"), N),
            Column("invalid", ctx.gettext("Invalid key"), N),
            Column("abandons", ctx.gettext("Hung up"), N),
            Column("abandon_share", ctx.gettext("Hung up of callers"), ColumnKind.PERCENT),
            Column("choices", ctx.gettext("Keys pressed")),
        ),
        tuple(rows),
    )


REPORTS = (Report("ivr", N_("IVR by node"), ivr),)
