"""Questionnaire results of a campaign's call script (REP-10): over the answers stored with many
attempts, how often each choice was picked, the count, mean and median of each number question, how
many answered or skipped each question, and how many runs reached each end state.

The answers are read as ``ScriptRun.restore`` reads them, but leniently: an answer that does not fit
its question (the script changed since), belongs to no question or is off the path the run's other
answers make is counted as ``ignored`` and left out. A run that reached no end state is
``unfinished``. Means and medians are exact ``Decimal``s; the report rounds them.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

import attrs

from kc_domain.errors import ValidationFailed
from kc_domain.outbound.outcomes import Outcome
from kc_domain.outbound.script_answers import answer_from_plain
from kc_domain.outbound.script_run import ScriptRun, on_path
from kc_domain.outbound.scripts import Answer, AnswerType, CallScript


@attrs.frozen
class ChoiceCount:
    key: str
    label: str
    count: int


@attrs.frozen
class NumberStats:
    count: int
    mean: Decimal | None
    median: Decimal | None
    low: Decimal | None
    high: Decimal | None


@attrs.frozen
class QuestionResult:
    """``choices`` for choice questions (every choice, in the script's order), ``numbers`` for number
    questions; ``answered`` and ``skipped`` count runs whose path went through the question."""

    id: str
    text: str
    type: AnswerType
    answered: int
    skipped: int
    choices: tuple[ChoiceCount, ...] = ()
    numbers: NumberStats | None = None


@attrs.frozen
class EndCount:
    id: str
    label: str
    outcome: Outcome
    count: int


@attrs.frozen
class ScriptResults:
    runs: int
    unfinished: int
    ignored: int
    questions: tuple[QuestionResult, ...]
    ends: tuple[EndCount, ...]

    def by_outcome(self) -> dict[Outcome, int]:
        """Runs per outcome set by an end state, in the order of ``Outcome``; outcomes never set left out."""
        totals = Counter[Outcome]()
        for end in self.ends:
            totals[end.outcome] += end.count
        return {outcome: totals[outcome] for outcome in Outcome if totals[outcome]}


def questionnaire_results(script: CallScript, stored: Iterable[Mapping[str, Any]]) -> ScriptResults:
    """Sums ``stored`` (each the plain answers of one attempt, ``ScriptRun.to_plain()``)."""
    empty = ScriptRun.begin(script)
    answers: dict[str, list[Answer | None]] = {q.id: [] for q in script.questions}
    ends: Counter[str] = Counter()
    runs = unfinished = ignored = 0
    for plain in stored:
        runs += 1
        readable, skipped = _readable(script, plain)
        ignored += skipped
        run = attrs.evolve(empty, answers=on_path(script, readable))
        for question_id, answer in run.answers.items():
            answers[question_id].append(answer)
        ignored += len(readable) - len(run.answers)
        end = run.end
        if end is None:
            unfinished += 1
        else:
            ends[end.id] += 1
    return ScriptResults(
        runs=runs,
        unfinished=unfinished,
        ignored=ignored,
        questions=tuple(_question_result(script, q.id, answers[q.id]) for q in script.questions),
        ends=tuple(EndCount(e.id, e.label, e.outcome, ends[e.id]) for e in script.ends),
    )


def _readable(script: CallScript, plain: Mapping[str, Any]) -> tuple[dict[str, Answer | None], int]:
    """The answers that fit their questions, and how many did not."""
    readable: dict[str, Answer | None] = {}
    for question_id, value in plain.items():
        question = script.question(question_id)
        if question is None:
            continue
        try:
            readable[question_id] = answer_from_plain(question, value)
        except ValidationFailed:
            continue
    return readable, len(plain) - len(readable)


def _question_result(script: CallScript, question_id: str, given: list[Answer | None]) -> QuestionResult:
    question = script.question(question_id)
    assert question is not None
    answered = [a for a in given if a is not None]
    result = QuestionResult(
        question.id, question.text, question.type, len(answered), len(given) - len(answered)
    )
    if question.type is AnswerType.CHOICE:
        picked = Counter(answered)
        choices = tuple(ChoiceCount(c.key, c.label, picked[c.key]) for c in question.choices)
        return attrs.evolve(result, choices=choices)
    if question.type is AnswerType.NUMBER:
        numbers = [a for a in answered if isinstance(a, Decimal)]
        return attrs.evolve(result, numbers=number_stats(numbers))
    return result


def number_stats(numbers: list[Decimal]) -> NumberStats:
    if not numbers:
        return NumberStats(0, None, None, None, None)
    return NumberStats(
        count=len(numbers),
        mean=statistics.mean(numbers),
        median=statistics.median(numbers),
        low=min(numbers),
        high=max(numbers),
    )
