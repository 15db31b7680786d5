"""The dialler: progressive against predictive pacing on the same list and seed (OUT-05).

    .venv/bin/python bench/dialler_bench.py [--days 4] [--seed N] [--only poor-list]

Runs each campaign scenario (scenarios/campaign-*.toml: a small team with a good list, a large
team with a poor list, an answer rate that halves at noon) in both modes, four days each by
default (48 hours of dialling in 96 simulated hours), and prints JSON (never pass/fail): per
scenario and mode the occupancy, the abandon rate per day and its highest rolling 24-hour value,
live contacts per agent hour, attempts and list penetration; and whether the issue's targets were
met: predictive never above the cap on any day, over 0.9 occupancy for the large team on the poor
list, and never below progressive.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from apps.simulator.campaign import load_campaign
from apps.simulator.dialler import simulate_campaign
from apps.simulator.dialler_kpis import campaign_kpis
from kc_domain.outbound.pacing import PacingMode

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ("good-list", "poor-list", "noon-halving")


def run(name: str, days: int | None, seed: int | None) -> dict[str, Any]:
    scenario = load_campaign(ROOT / "scenarios" / f"campaign-{name}.toml")
    if days is not None:
        scenario = scenario.with_days(days)
    if seed is not None:
        scenario = scenario.with_seed(seed)
    out: dict[str, Any] = {
        "scenario": f"scenarios/campaign-{name}.toml",
        "name": scenario.name,
        "seed": scenario.seed,
        "agents": sum(g.count for g in scenario.agents),
        "simulated_hours": scenario.duration_hours,
        "dialling_hours": scenario.days * _dialling_hours(scenario),
        "abandon_cap": scenario.pacing.abandon_cap,
    }
    for mode in PacingMode:
        out[mode.value] = _figures(campaign_kpis(simulate_campaign(scenario.with_mode(mode))))
    out["progressive_closed_form"] = out["progressive"].pop("closed_form")
    out["predictive"].pop("closed_form")
    return out


def _dialling_hours(scenario: Any) -> float:
    """Hours of the day with at least one agent signed in."""
    hours = sorted((g.start_h, g.end_h) for g in scenario.agents)
    total, reach = 0.0, 0.0
    for start, end in hours:
        total += max(0.0, end - max(start, reach))
        reach = max(reach, end)
    return total


def _figures(k: dict[str, Any]) -> dict[str, Any]:
    rates = k["abandon_rate"]
    return {
        "occupancy": k["occupancy"],
        "abandon_rate": rates["run"],
        "abandon_rate_worst_day": max(d["abandon_rate"] or 0.0 for d in rates["days"]),
        "abandon_rate_rolling_24h_max": rates["rolling_24h"]["max"],
        "live_contacts_per_agent_hour": k["live_contacts_per_agent_hour"],
        "attempts": k["attempts"]["total"],
        "live_answers": k["live_answers"],
        "abandoned": k["abandoned"],
        "list_penetration": k["list"]["penetration"],
        "occupancy_by_day": [d["occupancy"] for d in rates["days"]],
        "abandon_rate_by_day": [d["abandon_rate"] for d in rates["days"]],
        "abandon_rate_by_hour": _by_hour(k["pacing"]["history"]),
        "closed_form": k["progressive_occupancy"],
        "wall_s": k["wall_s"],
    }


def _by_hour(history: list[dict[str, Any]]) -> dict[str, float | None]:
    """Abandons over live answers per local hour of the day, over all days (from the history, whose
    rows count the interval that ends at their time)."""
    live: dict[str, int] = {}
    abandoned: dict[str, int] = {}
    for row in history:
        hh, mm = int(row["at"][11:13]), int(row["at"][14:16])
        hour = f"{(hh - 1) % 24 if mm == 0 else hh:02d}"
        live[hour] = live.get(hour, 0) + row["live"]
        abandoned[hour] = abandoned.get(hour, 0) + row["abandoned"]
    return {h: round(abandoned[h] / live[h], 4) if live[h] else None for h in sorted(live) if live[h]}


def targets(results: list[dict[str, Any]]) -> dict[str, bool | None]:
    cap = {r["name"]: r["abandon_cap"] for r in results}
    poor = [r for r in results if r["scenario"].endswith("poor-list.toml")]
    return {
        "predictive_within_the_cap_every_day": all(
            r["predictive"]["abandon_rate_worst_day"] <= cap[r["name"]] for r in results
        ),
        "predictive_within_the_cap_over_every_rolling_24h": all(
            r["predictive"]["abandon_rate_rolling_24h_max"] <= cap[r["name"]] for r in results
        ),
        "poor_list_large_team_occupancy_over_0.9": (
            all(r["predictive"]["occupancy"] > 0.9 for r in poor) if poor else None
        ),
        "predictive_never_below_progressive": all(
            p >= q
            for r in results
            for p, q in zip(
                r["predictive"]["occupancy_by_day"], r["progressive"]["occupancy_by_day"], strict=True
            )
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=None, help="days to run (default: the scenario's)")
    parser.add_argument("--seed", type=int, default=None, help="override the scenarios' seeds")
    parser.add_argument("--only", choices=SCENARIOS, action="append", help="run only these scenarios")
    args = parser.parse_args()
    results = [run(name, args.days, args.seed) for name in args.only or SCENARIOS]
    print(json.dumps({"scenarios": results, "targets": targets(results)}, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
