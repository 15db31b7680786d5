"""A call script run during one outbound attempt (OUT-15): the answers given so far, and what follows
from them: the path of questions asked, the current question or the end state reached and its outcome.

The answers are the whole state (one per question, stored with the attempt as ``to_plain()``); the
path is walked from the start each time, following each answer to where it leads. The walk stops at
the first question without an answer (the current one), at an end state, or at a question it meets a
second time: a loop the answers took, such as "Is that right? No: back to the address". That question
is then asked again, its earlier answer shown; answering it anew replaces the earlier answer.

Any answer on the path may be changed until the run is closed (when the attempt's wrap-up ends). A
change walks the path again and drops the answers of questions no longer on it, and says which.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Any

import attrs

from kc_domain.errors import FieldError, ValidationFailed
from kc_domain.outbound.outcomes import Outcome
from kc_domain.outbound.script_answers import answer_from_plain, answer_to_plain, parse_answer
from kc_domain.outbound.script_checks import problems
from kc_domain.outbound.scripts import Answer, CallScript, EndState, Question
from kc_domain.transitions import IllegalTransition


class RunState(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


def _frozen(value: Mapping[str, Answer | None]) -> Mapping[str, Answer | None]:
    return MappingProxyType(dict(value))


@attrs.frozen
class Step:
    """A question on the path with its answer (None: skipped, or not given yet); ``current``: the
    question now asked (its ``answer`` is the earlier one when a loop brought the run back to it)."""

    question: Question
    answer: Answer | None
    current: bool = False


@attrs.frozen
class Answered:
    """The run after a change, and the ids of the questions whose answers the change dropped."""

    run: ScriptRun
    dropped: tuple[str, ...] = ()


@attrs.frozen
class ScriptRun:
    """Made by ``begin`` or ``restore``, which refuse a script with problems."""

    script: CallScript
    answers: Mapping[str, Answer | None] = attrs.field(factory=dict, converter=_frozen)
    state: RunState = RunState.OPEN

    @classmethod
    def begin(cls, script: CallScript) -> ScriptRun:
        errors = problems(script)
        if errors:
            raise ValidationFailed(errors)
        return cls(script)

    @classmethod
    def restore(
        cls, script: CallScript, plain: Mapping[str, Any], state: RunState = RunState.OPEN
    ) -> ScriptRun:
        """The run whose answers were stored as ``plain`` (``to_plain()``); answers off the path are
        left out. Refuses, naming the question, answers that do not fit their question any more."""
        run = cls.begin(script)
        answers: dict[str, Answer | None] = {}
        errors: list[FieldError] = []
        for question_id, value in plain.items():
            question = script.question(question_id)
            if question is None:
                errors.append(FieldError(question_id, "unknown_question", {"target": question_id}))
                continue
            try:
                answers[question_id] = answer_from_plain(question, value)
            except ValidationFailed as refused:
                errors += refused.errors
        if errors:
            raise ValidationFailed(errors)
        return attrs.evolve(run, answers=on_path(script, answers), state=state)

    # -- where the run is ----------------------------------------------------------------------
    @property
    def path(self) -> tuple[str, ...]:
        """The ids of the questions asked, in order, ending with the current one if any."""
        return tuple(_walk(self.script, self.answers)[0])

    @property
    def current(self) -> Question | None:
        return self.script.question(_walk(self.script, self.answers)[1])

    @property
    def end(self) -> EndState | None:
        return self.script.end(_walk(self.script, self.answers)[1])

    @property
    def outcome(self) -> Outcome | None:
        end = self.end
        return end.outcome if end else None

    @property
    def finished(self) -> bool:
        return self.end is not None

    def steps(self) -> tuple[Step, ...]:
        path, stop = _walk(self.script, self.answers)
        last = len(path) - 1 if self.script.question(stop) else -1
        return tuple(
            Step(self._question(qid), self.answers.get(qid), current=i == last) for i, qid in enumerate(path)
        )

    # -- changes -------------------------------------------------------------------------------
    def answer(self, question_id: str, raw: str) -> Answered:
        """Answers (or changes the answer to) a question on the path with what the agent typed; empty
        input skips an optional question."""
        if self.state is RunState.CLOSED:
            raise IllegalTransition("script_run", self.state, "answer")
        if question_id not in self.path:
            raise ValidationFailed.one(question_id, "not_on_path", question=question_id)
        value = parse_answer(self._question(question_id), raw)
        answers = on_path(self.script, {**self.answers, question_id: value})
        dropped = tuple(q for q in self.answers if q not in answers)
        return Answered(attrs.evolve(self, answers=answers), dropped)

    def close(self) -> ScriptRun:
        """No more changes: the attempt's wrap-up has ended."""
        return attrs.evolve(self, state=RunState.CLOSED)

    def to_plain(self) -> dict[str, Any]:
        """The answers as stored with the attempt: ``{question id: answer}`` in the order asked."""
        return {
            qid: answer_to_plain(self.answers[qid]) for qid in dict.fromkeys(self.path) if qid in self.answers
        }

    def _question(self, question_id: str) -> Question:
        question = self.script.question(question_id)
        assert question is not None  # the path holds questions only
        return question


def _walk(script: CallScript, answers: Mapping[str, Answer | None]) -> tuple[list[str], str]:
    """The path of question ids and where it stops: the current question's id or an end state's."""
    path: list[str] = []
    node = script.start
    while (question := script.question(node)) is not None:
        if node not in answers or node in path:
            path.append(node)
            return path, node
        path.append(node)
        node = question.leads_to(answers[node])
    return path, node


def on_path(script: CallScript, answers: Mapping[str, Answer | None]) -> dict[str, Answer | None]:
    """Of ``answers``, those to the questions on the path they make."""
    on_path = set(_walk(script, answers)[0])
    return {qid: value for qid, value in answers.items() if qid in on_path}
