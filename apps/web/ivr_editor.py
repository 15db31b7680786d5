"""The form-based IVR tree editor (IN-06, ADM-11): one HTML form for a whole tree, rendered generically
from the attrs fields of the node classes, that works without JavaScript.

The form carries ``count`` nodes as ``n<i>.id``, ``n<i>.type``, ``n<i>.old_id`` (the id when the form
was rendered, so a renamed node's references follow it) and ``n<i>.<field>`` (a prompt as
``n<i>.prompt.text`` and ``n<i>.prompt.audio``). Submit buttons named ``action`` add a node
(``add`` with the ``new_type`` select, or ``add:<type>``), remove one (``remove:<i>``) or save.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import attrs
from flask_babel import lazy_gettext as _l

from apps.web.messages import error_text
from apps.web.query_args import int_problem
from kc_domain.errors import FieldError
from kc_domain.ivr.model import (
    CONDITION_KINDS,
    NODE_TYPES,
    OPTIONAL_REFS,
    REQUIRED_REFS,
    VALIDATORS,
    Node,
    Prompt,
)
from kc_domain.ivr.outline import TYPE_NAMES

MAX_NODES = 500

TYPE_LABELS = {kind: _l(name) for kind, name in TYPE_NAMES.items()}  # kc_domain.ivr.outline

FIELD_LABELS = {
    "id": _l("Node id"),
    "prompt": _l("Prompt"),
    "choices": _l("Choices"),
    "timeout_s": _l("Timeout (seconds)"),
    "retries": _l("Retries"),
    "on_timeout": _l("On timeout"),
    "on_invalid": _l("On invalid input"),
    "on_fail": _l("After the last attempt"),
    "next": _l("Next node"),
    "min_len": _l("Minimum digits"),
    "max_len": _l("Maximum digits"),
    "validator": _l("Check"),
    "into": _l("Store in variable"),
    "kind": _l("Condition kind"),
    "value": _l("Value"),
    "name": _l("Variable name"),
    "then": _l("If true"),
    "otherwise": _l("Otherwise"),
    "source": _l("Source"),
    "key": _l("Key"),
    "on_missing": _l("If nothing is found"),
    "queue_ids": _l("Queues"),
    "queue_id": _l("Queue"),
    "number": _l("Number"),
    "box": _l("Voice mailbox"),
    "tree": _l("IVR tree"),
}

HELP = {
    ("menu", "choices"): _l("One choice per line as key = node, e.g. 1 = queue."),
    ("menu", "on_timeout"): _l("Empty: the menu is played again."),
    ("menu", "on_invalid"): _l("Empty: the menu is played again."),
    ("menu", "on_fail"): _l("Empty: hang up."),
    ("collect_digits", "on_invalid"): _l("Empty: hang up."),
    ("route_to_queue", "otherwise"): _l("Empty: route to the queues anyway."),
    ("condition", "value"): _l(
        "Open: a queue id; time: 08:00-12:00, 13:00-17:00; caller: a number prefix or ^regular expression;"
        " status: a status flag; variable: the value to compare."
    ),
    ("lookup", "key"): _l("The variable whose value is looked up."),
}

ENUM_LABELS: dict[str, dict[str, Any]] = {
    "kind": {
        "open": _l("Queue is open"),
        "time": _l("Time of day"),
        "caller": _l("Caller number"),
        "status": _l("Caller status"),
        "variable": _l("Variable"),
    },
    "validator": {
        "none": _l("No check"),
        "insurance_number": _l("Insurance number (rodné číslo)"),
        "ico": _l("IČO"),
        "date": _l("Date (DDMMYYYY)"),
    },
}
ENUMS: dict[str, tuple[str, ...]] = {"kind": CONDITION_KINDS, "validator": VALIDATORS}

_CHOICE_LINE = re.compile(r"^\s*(\S+?)\s*=\s*(\S+)\s*$")
_SUBSCRIPT = re.compile(r"\[[^\]]*\]$")
_ERROR_PATH = re.compile(r"^nodes\[(\d+)\](?:\.([A-Za-z_]+))?(.*)$")


# -- the form's state ----------------------------------------------------------------------------------
@attrs.define
class NodeForm:
    """One node as typed: raw strings keyed by field (``prompt.text``, ``prompt.audio`` for a prompt)."""

    type: str
    values: dict[str, str]
    old_id: str = ""


def _keys(node_type: str) -> list[str]:
    cls = NODE_TYPES.get(node_type)
    if cls is None:
        return []
    keys: list[str] = []
    for field in attrs.fields(cls):
        if str(field.type) == "Prompt":
            keys += [f"{field.name}.text", f"{field.name}.audio"]
        else:
            keys.append(field.name)
    return keys


def _raw(value: object) -> str:
    if isinstance(value, Prompt):
        return value.text
    if isinstance(value, Mapping):
        return "\n".join(f"{key} = {target}" for key, target in value.items())
    if isinstance(value, tuple | list):
        return ", ".join(str(v) for v in value)
    return str(value)


def node_from_plain(plain: Mapping[str, Any]) -> NodeForm:
    node_type = str(plain.get("type", ""))
    values: dict[str, str] = {}
    for key in _keys(node_type):
        name, _, part = key.partition(".")
        value = plain.get(name, "")
        if part:
            value = value.get(part, "") if isinstance(value, Mapping) else (value if part == "text" else "")
        values[key] = _raw(value)
    return NodeForm(node_type, values, values.get("id", ""))


def empty_node(node_type: str, node_id: str) -> NodeForm:
    cls = NODE_TYPES[node_type]
    values: dict[str, str] = {}
    for field in attrs.fields(cls):
        if str(field.type) == "Prompt":
            values[f"{field.name}.text"] = values[f"{field.name}.audio"] = ""
            continue
        default: object = field.default
        if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
            default = default.factory()  # type: ignore[attr-defined]
        if default is attrs.NOTHING:
            default = ENUMS[field.name][0] if field.name in ENUMS else ""
        values[field.name] = _raw(default)
    values["id"] = node_id
    return NodeForm(node_type, values)


def fresh_id(nodes: Iterable[NodeForm]) -> str:
    taken = {n.values.get("id", "") for n in nodes}
    number = len(taken) + 1
    while f"uzel{number}" in taken:
        number += 1
    return f"uzel{number}"


@attrs.define
class TreeForm:
    name: str
    start: str
    nodes: list[NodeForm]

    @classmethod
    def new(cls) -> TreeForm:
        return cls("", "uzel1", [empty_node("menu", "uzel1")])

    @classmethod
    def from_plain(cls, plain: Mapping[str, Any]) -> TreeForm:
        raw_nodes = plain.get("nodes", [])
        nodes = [node_from_plain(n) for n in raw_nodes if isinstance(n, Mapping)]
        return cls(str(plain.get("name", "")), str(plain.get("start", "")), nodes)

    @classmethod
    def from_form(cls, form: Mapping[str, str]) -> TreeForm:
        try:
            count = max(0, min(int(form.get("count", "0")), MAX_NODES))
        except ValueError:
            count = 0
        nodes = []
        for i in range(count):
            node_type = form.get(f"n{i}.type", "")
            values = {key: form.get(f"n{i}.{key}", "") for key in _keys(node_type) or ["id"]}
            nodes.append(NodeForm(node_type, values, form.get(f"n{i}.old_id", "")))
        tree = cls(form.get("name", "").strip(), form.get("start", ""), nodes)
        tree.follow_renames()
        return tree

    def follow_renames(self) -> None:
        """A node whose id was changed in the form keeps its incoming references and the start."""
        renamed = {}
        for node in self.nodes:
            new = node.values.get("id", "").strip()
            if node.old_id and new and new != node.old_id:
                renamed[node.old_id] = new
        if not renamed:
            return
        self.start = renamed.get(self.start, self.start)
        for node in self.nodes:
            cls = NODE_TYPES.get(node.type)
            refs = REQUIRED_REFS.get(cls, ()) + OPTIONAL_REFS.get(cls, ()) if cls else ()
            for ref in refs:
                node.values[ref] = renamed.get(node.values.get(ref, ""), node.values.get(ref, ""))
            if "choices" in node.values:
                node.values["choices"] = "\n".join(
                    _rename_choice(line, renamed) for line in node.values["choices"].splitlines()
                )

    def apply(self, action: str) -> bool:
        """Adds or removes a node for ``action``; False when the action is not one of those."""
        verb, _, argument = action.partition(":")
        if verb == "add" and argument in NODE_TYPES and len(self.nodes) < MAX_NODES:
            self.nodes.append(empty_node(argument, fresh_id(self.nodes)))
            return True
        if verb == "remove" and argument.isdigit() and int(argument) < len(self.nodes):
            del self.nodes[int(argument)]
            return True
        return False

    def ids(self) -> list[str]:
        return [n.values.get("id", "").strip() for n in self.nodes if n.values.get("id", "").strip()]

    # -- to plain data -------------------------------------------------------------------------
    def to_plain(self) -> tuple[dict[str, Any], list[FieldError]]:
        """The tree as plain data for ``IvrCatalogue.save`` and the errors of what could not be read."""
        errors: list[FieldError] = []
        nodes = [_node_to_plain(f"nodes[{i}]", node, errors) for i, node in enumerate(self.nodes)]
        return {"name": self.name, "version": 1, "start": self.start.strip(), "nodes": nodes}, errors


def _rename_choice(line: str, renamed: Mapping[str, str]) -> str:
    match = _CHOICE_LINE.match(line)
    if match and match.group(2) in renamed:
        return f"{match.group(1)} = {renamed[match.group(2)]}"
    return line


def _node_to_plain(path: str, node: NodeForm, errors: list[FieldError]) -> dict[str, Any]:
    cls = NODE_TYPES.get(node.type)
    if cls is None:
        errors.append(FieldError(f"{path}.type", "invalid_choice", {"value": node.type}))
        return {"type": node.type, "id": node.values.get("id", "").strip()}
    refs = set(REQUIRED_REFS.get(cls, ()) + OPTIONAL_REFS.get(cls, ()))
    plain: dict[str, Any] = {"type": node.type}
    for field in attrs.fields(cls):
        name, kind, where = field.name, str(field.type), f"{path}.{field.name}"
        if kind == "Prompt":
            text = node.values.get(f"{name}.text", "").strip()
            plain[name] = {"text": text, "audio": node.values.get(f"{name}.audio", "").strip()}
            continue
        raw = node.values.get(name, "").strip()
        if kind == "int":
            if not raw:
                errors.append(FieldError(where, "required"))
            else:
                number, problem = int_problem(raw, where, signed=True)
                if problem is not None:
                    errors.append(attrs.evolve(problem, params={**problem.params, "value": raw}))
                else:
                    plain[name] = number
        elif kind == "tuple[int, ...]":
            numbers = [part for part in re.split(r"[\s,;]+", raw) if part]
            bad = [part for part in numbers if int_problem(part, where)[1] is not None]
            if bad:
                errors.append(FieldError(where, "not_a_number", {"value": bad[0]}))
            else:
                plain[name] = [int(part) for part in numbers]
        elif kind == "Mapping[str, str]":
            plain[name] = _choices(where, node.values.get(name, ""), errors)
        else:
            if not raw and field.default is attrs.NOTHING and name not in refs and name != "id":
                errors.append(FieldError(where, "required"))
            plain[name] = raw
    return plain


def _choices(path: str, text: str, errors: list[FieldError]) -> dict[str, str]:
    choices: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        match = _CHOICE_LINE.match(line)
        if match is None:
            errors.append(FieldError(path, "bad_choice_line", {"line": line.strip()}))
            continue
        key, target = match.groups()
        if key in choices:
            errors.append(FieldError(path, "duplicate_choice", {"digit": key}))
        choices[key] = target
    return choices


def merge_errors(form_errors: list[FieldError], domain_errors: list[FieldError]) -> list[FieldError]:
    """The form's own errors first; a domain error about a field the form already explains is dropped."""
    explained = {e.field for e in form_errors}
    return form_errors + [
        e for e in domain_errors if e.field not in explained and _SUBSCRIPT.sub("", e.field) not in explained
    ]


