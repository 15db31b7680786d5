"""IVR trees, choice probabilities, queue announcements and caller behaviour in a scenario file: every
problem is named by its key path, all at once, before anything runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from apps.simulator.scenario import ScenarioError, load_scenario, scenario_from

from .support import SMALL_TREE, ivr_day

pytestmark = pytest.mark.req("IN-06")


def problems(raw: dict[str, Any], base: Path | None = None) -> list[tuple[str, str]]:
    with pytest.raises(ScenarioError) as error:
        scenario_from(raw, base=base)
    return list(error.value.problems)


def node(raw: dict[str, Any], node_id: str) -> dict[str, Any]:
    return next(n for n in raw["ivr"][0]["tree"]["nodes"] if n["id"] == node_id)


def test_the_small_ivr_day_loads():
    scenario = scenario_from(ivr_day())
    (spec,) = scenario.ivr
    assert spec.tree.name == "maly" and spec.number == "+420261105555"
    assert dict(spec.choices["vitejte"].keys) == {"1": 0.4, "2": 0.3, "3": 0.1, "4": 0.1, "hangup": 0.1}
    assert spec.choices["rc"].keys == (("digits", 1.0),) and spec.choices["rc"].digits == "7856120008"
    assert (
        scenario.queues[0].routing().callback_key == "1"
        and scenario.queues[0].routing().announce_every_s == 30
    )
    assert scenario.callers.callback_answer_rate == 0.7 and scenario.uses_flow
    assert scenario.calls_expected() == 1800


def test_a_menu_without_choices_gets_every_key_equally_often():
    raw = ivr_day()
    del raw["ivr"][0]["choices"]["vitejte"]
    keys = dict(scenario_from(raw).ivr[0].choices["vitejte"].keys)
    assert keys == {"1": 0.25, "2": 0.25, "3": 0.25, "4": 0.25}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda r: r["ivr"][0].pop("number"), ("ivr[0].number", "is required")),
        (
            lambda r: r["ivr"][0].update(number="linka"),
            ("ivr[0].number", "must be a telephone number (digits, may start with +), got 'linka'"),
        ),
        (lambda r: r["ivr"][0].pop("tree"), ("ivr[0].tree", "is required")),
        (lambda r: r["ivr"][0].update(tree=7), ("ivr[0].tree", "must be a JSON file name or a table")),
        (
            lambda r: r["ivr"][0].update(arrivals_per_hour=[1, 2]),
            ("ivr[0].arrivals_per_hour", "must be a list of 24 non-negative numbers"),
        ),
        (
            lambda r: r["ivr"][0].update(dialled="1"),
            ("ivr[0].dialled", "unknown key (allowed: arrivals_per_hour, choices, number, tree)"),
        ),
        (
            lambda r: node(r, "vitejte")["choices"].update({"1": "nikam"}),
            ("ivr[0].tree.nodes[0].choices[1]", "no node 'nikam' in the tree"),
        ),
        (
            lambda r: node(r, "q2").update(queue_ids=[9]),
            ("ivr[0].tree.nodes[2].queue_ids", "no queue has id 9"),
        ),
        (lambda r: node(r, "q2").update(kind="x"), ("ivr[0].tree.nodes[2].kind", "unknown key")),
        (
            lambda r: r["ivr"][0]["choices"].update(nikde={"1": 1.0}),
            ("ivr[0].choices.nikde", "no node 'nikde' in tree 'maly'"),
        ),
        (
            lambda r: r["ivr"][0]["choices"].update(q1={"1": 1.0}),
            ("ivr[0].choices.q1", "is a RouteToQueue node; choices are for menu and collect_digits nodes"),
        ),
        (
            lambda r: r["ivr"][0]["choices"]["vitejte"].update({"7": 0.0}),
            (
                'ivr[0].choices.vitejte."7"',
                "menu 'vitejte' has no key '7' (allowed: 1, 2, 3, 4, none, hangup)",
            ),
        ),
        (
            lambda r: r["ivr"][0]["choices"]["vitejte"].update({"1": 0.3}),
            ("ivr[0].choices.vitejte", "the probabilities must add up to 1, they add up to 0.9"),
        ),
        (
            lambda r: r["ivr"][0]["choices"]["vitejte"].update({"1": 1.5}),
            ('ivr[0].choices.vitejte."1"', "must be a number >= 0 and <= 1, got 1.5"),
        ),
        (
            lambda r: r["ivr"][0]["choices"]["vitejte"].update(none="x"),
            ("ivr[0].choices.vitejte.none", "must be a number"),
        ),
        (
            lambda r: r["ivr"][0]["choices"].update(vitejte=0.5),
            (
                "ivr[0].choices.vitejte",
                'must be a table such as { "1" = 0.6, "2" = 0.3, none = 0.05, hangup = 0.05 }',
            ),
        ),
        (
            lambda r: r["ivr"][0]["choices"].update(rc={"digits": "123"}),
            ("ivr[0].choices.rc.digits", "node 'rc' collects 9-10 digits, '123' has 3"),
        ),
        (
            lambda r: r["ivr"][0]["choices"].update(rc={"digits": "78561200x8"}),
            (
                "ivr[0].choices.rc.digits",
                "must be a string of the digits the caller keys in, got '78561200x8'",
            ),
        ),
        (
            lambda r: r["ivr"][0]["choices"].update(rc={"none": 0.5}),
            (
                "ivr[0].choices.rc.digits",
                "is required (what the caller keys in) unless none and hangup add up to 1",
            ),
        ),
        (
            lambda r: r["ivr"][0]["choices"].update(rc={"digits": "7856120008", "none": 0.7, "hangup": 0.7}),
            ("ivr[0].choices.rc", "none and hangup must add up to at most 1, they add up to 1.4"),
        ),
        (
            lambda r: r["ivr"][0]["choices"].update(rc={"digits": "7856120008", "key": "1"}),
            ("ivr[0].choices.rc.key", "unknown key (allowed: digits, hangup, none)"),
        ),
        (
            lambda r: r["ivr"].append({**r["ivr"][0]}),
            ("ivr[1].number", "duplicate number +420261105555 (also ivr[0])"),
        ),
        (
            lambda r: r["agents"][1]["skills"].pop(0),
            (
                "ivr[0].tree",
                "node 'q2' routes to queues [2] that no agent has a skill for, its calls would wait forever",
            ),
        ),
        (
            lambda r: r["queues"][0].update(announce_every_s=10),
            ("queues[0].announce_every_s", "must be 0 (never) or an integer >= 15 and <= 900, got 10"),
        ),
        (
            lambda r: r["queues"][0].update(announce_position="yes"),
            ("queues[0].announce_position", "must be true or false, got 'yes'"),
        ),
        (
            lambda r: r["queues"][0].update(callback_key="12"),
            ("queues[0].callback_key", "must be one DTMF key (0-9, * or #) or \"\" (not offered), got '12'"),
        ),
        (
            lambda r: r["queues"][1].update(voicemail_key="1"),
            ("queues[1].voicemail_key", "must differ from callback_key ('1')"),
        ),
        (
            lambda r: r["callers"].update(callback_acceptance=2),
            ("callers.callback_acceptance", "must be a number >= 0 and <= 1, got 2"),
        ),
        (
            lambda r: r["callers"].update(callback_answer_rate=-0.1),
            ("callers.callback_answer_rate", "must be a number >= 0 and <= 1, got -0.1"),
        ),
        (
            lambda r: r["callers"].update(prompt_chars_per_s=0),
            ("callers.prompt_chars_per_s", "must be a number > 0 and <= 1000, got 0"),
        ),
        (
            lambda r: r["callers"].update(voicemail_message={"distribution": "gamma"}),
            (
                "callers.voicemail_message.distribution",
                "must be one of exponential, fixed, lognormal, got 'gamma'",
            ),
        ),
        (
            lambda r: r["callers"].update(callback_rate=0.5),
            (
                "callers.callback_rate",
                "unknown key (allowed: callback_acceptance, callback_answer_rate, callback_no_answer_s, "
                "callback_preferred, prompt_chars_per_s, voicemail_acceptance, voicemail_message)",
            ),
        ),
    ],
)
def test_single_problems(change: Any, expected: tuple[str, str]):
    raw = ivr_day()
    change(raw)
    assert expected in problems(raw)


def test_every_problem_is_reported_at_once():
    raw = ivr_day()
    raw["callers"]["callback_preferred"] = 3
    raw["ivr"][0]["choices"]["vitejte"]["1"] = 0.5
    raw["ivr"][0]["choices"]["konec"] = {"1": 1}
    raw["queues"][0]["voicemail_key"] = "x"
    assert problems(raw) == [
        ("callers.callback_preferred", "must be a number >= 0 and <= 1, got 3"),
        ("queues[0].voicemail_key", "must be one DTMF key (0-9, * or #) or \"\" (not offered), got 'x'"),
        ("ivr[0].choices.vitejte", "the probabilities must add up to 1, they add up to 1.1"),
        ("ivr[0].choices.konec", "is a HangUp node; choices are for menu and collect_digits nodes"),
    ]


def test_a_tree_file_is_read_relative_to_the_scenario_and_its_problems_name_the_file(tmp_path: Path):
    (tmp_path / "ivr").mkdir()
    (tmp_path / "ivr" / "maly.json").write_text(json.dumps(SMALL_TREE), encoding="utf-8")
    raw = ivr_day()
    raw["ivr"][0]["tree"] = "ivr/maly.json"
    assert scenario_from(raw, base=tmp_path).ivr[0].tree.name == "maly"
    broken = {**SMALL_TREE, "start": "nikde"}
    (tmp_path / "ivr" / "maly.json").write_text(json.dumps(broken), encoding="utf-8")
    assert ("ivr[0].tree", "maly.json: start: no node 'nikde' in the tree") in problems(raw, tmp_path)
    (tmp_path / "ivr" / "maly.json").write_text("{", encoding="utf-8")
    ((path, reason),) = problems(raw, tmp_path)
    assert path == "ivr[0].tree" and reason.startswith("cannot read the IVR tree")
    raw["ivr"][0]["tree"] = "ivr/chybi.json"
    ((path, reason),) = problems(raw, tmp_path)
    assert path == "ivr[0].tree" and reason.startswith("no such IVR tree file:")


def test_an_inline_tree_in_toml(tmp_path: Path):
    text = """
