"""Per-node IVR statistics summed over calls (REP-09).

Each ``CallLeftIvr`` event carries the counts of one caller's walk through one tree, by node id:
``{"entries", "exits", "timeouts", "invalid", "abandons", "choices": {key: n}}``. ``sum_node_stats``
adds them up per tree and node, for the simulator's report and for the IVR reports.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypedDict

from kc_domain.routing.events import CallLeftIvr, Event

COUNTS = ("entries", "exits", "timeouts", "invalid", "abandons")


class NodeTotals(TypedDict):
    calls: int  # walks (calls, or a call's repeated visits of the tree) that entered the node
    entries: int  # entries into the node, repeated menus included
    exits: int
    timeouts: int
    invalid: int
    abandons: int  # callers who hung up at the node
    choices: dict[str, int]  # menu key -> times pressed


def empty_totals() -> NodeTotals:
    return NodeTotals(calls=0, entries=0, exits=0, timeouts=0, invalid=0, abandons=0, choices={})


def _count(value: Any) -> int:
    """A count from an event's stats; anything that is not a non-negative integer counts as 0."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def add_node_stats(totals: NodeTotals, stats: Mapping[str, Any]) -> None:
    """Adds one walk's counts of one node to ``totals``."""
    totals["calls"] += 1
    totals["entries"] += _count(stats.get("entries"))
    totals["exits"] += _count(stats.get("exits"))
    totals["timeouts"] += _count(stats.get("timeouts"))
    totals["invalid"] += _count(stats.get("invalid"))
    totals["abandons"] += _count(stats.get("abandons"))
    choices = stats.get("choices")
    if isinstance(choices, Mapping):
        for key, n in choices.items():
            totals["choices"][str(key)] = totals["choices"].get(str(key), 0) + _count(n)


def sum_node_stats(events: Iterable[Event]) -> dict[str, dict[str, NodeTotals]]:
    """``{tree name: {node id: totals}}`` over every ``CallLeftIvr`` among ``events`` (others are
    skipped); trees and nodes sorted by name, choices by key. Versions of a tree are summed together."""
    out: dict[str, dict[str, NodeTotals]] = {}
    for event in events:
        if not isinstance(event, CallLeftIvr):
            continue
        nodes = out.setdefault(event.tree, {})
        for node_id, stats in event.stats.items():
            add_node_stats(nodes.setdefault(node_id, empty_totals()), stats)
    return {
        tree: {
            node: NodeTotals(**{**totals, "choices": dict(sorted(totals["choices"].items()))})
            for node, totals in sorted(nodes.items())
        }
        for tree, nodes in sorted(out.items())
    }
