"""A scenario that cannot run is refused as a whole, each problem named by its key path and reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from apps.simulator.scenario import ScenarioError, load_scenario, scenario_from

from .support import busy_day

THREE_QUEUES = """
name = "Tři fronty"
seed = 3
start_date = 2025-03-04
duration_hours = "day"

[[queues]]
id = 1
name = "Obecná linka"
arrivals_per_hour = 100
handling = { distribution = "lognormal", mean_s = 240, sd_s = 180 }
patience = { distribution = "exponential", mean_s = 180 }

[[queues]]
id = 2
name = "Zaměstnavatelé"
arrivals_per_hour = 40
handling = { distribution = "exponential", mean_s = 300 }

[[queues]]
id = 3
name = "Asistenční služba"
arrivals_per_hour = ARRIVALS
handling = { distribution = "exponential", mean_s = 200 }

[[agents]]
name = "Operátor"
count = 30
shift = [7, 15.5]
skills = [{ queue = 1, level = 8, priority = 1 }, { queue = 2 }, { queue = 3 }]
"""


def load(tmp_path: Path, text: str) -> Any:
    path = tmp_path / "scenario.toml"
    path.write_text(text, encoding="utf-8")
    return load_scenario(path)


def problems(raw: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(ScenarioError) as error:
        scenario_from(raw)
    return list(error.value.problems)


def test_a_valid_file_loads(tmp_path: Path):
    scenario = load(tmp_path, THREE_QUEUES.replace("ARRIVALS", "[5] * 24".replace("[5] * 24", str([5] * 24))))
    assert [q.name for q in scenario.queues] == ["Obecná linka", "Zaměstnavatelé", "Asistenční služba"]
    assert scenario.duration_hours == 24
    assert scenario.queues[0].patience.kind == "exponential"
    assert scenario.queues[1].patience.kind == "none"
    assert len(scenario.engine_agents()) == 30
    assert scenario.engine_agents()[0].name == "Operátor 01"


@pytest.mark.parametrize("arrivals", ["[5, 5, 5]", str([5] * 23 + [-1]), '"many"'])
def test_hourly_arrivals_must_be_24_non_negative_numbers(tmp_path: Path, arrivals: str):
    with pytest.raises(ScenarioError) as error:
        load(tmp_path, THREE_QUEUES.replace("ARRIVALS", arrivals))
    (path, reason), *_ = error.value.problems
    assert path == "queues[2].arrivals_per_hour"
    if arrivals.startswith("["):
        assert str(error.value) == "queues[2].arrivals_per_hour: must be a list of 24 non-negative numbers"
    else:
        assert reason == "must be a non-negative number or a list of 24 non-negative numbers"


def test_a_file_that_is_not_toml_names_the_line(tmp_path: Path):
    with pytest.raises(ScenarioError, match=r"not valid TOML: .*line 4"):
        load(tmp_path, 'name = "x"\nseed = 1\n\n[[queues]\n')


def test_a_missing_file(tmp_path: Path):
    with pytest.raises(ScenarioError, match="no such scenario file"):
        load_scenario(tmp_path / "none.toml")


def test_every_problem_is_reported_at_once():
    raw = busy_day(start_date="4. 3. 2025", warmup_hours=8, duration_hours=6, seeed=4)
    raw["queues"][0]["wrapup_s"] = 10
    raw["queues"][1]["handling"] = {"distribution": "gamma", "mean_s": 100}
    raw["queues"][2]["handling"] = {"distribution": "lognormal", "mean_s": 100}
    raw["queues"][2]["patience"] = {"distribution": "exponential", "mean_s": -5}
    raw["agents"][0]["count"] = True
    raw["agents"][1]["skills"].append({"queue": 9})
    raw["agents"][1]["shift"] = [16, 8]
    raw["robots"]["rona_probability"] = 1.5
    assert problems(raw) == [
        (
            "seeed",
            "unknown key (allowed: agents, callers, duration_hours, ivr, name, queues, repeat_callers, "
            "robots, seed, start_date, warmup_hours)",
        ),
        ("start_date", "must be a date such as 2025-03-04"),
        ("warmup_hours", "must be shorter than duration_hours (6)"),
        ("robots.rona_probability", "must be a number >= 0 and <= 1, got 1.5"),
        (
            "queues[0].wrapup_s",
            "unknown key (allowed: announce_every_s, announce_position, announce_wait, arrivals_per_hour, "
            "callback_key, handling, id, max_wait_s, name, patience, rona_timeout_s, sl_threshold_s, "
            "sticky_wait_s, strategy, voicemail_key, wrap_up_s)",
        ),
        ("queues[1].handling.distribution", "must be one of exponential, fixed, lognormal, got 'gamma'"),
        ("queues[2].handling.sd_s", "is required"),
        ("queues[2].patience.mean_s", "must be a number > 0, got -5"),
        ("agents[0].count", "must be an integer"),
        ("agents[1].shift", "must be [start, end] in hours from midnight of start_date, 0 <= start < end"),
        ("agents[1].skills[2].queue", "no queue has id 9"),
    ]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda r: r["queues"][1].update(id=1), ("queues[1].id", "duplicate queue id 1 (also queues[0])")),
        (
            lambda r: r["agents"][2].update(skills=[{"queue": 1}]),
            (
                "queues[2]",
                "no agent has a skill for queue 3 (Asistenční služba), its calls would wait forever",
            ),
        ),
        (
            lambda r: r["agents"][2].update(count=3),
            ("agents[2]", "needs either count (a number of agents) or names (a list of agent names)"),
        ),
        (
            lambda r: r["agents"][0]["skills"].append({"queue": 1, "level": 11}),
            ("agents[0].skills[2].level", "must be an integer >= 1 and <= 10, got 11"),
        ),
        (
            lambda r: r["queues"][0].update(strategy="random"),
            (
                "queues[0].strategy",
                "must be one of least_occupied, longest_idle, round_robin, skill_first, got 'random'",
            ),
        ),
        (
            lambda r: r.update(duration_hours="week"),
            ("duration_hours", "must be a number of hours or \"day\", got 'week'"),
        ),
        (lambda r: r.update(queues=[]), ("queues", "must be a non-empty array")),
        (lambda r: r["queues"].append(7), ("queues[3]", "must be a table")),
        (lambda r: r.pop("start_date"), ("start_date", "is required")),
        (
            lambda r: r["queues"][0].update(arrivals_per_hour=1_000_000),
            ("queues", "about 6,000,620 calls expected, more than 2,000,000 per run"),
        ),
    ],
)
def test_single_problems(change: Any, expected: tuple[str, str]):
    raw = busy_day()
    change(raw)
    assert expected in problems(raw)
