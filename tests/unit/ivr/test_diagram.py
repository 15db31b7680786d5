"""The IVR tree laid out as a diagram: layers, order, loops, unreachable nodes, no overlaps (IN-06)."""

from __future__ import annotations

import pytest

from kc_domain.ivr.diagram import Box, Diagram, layout
from kc_domain.ivr.model import (
    Callback,
    CollectDigits,
    Condition,
    GotoTree,
    HangUp,
    IvrTree,
    Lookup,
    Menu,
    Play,
    Prompt,
    RouteToQueue,
    SetTag,
    Transfer,
    Voicemail,
)
from tests.unit.ivr.support import tree

pytestmark = pytest.mark.req("IN-06")

LONG = "Dobrý den, vítá vás klientské centrum. Pro informace o platbách stiskněte jedna."


def sample() -> IvrTree:
    return tree(
        "main",
        Menu(
            id="main",
            prompt=Prompt(LONG),
            choices={"1": "pay", "2": "who", "3": "open", "0": "main"},
            on_fail="bye",
        ),
        Play(id="pay", prompt=Prompt("Platby"), next="queues"),
        CollectDigits(id="who", prompt=Prompt("Zadejte číslo pojištěnce"), into="rc", next="find"),
        Lookup(id="find", source="crm", key="rc", into="client", next="tag", on_missing="main"),
        SetTag(id="tag", key="client", value="{client.id}", next="queues"),
        Condition(id="open", kind="open", value="3", then="queues", otherwise="vm"),
        RouteToQueue(id="queues", queue_ids=(3, 5), otherwise="cb"),
        Voicemail(id="vm", box="kkc"),
        Callback(id="cb", queue_id=3),
        HangUp(id="bye"),
        Transfer(id="lonely", number="+420261105555"),
        GotoTree(id="other", tree="claims"),
    )


def overlaps(a: Box, b: Box) -> bool:
    return a.x < b.x + b.width and b.x < a.x + a.width and a.y < b.y + b.height and b.y < a.y + a.height


def assert_sound(diagram: Diagram, t: IvrTree) -> None:
    ids = [b.id for b in diagram.boxes]
    assert sorted(ids) == sorted({n.id for n in t.nodes})
    for i, a in enumerate(diagram.boxes):
        assert 0 <= a.x <= diagram.width - a.width and 0 <= a.y <= diagram.height - a.height
        for b in diagram.boxes[i + 1 :]:
            assert not overlaps(a, b), (a.id, b.id)
    for edge in diagram.edges:
        for x, y in edge.points:
            assert 0 <= x <= diagram.width and 0 <= y <= diagram.height
        # every segment stays out of every box (it may touch the border where it starts or ends)
        for (x0, y0), (x1, y1) in zip(edge.points, edge.points[1:], strict=False):
            for box in diagram.boxes:
                inside = (
                    max(x0, x1) > box.x
                    and min(x0, x1) < box.x + box.width
                    and max(y0, y1) > box.y
                    and min(y0, y1) < box.y + box.height
                )
                straight = x0 == x1 or y0 == y1
                assert not (inside and straight), (edge, box.id)


def test_every_node_is_placed_once_without_overlaps():
    t = sample()
    diagram = layout(t)
    assert_sound(diagram, t)
    boxes = {b.id: b for b in diagram.boxes}
    assert boxes["main"].start and boxes["main"].type == "menu"
    assert boxes["queues"].label == "3, 5" and boxes["queues"].type == "route_to_queue"
    assert boxes["main"].label == LONG[:39].rstrip() + "…" and len(boxes["main"].label) <= 40
    assert boxes["main"].prompt == LONG
    assert boxes["find"].label == "crm(rc) → client" and boxes["open"].label == "open 3"


def test_layers_follow_the_breadth_first_distance_from_the_start():
    diagram = layout(sample())
    layer = {b.id: b.layer for b in diagram.boxes}
    assert layer["main"] == 0
    assert layer["pay"] == layer["who"] == layer["open"] == layer["bye"] == 1
    assert layer["queues"] == layer["find"] == layer["vm"] == 2  # queues is reached first through pay
    assert layer["tag"] == layer["cb"] == 3
    rows = sorted({b.y for b in diagram.boxes})
    assert [b.y for b in diagram.boxes] == sorted(b.y for b in diagram.boxes)
    assert len(rows) == 5  # four reachable rows and the unreachable one


def test_children_follow_the_order_of_the_menu_keys():
    diagram = layout(sample())
    x = {b.id: b.x for b in diagram.boxes}
    assert x["pay"] < x["who"] < x["open"] < x["bye"]
    assert x["queues"] < x["find"]  # parents pay and who keep their order below


