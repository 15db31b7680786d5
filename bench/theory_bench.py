"""The simulator against Erlang C over many seeds: mean P(wait), ASA and service level with their
standard errors, for the five M/M/c scenarios of tests/simulation (2 to 200 agents).

    .venv/bin/python bench/theory_bench.py [SEEDS]

One run's ASA scatters widely at high agent counts (the queue drifts over several handling
times), which is why the tests check each call exactly against an FCFS replay and use 3-sigma
tolerances; averaging independent runs here shows the remaining gap is sampling noise. JSON out.
"""

from __future__ import annotations

import json
import math
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from apps.simulator.run import simulate
from kc_domain.staffing import erlang_c
from tests.simulation.support import HANDLING_S, single_queue

CASES = [(2, 20, 120_000), (10, 160, 40_000), (14, 200, 80_000), (50, 850, 30_000), (200, 3600, 20_000)]


def main() -> None:
    seeds = int(sys.argv[1]) if len(sys.argv) > 1 else 8
    started, out = time.perf_counter(), []
    for agents, per_hour, calls in CASES:
        hours = calls / per_hour
        runs = []
        for seed in range(1, seeds + 1):
            total = simulate(
                single_queue(agents, per_hour, hours, seed=seed, warmup_hours=0.03 * hours)
            ).kpis()["total"]
            runs.append((total["p_wait"], total["asa_s"], total["service_level"]))
        theory = erlang_c(per_hour / 3600, HANDLING_S, agents, 20)
        row: dict[str, object] = {"agents": agents, "calls_per_run": calls, "runs": seeds}
        for index, (name, expected) in enumerate(
            (("p_wait", theory.p_wait), ("asa_s", theory.asa_s), ("service_level", theory.service_level))
        ):
            values = [r[index] for r in runs]
            mean, error = statistics.mean(values), statistics.stdev(values) / math.sqrt(len(values))
            row[name] = {
                "erlang_c": round(expected, 4),
                "simulated_mean": round(mean, 4),
                "standard_error": round(error, 4),
                "deviation_in_errors": round((mean - expected) / error, 2),
            }
        out.append(row)
    print(json.dumps({"seconds": round(time.perf_counter() - started, 1), "cases": out}, indent=2))


if __name__ == "__main__":
    main()
