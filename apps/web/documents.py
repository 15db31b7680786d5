"""Structured documents people send (GEN-01): JSON request bodies and IVR definitions in JSON or
YAML, read with limits, so that no input can make the server recurse, expand or store without end.

- ``MAX_DEPTH``: lists and mappings nested deeper are refused (``too_deep``); Python's parsers
  would otherwise run out of stack (a 500) on a document of ``[[[[...`` .
- ``MAX_DOCUMENT_CHARS``: a definition typed or uploaded is at most this long (``document_too_large``).
- YAML anchors and aliases are refused (``yaml_alias``): six levels of nine aliases each make a
  368-byte text into millions of values (a "billion laughs"), and a tree never needs them.

Every refusal is a ``ValidationFailed`` on the field named by the caller, worded in Czech by
``apps/web/messages.py``."""

from __future__ import annotations

import json
from typing import Any

import yaml
from flask import request
from flask.json.provider import DefaultJSONProvider

from kc_domain.errors import ValidationFailed

MAX_DEPTH = 32
MAX_DOCUMENT_CHARS = 256 * 1024


def too_deep(field: str) -> ValidationFailed:
    return ValidationFailed.one(field, "too_deep", max=MAX_DEPTH)


def check_depth(data: object, field: str) -> None:
    """``too_deep`` when lists and mappings in ``data`` nest deeper than ``MAX_DEPTH`` (walked
    without recursion)."""
    pending: list[tuple[object, int]] = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict):
            children: Any = value.values()
        elif isinstance(value, list | tuple):
            children = value
        else:
            continue
        if depth > MAX_DEPTH:
            raise too_deep(field)
        pending.extend((child, depth + 1) for child in children)


def load_json(text: str | bytes, field: str = "body", **kwargs: Any) -> Any:
    """``json.loads`` with the depth limit; malformed JSON raises ``json.JSONDecodeError`` as before."""
    try:
        data = json.loads(text, **kwargs)
    except RecursionError:
        raise too_deep(field) from None
    check_depth(data, field)
    return data


class _Refused(yaml.YAMLError):  # type: ignore[misc]  # PyYAML ships no types
    def __init__(self, code: str, mark: Any) -> None:
        super().__init__(code)
        self.code, self.mark = code, mark


class _StrictLoader(yaml.SafeLoader):  # type: ignore[misc]  # PyYAML ships no types
    """``SafeLoader`` that refuses anchors and aliases and counts the nesting while composing, so a
    deep document stops at ``MAX_DEPTH`` instead of at the end of the stack."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise _Refused("yaml_alias", event.start_mark)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _Refused("too_deep", event.start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def load_yaml(text: str, field: str) -> Any:
    """YAML as plain data (what ``yaml.safe_load`` reads) within the limits; other malformed YAML
    raises ``yaml.YAMLError`` as before."""
    try:
        return yaml.load(text, Loader=_StrictLoader)
    except _Refused as refused:
        where = {"line": refused.mark.line + 1, "column": refused.mark.column + 1}
        if refused.code == "too_deep":
            raise ValidationFailed.one(field, "too_deep", max=MAX_DEPTH, **where) from None
        raise ValidationFailed.one(field, "yaml_alias", **where) from None
    except RecursionError:  # the scanner's own nesting (flow collections) before composing
        raise too_deep(field) from None


def check_size(text: str, field: str) -> None:
    if len(text) > MAX_DOCUMENT_CHARS:
        raise ValidationFailed.one(field, "document_too_large", max=MAX_DOCUMENT_CHARS // 1024)


class LimitedJSONProvider(DefaultJSONProvider):
    """The application's JSON: request bodies (``request.get_json``) are read with ``load_json``, so
    a too deeply nested body is a 422 ``too_deep`` on ``body`` in every API, not a 500."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return load_json(s, "body", **kwargs)


def json_body() -> Any:
    """The request's JSON body (any JSON value); ``not_json`` on ``body`` when there is none."""
    body = request.get_json(silent=True)
    if body is None:
        raise ValidationFailed.one("body", "not_json")
    return body


def json_object() -> dict[str, Any]:
    """The request's JSON body, which must be an object; ``not_json`` on ``body`` otherwise."""
    body = json_body()
    if not isinstance(body, dict):
        raise ValidationFailed.one("body", "not_json")
    return body
