"""Evaluating recorded calls (REC-07): the forms supervisors define, the evaluation of one recording
against a form (points per criterion, comments, notes pinned to moments of the recording) and its
weighted score.

An evaluation keeps its own copy of the criteria it was scored against (label, scale, weight), so a
form changed or deleted later never changes the meaning, or the score, of past evaluations."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any

import attrs

from kc_domain.errors import FieldError, ValidationFailed
from kc_domain.validation import int_range, text

NAME_MAX = 80
LABEL_MAX = 120
DESCRIPTION_MAX = 500
COMMENT_MAX = 2000
NOTE_MAX = 500
MAX_CRITERIA = 50
MAX_NOTES = 200
MAX_POINTS = 100
MAX_WEIGHT = 100


class Scale(StrEnum):
    """How a criterion is scored: 0..max_points points, or yes (1) / no (0)."""

    POINTS = "points"
    YES_NO = "yes_no"


@attrs.frozen
class Criterion:
    label: str
    scale: Scale = attrs.field(default=Scale.POINTS, converter=Scale)
    max_points: int = 5  # POINTS only; a yes/no criterion is worth 1
    weight: int = 1
    description: str = ""
    required: bool = True

    @property
    def top(self) -> int:
        """The most points the criterion gives."""
        return 1 if self.scale == Scale.YES_NO else self.max_points

    def problems(self, row: int) -> list[FieldError]:
        errors: list[FieldError] = []
        prefix = f"criteria.{row}"
        text(errors, f"{prefix}.label", self.label, max_length=LABEL_MAX)
        text(errors, f"{prefix}.description", self.description, max_length=DESCRIPTION_MAX, required=False)
        if self.scale == Scale.POINTS:
            int_range(errors, f"{prefix}.max_points", self.max_points, 1, MAX_POINTS)
        int_range(errors, f"{prefix}.weight", self.weight, 1, MAX_WEIGHT)
        return errors

    @classmethod
    def from_plain(cls, data: Mapping[str, Any]) -> Criterion:
        """From the JSON of ``to_plain`` (the API, the JSON column); KeyError/ValueError if malformed."""
        return cls(
            label=str(data["label"]),
            scale=Scale(data.get("scale", Scale.POINTS)),
            max_points=int(data.get("max_points", 5)),
            weight=int(data.get("weight", 1)),
            description=str(data.get("description", "")),
            required=bool(data.get("required", True)),
        )


@attrs.define(slots=False, eq=False)
class EvaluationForm:
    """A form supervisors score calls with; only active forms are offered for new evaluations."""

    name: str
    criteria: tuple[Criterion, ...] = attrs.field(factory=tuple, converter=tuple)
    active: bool = True
    id: int | None = None

    def problems(self) -> list[FieldError]:
        errors: list[FieldError] = []
        text(errors, "name", self.name, max_length=NAME_MAX)
        if not self.criteria:
            errors.append(FieldError("criteria", "no_criteria"))
        elif len(self.criteria) > MAX_CRITERIA:
            errors.append(FieldError("criteria", "too_many", {"max": MAX_CRITERIA}))
        seen: set[str] = set()
        for row, criterion in enumerate(self.criteria, start=1):
            errors += criterion.problems(row)
            key = criterion.label.strip().casefold()
            if key and key in seen:
                errors.append(FieldError(f"criteria.{row}.label", "duplicate", {"value": criterion.label}))
            seen.add(key)
        return errors


@attrs.frozen
class Score:
    """One criterion as it was scored: the criterion's copy, the points (None: not scored, allowed
    for an optional criterion only) and the evaluator's comment on it."""

    criterion: Criterion
    points: int | None
    comment: str = ""

    @classmethod
    def from_plain(cls, data: Mapping[str, Any]) -> Score:
        points = data.get("points")
        return cls(
            Criterion.from_plain(data["criterion"]),
            None if points is None else int(points),
            str(data.get("comment", "")),
        )


@attrs.frozen
class TimelineNote:
    """A note pinned to a moment of the recording, ``offset_s`` seconds from its start."""

    offset_s: float
    text: str

    @classmethod
    def from_plain(cls, data: Mapping[str, Any]) -> TimelineNote:
        return cls(float(data["offset_s"]), str(data["text"]))


