"""The dialler simulation (``kc simulate`` of a campaign scenario) against what can be computed by
hand, and the predictive pacing holding its cap in seeded runs."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import attrs
import pytest
from click.testing import CliRunner

from apps.cli import main
from apps.simulator.callees import callee
from apps.simulator.campaign import CampaignScenario, Shift, campaign_from
from apps.simulator.checks import ScenarioError
from apps.simulator.dialler import simulate_campaign
from apps.simulator.dialler_kpis import campaign_kpis, progressive_occupancy
from kc_domain.outbound.pacing import PacingMode
from kc_domain.outbound.pacing_explain import explain

# Fixed durations, so that progressive's occupancy is a sum of products: per attempt a person
# answers after 10 s (30 %), a machine after 10 s and is detected 3 s later (10 %), busy after 5 s
# (10 %), invalid after 2 s (10 %), no answer until the cut-off at 20 s (40 %).
FIXED: dict[str, Any] = {
    "name": "Pevné časy",
    "seed": 3,
    "start_date": "2025-03-04",
    "days": 1,
    "campaign": {"mode": "progressive", "list_size": 100_000, "no_answer_after_s": 20},
    "callees": {
        "live_answer": 0.3,
        "answering_machine": 0.1,
        "busy": 0.1,
        "invalid": 0.1,
        "time_to_answer": 10,
        "machine_detection": 3,
        "busy_after": 5,
        "invalid_after": 2,
    },
    "handling": {"talk": 120, "wrap_up": 20},
    "agents": [{"name": "Operátor", "count": 10, "shift": [8, 20]}],
}

# A poor list and a team of 20 in a six-hour shift: lognormal times as in real life
POOR: dict[str, Any] = {
    "name": "Slabý seznam",
    "seed": 11,
    "start_date": "2025-03-04",
    "days": 1,
    "campaign": {"mode": "predictive", "list_size": 100_000, "abandon_cap": 0.03},
    "callees": {
        "live_answer": 0.2,
        "answering_machine": 0.15,
        "busy": 0.08,
        "invalid": 0.1,
        "time_to_answer": {"distribution": "lognormal", "mean_s": 9, "sd_s": 5},
        "machine_detection": {"distribution": "lognormal", "mean_s": 3, "sd_s": 1},
    },
    "handling": {
        "talk": {"distribution": "lognormal", "mean_s": 180, "sd_s": 120},
        "wrap_up": {"distribution": "lognormal", "mean_s": 30, "sd_s": 15},
    },
    "agents": [{"name": "Operátor", "count": 20, "shift": [8, 14]}],
}


def scenario(raw: dict[str, Any], **changes: Any) -> CampaignScenario:
    return attrs.evolve(campaign_from(copy.deepcopy(raw)), **changes)


@pytest.mark.req("OUT-01")
def test_progressive_occupancy_is_handling_over_handling_and_dialling_per_live_contact():
    # dialling per attempt: 0.3 x 10 + 0.1 x (10 + 3) + 0.1 x 5 + 0.1 x 2 + 0.4 x 20 = 13 s;
    # per live contact 13 / 0.3 s; handling 120 + 20 s: occupancy 140 / (140 + 13 / 0.3)
    closed = 140 / (140 + 13 / 0.3)
    fixed = scenario(FIXED)
    assert progressive_occupancy(fixed) == pytest.approx(closed, abs=1e-4)
    figures = campaign_kpis(simulate_campaign(fixed))
    assert figures["occupancy"] == pytest.approx(closed, abs=0.015)
    assert figures["abandoned"] == 0  # every call has its agent waiting for it
    attempts = figures["attempts"]
    assert attempts["live"] / attempts["total"] == pytest.approx(0.3, abs=0.02)


@pytest.mark.req("OUT-05")
def test_predictive_holds_the_cap_and_keeps_agents_far_busier_than_progressive():
    predictive = campaign_kpis(simulate_campaign(scenario(POOR)))
    progressive = campaign_kpis(simulate_campaign(scenario(POOR, mode=PacingMode.PROGRESSIVE)))
    rates = predictive["abandon_rate"]
    assert rates["days"][0]["abandon_rate"] <= 0.03
    assert rates["rolling_24h"]["max"] <= 0.03
    assert predictive["info_messages"] == predictive["abandoned"] > 0
    assert predictive["occupancy"] > progressive["occupancy"] + 0.15
    assert predictive["live_answers"] == predictive["connected"] + predictive["abandoned"]


@pytest.mark.req("OUT-05")
def test_predictive_holds_the_cap_when_the_answer_rate_halves_at_noon_and_doubles_next_morning():
    halving = copy.deepcopy(POOR)
    halving["callees"]["live_answer"] = [0.36] * 12 + [0.18] * 12
    halving["agents"] = [{"name": "Operátor", "count": 20, "shift": [10, 14]}]
    figures = campaign_kpis(simulate_campaign(scenario(halving, days=2, seed=5)))
    rates = figures["abandon_rate"]
    assert [day["abandon_rate"] <= 0.03 for day in rates["days"]] == [True, True]
    assert rates["rolling_24h"]["max"] <= 0.03
    noon = [h for h in figures["pacing"]["history"] if h["at"][11:16] in ("11:45", "13:00")]
    assert noon[0]["live_rate_estimate"] > 0.3 and noon[1]["live_rate_estimate"] < 0.24


@pytest.mark.req("OUT-05")
def test_the_same_seed_gives_the_same_run_and_the_same_number_the_same_callee():
    short = scenario(POOR, agents=(Shift("Operátor", 4, 8, 10),))
    first, again = (campaign_kpis(simulate_campaign(short)) for _ in range(2))
    first.pop("wall_s"), again.pop("wall_s")
    assert first == again
    a, b = (callee(short.with_mode(mode), 77, 9 * 3600.0) for mode in PacingMode)
    assert a == b and callee(short, 78, 9 * 3600.0) != a


@pytest.mark.req("OUT-05")
def test_the_decision_that_dialled_a_number_is_kept_with_its_inputs():
    run = simulate_campaign(scenario(POOR, agents=(Shift("Operátor", 20, 8, 10),)), explain=[0, 2000])
    first, later = run.explained[0], run.explained[2000]
    assert first.inputs.free_agents == 20 and first.standing.day_live == 0
    text = "\n".join(explain(later))
    assert "predictive: dial" in text and "agents expected free" in text
    assert f"{later.inputs.free_agents} free, {len(later.inputs.talking)} talking" in text


def test_a_scenario_with_mistakes_names_each_of_them():
    bad = copy.deepcopy(FIXED)
    bad["campaign"]["no_answer_after_s"] = 10
    bad["callees"]["live_answer"] = 0.9
    bad["agents"][0]["shift"] = [20, 8]
    with pytest.raises(ScenarioError) as error:
        campaign_from(bad)
    paths = [path for path, _ in error.value.problems]
    assert paths == ["campaign.no_answer_after_s", "callees", "agents[0].shift"]
    assert "at least 15" in str(error.value) or ">= 15" in str(error.value)


CAMPAIGN_TOML = """
name = "Malá kampaň"
seed = 2
start_date = 2025-03-04

[campaign]
mode = "predictive"
list_size = 5000

[callees]
live_answer = 0.3
time_to_answer = { distribution = "lognormal", mean_s = 8, sd_s = 4 }

[handling]
talk = { distribution = "exponential", mean_s = 120 }
wrap_up = 15

[[agents]]
name = "Operátor"
count = 5
shift = [9, 11]
"""


@pytest.mark.req("OUT-05")
def test_kc_simulate_runs_a_campaign_scenario(tmp_path: Path):
    path = tmp_path / "kampan.toml"
    path.write_text(CAMPAIGN_TOML, encoding="utf-8")
    table = CliRunner().invoke(main, ["simulate", str(path), "--explain", "3"])
    assert table.exit_code == 0, table.output
    assert "occupancy (talk + wrap-up / signed in)" in table.output
    assert "number 3:\npacing " in table.output
    as_json = CliRunner().invoke(main, ["simulate", str(path), "--json", "--seed", "4"])
    figures = json.loads(as_json.output)
    assert (figures["seed"], figures["mode"], figures["list"]["size"]) == (4, "predictive", 5000)
    assert figures["attempts"]["total"] == figures["list"]["dialled"] > 0
