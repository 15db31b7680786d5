"""Per-node IVR totals summed from the engine's CallLeftIvr events (REP-09)."""

from __future__ import annotations

from datetime import UTC, datetime

import attrs
import pytest

from kc_domain.ivr.interpreter import IvrSession
from kc_domain.ivr.model import HangUp, Menu, Prompt, RouteToQueue
from kc_domain.ivr.stats import empty_totals, sum_node_stats
from kc_domain.routing import events as ev

from .support import NOW, env, tree

AT = datetime(2026, 3, 11, 9, 0, tzinfo=UTC)
MENU = tree(
    "welcome",
    Menu(id="welcome", prompt=Prompt("1 platby, 2 průkaz"), choices={"1": "pay", "2": "bye"}, retries=1),
    RouteToQueue(id="pay", queue_ids=(1,)),
    HangUp(id="bye"),
)


def left(call_id: str, stats: dict[str, dict[str, object]], tree_name: str = "main") -> ev.CallLeftIvr:
    return ev.CallLeftIvr(AT, call_id, tree_name, 1, "route", "1", stats)


def walk(*steps: str) -> dict[str, dict[str, object]]:
    """One caller's walk through MENU: "prompt", "timeout", "hangup" or a key; the session's stats
    as the engine puts them into CallLeftIvr."""
    session = IvrSession(MENU, environment=env())
    session.start(NOW)
    for step in steps:
        if step == "prompt":
            session.on_prompt_finished(NOW)
        elif step == "timeout":
            session.on_timeout(NOW)
        elif step == "hangup":
            session.on_hangup(NOW)
        else:
            session.on_digits(step, NOW)
    return {node: attrs.asdict(s) for node, s in session.stats.items()}


@pytest.mark.req("REP-09")
def test_walks_of_several_callers_add_up_per_node():
    events = [
        left("c1", walk("prompt", "1")),
        left("c2", walk("prompt", "timeout", "prompt", "2")),
        left("c3", walk("prompt", "7", "prompt", "1")),
        left("c4", walk("prompt", "hangup")),
    ]
    totals = sum_node_stats(events)
    assert list(totals) == ["main"]
    welcome = totals["main"]["welcome"]
    assert welcome == {
        "calls": 4,
        "entries": 6,  # c2 and c3 heard the menu twice
        "exits": 5,
        "timeouts": 1,
        "invalid": 1,
        "abandons": 1,
        "choices": {"1": 2, "2": 1},
    }
    assert totals["main"]["pay"]["entries"] == 2 and totals["main"]["bye"]["calls"] == 1


@pytest.mark.req("REP-09")
def test_trees_are_kept_apart_other_events_skipped_and_output_sorted():
    events = [
        ev.CallArrived(AT, "c1", "+420601000001", "800"),
        left("c1", {"b": {"entries": 1, "choices": {"9": 1, "1": 2}}, "a": {"entries": 2}}, "zeta"),
        left("c2", {"a": {"entries": 1, "abandons": 1}}, "alfa"),
    ]
    totals = sum_node_stats(events)
    assert list(totals) == ["alfa", "zeta"]
    assert list(totals["zeta"]) == ["a", "b"]
    assert list(totals["zeta"]["b"]["choices"]) == ["1", "9"]
    assert totals["alfa"]["a"]["abandons"] == 1 and totals["alfa"]["a"]["timeouts"] == 0


@pytest.mark.req("REP-09")
def test_nothing_and_malformed_counts():
    assert sum_node_stats([]) == {}
    totals = sum_node_stats([left("c1", {"a": {"entries": -3, "exits": True, "choices": {"1": "x"}}})])
    assert totals["main"]["a"] == {**empty_totals(), "calls": 1, "choices": {"1": 0}}
