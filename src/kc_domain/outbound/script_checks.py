"""What is wrong with a call script before a campaign may use it (OUT-15). ``problems`` collects every
error at once, each with the field it concerns (``questions[2].branches[0].choice``), a stable code
and its parameters; docs/call-scripts.md lists the codes."""

from __future__ import annotations

import re
from collections.abc import Iterable

from kc_domain.errors import FieldError
from kc_domain.graph import reachable, trapped_in_loops
from kc_domain.outbound.script_plain import plain_number
from kc_domain.outbound.scripts import AnswerType, Branch, CallScript, EndState, Question
from kc_domain.validation import text

KEY = re.compile(r"^[A-Za-z0-9_-]{1,40}\Z")
NAME_MAX = 120
TEXT_MAX = 1000
LABEL_MAX = 200
QUESTIONS_MAX = 200
CHOICES_MAX = 50


def problems(script: CallScript) -> list[FieldError]:
    """Everything wrong with ``script``; empty means a campaign may use it."""
    errors: list[FieldError] = []
    text(errors, "name", script.name, max_length=NAME_MAX)
    ids = _id_problems(script, errors)
    if not script.questions:
        errors.append(FieldError("questions", "no_questions"))
    elif len(script.questions) > QUESTIONS_MAX:
        errors.append(FieldError("questions", "too_many", {"max": QUESTIONS_MAX}))
    if not script.ends:
        errors.append(FieldError("ends", "no_end_state"))
    if script.start not in {q.id for q in script.questions}:
        code = "required" if not script.start else "unknown_question"
        errors.append(FieldError("start", code, {"target": script.start}))
    for i, question in enumerate(script.questions):
        errors += _question_problems(f"questions[{i}]", question, ids)
    for i, end in enumerate(script.ends):
        text(errors, f"ends[{i}].label", end.label, max_length=LABEL_MAX)
    errors += _graph_problems(script)
    return errors


def _id_problems(script: CallScript, errors: list[FieldError]) -> set[str]:
    """Checks the ids of questions and end states (one namespace); returns the set of them."""
    seen: set[str] = set()
    named: list[tuple[str, str]] = [(f"questions[{i}].id", q.id) for i, q in enumerate(script.questions)]
    named += [(f"ends[{i}].id", e.id) for i, e in enumerate(script.ends)]
    for field, key in named:
        _key_problem(errors, field, key, seen)
    return seen


def _key_problem(errors: list[FieldError], field: str, key: str, seen: set[str]) -> None:
    if not key:
        errors.append(FieldError(field, "required"))
    elif not KEY.match(key):
        errors.append(FieldError(field, "bad_key", {"value": key}))
    elif key in seen:
        errors.append(FieldError(field, "duplicate", {"value": key}))
    seen.add(key)


def _question_problems(path: str, question: Question, ids: set[str]) -> list[FieldError]:
    errors: list[FieldError] = []
    text(errors, f"{path}.text", question.text, max_length=TEXT_MAX)
    kind = {"type": question.type.value}
    if question.type is AnswerType.CHOICE:
        errors += _choice_problems(path, question)
    elif question.choices:
        errors.append(FieldError(f"{path}.choices", "not_allowed", kind))
    if question.type is AnswerType.NUMBER:
        if question.min is not None and question.max is not None and question.max < question.min:
            errors.append(FieldError(f"{path}.max", "too_small", {"min": plain_number(question.min)}))
    else:
        for field in ("min", "max", "integer"):
            if getattr(question, field) not in (None, False):
                errors.append(FieldError(f"{path}.{field}", "not_allowed", kind))
    if question.branches and question.type not in (AnswerType.CHOICE, AnswerType.NUMBER):
        errors.append(FieldError(f"{path}.branches", "not_allowed", kind))
    taken: set[str] = set()
    for j, branch in enumerate(question.branches):
        errors += _branch_problems(f"{path}.branches[{j}]", branch, question, taken)
        errors += _target_problems(f"{path}.branches[{j}].next", branch.next, ids, required=True)
    errors += _target_problems(f"{path}.next", question.next, ids, required=False)
    uncovered = [c.key for c in question.choices if c.key not in taken]
    needs_next = question.type is not AnswerType.CHOICE or not question.required or uncovered
    if needs_next and not question.next:
        errors.append(FieldError(f"{path}.next", "missing_next", {"choices": uncovered}))
    return errors


