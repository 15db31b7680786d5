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
