"""An IVR tree as a diagram (IN-06, ADM-11): the tree's nodes as ``kc_domain.diagram`` lays them out.

Labels are language-neutral data: ``Box.type`` is the plain type name (``"route_to_queue"``) for the
shell to translate, ``Box.label`` the detail taken from the node's fields (``"3, 5"``, a prompt cut to
40 characters), and ``Edge.label`` a DTMF key or one of ``EDGE_WORDS``.
"""

from __future__ import annotations

from kc_domain.diagram import Box, Diagram, Edge, GraphNode, layout_graph
from kc_domain.diagram import cut as _cut
from kc_domain.ivr.model import (
    NODE_TYPES,
    Callback,
    CollectDigits,
    Condition,
    GotoTree,
    IvrTree,
    Lookup,
    Menu,
    Node,
    Play,
    RouteToQueue,
    SetTag,
    Transfer,
    Voicemail,
)

__all__ = ["EDGE_WORDS", "Box", "Diagram", "Edge", "layout", "outgoing"]

EDGE_WORDS = ("next", "then", "otherwise", "timeout", "invalid", "fail", "missing")
"""Edge labels that are words (the shell translates them); every other label is a DTMF key."""

_TYPE_NAMES = {cls: name for name, cls in NODE_TYPES.items()}


def layout(tree: IvrTree) -> Diagram:
    """Lays ``tree`` out; see ``kc_domain.diagram`` for the rules."""
    return layout_graph(
        tree.start,
        (
            GraphNode(
                node.id, _TYPE_NAMES.get(type(node), "node"), _label(node), _prompt(node), outgoing(node)
            )
            for node in tree.nodes
        ),
    )


def _prompt(node: Node) -> str:
    if isinstance(node, Menu | Play | CollectDigits):
        return node.prompt.text or node.prompt.audio
    return ""


def _label(node: Node) -> str:
    if isinstance(node, Menu | Play | CollectDigits):
        detail = _prompt(node)
        if isinstance(node, CollectDigits):
            detail = f"{node.into}: {detail}" if detail else node.into
        return _cut(detail)
    if isinstance(node, Condition):
        if node.kind == "variable":
            return _cut(f"{node.name} = {node.value}")
        return _cut(f"{node.kind} {node.value}".strip())
    if isinstance(node, Lookup):
        return _cut(f"{node.source}({node.key}) → {node.into}")
    if isinstance(node, SetTag):
        return _cut(f"{node.key}={node.value}" if node.value else node.key)
    if isinstance(node, RouteToQueue):
        return _cut(", ".join(str(q) for q in node.queue_ids))
    if isinstance(node, Transfer):
        return _cut(node.number)
    if isinstance(node, Voicemail):
        return _cut(node.box)
    if isinstance(node, Callback):
        return str(node.queue_id)
    if isinstance(node, GotoTree):
        return _cut(node.tree)
    return ""


def outgoing(node: Node) -> list[tuple[str, str]]:
    """``(label, target id)`` of every non-empty reference of ``node``, menu keys first."""
    pairs: list[tuple[str, str]] = []
    if isinstance(node, Menu):
        pairs += sorted(node.choices.items())
        pairs += [("timeout", node.on_timeout), ("invalid", node.on_invalid), ("fail", node.on_fail)]
    elif isinstance(node, Play | SetTag):
        pairs.append(("next", node.next))
    elif isinstance(node, CollectDigits):
        pairs += [("next", node.next), ("invalid", node.on_invalid)]
    elif isinstance(node, Condition):
        pairs += [("then", node.then), ("otherwise", node.otherwise)]
    elif isinstance(node, Lookup):
        pairs += [("next", node.next), ("missing", node.on_missing)]
    elif isinstance(node, RouteToQueue):
        pairs.append(("otherwise", node.otherwise))
    return [(label, target) for label, target in pairs if target]
