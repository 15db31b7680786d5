"""The simulator's raw speed: an M/M/14 queue (200 calls an hour, exponential handling) run for a
month of simulated time in memory, without events kept, as the theory tests run it; and with
``--profile``, where the time goes (the top functions by own time, cProfile).

    .venv/bin/python bench/mm14_bench.py [--days 30] [--profile]

Prints JSON (never pass/fail): calls simulated, wall seconds, calls per second.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from apps.simulator.run import simulate
from tests.simulation.support import single_queue


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=float, default=30)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    scenario = single_queue(14, 200, args.days * 24, seed=1)
    profiler = cProfile.Profile() if args.profile else None
    started = time.perf_counter()
    if profiler is not None:
        profiler.enable()
    result = simulate(scenario)
    if profiler is not None:
        profiler.disable()
    seconds = time.perf_counter() - started
    calls = result.kpis()["total"]["offered"]
    out: dict[str, object] = {
        "scenario": "M/M/14, 200 calls/h",
        "simulated_days": args.days,
        "calls": calls,
        "seconds": round(seconds, 2),
        "calls_per_s": round(calls / seconds),
    }
    if profiler is not None:
        text = io.StringIO()
        stats = pstats.Stats(profiler, stream=text)
        total = sum(row[2] for row in stats.stats.values())  # type: ignore[attr-defined]
        rows = sorted(stats.stats.items(), key=lambda item: item[1][2], reverse=True)[:15]  # type: ignore[attr-defined]
        out["own_time_share"] = {
            f"{Path(file).name}:{line}:{name}": round(row[2] / total, 3) for (file, line, name), row in rows
        }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
