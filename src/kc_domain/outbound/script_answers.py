"""One answer to one question of a call script (OUT-15): read from what the agent typed (Czech number
and date formats, see ``kc_domain.czech_input``), checked against the question, and written to and
read from the plain form stored with the attempt (numbers as JSON numbers, days as ISO strings, a
skipped optional question as null).

A refusal is a ``ValidationFailed`` whose field is the question's id: ``required``,
``invalid_choice`` {value}, ``bad_number`` {value}, ``not_a_number`` (a whole number is wanted),
``out_of_range`` {min, max}, ``too_small`` {min}, ``too_large`` {max}, ``not_a_date`` {value},
``too_long`` {max}, ``invalid_type`` {expected} (stored data of the wrong JSON type).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from kc_domain.czech_input import parse_date, parse_number
from kc_domain.errors import FieldError, ValidationFailed
from kc_domain.outbound.script_plain import plain_number, read_number
from kc_domain.outbound.scripts import Answer, AnswerType, Question

TEXT_ANSWER_MAX = 2000


def parse_answer(question: Question, raw: str) -> Answer | None:
    """The answer the agent typed as ``raw`` (a choice by its key); None: skipped (empty input to an
    optional question)."""
    raw = raw.strip()
    if not raw:
        return check_answer(question, None)
    if question.type is AnswerType.NUMBER:
        number = parse_number(raw)
        if number is None:
            raise ValidationFailed.one(question.id, "bad_number", value=raw)
        return check_answer(question, number)
    if question.type is AnswerType.DATE:
        day = parse_date(raw)
        if day is None:
            raise ValidationFailed.one(question.id, "not_a_date", value=raw)
        return day
    return check_answer(question, raw)


def check_answer(question: Question, answer: Answer | None) -> Answer | None:
    """``answer`` if ``question`` accepts it, else ``ValidationFailed``."""
    if answer is None:
        if question.required:
            raise ValidationFailed.one(question.id, "required")
        return None
    errors = _problems(question, answer)
    if errors:
        raise ValidationFailed(errors)
    return answer


def _problems(question: Question, answer: Answer) -> list[FieldError]:
    field, kind = question.id, question.type
    expected = {
        AnswerType.CHOICE: str,
        AnswerType.TEXT: str,
        AnswerType.NUMBER: Decimal,
        AnswerType.DATE: date,
    }[kind]
    if not isinstance(answer, expected):
        return [FieldError(field, "invalid_type", {"expected": kind.value})]
    if isinstance(answer, str) and kind is AnswerType.CHOICE and question.choice(answer) is None:
        return [FieldError(field, "invalid_choice", {"value": answer})]
    if isinstance(answer, str) and len(answer) > TEXT_ANSWER_MAX:
        return [FieldError(field, "too_long", {"max": TEXT_ANSWER_MAX})]
    if isinstance(answer, Decimal):
        return _number_problems(question, answer)
    return []


def _number_problems(question: Question, number: Decimal) -> list[FieldError]:
    field, low, high = question.id, question.min, question.max
    if question.integer and number != number.to_integral_value():
        return [FieldError(field, "not_a_number")]
    if low is not None and high is not None and not low <= number <= high:
        return [FieldError(field, "out_of_range", {"min": plain_number(low), "max": plain_number(high)})]
    if low is not None and number < low:
        return [FieldError(field, "too_small", {"min": plain_number(low)})]
    if high is not None and number > high:
        return [FieldError(field, "too_large", {"max": plain_number(high)})]
    return []


def answer_to_plain(answer: Answer | None) -> Any:
    if isinstance(answer, Decimal):
        return plain_number(answer)
    if isinstance(answer, date):
        return answer.isoformat()
    return answer


def answer_from_plain(question: Question, value: object) -> Answer | None:
    """Inverse of ``answer_to_plain``, checked against ``question`` as ``check_answer`` does."""
    answer: Answer | None
    if value is None:
        answer = None
    elif question.type is AnswerType.NUMBER:
        answer = read_number(value)
    elif question.type is AnswerType.DATE:
        answer = _iso_day(value)
    else:
        answer = value if isinstance(value, str) else None
    if answer is None and value is not None:
        raise ValidationFailed.one(question.id, "invalid_type", expected=question.type.value)
    return check_answer(question, answer)


def _iso_day(value: object) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None
