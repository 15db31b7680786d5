"""Routing decision latency of the ACD engine at scale: 1,000 agents, 100 queues, 5,000 waiting calls.

    .venv/bin/python bench/routing_bench.py [SAMPLES]

Times single engine calls that each make one routing decision (never pass/fail; JSON out):

- agent_ready_takes_head: an agent hangs up (no wrap-up) and at once gets the best head call among
  the queues of its skills, with 5,000 calls waiting in 100 queues and every agent busy;
- call_matched_to_ready_agent: a call arrives in a queue with about 40 ready agents and goes to the
  best of them, while 5,000 calls wait in the other half of the centre;
- call_matched_among_1000_ready: a call arrives in a queue every one of 1,000 ready agents serves
  (the start of a day): the worst case of the candidate pool.

Target of the ACD issue: p99 < 1 ms per decision.
"""

from __future__ import annotations

import gc
import itertools
import json
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kc_adapters.simulated_pbx import SimulatedPbx
from kc_adapters.system import FixedClock
from kc_domain.routing.agent import Agent, AgentState, Skill
from kc_domain.routing.config import QueueRouting
from kc_domain.routing.engine import RoutingEngine
from kc_domain.routing.policy import Strategy

AGENTS, QUEUES, WAITING, SKILLS = 1000, 100, 5000, 4
STRATEGIES = list(Strategy)


class Centre:
    """An engine on a fixed clock with a PBX that knows every call; calls are answered by hand."""

    def __init__(self, agents: list[Agent], queues: int, record_events: bool) -> None:
        self.clock = FixedClock(datetime(2025, 3, 4, 8, 0, tzinfo=UTC))
        self.pbx = SimulatedPbx(record_commands=False)
        routing = [
            QueueRouting(q, f"Fronta {q:03d}", strategy=STRATEGIES[q % 4], wrap_up_s=0)
            for q in range(1, queues + 1)
        ]
        self.engine = RoutingEngine(self.clock, routing, agents, self.pbx, record_events=record_events)
        self.ids = (f"c{n}" for n in itertools.count(1))
        self.rng = random.Random(3)

    def tick(self) -> None:
        self.clock.advance(seconds=1)
        self.engine.drain_events()
        self.engine.drain_decisions()

    def arrive(self, queue_id: int) -> str:
        call_id = next(self.ids)
        self.pbx.incoming(call_id, f"+420{600000000 + self.rng.randrange(10**8)}", str(queue_id))
        self.engine.call_arrived(call_id, self.pbx.calls[call_id].caller, str(queue_id), queue_id=queue_id)
        return call_id

    def answer(self, call_id: str) -> None:
        """The agent the call rings for picks up (nothing happens if it waits in the queue)."""
        agent_id = self.engine.calls[call_id].agent_id
        if agent_id is not None and self.pbx.pick_up(call_id, agent_id):
            self.engine.call_answered(call_id, agent_id)

    def fill(self, queues: range, waiting: int) -> None:
        """Calls until every agent of ``queues`` talks and ``waiting`` calls wait."""
        busy = 0
        while busy < waiting:
            call_id = self.arrive(self.rng.choice(queues))
            self.answer(call_id)
            busy += self.engine.calls[call_id].agent_id is None

    def log_in_all(self) -> None:
        for agent_id in self.engine.agents:
            self.engine.log_in(agent_id)
            self.engine.ready(agent_id)
            self.clock.advance(seconds=0.01)


def skilled(agent_id: int, queues: range, rng: random.Random) -> Agent:
    chosen = rng.sample(list(queues), SKILLS)
    return Agent(
        agent_id,
        f"Operátor {agent_id:04d}",
        {q: Skill(rng.randint(1, 10), i + 1) for i, q in enumerate(chosen)},
    )


