"""Checks of an IVR tree before it is published (ADM-11) and the Czech number validators used by
``CollectDigits`` (rodné číslo as the insurance number, IČO)."""

from __future__ import annotations

import re
from datetime import date

import attrs

from kc_domain.errors import FieldError
from kc_domain.graph import reachable, trapped_in_loops
from kc_domain.ivr.model import (
    CONDITION_KINDS,
    DTMF_KEYS,
    VALIDATORS,
    Callback,
    CollectDigits,
    Condition,
    GotoTree,
    IvrTree,
    Menu,
    Node,
    Prompt,
    RouteToQueue,
    can_end_here,
    references,
)
from kc_domain.organisation.hours import BadInterval, parse_intervals
from kc_domain.validation import prompt_name


def is_valid_insurance_number(text: str) -> bool:
    """Rodné číslo (the insurance number of a Czech insured person), with or without the slash.

    9 digits: born before 1954, no check digit. 10 digits: the number is divisible by 11, or (the known
    exception, numbers issued until 1985) the first nine digits leave remainder 10 and the check digit is 0.
    The date part must be a real date; months +50 mean women, +20 (and +70) the numbers issued since 2004.
    """
    digits = text.replace("/", "", 1) if text.count("/") <= 1 else text
    if not digits.isascii() or not digits.isdigit() or len(digits) not in (9, 10):
        return False
    yy, mm, dd = int(digits[0:2]), int(digits[2:4]), int(digits[4:6])
    if len(digits) == 9:
        if yy >= 54:
            return False
        year = 1900 + yy
    else:
        number, head = int(digits), int(digits[:9])
        if number % 11 != 0 and not (head % 11 == 10 and digits[9] == "0"):
            return False
        year = 1900 + yy if yy >= 54 else 2000 + yy
    if mm > 50:
        mm -= 50
    if mm > 20:
        if year < 2004:
            return False
        mm -= 20
    try:
        date(year, mm, dd)
    except ValueError:
        return False
    return True


def ico_check_digit(first7: str) -> int:
    """The check digit of an IČO: weights 8..2, ``(11 - sum % 11) % 10``."""
    total = sum(int(d) * w for d, w in zip(first7, range(8, 1, -1), strict=True))
    return (11 - total % 11) % 10


def is_valid_ico(text: str) -> bool:
    """IČO (Czech company number): 8 digits, the last one a mod-11 weighted check digit."""
    if len(text) != 8 or not text.isascii() or not text.isdigit():
        return False
    return ico_check_digit(text[:7]) == int(text[7])


def is_valid_date(text: str) -> bool:
    """``DDMMYYYY`` as typed on a phone keypad."""
    if len(text) != 8 or not text.isascii() or not text.isdigit():
        return False
    try:
        date(int(text[4:8]), int(text[2:4]), int(text[0:2]))
    except ValueError:
        return False
    return True


def digits_valid(validator: str, text: str) -> bool:
    if validator == "insurance_number":
        return is_valid_insurance_number(text)
    if validator == "ico":
        return is_valid_ico(text)
    if validator == "date":
        return is_valid_date(text)
    return True


def _successors(node: Node) -> list[str]:
    return [target for _, target in references(node)]


