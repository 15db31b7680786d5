"""ADM-11: an insurer runs dozens of IVR trees; 36 generated trees are built, validated, exported,
imported and walked, jumping between trees by GotoTree (IN-24)."""

from __future__ import annotations

import json

import pytest

from kc_domain.ivr.interpreter import JumpTree, PlayPrompt, Route, StartTimer, Tag
from kc_domain.ivr.model import (
    Condition,
    GotoTree,
    HangUp,
    IvrTree,
    Menu,
    Play,
    Prompt,
    RouteToQueue,
    SetTag,
    Voicemail,
    tree_from_plain,
    tree_to_plain,
)
from kc_domain.ivr.validation import problems
from tests.unit.ivr.support import NOW, session

COUNT = 36
QUEUES = set(range(1, 13))
NAMES = [f"line{i:02d}" for i in range(COUNT)]


def build(i: int) -> IvrTree:
    """Tree ``i``: greeting, opening-hours check, a menu of three departments, a tag and a route;
    key 9 continues in the next tree, key 0 in the first one."""
    queues = (i % 12 + 1, (i + 1) % 12 + 1)
    return IvrTree(
        NAMES[i],
        1 + i % 3,
        "hello",
        (
            Play(id="hello", prompt=Prompt(f"Linka {i}. Jste {{position}}. v pořadí."), next="hours"),
            Condition(id="hours", kind="time", value="07:00-19:00", then="menu", otherwise="vm"),
            Menu(
                id="menu",
                prompt=Prompt("Vyberte oddělení."),
                choices={"1": "tag1", "2": "tag2", "9": "next", "0": "first"},
                on_fail="vm",
            ),
            SetTag(id="tag1", key="department", value=f"d{i}-1", next="q"),
            SetTag(id="tag2", key="department", value=f"d{i}-2", next="q"),
            RouteToQueue(id="q", queue_ids=queues),
            GotoTree(id="next", tree=NAMES[(i + 1) % COUNT]),
            GotoTree(id="first", tree=NAMES[0]),
            Voicemail(id="vm", box=f"box{i}"),
            HangUp(id="spare") if i % 2 else Play(id="p_extra", prompt=Prompt(), next="vm"),
        ),
    )


TREES = {name: build(i) for i, name in enumerate(NAMES)}


@pytest.mark.req("ADM-11")
def test_thirty_six_trees_validate_and_round_trip() -> None:
    assert len(TREES) >= 30
    for name, tree in TREES.items():
        # the last node of each is deliberately unreachable: exactly one problem
        found = problems(tree, set(NAMES), QUEUES)
        assert [(e.field, e.code) for e in found] == [("nodes[9]", "unreachable")], name
        fixed = IvrTree(tree.name, tree.version, tree.start, tree.nodes[:-1])
        assert problems(fixed, set(NAMES), QUEUES) == []
        assert tree_from_plain(json.loads(json.dumps(tree_to_plain(tree)))) == tree


@pytest.mark.req("ADM-11")
def test_removing_a_tree_or_queue_shows_up_in_validation() -> None:
    found = problems(TREES["line05"], set(NAMES) - {"line06"}, QUEUES - {7})
    assert {(e.field, e.code) for e in found} >= {
        ("nodes[6].tree", "unknown_tree"),
        ("nodes[5].queue_ids", "unknown_queue"),
    }


@pytest.mark.req("IN-24", "IN-25", "ADM-11")
def test_a_caller_walks_through_several_trees() -> None:
    """The host starts a new session for each JumpTree; variables carry over."""
    visited, name = [], NAMES[30]
    variables = {"position": "4"}
    for _ in range(3):
        s = session(TREES[name], variables)
        assert s.start(NOW) == [PlayPrompt(f"Linka {NAMES.index(name)}. Jste 4. v pořadí.")]
        assert s.on_prompt_finished(NOW) == [PlayPrompt("Vyberte oddělení.")]
        assert s.on_prompt_finished(NOW) == [StartTimer(5)]
        (jump,) = s.on_digits("9", NOW)
        assert isinstance(jump, JumpTree)
        visited.append(name)
        name, variables = jump.name, s.variables
    assert visited == ["line30", "line31", "line32"]
    s = session(TREES[name], variables)
    s.start(NOW)
    assert s.on_digits("2", NOW) == []  # no barge-in on the greeting
    s.on_prompt_finished(NOW)
    assert s.on_digits("2", NOW) == [Tag("department", "d33-2"), Route((10, 11))]
