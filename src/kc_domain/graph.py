"""Directed graphs as the IVR trees and the call scripts hold them: node ids and, for each, the ids it
leads to. What their validations and diagrams share: what is reachable, what can still get out.

``successors`` maps every node of the graph to its targets; targets that are not keys of the mapping
(a reference to a missing node) are passed over.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable, Iterable, Mapping
from typing import TypeVar

N = TypeVar("N", bound=Hashable)


def reachable(starts: Iterable[N], successors: Mapping[N, Iterable[N]]) -> set[N]:
    """The nodes reachable from ``starts`` (those that are nodes of the graph included)."""
    seen = {s for s in starts if s in successors}
    todo = deque(seen)
    while todo:
        for target in successors[todo.popleft()]:
            if target in successors and target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def reversed_graph(successors: Mapping[N, Iterable[N]]) -> dict[N, set[N]]:
    """Every node's predecessors."""
    predecessors: dict[N, set[N]] = {node: set() for node in successors}
    for node, targets in successors.items():
        for target in targets:
            if target in predecessors:
                predecessors[target].add(node)
    return predecessors


def reaching(goals: Iterable[N], successors: Mapping[N, Iterable[N]]) -> set[N]:
    """The nodes from which one of ``goals`` can be reached (the goals included)."""
    return reachable(goals, reversed_graph(successors))


def trapped_in_loops(successors: Mapping[N, Iterable[N]], exits: Iterable[N]) -> list[N]:
    """The nodes on a cycle from which none of ``exits`` can be reached, in the mapping's order.

    A node that cannot get out but is on no cycle itself leads into one of these, or ends at a node
    with no way on, which its owner checks on its own terms."""
    can_exit = reaching(exits, successors)
    return [
        node
        for node, targets in successors.items()
        if node not in can_exit and node in reachable(targets, successors)
    ]
