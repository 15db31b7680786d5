"""The form-based call script editor (OUT-15): a whole script as one HTML form that works without
JavaScript, read from and written to the script's JSON form (``kc_domain.outbound.script_plain``),
the one the JSON editor and the API use.

Input names are the places that errors are shown at: ``name``, ``start``, ``q<i>.<field>`` (``id``,
``old_id``, ``text``, ``type``, ``required``, ``min``, ``max``, ``integer``, ``next``), a choice
``q<i>.c<j>.<key|label|next>`` (``next``: the branch for that answer), a number range
``q<i>.r<j>.<low|high|next>`` and an end state ``e<k>.<id|old_id|label|outcome>``; counts in
``questions``, ``ends``, ``q<i>.choices`` and ``q<i>.ranges``. Submit buttons named ``action`` add,
remove and move rows (``add_choice:0``, ``remove_question:2``, ``up:1``...) or save.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

import attrs

from apps.web.messages import error_text
from kc_domain.clients.model import fold
from kc_domain.errors import FieldError
from kc_domain.outbound.script_plain import plain_number
from kc_domain.outbound.scripts import AnswerType

MAX_ROWS = 200  # script_checks.QUESTIONS_MAX; choices and ranges are fewer still


@attrs.define
class Row:
    """A choice (``key``, ``label``) or a number range (``low``, ``high``) and where its answers lead."""

    next: str = ""
    key: str = ""
    label: str = ""
    low: str = ""
    high: str = ""


@attrs.define
class QuestionForm:
    id: str
    text: str = ""
    type: str = AnswerType.CHOICE.value
    required: bool = True
    min: str = ""
    max: str = ""
    integer: bool = False
    next: str = ""
    choices: list[Row] = attrs.Factory(list)
    ranges: list[Row] = attrs.Factory(list)
    old_id: str = ""


@attrs.define
class EndForm:
    id: str
    label: str = ""
    outcome: str = "success"
    old_id: str = ""


def _shown(number: object) -> str:
    return "" if number is None else str(number)


def _count(form: Mapping[str, str], key: str) -> int:
    raw = form.get(key, "0")
    return min(int(raw), MAX_ROWS) if raw.isdecimal() and len(raw) < 5 else 0


def _question_from_plain(plain: Mapping[str, Any]) -> QuestionForm:
    branches = [b for b in plain.get("branches", []) if isinstance(b, Mapping)]
    by_choice = {b.get("choice"): str(b.get("next", "")) for b in branches if b.get("choice")}
    choices = [
        Row(by_choice.get(c.get("key"), ""), str(c.get("key", "")), str(c.get("label", "")))
        for c in plain.get("choices", [])
        if isinstance(c, Mapping)
    ]
    ranges = [
        Row(str(b.get("next", "")), low=_shown(b.get("low")), high=_shown(b.get("high")))
        for b in branches
        if not b.get("choice")
    ]
    key = str(plain.get("id", ""))
    return QuestionForm(
        key, str(plain.get("text", "")), str(plain.get("type", "")), plain.get("required", True) is not False,
        _shown(plain.get("min")), _shown(plain.get("max")), plain.get("integer") is True,
        str(plain.get("next", "")), choices, ranges, key,
    )  # fmt: skip


def _question_from_form(form: Mapping[str, str], i: int) -> QuestionForm:
    def get(key: str) -> str:
        return form.get(f"q{i}.{key}", "").strip()

    choices = [
        Row(get(f"c{j}.next"), get(f"c{j}.key"), get(f"c{j}.label"))
        for j in range(_count(form, f"q{i}.choices"))
    ]
    ranges = [
        Row(get(f"r{j}.next"), low=get(f"r{j}.low"), high=get(f"r{j}.high"))
        for j in range(_count(form, f"q{i}.ranges"))
    ]
    _keyed(choices)
    return QuestionForm(
        get("id"), get("text"), get("type"), bool(get("required")), get("min"), get("max"),
        bool(get("integer")), get("next"), choices, ranges, get("old_id"),
    )  # fmt: skip


def _keyed(choices: list[Row]) -> None:
    """A choice typed without a key gets one from its label (``Nemá zájem``: ``nema-zajem``)."""
    taken = [c.key for c in choices if c.key]
    for choice in choices:
        if choice.key or not choice.label:
            continue
        stem = re.sub(r"[^a-z0-9]+", "-", fold(choice.label)).strip("-")[:36] or "volba"
        choice.key = stem if stem not in taken else _fresh(taken, f"{stem}-")
        taken.append(choice.key)


@attrs.define
class ScriptForm:
    name: str
    start: str
    questions: list[QuestionForm]
    ends: list[EndForm]

    @classmethod
    def from_plain(cls, plain: Mapping[str, Any]) -> ScriptForm:
        questions = [_question_from_plain(q) for q in plain.get("questions", []) if isinstance(q, Mapping)]
        ends = [
            EndForm(
                str(e.get("id", "")), str(e.get("label", "")), str(e.get("outcome", "")), str(e.get("id", ""))
            )
            for e in plain.get("ends", [])
            if isinstance(e, Mapping)
        ]
        return cls(str(plain.get("name", "")), str(plain.get("start", "")), questions, ends)

    @classmethod
    def from_form(cls, form: Mapping[str, str]) -> ScriptForm:
        questions = [_question_from_form(form, i) for i in range(_count(form, "questions"))]
        ends = [
            EndForm(*(form.get(f"e{k}.{key}", "").strip() for key in ("id", "label", "outcome", "old_id")))
            for k in range(_count(form, "ends"))
        ]
        script = cls(form.get("name", "").strip(), form.get("start", "").strip(), questions, ends)
        script.follow_renames()
        return script

    def nodes(self) -> list[QuestionForm | EndForm]:
        """The questions and the ends: one namespace of keys."""
        return [*self.questions, *self.ends]

    def ids(self) -> list[str]:
        return [item.id for item in self.nodes() if item.id]

    def follow_renames(self) -> None:
        """A question or end whose key was changed in the form keeps what leads to it."""
        renamed = {i.old_id: i.id for i in self.nodes() if i.old_id and i.id and i.old_id != i.id}
        if not renamed:
            return
        self.start = renamed.get(self.start, self.start)
        for question in self.questions:
            question.next = renamed.get(question.next, question.next)
            for row in [*question.choices, *question.ranges]:
                row.next = renamed.get(row.next, row.next)

    def apply(self, action: str) -> bool:
        """Adds, removes or moves a row for ``action``; False when it is not one of those."""
        verb, _, argument = action.partition(":")
        numbers = [int(n) for n in argument.split(":") if n.isdecimal() and len(n) < 5]
        if verb == "add_question" and len(self.questions) < MAX_ROWS:
            self.questions.append(QuestionForm(_fresh(self.ids(), "otazka"), choices=[Row(), Row()]))
        elif verb == "add_end" and len(self.ends) < MAX_ROWS:
            self.ends.append(EndForm(_fresh(self.ids(), "konec")))
        elif verb == "remove_end" and numbers and numbers[0] < len(self.ends):
            del self.ends[numbers[0]]
        elif not numbers or numbers[0] >= len(self.questions):
            return False
        else:
            return self._apply_to_question(verb, numbers[0], numbers[1:])
        return True

    def added(self, action: str) -> str:
        """After ``apply``: the place of the first input of the row ``action`` added, "" if none."""
        verb, _, argument = action.partition(":")
        if verb == "add_question":
            return f"q{len(self.questions) - 1}.text"
        if verb == "add_end":
            return f"e{len(self.ends) - 1}.label"
        if verb not in ("add_choice", "add_range") or not argument.isdecimal() or len(argument) > 4:
            return ""
        i = int(argument)
        if i >= len(self.questions):
            return ""
        if verb == "add_choice":
            return f"q{i}.c{len(self.questions[i].choices) - 1}.label"
        return f"q{i}.r{len(self.questions[i].ranges) - 1}.low"

    def _apply_to_question(self, verb: str, i: int, rest: list[int]) -> bool:
        question = self.questions[i]
        rows = question.ranges if verb.endswith("_range") else question.choices
        if verb == "remove_question":
            del self.questions[i]
        elif verb in ("up", "down"):
            j = i - 1 if verb == "up" else i + 1
            if not 0 <= j < len(self.questions):
                return False
            self.questions[i], self.questions[j] = self.questions[j], self.questions[i]
        elif verb in ("add_choice", "add_range") and len(rows) < MAX_ROWS:
            rows.append(Row())
        elif verb in ("remove_choice", "remove_range") and rest and rest[0] < len(rows):
            del rows[rest[0]]
        else:
            return False
        return True

    # -- to the JSON form ----------------------------------------------------------------------------
    def to_plain(self) -> tuple[dict[str, Any], list[FieldError], list[list[int]]]:
        """The script's JSON form for ``script_from_plain``, the errors of numbers that do not read,
        and for each question the row (choice or range) each of its branches came from."""
        errors: list[FieldError] = []
        questions, rows = [], []
        for i, question in enumerate(self.questions):
            plain, came_from = _question_to_plain(f"questions[{i}]", question, errors)
            questions.append(plain)
            rows.append(came_from)
        ends = [{"id": e.id, "label": e.label, "outcome": e.outcome} for e in self.ends]
        return {"name": self.name, "start": self.start, "questions": questions, "ends": ends}, errors, rows


def _fresh(taken: list[str], stem: str) -> str:
    number = 1
    while f"{stem}{number}" in taken:
        number += 1
    return f"{stem}{number}"


def _question_to_plain(
    path: str, question: QuestionForm, errors: list[FieldError]
) -> tuple[dict[str, Any], list[int]]:
    plain: dict[str, Any] = {"id": question.id, "text": question.text, "type": question.type}
    plain |= {"required": question.required, "next": question.next}
    came_from: list[int] = []
    branches: list[dict[str, Any]] = []
    if question.type == AnswerType.CHOICE:
        plain["choices"] = [{"key": c.key, "label": c.label} for c in question.choices]
        for j, choice in enumerate(question.choices):
            if choice.next:
                branches.append({"choice": choice.key, "next": choice.next})
                came_from.append(j)
    elif question.type == AnswerType.NUMBER:
        plain["min"] = _number(f"{path}.min", question.min, errors)
        plain["max"] = _number(f"{path}.max", question.max, errors)
        plain["integer"] = question.integer
        for j, row in enumerate(question.ranges):
            if row.low or row.high or row.next:
                where = f"{path}.branches[{len(branches)}]"
                low, high = (
                    _number(f"{where}.low", row.low, errors),
                    _number(f"{where}.high", row.high, errors),
                )
                branches.append({"low": low, "high": high, "next": row.next})
                came_from.append(j)
    plain["branches"] = branches
    return plain, came_from


def _number(path: str, raw: str, errors: list[FieldError]) -> int | float | None:
    """A number as typed, with a decimal comma or point (``2,5``); empty: none."""
    if not raw:
        return None
    try:
        number = Decimal(raw.replace(",", ".").replace(" ", ""))
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite():
        errors.append(FieldError(path, "bad_number", {"value": raw}))
        return None
    return plain_number(number)


# -- errors next to their fields -----------------------------------------------------------------------
_QUESTION = re.compile(r"^questions\[(\d+)\](?:\.(choices|branches)\[(\d+)\])?(?:\.(\w+))?$")
_END = re.compile(r"^ends\[(\d+)\](?:\.(\w+))?$")


def form_place(field: str, script: ScriptForm, rows: list[list[int]]) -> str:
    """The input (``q1.c0.next``) or block (``q1``, ``e0``) of the form a script's error path
    (``questions[1].branches[0].next``) concerns; "" when the form has no such place."""
    if field in ("name", "start"):
        return field
    end = _END.match(field)
    if end and int(end[1]) < len(script.ends):
        return f"e{end[1]}" + (f".{end[2]}" if end[2] in ("id", "label", "outcome") else "")
    found = _QUESTION.match(field)
    if found is None or int(found[1]) >= len(script.questions):
        return ""
    i, part, index, key = int(found[1]), found[2], int(found[3] or 0), found[4] or ""
    question = script.questions[i]
    if part == "choices" and index < len(question.choices):
        return f"q{i}.c{index}.{key}" if key in ("key", "label") else f"q{i}.choices"
    came_from = rows[i] if i < len(rows) else []
    if part == "branches" and index < len(came_from) and question.type == AnswerType.CHOICE:
        return f"q{i}.c{came_from[index]}.next"
    if part == "branches" and index < len(came_from):
        return f"q{i}.r{came_from[index]}" + (f".{key}" if key in ("low", "high", "next") else "")
    if part or key in ("choices", "branches"):
        return f"q{i}.choices" if question.type == AnswerType.CHOICE else f"q{i}.ranges"
    return f"q{i}.{key}" if key else f"q{i}"


def dom_id(place: str) -> str:
    """The id of a place's element in the page: ``q1.c0.next`` is ``f-q1-c0-next``."""
    return "f-" + place.replace(".", "-")


def placed_errors(
    errors: list[FieldError], script: ScriptForm, rows: list[list[int]], words: Callable[[str], str]
) -> tuple[dict[str, list[str]], list[tuple[str, str, str]]]:
    """The errors' sentences by the form's place, and all of them for the list above the form: the
    element to jump to, where it is in ``words`` (from the error's path) and the sentence."""
    placed: dict[str, list[str]] = {}
    summary: list[tuple[str, str, str]] = []
    for error in errors:
        place, text = form_place(error.field, script, rows), error_text(error)
        if place:
            placed.setdefault(place, []).append(text)
        summary.append((dom_id(place) if place else "script-form", words(error.field), text))
    return placed, summary
