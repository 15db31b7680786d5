"""Call scripts and their answers as JSON-ready plain data (OUT-15), for the database's JSON columns
and the script editor. ``script_to_plain`` writes every field, so that
``script_from_plain(script_to_plain(s)) == s``; ``script_from_plain`` fills left-out optional fields
with their defaults. Numbers are JSON numbers, days ISO strings (``"2026-12-07"``). Example::

    {"name": "Prevence 2026", "start": "interest",
     "questions": [{"id": "interest", "text": "Máte zájem o prohlídku?", "type": "choice",
                    "choices": [{"key": "yes", "label": "Ano"}, {"key": "no", "label": "Ne"}],
                    "branches": [{"choice": "yes", "next": "done"}, {"choice": "no", "next": "no"}]}],
     "ends": [{"id": "done", "label": "Objednán", "outcome": "success"},
              {"id": "no", "label": "Nemá zájem", "outcome": "refused"}]}
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypeVar

from kc_domain.errors import FieldError, ValidationFailed
from kc_domain.outbound.outcomes import Outcome
from kc_domain.outbound.scripts import AnswerType, Branch, CallScript, Choice, EndState, Question

E = TypeVar("E", bound=StrEnum)
T = TypeVar("T")


# -- writing ---------------------------------------------------------------------------------------------
def plain_number(number: Decimal | None) -> int | float | None:
    """A number as JSON holds it: whole numbers as integers."""
    if number is None:
        return None
    return int(number) if number == number.to_integral_value() else float(number)


def _question_to_plain(question: Question) -> dict[str, Any]:
    return {
        "id": question.id,
        "text": question.text,
        "type": question.type.value,
        "choices": [{"key": c.key, "label": c.label} for c in question.choices],
        "required": question.required,
        "min": plain_number(question.min),
        "max": plain_number(question.max),
        "integer": question.integer,
        "branches": [
            {"next": b.next, "choice": b.choice, "low": plain_number(b.low), "high": plain_number(b.high)}
            for b in question.branches
        ],
        "next": question.next,
    }


def script_to_plain(script: CallScript) -> dict[str, Any]:
    return {
        "name": script.name,
        "start": script.start,
        "questions": [_question_to_plain(q) for q in script.questions],
        "ends": [{"id": e.id, "label": e.label, "outcome": e.outcome.value} for e in script.ends],
    }


# -- reading ---------------------------------------------------------------------------------------------
def _at(path: str, key: object) -> str:
    return f"{path}.{key}" if path else str(key)


class _Reader:
    """Reads fields of plain objects, collecting every shape error under its path."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def fail(self, path: str, code: str, **params: Any) -> None:
        self.errors.append(FieldError(path, code, params))

    def obj(
        self, path: str, data: object, fields: tuple[str, ...], required: tuple[str, ...]
    ) -> Mapping[str, object] | None:
        """``data`` if it is an object; its unknown and missing fields are errors."""
        if not isinstance(data, Mapping):
            self.fail(path, "invalid_type", expected="object")
            return None
        for key in sorted(set(data) - set(fields), key=str):
            self.fail(_at(path, key), "unknown_field")
        for key in required:
            if key not in data:
                self.fail(_at(path, key), "required")
        return data

    def kept(self, value: T, before: int) -> T | None:
        """``value``, unless errors were found since there were ``before`` of them."""
        return value if len(self.errors) == before else None

    def get(
        self, path: str, data: Mapping[str, object], key: str, read: Callable[[object], T | None], default: T
    ) -> T:
        """``data[key]`` read by ``read`` (None: of the wrong type), or ``default`` when left out."""
        where = _at(path, key)
        if key not in data:
            return default
        value = read(data[key])
        if value is None:
            self.fail(where, "invalid_type", expected=_EXPECTED[read])
            return default
        return value

    def choice(self, path: str, data: Mapping[str, object], key: str, kind: type[E]) -> E | None:
        if key not in data:
            return None
        try:
            return kind(str(data[key]))
        except ValueError:
            self.fail(_at(path, key), "invalid_choice", value=str(data[key]))
            return None

    def items(self, path: str, data: Mapping[str, object], key: str) -> list[tuple[str, object]]:
        where = _at(path, key)
        value = data.get(key, [])
        if not isinstance(value, list | tuple):
            self.fail(where, "invalid_type", expected="array")
            return []
        return [(f"{where}[{i}]", item) for i, item in enumerate(value)]


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _flag(value: object) -> bool | None:
    return value if isinstance(value, bool) else None


