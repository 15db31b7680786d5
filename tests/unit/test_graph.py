"""The graph helpers the IVR trees and the call scripts share (IN-06, ADM-11, OUT-15)."""

from __future__ import annotations

from kc_domain.graph import reachable, reaching, reversed_graph, trapped_in_loops

GRAPH = {
    "start": ["ask", "missing"],
    "ask": ["ask", "loop1", "end"],
    "loop1": ["loop2"],
    "loop2": ["loop1"],
    "into_loop": ["loop1"],
    "end": [],
    "island": ["end"],
}


def test_reachable_skips_targets_that_are_not_nodes() -> None:
    assert reachable(["start"], GRAPH) == {"start", "ask", "loop1", "loop2", "end"}
    assert reachable(["missing"], GRAPH) == set()


def test_reversed_graph_lists_predecessors() -> None:
    assert reversed_graph(GRAPH)["loop1"] == {"ask", "loop2", "into_loop"}
    assert reversed_graph(GRAPH)["start"] == set()


def test_reaching_finds_every_node_that_can_get_to_a_goal() -> None:
    assert reaching(["end"], GRAPH) == {"start", "ask", "end", "island"}


def test_only_the_nodes_on_a_cycle_without_exit_are_trapped() -> None:
    # "ask" loops onto itself but can leave; "into_loop" cannot get out but is on no cycle
    assert trapped_in_loops(GRAPH, ["end"]) == ["loop1", "loop2"]
