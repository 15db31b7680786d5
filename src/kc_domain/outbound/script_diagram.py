"""A call script as a diagram (OUT-15): questions and end states as boxes, branches as labelled edges,
laid out by ``kc_domain.diagram`` (as the IVR trees are) or written as Mermaid text.

Language-neutral data, as in the IVR diagram: a question's ``Box.type`` is its answer type
(``choice``, ``number``, ``text``, ``date``), an end state's is ``end`` and its ``Box.prompt`` the
outcome it sets (``refused``); ``Box.problems`` holds the codes of ``script_checks.problems`` that
concern the box (``loop_without_end``…), ``Box.unreachable`` marks what the start does not lead to.
An edge's label is a choice's label, a number range (``18–49``, ``≥ 50``, ``≤ 17``, numbers with a
dot) or one of ``EDGE_WORDS``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal

from kc_domain.diagram import Diagram, GraphNode, cut, layout_graph, mermaid
from kc_domain.outbound.script_checks import problems
from kc_domain.outbound.scripts import Branch, CallScript, Question

EDGE_WORDS = ("next", "otherwise")
"""Edge labels that are words: ``next`` when a question has no branches, else ``otherwise``."""
CHOICE_CHARS = 24

_PLACE = re.compile(r"^(questions|ends)\[(\d+)\]")


def script_graph(script: CallScript) -> list[GraphNode]:
    """The script's questions and end states as graph nodes, each with the codes of its problems."""
    codes: dict[tuple[str, int], list[str]] = {}
    for error in problems(script):
        place = _PLACE.match(error.field)
        if place:
            codes.setdefault((place[1], int(place[2])), []).append(error.code)
    nodes = [
        GraphNode(q.id, q.type.value, cut(q.text), q.text, _links(q), codes.get(("questions", i), ()))
        for i, q in enumerate(script.questions)
    ]
    nodes += [
        GraphNode(e.id, "end", cut(e.label), e.outcome.value, (), codes.get(("ends", i), ()))
        for i, e in enumerate(script.ends)
    ]
    return nodes


def script_diagram(script: CallScript) -> Diagram:
    return layout_graph(script.start, script_graph(script))


def script_mermaid(script: CallScript, words: Mapping[str, str] | None = None) -> str:
    """Mermaid flowchart text; ``words`` translates answer types, ``end`` and ``EDGE_WORDS``."""
    return mermaid(script.start, script_graph(script), words=words, rounded=("end",))


def _links(question: Question) -> list[tuple[str, str]]:
    links = [(_branch_label(question, b), b.next) for b in question.branches if b.next]
    if question.next:
        links.append(("otherwise" if question.branches else "next", question.next))
    return links


def _branch_label(question: Question, branch: Branch) -> str:
    if branch.choice:
        choice = question.choice(branch.choice)
        return cut(choice.label if choice else branch.choice, CHOICE_CHARS)
    low, high = _shown(branch.low), _shown(branch.high)
    if low and high:
        return f"{low}–{high}"
    return f"≥ {low}" if low else f"≤ {high}" if high else ""


def _shown(number: Decimal | None) -> str:
    return "" if number is None else f"{number.normalize():f}"
