"""The simulator with the real engine against queueing theory: Erlang C (M/M/c) and Erlang A (M/M/c+M).

Two kinds of evidence, on the same runs (ring time 0, no ring-no-answer, exponential handling):

1. Exactness. Each run is replayed through a first-come-first-served recursion (reference.py) with
   the run's own arrival instants, patience and busy times: every call's outcome and wait must be
   the same to the microsecond. This shows, for 2 to 200 agents, that the engine never leaves an
   agent idle while a call waits, serves in arrival order and abandons exactly on time.
2. Statistics. P(wait), ASA, service level and abandon rate against the Erlang formulas, the first
   3 % of the run discarded as warm-up. The tolerances are the target ones (P(wait), service level
   and abandon rate within 0.02, ASA within 5 %) or, where the run cannot be that precise, three
   standard deviations of the estimate (``sd``: measured over 24 seeds with
   ``python -m tests.simulation.reference``). Loaded queues are strongly autocorrelated, over
   periods of a few handling times whatever the number of agents, so at 50 and 200 agents even
   hours of traffic pin ASA down only loosely; the exactness check carries the weight there.
"""

from __future__ import annotations

import functools
from typing import Any

import attrs
import pytest

from apps.simulator.loop import US
from apps.simulator.run import simulate
from kc_domain.staffing import erlang_a, erlang_c

from .reference import fcfs
from .support import HANDLING_S, single_queue

pytestmark = [pytest.mark.req("IN-01"), pytest.mark.req("IN-22")]


@attrs.frozen
class Case:
    agents: int
    per_hour: float
    calls: int
    patience_s: float | None = None
    wrap_up_s: int = 0
    sd: tuple[float, float, float, float] = (0, 0, 0, 0)  # P(wait), ASA (relative), SL, abandon rate

    @property
    def name(self) -> str:
        load = self.per_hour * HANDLING_S / 3600 / self.agents
        extra = f"-patience{self.patience_s:g}" if self.patience_s else ""
        extra += f"-wrapup{self.wrap_up_s}" if self.wrap_up_s else ""
        return f"{self.agents}agents-load{load:.2f}{extra}"

    def tolerance(self, index: int, target: float) -> float:
        return max(target, 3 * self.sd[index])


ERLANG_C = [
    Case(2, 20, 120_000, sd=(0.0031, 0.023, 0.0033, 0)),  # occupancy 0.5
    Case(10, 160, 40_000, sd=(0.0167, 0.124, 0.0170, 0)),  # 0.8
    Case(14, 200, 80_000, sd=(0.0079, 0.094, 0.0070, 0)),  # 100 calls / 30 min of 180 s: 10 erlangs, 0.71
    Case(50, 850, 30_000, sd=(0.0284, 0.286, 0.0217, 0)),  # 0.85
    Case(200, 3600, 20_000, sd=(0.0460, 0.741, 0.0128, 0)),  # 0.9
]
ERLANG_A = [
    Case(2, 40, 25_000, patience_s=300, sd=(0.0064, 0.0249, 0.0070, 0.0050)),  # offered load 1.0
    Case(20, 440, 25_000, patience_s=120, sd=(0.0130, 0.0427, 0.0136, 0.0059)),  # overloaded: 1.1
    Case(100, 2000, 25_000, patience_s=180, sd=(0.0434, 0.138, 0.0284, 0.0054)),  # 1.0
]
WRAP_UP = Case(14, 180, 15_000, patience_s=240, wrap_up_s=12)  # busy = talk + wrap-up


@functools.cache
def run(case: Case) -> tuple[dict[str, Any], list[tuple[int, int, int]], list[tuple[bool, int]]]:
    """The run's KPIs, its calls as (arrived, patience, busy time) and the outcomes it produced."""
    hours = case.calls / case.per_hour
    scenario = single_queue(
        case.agents,
        case.per_hour,
        hours,
        warmup_hours=0.03 * hours,
        patience_s=case.patience_s,
        wrap_up_s=case.wrap_up_s,
    )
    sim = simulate(scenario)
    inputs, outcomes = [], []
    for call_id, trace in sim.traces.items():
        call = sim.engine.calls[call_id]
        assert call.ended_at is not None
        ended = sim.loop.to_us(call.ended_at)
        if call.answered_at is None:
            busy, outcome = -1, (False, ended - trace.arrived_us)
        else:
            answered = sim.loop.to_us(call.answered_at)
            busy, outcome = ended - answered + case.wrap_up_s * US, (True, answered - trace.arrived_us)
        inputs.append((trace.arrived_us, trace.patience_us, busy))
        outcomes.append(outcome)
    return sim.kpis()["total"], inputs, outcomes


@pytest.mark.parametrize("case", [*ERLANG_C, *ERLANG_A, WRAP_UP], ids=lambda c: c.name)
def test_every_wait_is_exactly_that_of_a_fcfs_queue(case: Case):
    _kpis, inputs, outcomes = run(case)
    expected = fcfs(case.agents, inputs)
    mismatches = [
        (n, got, want)
        for n, (got, want) in enumerate(zip(outcomes, expected, strict=True))
        if want is None or got != (want.answered, want.wait_us)
    ]
    assert mismatches[:5] == []
    assert len(outcomes) > 0.9 * case.calls


@pytest.mark.parametrize("case", ERLANG_C, ids=lambda c: c.name)
def test_m_m_c_matches_erlang_c(case: Case):
    kpis, _inputs, _outcomes = run(case)
    theory = erlang_c(case.per_hour / 3600, HANDLING_S, case.agents, 20)
    assert kpis["abandoned_in_queue"] == kpis["unfinished"] == 0
    assert kpis["p_wait"] == pytest.approx(theory.p_wait, abs=case.tolerance(0, 0.02))
    assert kpis["asa_s"] == pytest.approx(theory.asa_s, rel=case.tolerance(1, 0.05))
    assert kpis["service_level"] == pytest.approx(theory.service_level, abs=case.tolerance(2, 0.02))
    assert kpis["occupancy"] == pytest.approx(theory.occupancy, abs=0.02)


@pytest.mark.parametrize("case", ERLANG_A, ids=lambda c: c.name)
def test_m_m_c_with_impatient_callers_matches_erlang_a(case: Case):
    kpis, _inputs, _outcomes = run(case)
    assert case.patience_s is not None
    theory = erlang_a(case.per_hour / 3600, HANDLING_S, case.agents, case.patience_s, 20)
    assert kpis["abandon_rate"] == pytest.approx(theory.p_abandon, abs=0.02)
    assert kpis["p_wait"] == pytest.approx(theory.p_wait, abs=case.tolerance(0, 0.02))
    assert kpis["asa_s"] == pytest.approx(theory.mean_wait_answered_s, rel=case.tolerance(1, 0.05))
    assert kpis["service_level"] == pytest.approx(theory.service_level, abs=case.tolerance(2, 0.02))
    assert kpis["mean_wait_all_s"] == pytest.approx(theory.mean_wait_all_s, rel=case.tolerance(1, 0.05))
