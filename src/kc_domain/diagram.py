"""A directed graph laid out as a diagram: boxes in layers and edges as polylines, for the IVR trees
(IN-06, ADM-11) and the call scripts (OUT-15).

The layout is deterministic and framework-free; the web shell draws it as SVG. Rules:

* a node's layer is its breadth-first distance from the start node, so an edge goes down exactly one
  row (a straight line), stays within a row (a U under the row, into the target's bottom) or goes up to
  an earlier row (through a lane of its own right of all boxes, into the target's top). No line crosses
  a box and no two horizontal runs overlap;
* ``Edge.back`` marks the edges that close a loop (the target leads back to the source), such as a
  menu repeating itself or a return to the main menu; the shell draws them distinctly;
* nodes not reachable from the start go into a final row, in the given order;
* within a layer, nodes are ordered by the barycentre of their parents (down, up, down sweeps) to
  reduce crossings; ties keep the breadth-first order;
* links to a missing node id are skipped; of several nodes with one id only the first is drawn.

Labels are language-neutral data that each graph's owner fills in (``GraphNode``): the shell
translates ``Box.type`` and the word labels of edges.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Collection, Iterable, Mapping

import attrs

from kc_domain.graph import reachable

BOX_WIDTH = 220
BOX_HEIGHT = 58
H_GAP = 30
V_GAP = 80
MARGIN = 20
TOP = MARGIN
TRACK = 8  # vertical distance between the horizontal runs of back edges sharing a gap
LABEL_ROOM = 28  # room in a gap for the labels of forward edges
LANE_GAP = 14
LABEL_CHARS = 40

Point = tuple[int, int]


def _links(value: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    return tuple(value)


def _codes(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


@attrs.frozen
class GraphNode:
    """A node to draw: ``type`` and ``label`` as its owner names it, ``links`` its ``(label, target id)``
    edges in drawing order, ``problems`` the codes of what is wrong with it (for the shell to mark)."""

    id: str
    type: str
    label: str = ""
    prompt: str = ""
    links: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_links)
    problems: tuple[str, ...] = attrs.field(default=(), converter=_codes)


@attrs.frozen
class Box:
    id: str
    type: str
    label: str
    prompt: str
    x: int
    y: int
    width: int
    height: int
    layer: int
    start: bool = False
    unreachable: bool = False
    problems: tuple[str, ...] = ()


@attrs.frozen
class Edge:
    source: str
    target: str
    label: str
    points: tuple[Point, ...]
    label_x: int
    label_y: int
    back: bool = False


@attrs.frozen
class Diagram:
    boxes: tuple[Box, ...]
    edges: tuple[Edge, ...]
    width: int
    height: int

    def box(self, node_id: str) -> Box | None:
        return next((b for b in self.boxes if b.id == node_id), None)


def cut(text: str, limit: int = LABEL_CHARS) -> str:
    """``text`` on one line, cut to ``limit`` characters with an ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# -- layout --------------------------------------------------------------------------------------------


@attrs.frozen
class _Link:
    index: int
    source: str
    target: str
    label: str
    kind: str  # "down": to the next row; "row": within a row (or to itself); "up": to an earlier row
    back: bool  # closes a loop


def _spread(start: float, end: float, count: int) -> list[int]:
    """``count`` evenly spaced integer positions strictly between ``start`` and ``end``."""
    return [round(start + (end - start) * (i + 1) / (count + 1)) for i in range(count)]


def _layers(start: str, by_id: dict[str, GraphNode]) -> tuple[dict[str, int], list[list[str]], int]:
    """Breadth-first depth of every node, the rows, and how many rows hold reachable nodes."""
    depth: dict[str, int] = {}
    layers: list[list[str]] = []
    if start in by_id:
        depth[start] = 0
        queue = deque([start])
        while queue:
            node_id = queue.popleft()
            if depth[node_id] == len(layers):
                layers.append([])
            layers[depth[node_id]].append(node_id)
            for _, target in by_id[node_id].links:
                if target in by_id and target not in depth:
                    depth[target] = depth[node_id] + 1
                    queue.append(target)
    reachable_rows = len(layers)
    rest = [node_id for node_id in by_id if node_id not in depth]
    if rest:
        for node_id in rest:
            depth[node_id] = len(layers)
        layers.append(rest)
    return depth, layers, reachable_rows