# -- the view model ------------------------------------------------------------------------------------
@attrs.frozen
class Message:
    code: str
    text: str


@attrs.frozen
class FieldView:
    key: str
    input: str  # the input's name
    dom_id: str
    label: str
    kind: str  # text | int | prompt | choices | numbers | select | ref
    value: str
    audio: str = ""
    options: tuple[tuple[str, str], ...] = ()
    help: str = ""
    errors: tuple[Message, ...] = ()


@attrs.frozen
class NodeView:
    index: int
    type: str
    type_label: str
    id: str
    fields: tuple[FieldView, ...]
    errors: tuple[Message, ...]


@attrs.frozen
class EditorView:
    name: str
    start: str
    start_options: tuple[tuple[str, str], ...]
    nodes: tuple[NodeView, ...]
    type_options: tuple[tuple[str, str], ...]
    errors: dict[str, tuple[Message, ...]]  # "name", "start", "" (everything not placed elsewhere)
    error_count: int
    focus: int | None


def _place(errors: list[FieldError]) -> dict[tuple[int | None, str], list[Message]]:
    """Groups errors by (node index, field); a node-level error has field ""; tree-level errors have
    node index None."""
    placed: dict[tuple[int | None, str], list[Message]] = {}
    for error in errors:
        text = error_text(error)
        match = _ERROR_PATH.match(error.field)
        if match:
            index, field, rest = int(match.group(1)), match.group(2) or "", match.group(3)
            sub = rest.strip(".[]")
            if sub and field != "prompt":
                text = f"{sub}: {text}"
            placed.setdefault((index, field), []).append(Message(error.code, text))
        else:
            key = error.field if error.field in ("name", "start") else ""
            placed.setdefault((None, key), []).append(Message(error.code, text))
    return placed


