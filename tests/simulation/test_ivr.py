"""A day through an IVR tree: callers choose keys by the scenario's probabilities, hang up in the
menus, wait in announcing queues, take callbacks and leave messages; the report counts it all."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from apps.cli import main
from apps.cli.simulate import _table
from apps.simulator.run import Simulation, simulate
from apps.simulator.scenario import load_scenario, scenario_from
from kc_adapters.simulated_pbx import LegState
from kc_domain.callbacks import events as cb
from kc_domain.routing import events as ev
from kc_domain.routing.call import CallStage

from .support import SMALL_CHOICES, ivr_day

ROOT = Path(__file__).resolve().parents[2]
OZP_IVR_DAY = ROOT / "scenarios" / "ozp-ivr-day.toml"
BUCKETS = (
    "answered",
    "abandoned_in_queue",
    "abandoned_ringing",
    "overflowed",
    "callback",
    "voicemail",
    "rejected",
    "unfinished",
)


@pytest.fixture(scope="module")
def sim() -> Simulation:
    return simulate(scenario_from(ivr_day()), record_events=True, record_commands=True)


@pytest.fixture(scope="module")
def kpis(sim: Simulation) -> dict[str, Any]:
    return sim.kpis()


def of(sim: Simulation, kind: type[Any]) -> list[Any]:
    return [e for e in sim.engine.events if isinstance(e, kind)]


@pytest.mark.req("IN-06", "REP-09")
def test_the_callers_choices_follow_the_scenarios_probabilities(kpis: dict[str, Any]):
    (tree,) = kpis["ivr"]
    menu = tree["nodes"]["vitejte"]
    calls = menu["calls"]
    assert calls == tree["entered"] > 1500
    seen = {key: n / calls for key, n in menu["choices"].items()} | {"hangup": menu["abandons"] / calls}
    assert seen.keys() == SMALL_CHOICES.keys()
    for key, p in SMALL_CHOICES.items():
        assert seen[key] == pytest.approx(p, abs=0.03), key
    # the keys lead where the tree says: 1 and 4 (after the insurance number) to queue 1, 2 to queue 2
    assert tree["routed_to"] == {
        "1": menu["choices"]["1"] + menu["choices"]["4"],
        "2": menu["choices"]["2"],
    }
    assert tree["nodes"]["rc"]["exits"] == menu["choices"]["4"]  # the keyed number was accepted


@pytest.mark.req("IN-06", "REP-09")
def test_ivr_abandonment_and_the_information_branch_are_counted(kpis: dict[str, Any]):
    (tree,) = kpis["ivr"]
    left = tree["left"]
    assert left["abandoned"] == tree["nodes"]["vitejte"]["abandons"] > 100
    assert left["hangup"] == tree["nodes"]["konec"]["entries"] == tree["nodes"]["vitejte"]["choices"]["3"]
    assert tree["entered"] == sum(left.values())
    assert tree["abandon_rate"] == round(left["abandoned"] / tree["entered"], 4)


@pytest.mark.req("IN-09", "IN-10")
def test_waiting_callers_take_callbacks_that_agents_dial_and_complete(sim: Simulation, kpis: dict[str, Any]):
    callbacks = kpis["callbacks"]
    assert (
        callbacks["requested"] == callbacks["requested_by_source"]["queue_dtmf"] == kpis["total"]["callback"]
    )
    assert callbacks["requested"] > 50
    assert callbacks["dialled"] == len(of(sim, ev.CallDialled)) > callbacks["completed"] > 30
    assert callbacks["attempts"]["no_answer"] > 0  # 30 % of the customers do not answer
    assert callbacks["completed"] == callbacks["attempts"]["answered"] == len(of(sim, ev.CallConnected))
    assert callbacks["mean_request_to_completion_s"] > 0
    preferred = [e for e in of(sim, cb.CallbackRequested) if e.preferred_at is not None]
    assert 0 < len(preferred) < callbacks["requested"]  # half of them keyed in a time
    positions = [e for e in of(sim, ev.CallAnnounced) if e.kind == "position"]
    assert len(positions) > kpis["total"]["callback"]


@pytest.mark.req("IN-08")
def test_waiting_callers_leave_voicemail(sim: Simulation, kpis: dict[str, Any]):
    voicemail = kpis["voicemail"]
    assert voicemail["left"] == kpis["total"]["voicemail"] > 30
    assert sum(voicemail["by_box"].values()) == voicemail["left"]
    for e in of(sim, ev.CallVoicemailLeft):
        assert sim.pbx.recording(e.recording)


@pytest.mark.req("IN-04")
def test_the_offered_identity_holds_and_every_call_reached_its_queue_from_the_ivr(
    sim: Simulation, kpis: dict[str, Any]
):
    for figures in [kpis["total"], *(q["total"] for q in kpis["queues"])]:
        assert figures["offered"] == sum(figures[b] for b in BUCKETS)
    (tree,) = kpis["ivr"]
    assert kpis["total"]["offered"] == tree["left"]["route"]
    queued = Counter(e.queue_id for e in of(sim, ev.CallQueued))
    assert {q["id"]: q["total"]["offered"] for q in kpis["queues"]} == dict(queued)


@pytest.mark.req("IN-04")
def test_every_call_ends_exactly_once_and_the_pbx_agrees(sim: Simulation):
    ended = Counter(e.call_id for e in of(sim, ev.CallEnded))
    assert set(ended.values()) == {1}
    assert len(ended) == len(sim.traces) + len(of(sim, ev.CallDialled))
    assert all(call.stage == CallStage.ENDED for call in sim.engine.calls.values())
    assert all(call.state == LegState.ENDED for call in sim.pbx.calls.values())
    assert sim.pbx.rejected == [] and not sim.engine.ignored and sim.pbx.endpoints == {}


def test_the_run_is_deterministic_and_the_report_does_not_need_the_events(kpis: dict[str, Any]):
    again = simulate(scenario_from(ivr_day())).kpis()  # events drained as the run goes
    assert again == kpis


@pytest.mark.req("IN-06", "IN-08", "IN-09", "REP-09")
def test_the_ozp_ivr_day_runs_and_reports_ivr_callbacks_and_voicemail():
    result = CliRunner().invoke(main, ["simulate", str(OZP_IVR_DAY), "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)  # what a log line of another thread says goes to stderr
    table = _table(figures, 1.0)
    assert "IVR ozp-hlavni:" in table and "callbacks:" in table
    (tree,) = figures["ivr"]
    assert tree["tree"] == "ozp-hlavni" and tree["left"]["abandoned"] > 0 and tree["left"]["hangup"] > 0
    assert set(tree["routed_to"]) == {"1", "2", "3", "4"}
    assert set(figures["callbacks"]["requested_by_source"]) == {"ivr", "queue_dtmf"}
    assert figures["callbacks"]["completed"] > 0 and figures["voicemail"]["left"] > 0
    assert figures["checks"]["pbx_rejections"] == figures["checks"]["ignored_pbx_events"] == 0
    total = figures["total"]
    assert total["offered"] == sum(total[b] for b in BUCKETS)


def test_a_scenario_without_ivr_has_no_ivr_sections():
    scenario = load_scenario(ROOT / "scenarios" / "erlang-check.toml")
    assert not scenario.uses_flow
