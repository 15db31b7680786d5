"""Field kinds of the administration forms and API: how each is read from a form or from JSON,
and how it is shown. Parsing problems are collected as FieldErrors, never raised one by one."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo

import attrs
from flask import current_app
from werkzeug.datastructures import MultiDict

from apps.web.admin import criteria
from apps.web.query_args import int_problem
from apps.web.services import services
from kc_domain.errors import FieldError
from kc_domain.organisation.hours import (
    WEEKDAYS,
    BadInterval,
    DateException,
    OpeningHours,
    format_intervals,
    parse_intervals,
)
from kc_domain.organisation.model import OverflowKind, OverflowTarget
from kc_domain.plain import to_plain

_RANGE_CHARS = set("0123456789:-,;")
Choices = Callable[[], list[tuple[str, str]]]


@attrs.frozen
class Field:
    """``kind``: text, int, bool, choice, multi, ref, refs, list, lines, datetime, hours, overflow, password,
    criteria (an evaluation form's rows, ``apps.web.admin.criteria``).

    ``list`` is an unordered set of words; ``lines`` an ordered tuple of lines (e.g. offered choices).
    """

    name: str
    label: Any
    kind: str = "text"
    choices: Choices | None = None
    enum: type[Enum] | None = None
    help: Any = ""
    in_list: bool = False

    # -- from an HTML form -----------------------------------------------------------------------
    def from_form(self, form: MultiDict[str, str], errors: list[FieldError]) -> Any:
        raw = form.get(self.name, "").strip()
        if self.kind == "text":
            return raw
        if self.kind == "int":
            return _int(self.name, raw, errors)
        if self.kind == "bool":
            return self.name in form
        if self.kind == "choice":
            return self._member(raw, errors)
        if self.kind == "multi":
            return frozenset(self._member(v, errors) for v in form.getlist(self.name)) - {None}
        if self.kind == "ref":
            return _int(self.name, raw, errors) if raw else None
        if self.kind == "list":
            return frozenset(item for item in re.split(r"[\s,;]+", raw) if item)
        if self.kind == "lines":
            return tuple(line.strip() for line in raw.splitlines() if line.strip())
        if self.kind == "datetime":
            return _local_datetime(self.name, raw, errors) if raw else None
        if self.kind == "refs":
            return frozenset(_int(self.name, v, errors) for v in form.getlist(self.name)) - {None}
        if self.kind == "hours":
            return _hours_from_form(form, errors)
        if self.kind == "overflow":
            kind = self._member(form.get("overflow_kind", "hangup"), errors, OverflowKind, "overflow_kind")
            return OverflowTarget(kind or OverflowKind.HANGUP, form.get("overflow_target", "").strip())
        if self.kind == "criteria":
            return criteria.from_form(form, errors)
        raise ValueError(self.kind)

    # -- from JSON -------------------------------------------------------------------------------
    def from_json(self, value: Any, errors: list[FieldError]) -> Any:
        expected: dict[str, type | tuple[type, ...]] = {
            "text": str,
            "list": list,
            "lines": list,
            "int": int,
            "bool": bool,
            "choice": str,
            "multi": list,
            "refs": list,
            "hours": dict,
            "overflow": dict,
        }
        if self.kind == "ref":
            if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
                errors.append(FieldError(self.name, "not_a_number"))
            elif value is not None:
                return _checked(self.name, value, errors)
            return value
        if self.kind == "datetime":
            return None if value is None else _aware_datetime(self.name, value, errors)
        if self.kind == "criteria":
            return criteria.from_json(value, errors)
        if not isinstance(value, expected[self.kind]) or (self.kind == "int" and isinstance(value, bool)):
            errors.append(FieldError(self.name, "not_a_number" if self.kind == "int" else "invalid_choice"))
            return None
        # the shape is checked above; each isinstance below only tells the type checker so
        if self.kind == "int" and isinstance(value, int):
            return _checked(self.name, value, errors)
        if self.kind == "choice" and isinstance(value, str):
            return self._member(value, errors)
        if isinstance(value, list):
            if self.kind == "multi":
                return frozenset(self._member(str(v), errors) for v in value) - {None}
            if self.kind == "list":
                if not all(isinstance(v, str) for v in value):
                    errors.append(FieldError(self.name, "invalid_choice"))
                return frozenset(str(v).strip() for v in value if str(v).strip())
            if self.kind == "lines":
                if not all(isinstance(v, str) for v in value):
                    errors.append(FieldError(self.name, "invalid_choice"))
                return tuple(str(v).strip() for v in value if str(v).strip())
            if self.kind == "refs":
                if not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
                    errors.append(FieldError(self.name, "not_a_number"))
                    return frozenset(value)
                return frozenset(_checked(self.name, v, errors) for v in value) - {None}
        if isinstance(value, dict):
            if self.kind == "hours":
                try:
                    return OpeningHours.from_plain(value)
                except (BadInterval, ValueError, KeyError, TypeError, AttributeError) as bad:
                    errors.append(FieldError("hours", "bad_interval", {"value": str(bad)}))
                    return None
            if self.kind == "overflow":
                kind = self._member(str(value.get("kind", "hangup")), errors, OverflowKind, "overflow_kind")
                return OverflowTarget(kind or OverflowKind.HANGUP, str(value.get("target", "")))
        return value.strip() if isinstance(value, str) else value

    # -- showing -------------------------------------------------------------------------------------
    def form_value(self, entity: Any) -> Any:
        """What the edit form shows for this field."""
        value = getattr(entity, self.name, None)
        if self.kind == "hours":
            assert isinstance(value, OpeningHours)  # every entity with hours has them
            shown: dict[str, str | bool] = {
                f"hours_{d}": format_intervals(iv) for d, iv in zip(WEEKDAYS, value.weekly, strict=True)
            }
            shown["exceptions"] = "\n".join(
                f"{e.day.isoformat()} {format_intervals(e.intervals) or '-'} {e.note}".strip()
                for e in value.exceptions
            )
            shown["closed_on_holidays"] = value.closed_on_holidays
            return shown
        if self.kind == "overflow":
            assert isinstance(value, OverflowTarget)  # every entity with an overflow has one
            return {"overflow_kind": value.kind.value, "overflow_target": value.target}
        if self.kind == "criteria":
            return criteria.form_value(value)
        if self.kind in ("multi", "refs", "list"):
            assert value is not None  # a set on every entity with such a field
            return "\n".join(sorted(value)) if self.kind == "list" else {str(to_plain(v)) for v in value}
        if self.kind == "lines":
            return "\n".join(value or ())
        if self.kind == "datetime":
            return "" if value is None else value.astimezone(_zone()).strftime("%Y-%m-%dT%H:%M")
        return to_plain(value)

    def _member(
        self, raw: str, errors: list[FieldError], enum: type[Enum] | None = None, field: str | None = None
    ) -> Any:
        enum = enum or self.enum
        if enum is None:
            return raw
        try:
            return enum(raw)
        except ValueError:
            errors.append(FieldError(field or self.name, "invalid_choice"))
            return None


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["KC_TIMEZONE"])


def _local_datetime(name: str, raw: str, errors: list[FieldError]) -> datetime | None:
    """A form's local date and time (Europe/Prague), stored in UTC."""
    try:
        parsed = datetime.fromisoformat(raw.replace(" ", "T"))
    except ValueError:
        errors.append(FieldError(name, "bad_datetime", {"value": raw}))
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=_zone())).astimezone(UTC)


