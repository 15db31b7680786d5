"""An IVR tree as an indented outline from its start node (the tree's page, the IVR report)."""

from __future__ import annotations

import attrs

from kc_domain.ivr.model import GotoTree, IvrTree, Node, RouteToQueue, node_to_plain, references
from kc_domain.texts import N_

# each node type's name (msgids; the diagram's template has the same)
TYPE_NAMES = {
    "menu": N_("Menu"),
    "play": N_("Play"),
    "collect_digits": N_("Collect digits"),
    "condition": N_("Condition"),
    "lookup": N_("Lookup"),
    "set_tag": N_("Set tag"),
    "route_to_queue": N_("Route to queue"),
    "transfer": N_("Transfer"),
    "voicemail": N_("Voicemail"),
    "callback": N_("Callback"),
    "goto_tree": N_("Go to tree"),
    "hang_up": N_("Hang up"),
}


@attrs.frozen
class OutlineRow:
    depth: int
    via: str
    node_id: str
    type: str
    detail: str
    repeated: bool


def outline(tree: IvrTree) -> list[OutlineRow]:
    """The tree as an indented outline from its start node; a node reached again is shown once more
    without its children."""
    rows: list[OutlineRow] = []
    seen: set[str] = set()

    def walk(node_id: str, via: str, depth: int) -> None:
        node = tree.node(node_id)
        if node is None:
            rows.append(OutlineRow(depth, via, node_id, "?", "", False))
            return
        repeated = node_id in seen
        rows.append(
            OutlineRow(depth, via, node_id, str(node_to_plain(node)["type"]), _detail(node), repeated)
        )
        if repeated:
            return
        seen.add(node_id)
        for field, target in references(node):
            walk(target, field, depth + 1)

    walk(tree.start, "", 0)
    return rows


def _detail(node: Node) -> str:
    if isinstance(node, RouteToQueue):
        return ", ".join(str(q) for q in node.queue_ids)
    if isinstance(node, GotoTree):
        return node.tree
    return ""
