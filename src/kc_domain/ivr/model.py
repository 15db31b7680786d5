"""IVR trees as frozen, plain data: nodes refer to each other by id (IN-06, ADM-11).

``tree_to_plain``/``tree_from_plain`` convert a tree to and from JSON-ready dicts, e.g.::

    {"name": "main", "version": 1, "start": "welcome",
     "nodes": [{"type": "menu", "id": "welcome", "prompt": {"text": "Stiskněte 1"}, "choices": {"1": "q"}},
               {"type": "route_to_queue", "id": "q", "queue_ids": [1, 2]}]}

An empty optional node reference (``""``) has a meaning documented on each field.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

import attrs

from kc_domain.errors import FieldError, ValidationFailed

VALIDATORS = ("none", "insurance_number", "ico", "date")
CONDITION_KINDS = ("open", "time", "caller", "status", "variable")
DTMF_KEYS = frozenset("0123456789*#")


def _int_tuple(value: Iterable[int]) -> tuple[int, ...]:
    return tuple(value)


def _node_tuple(value: Iterable[Node]) -> tuple[Node, ...]:
    return tuple(value)


def _frozen_map(value: Mapping[str, str]) -> Mapping[str, str]:
    return MappingProxyType(dict(value))


@attrs.frozen
class Prompt:
    """What the caller hears: TTS ``text`` (may hold ``{variable}`` placeholders) and/or an ``audio`` file."""

    text: str = ""
    audio: str = ""

    def __bool__(self) -> bool:
        return bool(self.text or self.audio)


@attrs.frozen(kw_only=True)
class Node:
    id: str


@attrs.frozen(kw_only=True)
class Menu(Node):
    """Waits for one DTMF key. A timeout or a key not in ``choices`` is a failed attempt: it goes to
    ``on_timeout``/``on_invalid`` (empty: the menu is played again); after ``retries`` repeated attempts
    the caller goes to ``on_fail`` (empty: hang up)."""

    prompt: Prompt = Prompt()
    choices: Mapping[str, str] = attrs.field(factory=dict, converter=_frozen_map)
    timeout_s: int = 5
    retries: int = 2
    on_timeout: str = ""
    on_invalid: str = ""
    on_fail: str = ""


@attrs.frozen(kw_only=True)
class Play(Node):
    prompt: Prompt = Prompt()
    next: str


@attrs.frozen(kw_only=True)
class CollectDigits(Node):
    """Collects ``min_len``..``max_len`` digits (``#`` ends early, as does a timeout with enough digits),
    checks them with ``validator`` and stores them in variable ``into``. An invalid entry is asked for
    again up to ``retries`` times, then the caller goes to ``on_invalid`` (empty: hang up)."""

    prompt: Prompt = Prompt()
    min_len: int = 1
    max_len: int = 20
    validator: str = "none"
    into: str
    next: str
    on_invalid: str = ""
    retries: int = 2
    timeout_s: int = 5


@attrs.frozen(kw_only=True)
class Condition(Node):
    """Branches to ``then`` or ``otherwise``. ``kind`` and ``value``:

    * ``open``: ``value`` is a queue id; true when the host says the queue is open;
    * ``time``: ``value`` is ``"08:00-12:00, 13:00-17:00"`` in the caller context's local zone;
    * ``caller``: ``value`` starting with ``^`` is a regular expression (``re.match``), else a number prefix;
    * ``status``: ``value`` is a caller status flag (``vip``, ``debtor``...);
    * ``variable``: true when variable ``name`` equals ``value``.
    """

    kind: str
    value: str = ""
    name: str = ""
    then: str
    otherwise: str


@attrs.frozen(kw_only=True)
class Lookup(Node):
    """Asks the host to look ``source`` up by the value of variable ``key``; the result is stored in ``into``
    (a mapping result also as ``into.field``). Nothing found goes to ``on_missing``."""

    source: str
    key: str
    into: str
    next: str
    on_missing: str


@attrs.frozen(kw_only=True)
class SetTag(Node):
    """Tags the call (IN-25); ``value`` may hold ``{variable}`` placeholders."""

    key: str
    value: str = ""
    next: str


@attrs.frozen(kw_only=True)
class RouteToQueue(Node):
    """Routes to the first of ``queue_ids`` that is open (IN-19). When none is open, goes to ``otherwise``
    (empty: routes to the whole list anyway and lets the queues' own closed handling act)."""

    queue_ids: tuple[int, ...] = attrs.field(converter=_int_tuple)
    otherwise: str = ""


@attrs.frozen(kw_only=True)
class Transfer(Node):
    number: str


@attrs.frozen(kw_only=True)
class Voicemail(Node):
    box: str


@attrs.frozen(kw_only=True)
class Callback(Node):
    queue_id: int


@attrs.frozen(kw_only=True)
class GotoTree(Node):
    """Continues in another tree (IN-24); the host starts a new session for it."""

    tree: str


@attrs.frozen(kw_only=True)
class HangUp(Node):
    pass


NODE_TYPES: dict[str, type[Node]] = {
    "menu": Menu,
    "play": Play,
    "collect_digits": CollectDigits,
    "condition": Condition,
    "lookup": Lookup,
    "set_tag": SetTag,
    "route_to_queue": RouteToQueue,
    "transfer": Transfer,
    "voicemail": Voicemail,
    "callback": Callback,
    "goto_tree": GotoTree,
    "hang_up": HangUp,
}
_TYPE_NAMES = {cls: name for name, cls in NODE_TYPES.items()}
TERMINAL_TYPES: tuple[type[Node], ...] = (RouteToQueue, Transfer, Voicemail, Callback, GotoTree, HangUp)

# Fields that hold node ids; "" is allowed only for the optional ones.
REQUIRED_REFS: dict[type[Node], tuple[str, ...]] = {
    Play: ("next",),
    CollectDigits: ("next",),
    Condition: ("then", "otherwise"),
    Lookup: ("next", "on_missing"),
    SetTag: ("next",),
}
OPTIONAL_REFS: dict[type[Node], tuple[str, ...]] = {
    Menu: ("on_timeout", "on_invalid", "on_fail"),
    CollectDigits: ("on_invalid",),
    RouteToQueue: ("otherwise",),
}


def references(node: Node) -> list[tuple[str, str]]:
    """``(field path, node id)`` of every non-empty node reference of ``node``."""
    refs = [(f, getattr(node, f)) for f in REQUIRED_REFS.get(type(node), ())]
    refs += [(f, getattr(node, f)) for f in OPTIONAL_REFS.get(type(node), ()) if getattr(node, f)]
    if isinstance(node, Menu):
        refs += [(f"choices[{digit}]", target) for digit, target in sorted(node.choices.items())]
    return refs


def can_end_here(node: Node) -> bool:
    """Whether the call can leave the tree at ``node`` itself: a terminal node, or an empty fallback
    that hangs up."""
    if isinstance(node, TERMINAL_TYPES):
        return True
    return (isinstance(node, Menu) and not node.on_fail) or (
        isinstance(node, CollectDigits) and not node.on_invalid
    )


@attrs.frozen
class IvrTree:
    name: str
    version: int
    start: str
    nodes: tuple[Node, ...] = attrs.field(converter=_node_tuple)

    def node(self, node_id: str) -> Node | None:
        for node in self.nodes:
            if node.id == node_id:
                return node
        return None


# --- plain data ---------------------------------------------------------------------------------------


def _prompt_to_plain(prompt: Prompt) -> dict[str, str]:
    return {"text": prompt.text, "audio": prompt.audio}


def node_to_plain(node: Node) -> dict[str, Any]:
    plain: dict[str, Any] = {"type": _TYPE_NAMES[type(node)]}
    for field in attrs.fields(type(node)):
        value = getattr(node, field.name)
        if isinstance(value, Prompt):
            value = _prompt_to_plain(value)
        elif isinstance(value, Mapping):
            value = dict(value)
        elif isinstance(value, tuple):
            value = list(value)
        plain[field.name] = value
    return plain


def tree_to_plain(tree: IvrTree) -> dict[str, Any]:
    return {
        "name": tree.name,
        "version": tree.version,
        "start": tree.start,
        "nodes": [node_to_plain(n) for n in tree.nodes],
    }


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _convert(path: str, kind: str, value: object, errors: list[FieldError]) -> object:
    """Checks one plain value against the field ``kind``; appends an error and returns None if bad."""
    if kind == "str":
        if isinstance(value, str):
            return value
    elif kind == "int":
        if _is_int(value):
            return value
    elif kind == "Prompt":
        if isinstance(value, str):
            return Prompt(text=value)
        if isinstance(value, Mapping) and set(value) <= {"text", "audio"}:
            text, audio = value.get("text", ""), value.get("audio", "")
            if isinstance(text, str) and isinstance(audio, str):
                return Prompt(text, audio)
    elif kind == "Mapping[str, str]":
        if isinstance(value, Mapping) and all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            return dict(value)
    elif kind == "tuple[int, ...]" and isinstance(value, list | tuple) and all(_is_int(v) for v in value):
        return tuple(value)
    errors.append(FieldError(path, "invalid_type", {"expected": kind}))
    return None


def _node_from_plain(path: str, data: object, errors: list[FieldError]) -> Node | None:
    if not isinstance(data, Mapping):
        errors.append(FieldError(path, "invalid_type", {"expected": "object"}))
        return None
    type_name = data.get("type")
    cls = NODE_TYPES.get(type_name) if isinstance(type_name, str) else None
    if cls is None:
        errors.append(FieldError(f"{path}.type", "invalid_choice", {"value": str(type_name)}))
        return None
    fields = {f.name: f for f in attrs.fields(cls)}
    before = len(errors)
    for key in sorted(set(data) - set(fields) - {"type"}, key=str):
        errors.append(FieldError(f"{path}.{key}", "unknown_field"))
    kwargs: dict[str, Any] = {}
    for name, field in fields.items():
        if name not in data:
            if field.default is attrs.NOTHING:
                errors.append(FieldError(f"{path}.{name}", "required"))
            continue
        kwargs[name] = _convert(f"{path}.{name}", str(field.type), data[name], errors)
    if len(errors) > before:
        return None
    return cls(**kwargs)


def tree_from_plain(data: object) -> IvrTree:
    """Inverse of ``tree_to_plain``; raises ``ValidationFailed`` with paths such as ``nodes[3].choices``.
    Only the shape is checked here; ``validation.problems`` judges the content."""
    errors: list[FieldError] = []
    if not isinstance(data, Mapping):
        raise ValidationFailed.one("tree", "invalid_type", expected="object")
    for key in sorted(set(data) - {"name", "version", "start", "nodes"}, key=str):
        errors.append(FieldError(str(key), "unknown_field"))
    head: dict[str, object] = {}
    for key, kind in (("name", "str"), ("version", "int"), ("start", "str")):
        if key not in data:
            errors.append(FieldError(key, "required"))
        else:
            head[key] = _convert(key, kind, data[key], errors)
    raw_nodes = data.get("nodes")
    nodes: list[Node] = []
    if not isinstance(raw_nodes, list | tuple):
        errors.append(FieldError("nodes", "required" if raw_nodes is None else "invalid_type"))
    else:
        for i, raw in enumerate(raw_nodes):
            node = _node_from_plain(f"nodes[{i}]", raw, errors)
            if node is not None:
                nodes.append(node)
    if errors:
        raise ValidationFailed(errors)
    return IvrTree(str(head["name"]), int(str(head["version"])), str(head["start"]), tuple(nodes))
