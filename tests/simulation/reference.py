"""A reference FCFS multi-server queue (Kiefer-Wolfowitz recursion), independent of the engine.

With first-come-first-served order, agents that never idle while a call waits, and abandoning
callers who leave without occupying an agent, a call's wait follows from the arrivals alone:
it waits until the earliest moment an agent is free, unless its patience runs out first.
Given the same arrival instants, patience and busy times, the engine-driven simulation must
produce exactly these waits - a much sharper test than any statistical tolerance.

Run as a script to measure how much the simulated KPIs scatter between seeds (the standard
deviations behind the tolerances of test_theory.py):
    .venv/bin/python -m tests.simulation.reference 14 200 180 0 120000
"""

from __future__ import annotations

import heapq
import math
import random
import statistics
import sys
from collections.abc import Iterable

import attrs


@attrs.frozen
class Outcome:
    answered: bool
    wait_us: int  # until the answer, or until the caller hung up


def fcfs(agents: int, calls: Iterable[tuple[int, int, int]]) -> list[Outcome | None]:
    """``calls`` in arrival order as (arrived, patience or -1 for none, busy time or -1 if unknown),
    all in microseconds; busy time = talk + wrap-up. None where the reference would answer a call
    whose busy time is unknown (the simulation did not answer it: a mismatch for the caller)."""
    free = [0] * agents
    out: list[Outcome | None] = []
    for arrived, patience, busy in calls:
        wait = max(0, free[0] - arrived)
        if 0 <= patience < wait:
            out.append(Outcome(False, patience))
        elif busy < 0:
            out.append(None)
        else:
            heapq.heapreplace(free, arrived + wait + busy)
            out.append(Outcome(True, wait))
    return out


def replicate(
    agents: int, per_hour: float, handling_s: float, patience_s: float, calls: int, runs: int = 16
) -> dict[str, float]:
    """Standard deviations of P(wait), ASA (relative), service level (20 s) and abandon rate over
    ``runs`` independent runs of ``calls`` calls each (the first 3 % left out as warm-up)."""
    samples: dict[str, list[float]] = {"p_wait": [], "asa": [], "sl": [], "abandon": []}
    for seed in range(runs):
        rng, t, free = random.Random(seed), 0.0, [0.0] * agents
        delayed = abandoned = answered = within = 0
        waited = 0.0
        warm = int(calls * 0.03)
        for n in range(calls):
            t += rng.expovariate(per_hour / 3600)
            patience = rng.expovariate(1 / patience_s) if patience_s else math.inf
            wait = max(0.0, free[0] - t)
            counted = n >= warm
            delayed += counted and wait > 0
            if patience < wait:
                abandoned += counted
                continue
            heapq.heapreplace(free, t + wait + rng.expovariate(1 / handling_s))
            if counted:
                answered, waited, within = answered + 1, waited + wait, within + (wait <= 20)
        offered = calls - warm
        samples["p_wait"].append(delayed / offered)
        samples["asa"].append(waited / answered)
        samples["sl"].append(within / offered)
        samples["abandon"].append(abandoned / offered)
    asa = statistics.mean(samples["asa"])
    return {
        "p_wait": statistics.stdev(samples["p_wait"]),
        "asa_relative": statistics.stdev(samples["asa"]) / asa,
        "service_level": statistics.stdev(samples["sl"]),
        "abandon_rate": statistics.stdev(samples["abandon"]),
    }


if __name__ == "__main__":
    c, rate, handling, patience, n = sys.argv[1:6]
    print(replicate(int(c), float(rate), float(handling), float(patience), int(n)))