def _sweep(
    layers: list[list[str]], neighbours: dict[str, list[tuple[str, float]]], rows: range, step: int
) -> None:
    """Reorders each layer in ``rows`` by the mean position of its neighbours in the layer ``-step`` away."""
    for row in rows:
        placed = {node_id: i for i, node_id in enumerate(layers[row - step])}
        keyed = []
        for i, node_id in enumerate(layers[row]):
            near = [placed[n] + offset for n, offset in neighbours.get(node_id, []) if n in placed]
            keyed.append((sum(near) / len(near) if near else float(i), i, node_id))
        layers[row] = [node_id for _, _, node_id in sorted(keyed)]


def layout_graph(start: str, nodes: Iterable[GraphNode]) -> Diagram:
    """Lays the graph of ``nodes`` out from ``start``; see the module docstring for the rules."""
    by_id: dict[str, GraphNode] = {}
    for node in nodes:
        by_id.setdefault(node.id, node)
    order = list(by_id)
    depth, layers, reachable_rows = _layers(start, by_id)

    successors = {n: [t for _, t in by_id[n].links if t in by_id] for n in order}
    reach: dict[str, set[str]] = {}
    links: list[_Link] = []
    for node_id in order:
        for label, target in by_id[node_id].links:
            if target in by_id:
                step = depth[target] - depth[node_id]
                kind = "down" if step == 1 else "row" if step == 0 else "up"
                if target not in reach:
                    reach[target] = reachable([target], successors)
                loop = node_id in reach[target]
                links.append(_Link(len(links), node_id, target, label, kind, loop))
    forward = [link for link in links if link.kind == "down"]

    parents: dict[str, list[tuple[str, float]]] = {}
    children: dict[str, list[tuple[str, float]]] = {}
    for node_id in order:
        mine = [link for link in forward if link.source == node_id]
        for port, link in enumerate(mine):
            fraction = (port + 1) / (len(mine) + 1)
            parents.setdefault(link.target, []).append((node_id, fraction))
            children.setdefault(node_id, []).append((link.target, -fraction))
    last = reachable_rows - 1
    _sweep(layers, parents, range(1, reachable_rows), 1)
    _sweep(layers, children, range(last - 1, -1, -1), -1)
    _sweep(layers, parents, range(1, reachable_rows), 1)

    # edges that go up climb in lanes right of the boxes, shorter climbs in the inner lanes; each gap
    # between rows is tall enough to give every edge running along it a horizontal track of its own
    up = sorted(
        (lk for lk in links if lk.kind == "up"),
        key=lambda lk: (depth[lk.source] - depth[lk.target], lk.index),
    )
    lane = {link.index: i for i, link in enumerate(up)}
    rows = len(layers)
    below = [[lk for lk in links if lk.kind == "row" and depth[lk.source] == r] for r in range(rows)]
    below = [b + [lk for lk in up if depth[lk.source] == r] for r, b in enumerate(below)]
    above = [[lk for lk in up if depth[lk.target] == r] for r in range(rows)]
    gaps = [TOP + TRACK * len(above[0]) if rows else TOP]
    for row in range(1, rows):
        tracks = len(below[row - 1]) + len(above[row])
        gaps.append(max(V_GAP, 2 * TRACK + TRACK * tracks + LABEL_ROOM))
    tops = [sum(gaps[: row + 1]) + row * BOX_HEIGHT for row in range(rows)]

    # boxes: each row centred in the widest one
    content = max((len(row) * BOX_WIDTH + (len(row) - 1) * H_GAP for row in layers), default=0)
    boxes: dict[str, Box] = {}
    for row_index, members in enumerate(layers):
        row_width = len(members) * BOX_WIDTH + (len(members) - 1) * H_GAP
        left = MARGIN + (content - row_width) // 2
        for i, node_id in enumerate(members):
            node = by_id[node_id]
            boxes[node_id] = Box(
                id=node_id,
                type=node.type,
                label=node.label,
                prompt=node.prompt,
                x=left + i * (BOX_WIDTH + H_GAP),
                y=tops[row_index],
                width=BOX_WIDTH,
                height=BOX_HEIGHT,
                layer=row_index,
                start=node_id == start,
                unreachable=row_index >= reachable_rows,
                problems=node.problems,
            )

    edges = _forward_edges(forward, boxes)
    edges += _around_edges(links, lane, below, above, boxes, MARGIN + content)
    edges.sort(key=lambda pair: pair[0])
    width = 2 * MARGIN + content + (LANE_GAP * (len(up) + 1) if up else 0)
    bottom = tops[-1] + BOX_HEIGHT if rows else TOP
    height = bottom + MARGIN + (TRACK * (len(below[-1]) + 1) if rows and below[-1] else 0)
    ordered = tuple(boxes[node_id] for row in layers for node_id in row)
    return Diagram(ordered, tuple(edge for _, edge in edges), width, height)


