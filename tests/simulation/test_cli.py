"""``kc simulate SCENARIO [--json] [--seed N] [--database URL]``."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from apps.cli import main
from apps.simulator.scenario import load_scenario
from kc_adapters.persistence import Database
from kc_adapters.persistence.journal import SqlJournal

ROOT = Path(__file__).resolve().parents[2]

SMALL = """
name = "Malé dopoledne"
seed = 5
start_date = 2025-03-04
duration_hours = 1

[robots]
ring_time = { distribution = "exponential", mean_s = 3 }
rona_probability = 0.05

[[queues]]
id = 1
name = "Obecná linka"
arrivals_per_hour = 240
handling = { distribution = "lognormal", mean_s = 240, sd_s = 180 }
patience = { distribution = "exponential", mean_s = 120 }

[[agents]]
name = "Operátor"
count = 15
skills = [{ queue = 1 }]
"""


@pytest.fixture
def small(tmp_path: Path) -> Path:
    path = tmp_path / "small.toml"
    path.write_text(SMALL, encoding="utf-8")
    return path


def test_prints_a_summary_per_queue(small: Path):
    result = CliRunner().invoke(main, ["simulate", str(small)])
    assert result.exit_code == 0, result.output
    assert "Obecná linka" in result.output
    assert "all queues" in result.output
    assert "occupancy" in result.output


def test_json_with_another_seed(small: Path):
    first = CliRunner().invoke(main, ["simulate", str(small), "--json"])
    other = CliRunner().invoke(main, ["simulate", str(small), "--json", "--seed", "6"])
    figures, changed = json.loads(first.output), json.loads(other.output)
    assert figures["seed"] == 5 and changed["seed"] == 6
    assert figures["total"]["offered"] > 150
    assert figures["total"] != changed["total"]
    assert [q["name"] for q in figures["queues"]] == ["Obecná linka"]
    assert figures["queues"][0]["intervals"][0]["from"] == "2025-03-04 00:00"
    assert figures["checks"] == {
        "calls": figures["total"]["offered"],
        "pbx_rejections": 0,
        "ignored_pbx_events": 0,
    }


def test_a_bad_scenario_exits_with_2_and_names_the_problem(small: Path):
    small.write_text(
        SMALL.replace("arrivals_per_hour = 240", "arrivals_per_hour = [240, 120]"), encoding="utf-8"
    )
    result = CliRunner().invoke(main, ["simulate", str(small)])
    assert result.exit_code == 2
    assert "is not a valid scenario" in result.stderr
    assert "queues[0].arrivals_per_hour: must be a list of 24 non-negative numbers" in result.stderr
    assert result.stdout == ""


def test_a_missing_scenario_exits_with_2(tmp_path: Path):
    result = CliRunner().invoke(main, ["simulate", str(tmp_path / "none.toml")])
    assert result.exit_code == 2
    assert "no such scenario file" in result.stderr


@pytest.mark.req("IN-04")
def test_the_engines_events_go_to_the_database_when_asked(small: Path, tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'simulace.sqlite3'}"
    result = CliRunner().invoke(main, ["simulate", str(small), "--json", "--database", url])
    assert result.exit_code == 0, result.stderr
    figures = json.loads(result.stdout)
    assert figures["database"]["events"] > 5 * figures["total"]["offered"]
    start = load_scenario(small).start
    with Database(url) as database:
        journal = SqlJournal(database.engine)
        calls = journal.interactions(start, start.replace(year=start.year + 1))
        (first,) = [c for c in calls if re.fullmatch(r"sim-[0-9a-f]{16}-c1", c.call_id)]
        assert first.queue_id == 1
        assert [e.name for e in journal.events_for(first.call_id)][:2] == ["CallArrived", "CallQueued"]
        missed = journal.missed_calls(start, start.replace(year=start.year + 1))
        lost = figures["total"]["abandoned_in_queue"] + figures["total"]["abandoned_ringing"]
        assert len(missed) == lost

    # the same scenario again into the same database: new calls, none merged into the first run's
    again = CliRunner().invoke(main, ["simulate", str(small), "--json", "--database", url])
    assert again.exit_code == 0, again.stderr
    with Database(url) as database:
        both = SqlJournal(database.engine).interactions(start, start.replace(year=start.year + 1))
        assert len(both) == 2 * len(calls) and len({c.call_id for c in both}) == len(both)


@pytest.mark.parametrize("name", ["ozp-day.toml", "erlang-check.toml"])
def test_the_example_scenarios_are_valid(name: str):
    scenario = load_scenario(ROOT / "scenarios" / name)
    assert scenario.queues


def test_the_ozp_day_has_its_five_queues_150_agents_and_about_25000_calls():
    scenario = load_scenario(ROOT / "scenarios" / "ozp-day.toml")
    assert [q.name for q in scenario.queues] == [
        "Obecná linka",
        "Platby a dlužné pojistné",
        "Zaměstnavatelé",
        "Poskytovatelé zdravotních služeb",
        "Asistenční služba",
    ]
    assert len(scenario.engine_agents()) == 150
    assert 24_000 < scenario.calls_expected() < 26_000
    rates = [sum(q.arrivals_per_hour[h] for q in scenario.queues) for h in range(24)]
    assert sorted(range(24), key=rates.__getitem__)[-2:] in ([10, 14], [14, 10], [9, 10])