name = "Inline"
start_date = 2025-03-04
duration_hours = 1

[[queues]]
id = 1
name = "Obecná linka"
arrivals_per_hour = 0
handling = 120

[[ivr]]
number = "800100"
arrivals_per_hour = 10

[ivr.tree]
name = "kratky"
version = 1
start = "menu"

[[ivr.tree.nodes]]
type = "menu"
id = "menu"
prompt = { text = "Stiskněte 1." }
choices = { "1" = "fronta" }

[[ivr.tree.nodes]]
type = "route_to_queue"
id = "fronta"
queue_ids = [1]

[ivr.choices]
menu = { "1" = 0.9, none = 0.1 }

[[agents]]
name = "Operátor"
count = 2
skills = [{ queue = 1 }]
"""
    path = tmp_path / "inline.toml"
    path.write_text(text, encoding="utf-8")
    scenario = load_scenario(path)
    assert scenario.ivr[0].tree.name == "kratky" and dict(scenario.ivr[0].choices["menu"].keys)["none"] == 0.1


def test_the_shipped_ozp_ivr_day_is_valid():
    scenario = load_scenario(Path(__file__).resolve().parents[2] / "scenarios" / "ozp-ivr-day.toml")
    assert [x.tree.name for x in scenario.ivr] == ["ozp-hlavni"]
    assert 2500 < scenario.calls_expected() < 3000