def _forward_edges(links: list[_Link], boxes: dict[str, Box]) -> list[tuple[int, Edge]]:
    """Straight lines from the bottom of the source to the top of the target, one port per edge, ports
    ordered by the other end's position so that a node's own edges do not cross. The gap between two
    rows holds nothing else, so a line never crosses a box."""
    out_x: dict[int, int] = {}
    in_x: dict[int, int] = {}
    for side, other, ports in (("source", "target", out_x), ("target", "source", in_x)):
        groups: dict[str, list[_Link]] = {}
        for link in links:
            groups.setdefault(getattr(link, side), []).append(link)
        for node_id, group in groups.items():
            box = boxes[node_id]
            group.sort(key=lambda lk: (boxes[getattr(lk, other)].x, lk.index))
            xs = _spread(box.x + 8, box.x + box.width * 0.72, len(group))
            ports.update((link.index, x) for link, x in zip(group, xs, strict=True))
    result = []
    for link in links:
        source, target = boxes[link.source], boxes[link.target]
        start = (out_x[link.index], source.y + source.height)
        end = (in_x[link.index], target.y)
        label_x = round(start[0] + (end[0] - start[0]) * 0.3)
        label_y = round(start[1] + (end[1] - start[1]) * 0.3) + 4
        edge = Edge(link.source, link.target, link.label, (start, end), label_x, label_y)
        result.append((link.index, edge))
    return result


def _around_edges(
    links: list[_Link],
    lane: dict[int, int],
    below: list[list[_Link]],
    above: list[list[_Link]],
    boxes: dict[str, Box],
    right: int,
) -> list[tuple[int, Edge]]:
    """Edges that cannot go straight down. Each leaves its source at the bottom right and drops to a
    track of its own in the gap below the row. Within a row it then runs sideways and climbs into the
    target's bottom; an edge to an earlier row runs right to its own lane right of every box, climbs to
    a track in the gap above the target's row, runs left and drops into the target's top right.
    Sideways runs take the tracks nearest the row, shorter ones first; outer lanes take the lower tracks
    below a row and the higher ones above, so that edges sharing a gap rarely cross there."""
    track: dict[tuple[int, str], int] = {}
    for group in below:
        group = sorted(
            group,
            key=lambda lk: (
                (0, abs(boxes[lk.source].x - boxes[lk.target].x), lk.index)
                if lk.kind == "row"
                else (1, lane[lk.index], lk.index)
            ),
        )
        for k, link in enumerate(group):
            track[(link.index, "below")] = boxes[link.source].y + BOX_HEIGHT + TRACK * (k + 1)
    for group in above:
        for k, link in enumerate(sorted(group, key=lambda lk: lane[lk.index])):
            track[(link.index, "above")] = boxes[link.target].y - TRACK * (k + 1)

    # ports: on the bottom, the edges leaving and the sideways edges arriving; on the top, the edges
    # arriving from below. A box with no edge straight down may use its whole bottom.
    has_down = {lk.source for lk in links if lk.kind == "down"}
    bottom: dict[str, list[tuple[int, str]]] = {}
    top: dict[str, list[tuple[int, str]]] = {}
    for link in links:
        if link.kind != "down":
            bottom.setdefault(link.source, []).append((link.index, "out"))
        if link.kind == "row":
            bottom.setdefault(link.target, []).append((link.index, "in"))
        if link.kind == "up":
            top.setdefault(link.target, []).append((link.index, "in"))
    outer = {link.index: -lane.get(link.index, -1) for link in links}
    port: dict[tuple[int, str], int] = {}
    for side, groups in (("bottom", bottom), ("top", top)):
        for node_id, ends in groups.items():
            box = boxes[node_id]
            start = box.x + box.width * 0.76 if side == "top" or node_id in has_down else box.x + 8
            ends.sort(key=lambda item: (outer[item[0]], item))
            xs = _spread(start, box.x + box.width - 4, len(ends))
            port.update(((index, end), x) for (index, end), x in zip(ends, xs, strict=True))

    result = []
    for link in links:
        if link.kind == "down":
            continue
        source, target = boxes[link.source], boxes[link.target]
        x0, y0 = port[(link.index, "out")], track[(link.index, "below")]
        first = ((x0, source.y + source.height), (x0, y0))
        points: tuple[Point, ...]
        if link.kind == "row":
            x1 = port[(link.index, "in")]
            points = (*first, (x1, y0), (x1, target.y + target.height))
        else:
            lane_x = right + LANE_GAP * (lane[link.index] + 1)
            x1, y1 = port[(link.index, "in")], track[(link.index, "above")]
            points = (*first, (lane_x, y0), (lane_x, y1), (x1, y1), (x1, target.y))
        edge = Edge(link.source, link.target, link.label, points, x0 + 4, y0 - 2, back=link.back)
        result.append((link.index, edge))
    return result


