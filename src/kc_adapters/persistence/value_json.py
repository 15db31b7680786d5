"""A JSON column for a tuple of frozen value objects (the criteria of an evaluation form, the
scores and notes of an evaluation: REC-07), stored as the list of their plain dicts."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from kc_domain.plain import to_plain


class ValueTuple(TypeDecorator[tuple[Any, ...]]):
    """tuple[V, ...] as a JSON list of ``to_plain(v)``, read back with ``from_plain``. The values
    are frozen, so a change is always a new tuple assigned to the attribute, which the ORM sees."""

    impl = sa.JSON
    cache_ok = True

    def __init__(self, from_plain: Callable[[Mapping[str, Any]], Any]) -> None:
        super().__init__()
        self.from_plain = from_plain

    def process_bind_param(self, value: Any, dialect: Dialect) -> list[Any] | None:
        return None if value is None else [to_plain(v) for v in value]

    def process_result_value(self, value: Any, dialect: Dialect) -> tuple[Any, ...] | None:
        return None if value is None else tuple(self.from_plain(v) for v in value)
