"""Call scripts (volací skripty) per campaign (OUT-15): the questions an agent asks during an outbound
call, the type of each answer, branching by the answers, and the end states that set the attempt's
outcome. Frozen, plain data; ``script_checks.problems`` says what is wrong with a script,
``script_run.ScriptRun`` runs one during a call. See docs/call-scripts.md.

Questions and end states share one namespace of ids; ``start``, a question's ``next`` and a branch's
``next`` each name one of them. Where a question leads:

* a choice answer: the branch for that choice, else ``next``;
* a number answer: the first branch whose range holds it (``low <= answer <= high``, a bound left out
  is open), else ``next``;
* a text or date answer, and a skipped (optional) question: ``next``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from enum import StrEnum

import attrs

from kc_domain.outbound.outcomes import Outcome


class AnswerType(StrEnum):
    CHOICE = "choice"
    NUMBER = "number"
    TEXT = "text"
    DATE = "date"


Answer = str | Decimal | date
"""A choice's key or a text (``str``), a number (``Decimal``, exactly as typed) or a day; a skipped
optional question's answer is None."""


def _choices(value: Iterable[Choice]) -> tuple[Choice, ...]:
    return tuple(value)


def _branches(value: Iterable[Branch]) -> tuple[Branch, ...]:
    return tuple(value)


def _questions(value: Iterable[Question]) -> tuple[Question, ...]:
    return tuple(value)


def _ends(value: Iterable[EndState]) -> tuple[EndState, ...]:
    return tuple(value)


@attrs.frozen
class Choice:
    """An offered answer: ``key`` is stored with the attempt, ``label`` is what the agent reads."""

    key: str
    label: str


@attrs.frozen(kw_only=True)
class Branch:
    """Where some answers lead: those equal to ``choice`` (choice questions) or, for number questions,
    those between ``low`` and ``high`` inclusive (a missing bound is open)."""

    next: str
    choice: str = ""
    low: Decimal | None = None
    high: Decimal | None = None

    def takes(self, answer: Answer) -> bool:
        if isinstance(answer, str):
            return bool(self.choice) and answer == self.choice
        if not isinstance(answer, Decimal) or self.choice or (self.low is None and self.high is None):
            return False
        return (self.low is None or self.low <= answer) and (self.high is None or answer <= self.high)


@attrs.frozen(kw_only=True)
class Question:
    """``min``, ``max`` and ``integer`` apply to number answers; ``next`` (may be empty when every
    answer has a branch) is where the answers no branch takes lead, and a skipped optional question."""

    id: str
    text: str
    type: AnswerType
    choices: tuple[Choice, ...] = attrs.field(default=(), converter=_choices)
    required: bool = True
    min: Decimal | None = None
    max: Decimal | None = None
    integer: bool = False
    branches: tuple[Branch, ...] = attrs.field(default=(), converter=_branches)
    next: str = ""

    def choice(self, key: str) -> Choice | None:
        return next((c for c in self.choices if c.key == key), None)

    def targets(self) -> list[str]:
        """The ids it may lead to, branches first; empty references left out."""
        return [t for t in [*(b.next for b in self.branches), self.next] if t]

    def leads_to(self, answer: Answer | None) -> str:
        """Where ``answer`` (None: skipped) leads: the first branch that takes it, else ``next``."""
        if answer is not None:
            for branch in self.branches:
                if branch.takes(answer):
                    return branch.next
        return self.next


@attrs.frozen(kw_only=True)
class EndState:
    """Where the script ends; reaching it sets the attempt's ``outcome`` (``label`` is the agent's word)."""

    id: str
    label: str
    outcome: Outcome


@attrs.frozen(kw_only=True)
class CallScript:
    name: str
    start: str
    questions: tuple[Question, ...] = attrs.field(converter=_questions)
    ends: tuple[EndState, ...] = attrs.field(converter=_ends)

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)

    def end(self, end_id: str) -> EndState | None:
        return next((e for e in self.ends if e.id == end_id), None)