def _choice_problems(path: str, question: Question) -> list[FieldError]:
    errors: list[FieldError] = []
    if not question.choices:
        errors.append(FieldError(f"{path}.choices", "no_choices"))
    elif len(question.choices) > CHOICES_MAX:
        errors.append(FieldError(f"{path}.choices", "too_many", {"max": CHOICES_MAX}))
    keys: set[str] = set()
    for j, choice in enumerate(question.choices):
        _key_problem(errors, f"{path}.choices[{j}].key", choice.key, keys)
        text(errors, f"{path}.choices[{j}].label", choice.label, max_length=LABEL_MAX)
    return errors


def _branch_problems(path: str, branch: Branch, question: Question, taken: set[str]) -> list[FieldError]:
    """One branch's condition; the choices it covers go into ``taken``."""
    is_range = branch.low is not None or branch.high is not None
    kind = {"type": question.type.value}
    if question.type is AnswerType.CHOICE:
        if is_range:
            return [
                FieldError(f"{path}.low" if branch.low is not None else f"{path}.high", "not_allowed", kind)
            ]
        if not branch.choice:
            return [FieldError(f"{path}.choice", "required")]
        if question.choice(branch.choice) is None:
            return [FieldError(f"{path}.choice", "unknown_choice", {"choice": branch.choice})]
        if branch.choice in taken:
            return [FieldError(f"{path}.choice", "duplicate", {"value": branch.choice})]
        taken.add(branch.choice)
    elif question.type is AnswerType.NUMBER:
        if branch.choice:
            return [FieldError(f"{path}.choice", "not_allowed", kind)]
        if not is_range:
            return [FieldError(path, "no_condition")]
        if branch.low is not None and branch.high is not None and branch.high < branch.low:
            return [FieldError(f"{path}.high", "too_small", {"min": plain_number(branch.low)})]
    return []


def _target_problems(field: str, target: str, ids: set[str], *, required: bool) -> list[FieldError]:
    if not target:
        return [FieldError(field, "required")] if required else []
    if target not in ids:
        return [FieldError(field, "unknown_target", {"target": target})]
    return []


def successors(script: CallScript) -> dict[str, list[str]]:
    """The script as a graph: each question's and end state's id and the ids it may lead to."""
    graph: dict[str, list[str]] = {}
    for question in script.questions:
        graph.setdefault(question.id, question.targets())
    for end in script.ends:
        graph.setdefault(end.id, [])
    return graph


def _graph_problems(script: CallScript) -> list[FieldError]:
    """Questions and end states the start does not lead to, and questions caught in a loop that no
    answer leaves for an end state."""
    graph = successors(script)
    first = _first_of_each(script.questions, script.ends)
    # without a valid start every question is unreachable: the error on ``start`` says it once
    reached = reachable([script.start], graph) if script.question(script.start) else set(graph)
    trapped = set(trapped_in_loops(graph, [e.id for e in script.ends if first.get(e.id) is e]))
    errors: list[FieldError] = []
    for i, question in enumerate(script.questions):
        if first.get(question.id) is not question:
            continue
        if question.id not in reached:
            errors.append(FieldError(f"questions[{i}]", "question_unreachable", {"question": question.id}))
        if question.id in trapped:
            errors.append(FieldError(f"questions[{i}]", "loop_without_end", {"question": question.id}))
    for i, end in enumerate(script.ends):
        if first.get(end.id) is end and end.id not in reached:
            errors.append(FieldError(f"ends[{i}]", "end_unreachable", {"end": end.id}))
    return errors


def _first_of_each(questions: Iterable[Question], ends: Iterable[EndState]) -> dict[str, Question | EndState]:
    """Of several questions or end states with one id, the first is the one the graph holds."""
    first: dict[str, Question | EndState] = {}
    items: list[Question | EndState] = [*questions, *ends]
    for item in items:
        first.setdefault(item.id, item)
    return first
