"""Query-string arguments of the list and report pages, read with a field error for bad input."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from kc_domain.errors import FieldError


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
    if not raw.isdecimal() or len(raw) > 9:
        errors.append(FieldError(field, "not_a_number"))
        return None
    return int(raw)
