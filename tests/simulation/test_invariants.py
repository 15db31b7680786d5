"""Invariants of a busy simulated morning: abandons, ring-no-answer, overflow, sticky callers, shifts.

Whatever the traffic, every call ends exactly once, no agent holds two calls, calls go only to
ready agents with a skill for the queue, and the KPIs add up to what the engine's events say.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from typing import Any

import pytest

from apps.simulator.run import Simulation, simulate
from apps.simulator.scenario import scenario_from
from kc_adapters.simulated_pbx import LegState
from kc_domain.routing import events as ev
from kc_domain.routing.agent import AgentState
from kc_domain.routing.call import CallStage

from .support import busy_day


@pytest.fixture(scope="module")
def sim() -> Simulation:
    return simulate(scenario_from(busy_day()), record_events=True, record_commands=True)


@pytest.fixture(scope="module")
def kpis(sim: Simulation) -> dict[str, Any]:
    return sim.kpis()


def of(sim: Simulation, kind: type[ev.Event]) -> list[Any]:
    return [e for e in sim.engine.events if isinstance(e, kind)]


def test_the_morning_exercises_every_path(sim: Simulation, kpis: dict[str, Any]):
    total = kpis["total"]
    assert total["offered"] > 1500
    for figure in ("abandoned_in_queue", "abandoned_ringing", "overflowed", "rona", "answered"):
        assert total[figure] > 20, figure
    rules = Counter(d.rule for decisions in sim.engine.decisions.values() for d in decisions)
    assert set(rules) >= {"agent_ready", "skill_first", "round_robin", "least_occupied", "sticky"}


@pytest.mark.req("IN-04")
def test_every_arrived_call_ends_exactly_once(sim: Simulation):
    arrived = [e.call_id for e in of(sim, ev.CallArrived)]
    ended = Counter(e.call_id for e in of(sim, ev.CallEnded))
    assert len(arrived) == len(set(arrived)) == len(sim.traces)
    assert set(ended) == set(arrived)
    assert set(ended.values()) == {1}
    assert all(call.stage == CallStage.ENDED for call in sim.engine.calls.values())
    assert all(call.state == LegState.ENDED for call in sim.pbx.calls.values())


def test_the_pbx_and_the_engine_never_disagreed(sim: Simulation):
    assert sim.pbx.rejected == []  # e.g. a ring to a phone that was busy with another call
    assert not sim.engine.ignored and sim.engine.rejected == 0  # e.g. an answer the engine did not expect
    assert sim.pbx.endpoints == {}


@pytest.mark.req("IN-22")
def test_no_agent_ever_handles_two_calls(sim: Simulation):
    """From the offer to the answer's end (or the ring's end), an agent is engaged with one call."""
    started: dict[tuple[str, int], Any] = {}
    spans: dict[int, list[tuple[Any, Any, str]]] = defaultdict(list)
    for e in sim.engine.events:
        if isinstance(e, ev.CallOffered):
            started[(e.call_id, e.agent_id)] = e.at
        elif isinstance(e, ev.CallRingNoAnswer) or (isinstance(e, ev.CallEnded) and e.agent_id is not None):
            assert e.agent_id is not None
            spans[e.agent_id].append((started.pop((e.call_id, e.agent_id)), e.at, e.call_id))
    assert started == {}
    for agent_spans in spans.values():
        agent_spans.sort()
        for (_, end, _), (begin, _, _) in itertools.pairwise(agent_spans):
            assert begin >= end


@pytest.mark.req("IN-22")
def test_calls_ring_only_at_ready_agents_skilled_in_the_queue(sim: Simulation):
    offered = {(e.call_id, e.agent_id): e.queue_id for e in of(sim, ev.CallOffered)}
    ringing = [e for e in of(sim, ev.AgentStateChanged) if e.state == AgentState.RINGING.value]
    assert len(ringing) == sum(len(d) for d in sim.engine.decisions.values())
    for change in ringing:
        assert change.previous == AgentState.READY.value
        queue_id = offered[(change.call_id, change.agent_id)]
        assert queue_id in sim.engine.agents[change.agent_id].skills


@pytest.mark.req("IN-01")
def test_calls_are_routed_to_their_own_queue(sim: Simulation):
    for e in of(sim, ev.CallQueued):
        assert e.queue_id == sim.traces[e.call_id].queue_id


@pytest.mark.req("IN-04")
def test_the_kpis_reconcile_with_the_engines_events(sim: Simulation, kpis: dict[str, Any]):
    ends = Counter(e.stage for e in of(sim, ev.CallEnded) if e.cause != "simulation_end")
    total = kpis["total"]
    assert total["offered"] == len(of(sim, ev.CallArrived)) == len(of(sim, ev.CallQueued))
    assert total["answered"] == len(of(sim, ev.CallAnswered)) == ends["completed"]
    assert total["abandoned_in_queue"] == ends["abandoned_in_queue"]
    assert total["abandoned_ringing"] == ends["abandoned_ringing"]
    assert total["overflowed"] == ends["overflowed"] == len(of(sim, ev.CallOverflowed))
    assert total["rona"] == len(of(sim, ev.CallRingNoAnswer))
    assert total["offered"] == sum(
        total[k]
        for k in (
            "answered",
            "abandoned_in_queue",
            "abandoned_ringing",
            "overflowed",
            "rejected",
            "unfinished",
        )
    )
    for figure in ("offered", "answered", "abandoned_in_queue", "abandoned_ringing", "overflowed", "rona"):
        assert sum(q["total"][figure] for q in kpis["queues"]) == total[figure]
        assert sum(i[figure] for i in kpis["intervals"]) == total[figure]
    waits = [e.waited_s for e in of(sim, ev.CallAnswered)]
    assert total["asa_s"] == pytest.approx(sum(waits) / len(waits), abs=0.01)


def test_talk_time_and_staffed_time_are_consistent(sim: Simulation, kpis: dict[str, Any]):
    total, talked = kpis["total"], sum(a.talk_s for a in sim.engine.agents.values())
    assert sum(i["talk_s"] for i in kpis["intervals"]) == pytest.approx(talked, abs=1)
    assert total["talk_s"] < talked  # the totals stop at the end of arrivals; the last calls run on
    assert 0 < total["occupancy"] <= 1
    for interval in kpis["intervals"]:
        assert interval["talk_s"] <= interval["staffed_s"] + 1e-6
    logins, logouts = of(sim, ev.AgentLoggedIn), of(sim, ev.AgentLoggedOut)
    assert len(logins) == len(logouts) == len(sim.engine.agents)
    assert all(a.state == AgentState.LOGGED_OUT for a in sim.engine.agents.values())


def test_the_same_seed_gives_the_same_day_and_another_seed_another():
    scenario = scenario_from(busy_day(duration_hours=2))
    first, again = simulate(scenario).kpis(), simulate(scenario).kpis()
    other = simulate(scenario.with_seed(12)).kpis()
    assert first == again
    assert other["total"] != first["total"]


def test_recording_events_does_not_change_the_outcome():
    scenario = scenario_from(busy_day(duration_hours=2))
    assert simulate(scenario).kpis() == simulate(scenario, record_events=True).kpis()


def test_calls_still_waiting_when_nobody_is_left_are_unfinished_not_abandoned():
    raw = busy_day(duration_hours=1)
    raw["queues"][2]["patience"] = "none"
    raw["agents"][2]["shift"] = [0, 0.25]  # the assistance line is staffed for a quarter of an hour
    raw["agents"][0]["skills"] = raw["agents"][1]["skills"]
    sim = simulate(scenario_from(raw), record_events=True)
    line = next(q for q in sim.kpis()["queues"] if q["id"] == 3)["total"]
    assert line["unfinished"] > 0
    assert line["abandoned_in_queue"] == 0
    assert line["offered"] == line["answered"] + line["unfinished"]