@attrs.define(slots=False, eq=False)
class Evaluation:
    """A supervisor's evaluation of one recording of an agent's call."""

    recording_id: int
    call_id: str
    agent_id: int
    form_id: int | None  # the form it was made with (no key: the form may since be deleted)
    form_name: str
    evaluator_id: int
    evaluator_name: str
    scores: tuple[Score, ...]
    notes: tuple[TimelineNote, ...]
    comment: str
    score_percent: float
    created_at: datetime
    updated_at: datetime
    id: int | None = None

    def problems(self) -> list[FieldError]:
        return []

    @property
    def criteria(self) -> tuple[Criterion, ...]:
        """The criteria the evaluation was scored against (what an edit scores again)."""
        return tuple(s.criterion for s in self.scores)


@attrs.frozen
class Scoring:
    """What an evaluator submits: points and comments by criterion position (1-based), notes, and
    an overall comment. Points are raw text from the form or numbers from JSON; "" means not scored."""

    points: Mapping[int, Any] = attrs.field(factory=dict)
    comments: Mapping[int, str] = attrs.field(factory=dict)
    notes: tuple[tuple[Any, str], ...] = ()  # (offset in seconds, text)
    comment: str = ""


def weighted_percent(scores: Iterable[Score]) -> float | None:
    """The weighted score in percent, to one decimal: each scored criterion's share of its top
    points, weighted; criteria left unscored (optional ones) count neither way. None: nothing scored."""
    scored = [s for s in scores if s.points is not None]
    total_weight = sum(s.criterion.weight for s in scored)
    if not total_weight:
        return None
    earned = sum(s.criterion.weight * s.points / s.criterion.top for s in scored if s.points is not None)
    return round(100 * earned / total_weight, 1)


def score(
    criteria: Iterable[Criterion], scoring: Scoring, duration_s: float
) -> tuple[tuple[Score, ...], tuple[TimelineNote, ...], float]:
    """Check ``scoring`` against the criteria and the recording's length; the scores, the notes
    sorted by moment and the weighted percentage, or ValidationFailed naming every bad field."""
    errors: list[FieldError] = []
    scores = tuple(_score(row, criterion, scoring, errors) for row, criterion in enumerate(criteria, start=1))
    notes = _notes(scoring.notes, duration_s, errors)
    text(errors, "comment", scoring.comment, max_length=COMMENT_MAX, required=False)
    percent = weighted_percent(scores)
    if percent is None and not errors:
        errors.append(FieldError("score.1", "nothing_scored"))
    if errors:
        raise ValidationFailed(errors)
    assert percent is not None
    return scores, notes, percent


def _score(row: int, criterion: Criterion, scoring: Scoring, errors: list[FieldError]) -> Score:
    raw = scoring.points.get(row)
    comment = str(scoring.comments.get(row, "")).strip()
    text(errors, f"score_comment.{row}", comment, max_length=COMMENT_MAX, required=False)
    field = f"score.{row}"
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if criterion.required:
            errors.append(FieldError(field, "required", {"criterion": criterion.label}))
        return Score(criterion, None, comment)
    points = _whole(raw)
    if points is None:
        errors.append(FieldError(field, "not_a_number", {"criterion": criterion.label}))
        return Score(criterion, None, comment)
    if not 0 <= points <= criterion.top:
        errors.append(
            FieldError(field, "out_of_range", {"min": 0, "max": criterion.top, "criterion": criterion.label})
        )
    return Score(criterion, points, comment)


def _whole(raw: Any) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str) and raw.strip().lstrip("-").isdecimal():
        return int(raw.strip())
    return None


def _notes(
    raw: Iterable[tuple[Any, str]], duration_s: float, errors: list[FieldError]
) -> tuple[TimelineNote, ...]:
    notes = []
    items = list(raw)
    if len(items) > MAX_NOTES:
        errors.append(FieldError("note", "too_many", {"max": MAX_NOTES}))
        return ()
    for n, (offset, note) in enumerate(items, start=1):
        seconds = _seconds(offset)
        if seconds is None:
            errors.append(FieldError(f"note.{n}.offset", "bad_number", {"value": str(offset)}))
        elif not 0 <= seconds <= duration_s:
            errors.append(
                FieldError(
                    f"note.{n}.offset", "outside_recording", {"offset": seconds, "duration": duration_s}
                )
            )
        text(errors, f"note.{n}.text", str(note), max_length=NOTE_MAX)
        if seconds is not None:
            notes.append(TimelineNote(round(seconds, 1), str(note).strip()))
    return tuple(sorted(notes, key=lambda n: n.offset_s))


def _seconds(raw: Any) -> float | None:
    if isinstance(raw, bool):
        return None
    try:
        value = float(raw)
    except (TypeError, ValueError):
        return None
    return value if value == value and abs(value) != float("inf") else None