def test_loops_are_back_edges_and_edges_carry_their_labels():
    diagram = layout(sample())
    edges = {(e.source, e.target, e.label): e for e in diagram.edges}
    assert edges[("main", "main", "0")].back  # the menu repeats itself
    assert edges[("find", "main", "missing")].back  # back to the main menu
    assert not edges[("main", "pay", "1")].back and not edges[("open", "vm", "otherwise")].back
    assert not edges[("tag", "queues", "next")].back  # to an earlier row, but no loop
    assert ("queues", "cb", "otherwise") in edges and ("main", "bye", "fail") in edges
    right = max(b.x + b.width for b in diagram.boxes)
    boxes = {b.id: b for b in diagram.boxes}
    for edge in diagram.edges:
        source, target = boxes[edge.source], boxes[edge.target]
        assert edge.points[0][1] == source.y + source.height  # leaves at the bottom
        if target.layer == source.layer + 1:
            assert len(edge.points) == 2 and edge.points[1][1] == target.y  # straight down
        elif target.layer == source.layer:
            assert len(edge.points) == 4 and edge.points[-1][1] == target.y + target.height  # under the row
        else:
            assert len(edge.points) == 6 and edge.points[2][0] > right  # climbs in a lane right of the boxes
            assert edge.points[-1][1] == target.y
    loop = edges[("main", "main", "0")].points
    assert loop[0][0] != loop[-1][0]  # a self-loop leaves and returns at different points
    lanes = [e.points[2][0] for e in diagram.edges if len(e.points) == 6]
    assert len(lanes) == 2 and len(lanes) == len(set(lanes))


def test_edges_running_along_the_same_gap_get_their_own_tracks():
    diagram = layout(big_tree())
    runs = [
        (e.points[i][1], min(e.points[i][0], e.points[i + 1][0]), max(e.points[i][0], e.points[i + 1][0]))
        for e in diagram.edges
        for i in range(len(e.points) - 1)
        if e.points[i][1] == e.points[i + 1][1]
    ]
    for k, (y, x0, x1) in enumerate(runs):
        for other_y, other_x0, other_x1 in runs[k + 1 :]:
            assert not (y == other_y and x0 < other_x1 and other_x0 < x1)  # no two runs overlap


def test_unreachable_nodes_go_into_a_final_row():
    diagram = layout(sample())
    boxes = {b.id: b for b in diagram.boxes}
    assert boxes["lonely"].unreachable and boxes["other"].unreachable
    assert not any(b.unreachable for b in diagram.boxes if b.id not in {"lonely", "other"})
    assert boxes["lonely"].y == boxes["other"].y > max(b.y for b in diagram.boxes if not b.unreachable)
    assert boxes["lonely"].x < boxes["other"].x  # tree order


def test_an_edge_to_a_missing_node_is_skipped():
    t = tree(
        "m",
        Menu(id="m", choices={"1": "gone", "2": "q"}, on_timeout="nowhere"),
        RouteToQueue(id="q", queue_ids=(1,)),
    )
    diagram = layout(t)
    assert [(e.source, e.target, e.label) for e in diagram.edges] == [("m", "q", "2")]
    assert_sound(diagram, t)


def test_a_missing_start_puts_everything_in_the_unreachable_row():
    t = tree("nope", Play(id="a", next="b"), HangUp(id="b"))
    diagram = layout(t)
    assert all(b.unreachable and b.y == diagram.boxes[0].y for b in diagram.boxes)
    assert [(e.back, len(e.points)) for e in diagram.edges] == [(False, 4)]  # sideways under the row
    assert_sound(diagram, t)
    assert layout(IvrTree("empty", 1, "x", ())).boxes == ()


def test_the_layout_is_deterministic():
    assert layout(sample()) == layout(sample())
    assert repr(layout(sample())) == repr(layout(sample()))


def test_a_node_id_used_twice_is_drawn_once():
    t = tree("a", Play(id="a", next="b"), HangUp(id="b"), HangUp(id="b"))
    assert [b.id for b in layout(t).boxes] == ["a", "b"]


def big_tree(size: int = 40) -> IvrTree:
    """A main menu with five sub-menus, each with choices to queues, loops back and a shared goodbye."""
    nodes: list[object] = []
    subs = [f"sub{i}" for i in range(5)]
    nodes.append(
        Menu(id="main", prompt=Prompt("Hlavní nabídka"), choices={str(i + 1): s for i, s in enumerate(subs)})
    )
    count = 1
    for i, sub in enumerate(subs):
        leaves = [f"q{i}_{k}" for k in range(5)]
        nodes.append(
            Menu(
                id=sub,
                prompt=Prompt(f"Podnabídka {i}"),
                choices={**{str(k + 1): leaf for k, leaf in enumerate(leaves)}, "9": "main", "0": sub},
                on_fail="bye",
            )
        )
        count += 1
        for k, leaf in enumerate(leaves):
            if k % 2:
                nodes.append(Play(id=leaf, prompt=Prompt(f"Info {i}.{k}"), next="bye"))
            else:
                nodes.append(RouteToQueue(id=leaf, queue_ids=(i + 1, k + 1), otherwise="bye"))
            count += 1
    while count < size - 1:
        nodes.append(HangUp(id=f"spare{count}"))
        count += 1
    nodes.append(HangUp(id="bye"))
    return tree("main", *nodes)  # type: ignore[arg-type]


@pytest.mark.req("IN-06", "ADM-11")
def test_a_forty_node_tree_lays_out():
    t = big_tree()
    assert len(t.nodes) == 40
    diagram = layout(t)
    assert_sound(diagram, t)
    assert len(diagram.boxes) == 40
    assert sum(e.back for e in diagram.edges) == 10
    subs = sorted((b for b in diagram.boxes if b.id.startswith("sub")), key=lambda b: b.x)
    assert [b.id for b in subs] == [f"sub{i}" for i in range(5)]
    assert layout(t) == diagram