def _node_problems(path: str, node: Node, known_trees: set[str], known_queues: set[int]) -> list[FieldError]:
    errors: list[FieldError] = []
    if not node.id:
        errors.append(FieldError(f"{path}.id", "required"))
    for field in attrs.fields(type(node)):  # every prompt's recording goes to the PBX by its name
        value = getattr(node, field.name)
        if isinstance(value, Prompt):
            prompt_name(errors, f"{path}.{field.name}.audio", value.audio)
    if isinstance(node, Menu):
        if not node.choices:
            errors.append(FieldError(f"{path}.choices", "empty"))
        for digit in sorted(node.choices):
            if len(digit) != 1 or digit not in DTMF_KEYS:
                errors.append(FieldError(f"{path}.choices", "invalid_digit", {"digit": digit}))
        if node.timeout_s <= 0:
            errors.append(FieldError(f"{path}.timeout_s", "too_small", {"min": 1}))
        if node.retries < 0:
            errors.append(FieldError(f"{path}.retries", "too_small", {"min": 0}))
    elif isinstance(node, CollectDigits):
        if node.min_len < 1:
            errors.append(FieldError(f"{path}.min_len", "too_small", {"min": 1}))
        if node.max_len < node.min_len:
            errors.append(FieldError(f"{path}.max_len", "too_small", {"min": node.min_len}))
        if node.validator not in VALIDATORS:
            errors.append(FieldError(f"{path}.validator", "invalid_choice", {"value": node.validator}))
        if not node.into:
            errors.append(FieldError(f"{path}.into", "required"))
        if node.timeout_s <= 0:
            errors.append(FieldError(f"{path}.timeout_s", "too_small", {"min": 1}))
        if node.retries < 0:
            errors.append(FieldError(f"{path}.retries", "too_small", {"min": 0}))
    elif isinstance(node, Condition):
        errors += _condition_problems(path, node, known_queues)
    elif isinstance(node, RouteToQueue):
        if not node.queue_ids:
            errors.append(FieldError(f"{path}.queue_ids", "required"))
        for queue_id in node.queue_ids:
            if queue_id not in known_queues:
                errors.append(FieldError(f"{path}.queue_ids", "unknown_queue", {"queue": queue_id}))
    elif isinstance(node, Callback):
        if node.queue_id not in known_queues:
            errors.append(FieldError(f"{path}.queue_id", "unknown_queue", {"queue": node.queue_id}))
    elif isinstance(node, GotoTree) and node.tree not in known_trees:
        errors.append(FieldError(f"{path}.tree", "unknown_tree", {"tree": node.tree}))
    return errors


def _condition_problems(path: str, node: Condition, known_queues: set[int]) -> list[FieldError]:
    field = f"{path}.value"
    if node.kind not in CONDITION_KINDS:
        return [FieldError(f"{path}.kind", "invalid_choice", {"value": node.kind})]
    if node.kind == "open":
        if not node.value.isdigit() or int(node.value) not in known_queues:
            return [FieldError(field, "unknown_queue", {"queue": node.value})]
    elif node.kind == "time":
        try:
            if not parse_intervals(node.value):
                return [FieldError(field, "required")]
        except BadInterval:
            return [FieldError(field, "invalid_interval", {"value": node.value})]
    elif node.kind == "caller":
        if not node.value:
            return [FieldError(field, "required")]
        if node.value.startswith("^"):
            try:
                re.compile(node.value)
            except re.error:
                return [FieldError(field, "invalid_regex", {"value": node.value})]
    elif node.kind == "status" and not node.value:
        return [FieldError(field, "required")]
    elif node.kind == "variable" and not node.name:
        return [FieldError(f"{path}.name", "required")]
    return []


def problems(tree: IvrTree, known_trees: set[str], known_queues: set[int]) -> list[FieldError]:
    """Everything wrong with ``tree``; empty means it can be published."""
    errors: list[FieldError] = []
    if not tree.name:
        errors.append(FieldError("name", "required"))
    if tree.version < 1:
        errors.append(FieldError("version", "too_small", {"min": 1}))
    by_id: dict[str, Node] = {}
    for i, node in enumerate(tree.nodes):
        if node.id in by_id:
            errors.append(FieldError(f"nodes[{i}].id", "duplicate", {"node": node.id}))
        else:
            by_id[node.id] = node
    if tree.start not in by_id:
        errors.append(FieldError("start", "unknown_node", {"node": tree.start}))
    for i, node in enumerate(tree.nodes):
        path = f"nodes[{i}]"
        errors += _node_problems(path, node, known_trees, known_queues)
        for field, target in references(node):
            if not target or target not in by_id:
                code = "required" if not target else "unknown_node"
                errors.append(FieldError(f"{path}.{field}", code, {"node": target}))
    successors = {n: [t for t in _successors(node) if t in by_id] for n, node in by_id.items()}
    reached = reachable([tree.start], successors)
    for i, node in enumerate(tree.nodes):
        if node.id in by_id and by_id[node.id] is node and node.id not in reached:
            errors.append(FieldError(f"nodes[{i}]", "unreachable", {"node": node.id}))
    errors += _loop_problems(tree, by_id, successors)
    return errors


def _loop_problems(
    tree: IvrTree, by_id: dict[str, Node], successors: dict[str, list[str]]
) -> list[FieldError]:
    """Nodes on a cycle from which no way out of the tree (a terminal node or a hang-up fallback) exists."""
    exits = [n for n, node in by_id.items() if can_end_here(node)]
    trapped = set(trapped_in_loops(successors, exits))
    return [
        FieldError(f"nodes[{i}]", "loop_without_exit", {"node": node.id})
        for i, node in enumerate(tree.nodes)
        if node.id in trapped and by_id[node.id] is node
    ]