# -- as text -------------------------------------------------------------------------------------------
def _mermaid_text(text: str) -> str:
    for char, code in (("#", "#35;"), ('"', "#quot;"), ("|", "#124;"), ("<", "#lt;"), (">", "#gt;")):
        text = text.replace(char, code)
    return text


def mermaid(
    start: str,
    nodes: Iterable[GraphNode],
    *,
    words: Mapping[str, str] | None = None,
    rounded: Collection[str] = (),
) -> str:
    """The graph as Mermaid flowchart text, for documents and for pages without the SVG.

    Nodes are named ``n0``, ``n1``… in order (the ids may hold characters Mermaid does not take) and
    labelled ``id`` and ``type: label``; ``words`` translates types and edge labels (left as they are
    when missing), types in ``rounded`` are drawn as rounded boxes. The classes ``start``,
    ``unreachable`` and ``problem`` mark the start, the nodes it does not lead to and nodes with
    problems."""
    words = words or {}
    by_id: dict[str, GraphNode] = {}
    for node in nodes:
        by_id.setdefault(node.id, node)
    names = {node_id: f"n{i}" for i, node_id in enumerate(by_id)}
    reached = reachable([start], {n: [t for _, t in node.links] for n, node in by_id.items()})
    lines = ["flowchart TD"]
    for node_id, node in by_id.items():
        kind = words.get(node.type, node.type)
        detail = _mermaid_text(f"{kind}: {node.label}" if node.label else kind)
        opening, closing = ("([", "])") if node.type in rounded else ("[", "]")
        lines.append(f'  {names[node_id]}{opening}"{_mermaid_text(node_id)}<br/>{detail}"{closing}')
    for node_id, node in by_id.items():
        for label, target in node.links:
            if target in names:
                shown = _mermaid_text(words.get(label, label))
                arrow = f"-->|{shown}|" if shown else "-->"
                lines.append(f"  {names[node_id]} {arrow} {names[target]}")
    marks = [("start", [start] if start in names else [])]
    marks.append(("unreachable", [n for n in by_id if n not in reached]))
    marks.append(("problem", [n for n, node in by_id.items() if node.problems]))
    for mark, marked in marks:
        if marked:
            lines.append(f"  class {','.join(names[n] for n in marked)} {mark}")
    lines += [
        "  classDef start stroke-width:3px",
        "  classDef unreachable stroke-dasharray:5 5",
        "  classDef problem stroke:#b00020,stroke-width:2px",
    ]
    return "\n".join(lines) + "\n"