def editor_view(
    tree: TreeForm, errors: list[FieldError], queues: Mapping[int, str], focus: int | None = None
) -> EditorView:
    placed = _place(errors)
    used: set[tuple[int | None, str]] = set()
    ids = tree.ids()
    queue_list = ", ".join(f"{qid} {name}" for qid, name in sorted(queues.items()))
    nodes = []
    for i, node in enumerate(tree.nodes):
        cls = NODE_TYPES.get(node.type)
        fields: list[FieldView] = []
        known = {"id"}
        fields.append(_field_view(i, "id", "text", node.values.get("id", ""), placed))
        for field in attrs.fields(cls) if cls else ():
            if field.name == "id":
                continue
            known.add(field.name)
            fields.append(_typed_field(i, node, cls, field, ids, queue_list, placed))  # type: ignore[arg-type]
        node_errors = list(placed.get((i, ""), []))
        for (index, name), messages in placed.items():
            if index == i and name and name not in known:
                node_errors += messages
        used |= {key for key in placed if key[0] == i}
        nodes.append(
            NodeView(
                i,
                node.type,
                str(TYPE_LABELS.get(node.type, node.type)),
                node.values.get("id", ""),
                tuple(fields),
                tuple(node_errors),
            )
        )
    start_options = tuple((v, v) for v in _with_current(ids, tree.start))
    general: list[Message] = list(placed.get((None, ""), []))
    for (index, _name), messages in placed.items():
        if index is not None and index >= len(tree.nodes):
            general += messages
    return EditorView(
        name=tree.name,
        start=tree.start,
        start_options=start_options,
        nodes=tuple(nodes),
        type_options=tuple((t, str(label)) for t, label in TYPE_LABELS.items()),
        errors={
            "name": tuple(placed.get((None, "name"), [])),
            "start": tuple(placed.get((None, "start"), [])),
            "": tuple(general),
        },
        error_count=len(errors),
        focus=focus,
    )