def timed(samples: int, prepare: Callable[[], Callable[[], None]]) -> dict[str, float]:
    """``prepare`` sets up one decision (untimed) and returns the call to time."""
    gc.collect()
    times = []
    for _ in range(samples):
        action = prepare()
        start = time.perf_counter_ns()
        action()
        times.append((time.perf_counter_ns() - start) / 1000)
    times.sort()
    return {
        "n": samples,
        "p50_us": round(statistics.median(times), 1),
        "p99_us": round(times[int(0.99 * (samples - 1))], 1),
        "max_us": round(times[-1], 1),
    }


def agent_ready_takes_head(samples: int, record_events: bool) -> dict[str, float]:
    rng = random.Random(1)
    centre = Centre(
        [skilled(a, range(1, QUEUES + 1), rng) for a in range(1, AGENTS + 1)], QUEUES, record_events
    )
    centre.log_in_all()
    centre.fill(range(1, QUEUES + 1), WAITING)
    assert all(a.state == AgentState.BUSY for a in centre.engine.agents.values())
    offered: list[str] = []

    def prepare() -> Callable[[], None]:
        for call_id in offered:  # the head call the previous agent took: answered
            centre.answer(call_id)
        offered.clear()
        centre.arrive(rng.randint(1, QUEUES))  # keep 5,000 waiting
        centre.tick()
        agent = centre.engine.agents[rng.randint(1, AGENTS)]
        call_id = agent.call_id
        centre.pbx.end(call_id)

        def hang_up() -> None:
            centre.engine.call_ended(call_id)
            offered.append(agent.call_id)

        return hang_up

    return timed(samples, prepare)


def call_matched_to_ready_agent(samples: int, record_events: bool) -> dict[str, float]:
    """Agents 1-500 serve queues 1-50 (swamped), agents 501-1000 serve queues 51-100 (quiet)."""
    rng, half = random.Random(2), QUEUES // 2
    agents = [skilled(a, range(1, half + 1), rng) for a in range(1, AGENTS // 2 + 1)]
    agents += [skilled(a, range(half + 1, QUEUES + 1), rng) for a in range(AGENTS // 2 + 1, AGENTS + 1)]
    centre = Centre(agents, QUEUES, record_events)
    centre.log_in_all()
    centre.fill(range(1, half + 1), WAITING)
    pending: list[str] = []

    def prepare() -> Callable[[], None]:
        for call_id in pending:  # the previous call: answered and over, its agent ready again
            centre.answer(call_id)
            centre.pbx.end(call_id)
            centre.engine.call_ended(call_id)
        pending.clear()
        centre.tick()
        queue_id = rng.randint(half + 1, QUEUES)
        return lambda: pending.append(centre.arrive(queue_id))

    return timed(samples, prepare)


def call_matched_among_all(samples: int, record_events: bool) -> dict[str, float]:
    rng = random.Random(4)
    agents = [Agent(a, f"Operátor {a:04d}", {1: Skill(rng.randint(1, 10), 1)}) for a in range(1, AGENTS + 1)]
    centre = Centre(agents, 1, record_events)
    centre.log_in_all()
    pending: list[str] = []

    def prepare() -> Callable[[], None]:
        for call_id in pending:
            centre.pbx.end(call_id)
            centre.engine.call_ended(call_id)
        pending.clear()
        centre.tick()
        return lambda: pending.append(centre.arrive(1))

    return timed(samples, prepare)


def main() -> None:
    samples = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    out: dict[str, object] = {
        "agents": AGENTS,
        "queues": QUEUES,
        "waiting_calls": WAITING,
        "skills_per_agent": SKILLS,
    }
    for record_events in (False, True):
        key = "with_events" if record_events else "without_events"
        out[key] = {
            "agent_ready_takes_head": agent_ready_takes_head(samples, record_events),
            "call_matched_to_ready_agent": call_matched_to_ready_agent(samples, record_events),
            "call_matched_among_1000_ready": call_matched_among_all(min(samples, 2000), record_events),
        }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