def read_number(value: object) -> Decimal | None:
    """A JSON number as a ``Decimal`` (a float by its shortest form, ``0.1`` as ``Decimal("0.1")``)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return Decimal(value) if isinstance(value, int) else Decimal(repr(value))


_EXPECTED: dict[Callable[[object], object], str] = {_text: "string", _flag: "boolean", read_number: "number"}


def _read_branch(r: _Reader, path: str, data: object) -> Branch | None:
    before = len(r.errors)
    found = r.obj(path, data, ("next", "choice", "low", "high"), required=("next",))
    if found is None:
        return None
    branch = Branch(
        next=r.get(path, found, "next", _text, ""),
        choice=r.get(path, found, "choice", _text, ""),
        low=_bound(r, path, found, "low"),
        high=_bound(r, path, found, "high"),
    )
    return r.kept(branch, before)


def _bound(r: _Reader, path: str, data: Mapping[str, object], key: str) -> Decimal | None:
    if data.get(key) is None:
        return None
    return r.get(path, data, key, read_number, None)


def _read_choice(r: _Reader, path: str, data: object) -> Choice | None:
    before = len(r.errors)
    found = r.obj(path, data, ("key", "label"), required=("key", "label"))
    if found is None:
        return None
    return r.kept(
        Choice(r.get(path, found, "key", _text, ""), r.get(path, found, "label", _text, "")), before
    )


QUESTION_FIELDS = ("id", "text", "type", "choices", "required", "min", "max", "integer", "branches", "next")


def _read_question(r: _Reader, path: str, data: object) -> Question | None:
    before = len(r.errors)
    found = r.obj(path, data, QUESTION_FIELDS, required=("id", "text", "type"))
    if found is None:
        return None
    kind = r.choice(path, found, "type", AnswerType)
    choices = [_read_choice(r, p, item) for p, item in r.items(path, found, "choices")]
    branches = [_read_branch(r, p, item) for p, item in r.items(path, found, "branches")]
    question = Question(
        id=r.get(path, found, "id", _text, ""),
        text=r.get(path, found, "text", _text, ""),
        type=kind or AnswerType.TEXT,
        choices=[c for c in choices if c is not None],
        required=r.get(path, found, "required", _flag, True),
        min=_bound(r, path, found, "min"),
        max=_bound(r, path, found, "max"),
        integer=r.get(path, found, "integer", _flag, False),
        branches=[b for b in branches if b is not None],
        next=r.get(path, found, "next", _text, ""),
    )
    return r.kept(question, before)


def _read_end(r: _Reader, path: str, data: object) -> EndState | None:
    before = len(r.errors)
    found = r.obj(path, data, ("id", "label", "outcome"), required=("id", "label", "outcome"))
    if found is None:
        return None
    end = EndState(
        id=r.get(path, found, "id", _text, ""),
        label=r.get(path, found, "label", _text, ""),
        outcome=r.choice(path, found, "outcome", Outcome) or Outcome.INVALID,
    )
    return r.kept(end, before)


def script_from_plain(data: object) -> CallScript:
    """Inverse of ``script_to_plain``; raises ``ValidationFailed`` naming every field of a wrong shape
    (``questions[2].choices[0].key``: ``required``, ``invalid_type``, ``invalid_choice``,
    ``unknown_field``). Only the shape is checked here; ``script_checks.problems`` judges the content."""
    r = _Reader()
    found = r.obj("", data, ("name", "start", "questions", "ends"), required=("name", "start"))
    if found is None:
        raise ValidationFailed(r.errors)
    questions = [_read_question(r, p, item) for p, item in r.items("", found, "questions")]
    ends = [_read_end(r, p, item) for p, item in r.items("", found, "ends")]
    name, start = r.get("", found, "name", _text, ""), r.get("", found, "start", _text, "")
    if r.errors:
        raise ValidationFailed(r.errors)
    return CallScript(
        name=name,
        start=start,
        questions=[q for q in questions if q is not None],
        ends=[e for e in ends if e is not None],
    )