def _with_current(options: list[str], current: str) -> list[str]:
    return options if current in options or not current else [*options, current]


def _field_view(
    i: int,
    key: str,
    kind: str,
    value: str,
    placed: Mapping[tuple[int | None, str], list[Message]],
    **extra: Any,
) -> FieldView:
    return FieldView(
        key=key,
        input=f"n{i}.{key}",
        dom_id=f"f-n{i}-{key}",
        label=str(FIELD_LABELS.get(key, key)),
        kind=kind,
        value=value,
        errors=tuple(placed.get((i, key), [])),
        **extra,
    )


def _typed_field(
    i: int,
    node: NodeForm,
    cls: type[Node],
    field: attrs.Attribute[Any],
    ids: list[str],
    queue_list: str,
    placed: Mapping[tuple[int | None, str], list[Message]],
) -> FieldView:
    name, kind = field.name, str(field.type)
    help_text = str(HELP.get((node.type, name), ""))
    value = node.values.get(name, "")
    if kind == "Prompt":
        return _field_view(
            i,
            name,
            "prompt",
            node.values.get(f"{name}.text", ""),
            placed,
            audio=node.values.get(f"{name}.audio", ""),
        )
    if kind == "int":
        if name == "queue_id" and queue_list:
            help_text = str(_l("Queues: %(queues)s", queues=queue_list))
        return _field_view(i, name, "int", value, placed, help=help_text)
    if kind == "tuple[int, ...]":
        help_text = str(_l("Queue ids separated by commas, e.g. 3, 5. Queues: %(queues)s", queues=queue_list))
        return _field_view(i, name, "numbers", value, placed, help=help_text)
    if kind == "Mapping[str, str]":
        return _field_view(i, name, "choices", value, placed, help=help_text)
    if name in REQUIRED_REFS.get(cls, ()) + OPTIONAL_REFS.get(cls, ()):
        options = [("", "—")] + [(v, v) for v in _with_current(ids, value)]
        return _field_view(i, name, "ref", value, placed, options=tuple(options), help=help_text)
    if name in ENUMS:
        labels = ENUM_LABELS.get(name, {})
        values = _with_current(list(ENUMS[name]), value)
        options = [(v, f"{labels[v]} ({v})" if v in labels else v) for v in values]
        return _field_view(i, name, "select", value, placed, options=tuple(options), help=help_text)
    return _field_view(i, name, "text", value, placed, help=help_text)
