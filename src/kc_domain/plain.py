"""Turn domain objects into plain JSON-safe data (for the audit log, the API and JSON columns)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time
from enum import Enum
from typing import Any

import attrs


def to_plain(value: Any, *, omit: frozenset[str] = frozenset()) -> Any:
    """attrs objects become dicts (fields in ``omit`` left out), sets sorted lists, enums their value.

    A value object with its own ``to_plain()`` (e.g. OpeningHours) is written in that form, which
    is also what its ``from_plain()`` and the JSON API accept.
    """
    own = getattr(value, "to_plain", None)
    if callable(own):
        return own()
    if attrs.has(type(value)):
        return {
            f.name: to_plain(getattr(value, f.name))
            for f in attrs.fields(type(value))
            if f.name not in omit and not f.name.startswith("_")
        }
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, (set, frozenset)):
        return sorted((to_plain(v) for v in value), key=lambda v: (str(type(v)), v))
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    return value


TEXT_MAX = 200  # characters of one text an error message or an audit record repeats of the input
ITEMS_MAX = 10  # items of one list or mapping it repeats
DEPTH_MAX = 3  # levels of nesting it repeats
ELLIPSIS = "…"


def capped(value: Any, depth: int = 0) -> Any:
    """Plain data as an error or an audit record repeats it of someone's input: texts cut to
    ``TEXT_MAX`` characters, lists and mappings to ``ITEMS_MAX`` items and ``DEPTH_MAX`` levels, each
    cut marked with an ellipsis; so that a refused input of any size leaves a small record."""
    if isinstance(value, str):
        return value if len(value) <= TEXT_MAX else value[: TEXT_MAX - 1] + ELLIPSIS
    if isinstance(value, Mapping):
        if depth >= DEPTH_MAX:
            return ELLIPSIS
        items = list(value.items())
        shown = {capped(str(k)): capped(v, depth + 1) for k, v in items[:ITEMS_MAX]}
        if len(items) > ITEMS_MAX:
            shown[ELLIPSIS] = len(items) - ITEMS_MAX
        return shown
    if isinstance(value, list | tuple | set | frozenset):
        if depth >= DEPTH_MAX:
            return ELLIPSIS
        listed = list(value)
        out = [capped(v, depth + 1) for v in listed[:ITEMS_MAX]]
        return [*out, ELLIPSIS] if len(listed) > ITEMS_MAX else out
    return value
