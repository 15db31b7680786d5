"""The checked wire form of typed messages, shared by the engine's commands
(``kc_domain.routing.commands``) and the bus and WebSocket messages (``kc_domain.messages``).

A message is a frozen attrs class whose fields are annotated with a small vocabulary of types:
``int``, ``float``, ``str``, ``bool``, ``datetime`` (ISO 8601 on the wire), ``Any``, ``list[...]``
and ``dict[...]`` (checked as a JSON array or object, their items documented, not checked), and the
name of another message class (an object, or ``tuple[Name, ...]``: an array of them), each
optionally ``| None``. ``wire_fields`` reads a plain mapping into the class's fields and refuses,
naming the field, one that is missing, of the wrong type, or not one of the class's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from functools import partial
from typing import Any

import attrs

from kc_domain.errors import FieldError, ValidationFailed

Nested = Mapping[str, Callable[[Any], Any]]
"""Message classes by name, each with what reads its wire form (for fields of those types)."""


def wire_value(field: str, kind: str, value: Any, context: Mapping[str, str], nested: Nested = {}) -> Any:  # noqa: B006
    """One field of a wire message, checked against its declared type (a string annotation)."""
    optional = kind.endswith("| None")
    if value is None and optional:
        return None
    base = kind.removesuffix("| None").strip()
    found = _plain_value(base, value) if base not in nested else _MISSING
    if found is not _MISSING:
        return found
    if base in nested and isinstance(value, Mapping):
        return _inside(field, partial(nested[base], value))
    item = base.removeprefix("tuple[").removesuffix(", ...]")
    if base.startswith("tuple[") and item in nested and isinstance(value, list):
        read = nested[item]
        return tuple(_inside(f"{field}[{n}]", partial(read, v)) for n, v in enumerate(value))
    raise ValidationFailed([FieldError(field, "invalid_type", {"expected": base, **context})])


_MISSING = object()


def _plain_value(base: str, value: Any) -> Any:
    if base == "Any":
        return value
    if base == "int" and isinstance(value, int) and not isinstance(value, bool):
        return value
    if base == "float" and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if (base == "str" and isinstance(value, str)) or (base == "bool" and isinstance(value, bool)):
        return value
    if base.startswith("list[") and isinstance(value, list):
        return value
    if base.startswith("dict[") and isinstance(value, dict):
        return value
    if base == "datetime":
        if isinstance(value, datetime):
            return value
        if isinstance(value, str):
            try:
                return datetime.fromisoformat(value)
            except ValueError:
                pass
    return _MISSING


def _inside(field: str, read: Callable[[], Any]) -> Any:
    """A nested message read; its refusal names the field within this one (``alerts[0].kind``)."""
    try:
        return read()
    except ValidationFailed as error:
        raise ValidationFailed(
            [FieldError(f"{field}.{e.field}", e.code, e.params) for e in error.errors]
        ) from error


def wire_fields(
    kind: type[Any],
    message: Mapping[str, Any],
    context: Mapping[str, str],
    envelope: frozenset[str] = frozenset(),
    nested: Nested = {},  # noqa: B006
) -> dict[str, Any]:
    """The values of ``kind``'s fields in ``message``, each checked (``envelope``: the keys that
    carry the message's name, version and the like, not fields); refused naming the field."""
    fields = attrs.fields(kind)
    unexpected = sorted(set(message) - envelope - {f.name for f in fields})
    if unexpected:
        raise ValidationFailed([FieldError(f, "unexpected_field", dict(context)) for f in unexpected])
    values: dict[str, Any] = {}
    for f in fields:
        if f.name in message:
            values[f.name] = wire_value(f.name, str(f.type), message[f.name], context, nested)
        elif f.default is attrs.NOTHING:
            raise ValidationFailed([FieldError(f.name, "required", dict(context))])
    return values
