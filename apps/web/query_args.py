"""Query-string arguments of the list and report pages, read with a field error for bad input, and
the one check of every whole number read from a request (GEN-01): a number beyond what the
database's INTEGER holds is refused here (422 naming the field; a path id: 404), never passed on to
fail in the database as a 500."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from werkzeug.routing import IntegerConverter

from kc_domain.errors import FieldError, ValidationFailed

INT_MIN, INT_MAX = -(2**31), 2**31 - 1  # PostgreSQL's INTEGER, the type of every id and count column


def int_problem(raw: object, field: str, *, signed: bool = False) -> tuple[int | None, FieldError | None]:
    """``raw`` (text or a JSON number) as a whole number within the database's range, or the field's
    error: ``not_a_number`` when it is not one, ``out_of_range`` when it is too large."""
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        return None, FieldError(field, "not_a_number")
    text = str(raw).strip()
    digits = text[1:] if signed and text.startswith("-") else text
    if not digits.isdecimal() or not digits.isascii():
        return None, FieldError(field, "not_a_number")
    if len(digits) > 12 or not (INT_MIN if signed else 0) <= int(text) <= INT_MAX:
        return None, FieldError(field, "out_of_range", {"min": INT_MIN if signed else 0, "max": INT_MAX})
    return int(text), None


def whole_number(raw: object, field: str, *, signed: bool = False) -> int:
    """``int_problem``'s number, or ``ValidationFailed`` with its error."""
    number, problem = int_problem(raw, field, signed=signed)
    if problem is not None:
        raise ValidationFailed([problem])
    assert number is not None
    return number


def int_arg(args: Mapping[str, str], field: str, default: int | None = None) -> int | None:
    """A whole-number query argument: ``default`` when absent or empty, else ``whole_number``."""
    raw = args.get(field, "")
    if raw is None or not str(raw).strip():
        return default
    return whole_number(raw, field)


class IdConverter(IntegerConverter):
    """``<int:...>`` in every route: a number beyond INT_MAX matches no route (404), as an unknown id."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", INT_MAX)
        super().__init__(map, *args, **kwargs)


def day_arg(args: Mapping[str, str], field: str, default: date, errors: list[FieldError]) -> date:
    """An ISO date: ``default`` when absent, and when malformed (with a ``bad_date`` error)."""
    raw = str(args.get(field, "") or "").strip()
    if not raw:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors.append(FieldError(field, "bad_date", {"value": raw}))
        return default


def whole_arg(args: Mapping[str, str], field: str, errors: list[FieldError]) -> int | None:
    """A whole number: None when absent, and when malformed (with a ``not_a_number`` error)."""
    raw = args.get(field, "")
    if not raw:
        return None
    number, problem = int_problem(raw, field)
    if problem is not None:
        errors.append(problem)
    return number