def _aware_datetime(name: str, value: Any, errors: list[FieldError]) -> datetime | None:
    """JSON gives ISO 8601 with an offset; without one the instant would be a guess."""
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        errors.append(FieldError(name, "bad_datetime", {"value": str(value)}))
        return None
    return parsed.astimezone(UTC)


def _int(name: str, raw: str, errors: list[FieldError]) -> int | None:
    if not raw:
        errors.append(FieldError(name, "required"))
        return None
    return _checked(name, raw, errors)


def _checked(name: str, raw: int | str, errors: list[FieldError]) -> int | None:
    """A whole number within the database's range (``query_args.int_problem``), or the error."""
    number, problem = int_problem(raw, name, signed=True)
    if problem is not None:
        errors.append(problem)
    return number


def _intervals(field: str, text: str, errors: list[FieldError]) -> tuple[Any, ...]:
    try:
        return parse_intervals(text)
    except BadInterval as bad:
        errors.append(FieldError(field, "bad_interval", {"value": str(bad).strip()}))
        return ()


def holidays_text() -> str:
    """This year's Czech public holidays, shown beside the “closed on holidays” switch of hours."""
    kc = services()
    return ", ".join(f"{d.day}. {d.month}." for d in kc.holidays().holidays_in(kc.clock().now().year))


def _hours_from_form(form: Mapping[str, str], errors: list[FieldError]) -> OpeningHours:
    weekly = tuple(_intervals(f"hours_{d}", form.get(f"hours_{d}", ""), errors) for d in WEEKDAYS)
    exceptions = []
    for line in form.get("exceptions", "").splitlines():
        if not line.strip():
            continue
        day_text, _, rest = line.strip().partition(" ")
        try:
            day = date.fromisoformat(day_text)
        except ValueError:
            errors.append(FieldError("exceptions", "bad_date", {"value": day_text}))
            continue
        tokens = rest.split()
        ranges = []
        while tokens and set(tokens[0]) <= _RANGE_CHARS:
            ranges.append(tokens.pop(0))
        text = " ".join(r for r in ranges if r != "-")
        exceptions.append(DateException(day, _intervals("exceptions", text, errors), " ".join(tokens)))
    return OpeningHours(weekly, tuple(exceptions), "closed_on_holidays" in form)
