"""Column types that turn database values into the domain's own values and back.

Every type here stores something simple (a naive timestamp, a string, a JSON document) so that
the schema stays readable from psql/sqlite3 and the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from kc_domain.organisation.hours import OpeningHours
from kc_domain.organisation.model import OverflowTarget
from kc_domain.outbound.campaigns import RetryRule, retries_from_plain, retries_to_plain
from kc_domain.outbound.outcomes import Outcome


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime stored as naive UTC (``timestamp without time zone``), read back as aware UTC.

    A naive value is refused rather than guessed: the domain's clock is always aware, and a silent
    guess would shift audit timestamps and so break the hash chain.
    """

    impl = sa.DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: KC stores only timezone-aware instants")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class EnumText(TypeDecorator[Enum]):
    """A str-valued Enum stored as its value (not its name), without a database enum type or CHECK,
    so adding a member never needs a migration."""

    impl = sa.String
    cache_ok = True

    def __init__(self, enum: type[Enum], length: int = 16) -> None:
        super().__init__(length)
        self.enum = enum

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else str(self.enum(value).value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> Enum | None:
        return None if value is None else self.enum(value)


class _JsonSet(TypeDecorator[frozenset[Any]]):
    """A frozenset stored as a sorted JSON list (sorted so equal sets store equal text)."""

    impl = sa.JSON
    cache_ok = True

    def _item_in(self, value: Any) -> Any:
        raise NotImplementedError

    def _item_out(self, value: Any) -> Any:
        raise NotImplementedError

    def process_bind_param(self, value: Any, dialect: Dialect) -> list[Any] | None:
        if value is None:
            return None
        return sorted(self._item_in(v) for v in value)

    def process_result_value(self, value: Any, dialect: Dialect) -> frozenset[Any] | None:
        return None if value is None else frozenset(self._item_out(v) for v in value)


class EnumSet(_JsonSet):
    """frozenset[SomeEnum], e.g. ``User.roles``; stores the members' values."""

    def __init__(self, enum: type[Enum]) -> None:
        super().__init__()
        self.enum = enum

    def _item_in(self, value: Any) -> Any:
        return self.enum(value).value

    def _item_out(self, value: Any) -> Any:
        return self.enum(value)


class IntSet(_JsonSet):
    """frozenset[int], e.g. ids of other objects that need no join."""

    def _item_in(self, value: Any) -> int:
        return int(value)

    def _item_out(self, value: Any) -> int:
        return int(value)


class StrSet(_JsonSet):
    """frozenset[str], e.g. report keys."""

    def _item_in(self, value: Any) -> str:
        return str(value)

    def _item_out(self, value: Any) -> str:
        return str(value)


class OpeningHoursJson(TypeDecorator[OpeningHours]):
    """``OpeningHours`` as the JSON of its ``to_plain()``; the value object is frozen, so a change is
    always a new value assigned to the attribute and the ORM sees it without mutation tracking."""

    impl = sa.JSON
    cache_ok = True

    def process_bind_param(self, value: OpeningHours | None, dialect: Dialect) -> dict[str, Any] | None:
        return None if value is None else value.to_plain()

    def process_result_value(self, value: dict[str, Any] | None, dialect: Dialect) -> OpeningHours | None:
        return None if value is None else OpeningHours.from_plain(value)


class OverflowTargetJson(TypeDecorator[OverflowTarget]):
    """``OverflowTarget`` as the JSON of its ``to_plain()`` (frozen, like ``OpeningHoursJson``)."""

    impl = sa.JSON
    cache_ok = True

    def process_bind_param(self, value: OverflowTarget | None, dialect: Dialect) -> dict[str, Any] | None:
        return None if value is None else value.to_plain()

    def process_result_value(self, value: dict[str, Any] | None, dialect: Dialect) -> OverflowTarget | None:
        return None if value is None else OverflowTarget.from_plain(value)


class StrTuple(TypeDecorator[tuple[str, ...]]):
    """tuple[str, ...] in its order (e.g. the choices of a client field) as a JSON list."""

    impl = sa.JSON
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> list[str] | None:
        return None if value is None else [str(v) for v in value]

    def process_result_value(self, value: Any, dialect: Dialect) -> tuple[str, ...] | None:
        return None if value is None else tuple(str(v) for v in value)


class RetryRulesJson(TypeDecorator[dict[Outcome, RetryRule]]):
    """A campaign's retry rules by outcome as JSON (``retries_to_plain``); a change is a new dict
    assigned to the attribute (the ORM does not see a dict changed in place)."""

    impl = sa.JSON
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> dict[str, Any] | None:
        return None if value is None else retries_to_plain(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> dict[Outcome, RetryRule] | None:
        return None if value is None else retries_from_plain(value)
