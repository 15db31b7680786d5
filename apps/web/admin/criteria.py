"""The criteria of an evaluation form (REC-07) as an administration field: rows of a table in the
HTML form (parallel lists ``criterion_<attr>``, one entry per row), a list of objects in the JSON
API. A row whose label and description are empty is dropped: that is how a criterion is removed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from werkzeug.datastructures import MultiDict

from kc_domain.errors import FieldError
from kc_domain.plain import to_plain
from kc_domain.recordings.evaluation import Criterion, Scale

ATTRS = ("label", "scale", "max_points", "weight", "required", "description")
BLANK_ROWS = 3  # empty rows offered under the existing ones for new criteria


def rows_from_form(form: MultiDict[str, str]) -> list[dict[str, str]]:
    """The submitted rows as text, blank rows left out (also what the form shows again after an error)."""
    columns = {attr: form.getlist(f"criterion_{attr}") for attr in ATTRS}
    count = max((len(values) for values in columns.values()), default=0)
    rows = []
    for n in range(count):
        row = {attr: (values[n].strip() if n < len(values) else "") for attr, values in columns.items()}
        if row["label"] or row["description"]:
            rows.append(row)
    return rows


def from_form(form: MultiDict[str, str], errors: list[FieldError]) -> tuple[Criterion, ...]:
    criteria = []
    for number, row in enumerate(rows_from_form(form), start=1):
        scale = _scale(row["scale"] or Scale.POINTS.value, number, errors)
        criteria.append(
            Criterion(
                label=row["label"],
                scale=scale,
                max_points=_whole(row["max_points"] or "1", f"criteria.{number}.max_points", errors),
                weight=_whole(row["weight"] or "1", f"criteria.{number}.weight", errors),
                description=row["description"],
                required=row["required"] != "no",
            )
        )
    return tuple(criteria)


def from_json(value: Any, errors: list[FieldError]) -> tuple[Criterion, ...]:
    if not isinstance(value, list) or not all(isinstance(item, Mapping) for item in value):
        errors.append(FieldError("criteria", "invalid_type", {"expected": "list of objects"}))
        return ()
    criteria = []
    for number, item in enumerate(value, start=1):
        unknown = set(item) - set(ATTRS)
        errors.extend(FieldError(f"criteria.{number}.{name}", "unknown_field") for name in sorted(unknown))
        try:
            criterion = Criterion.from_plain(item)
        except KeyError:
            errors.append(FieldError(f"criteria.{number}.label", "required"))
            continue
        except (TypeError, ValueError):
            errors.append(FieldError(f"criteria.{number}", "invalid_type", {"expected": "criterion"}))
            continue
        criteria.append(criterion)
    return tuple(criteria)


def form_value(criteria: Any) -> list[dict[str, Any]]:
    """The rows the form shows for saved criteria."""
    rows = []
    for criterion in criteria or ():
        plain = to_plain(criterion)
        plain["required"] = "yes" if criterion.required else "no"
        rows.append(plain)
    return rows


def _scale(raw: str, number: int, errors: list[FieldError]) -> Scale:
    try:
        return Scale(raw)
    except ValueError:
        errors.append(FieldError(f"criteria.{number}.scale", "invalid_choice"))
        return Scale.POINTS


def _whole(raw: str, field: str, errors: list[FieldError]) -> int:
    if raw.isdecimal() and len(raw) <= 6:
        return int(raw)
    errors.append(FieldError(field, "not_a_number"))
    return 0
