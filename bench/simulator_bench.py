"""A simulated day in memory: wall time and peak memory of ``kc simulate scenarios/ozp-day.toml``.

    .venv/bin/python bench/simulator_bench.py [SCENARIO] [--no-events]

Prints JSON (never pass/fail). The engine keeps every event in memory unless --no-events is given
(as ``kc simulate`` without --database does). Target of the ACD issue: a day in under 10 s.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from apps.simulator.run import simulate
from apps.simulator.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    record_events = "--no-events" not in sys.argv
    path = Path(args[0]) if args else ROOT / "scenarios" / "ozp-day.toml"
    scenario = load_scenario(path)
    started = time.perf_counter()
    sim = simulate(scenario, record_events=record_events)
    run_s = time.perf_counter() - started
    kpis = sim.kpis()
    total_s = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    figures = {
        "scenario": str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path),
        "calls": len(sim.traces),
        "agents": len(sim.engine.agents),
        "events_recorded": len(sim.engine.events),
        "decisions": sum(len(d) for d in sim.engine.decisions.values()),
        "loop_events": sim.loop.processed,
        "simulate_s": round(run_s, 2),
        "simulate_and_kpis_s": round(total_s, 2),
        "us_per_call": round(run_s / max(1, len(sim.traces)) * 1e6, 1),
        "peak_rss_mib": round(peak_kib / 1024, 1),
        "answered": kpis["total"]["answered"],
        "abandon_rate": kpis["total"]["abandon_rate"],
    }
    print(json.dumps(figures, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
