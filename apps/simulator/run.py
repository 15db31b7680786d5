"""One simulation run: the real RoutingEngine on a virtual clock, the simulated PBX and the world.

Arrivals stop at the end of the scenario's duration; the run goes on until the last caller has
been served or has hung up (at most ``DRAIN_HOURS`` longer), so that every call ends exactly once.
"""

from __future__ import annotations

import time
from typing import Any

import attrs

from apps.simulator.kpis import CallRecord, compute_kpis
from apps.simulator.loop import US, EventLoop
from apps.simulator.scenario import Scenario
from apps.simulator.world import CallTrace, Session, World
from kc_adapters.simulated_pbx import SimulatedPbx
from kc_domain.routing.call import Call
from kc_domain.routing.engine import RoutingEngine
from kc_ports.journal import ContactJournal

DRAIN_HOURS = 24
FLUSH_EVERY = 5_000  # events per journal transaction


@attrs.define(eq=False)
class Simulation:
    scenario: Scenario
    engine: RoutingEngine
    pbx: SimulatedPbx
    loop: EventLoop
    traces: dict[str, CallTrace]
    sessions: list[Session]
    unfinished: set[str]
    wall_s: float
    journaled: int = 0  # events written to the journal

    def records(self) -> list[CallRecord]:
        thresholds = {q.queue_id: q.sl_threshold_s for q in self.scenario.queues}
        calls = self.engine.calls
        return [self._record(calls[call_id], trace, thresholds) for call_id, trace in self.traces.items()]

    def kpis(self) -> dict[str, Any]:
        s = self.scenario
        figures = compute_kpis(
            start=self.loop.start,
            duration_s=s.duration_hours * 3600,
            warmup_s=s.warmup_hours * 3600,
            queues=[(q.queue_id, q.name, q.sl_threshold_s) for q in s.queues],
            calls=self.records(),
            sessions=[(x.login_us / US, x.logout_us / US) for x in self.sessions],
        )
        head = {
            "scenario": s.name,
            "seed": s.seed,
            "start": self.loop.start.isoformat(),
            "duration_hours": s.duration_hours,
            "warmup_hours": s.warmup_hours,
            "agents": len(self.engine.agents),
        }
        checks = {
            "calls": len(self.traces),
            "pbx_rejections": len(self.pbx.rejected),
            "ignored_pbx_events": len(self.engine.ignored),
        }
        return {**head, **figures, "checks": checks}

    def _record(self, call: Call, trace: CallTrace, thresholds: dict[int, int]) -> CallRecord:
        to_s = self.loop.to_us
        arrived = trace.arrived_us / US
        assert call.ended_at is not None and call.end is not None
        ended = to_s(call.ended_at) / US
        answered = None if call.answered_at is None else to_s(call.answered_at) / US
        wait = (answered if answered is not None else ended) - arrived
        return CallRecord(
            queue_id=trace.queue_id,
            arrived_s=arrived,
            delayed=trace.first_ring_us != trace.arrived_us,
            wait_s=wait,
            answered=answered is not None,
            end="unfinished" if call.call_id in self.unfinished else call.end.value,
            talk=None if answered is None else (answered, ended),
            rona=call.rona_count,
            within_sl=answered is not None and wait <= thresholds[trace.queue_id],
        )


def simulate(
    scenario: Scenario,
    *,
    record_events: bool = False,
    record_commands: bool = False,
    journal: ContactJournal | None = None,
) -> Simulation:
    """Run the scenario to its end; deterministic for a given scenario and seed.

    With ``record_events`` the engine keeps every event in ``engine.events``; with a ``journal`` they
    are written there instead, in transactions of about ``FLUSH_EVERY`` events, with the decisions.
    """
    started = time.perf_counter()
    loop = EventLoop(scenario.start)
    pbx = SimulatedPbx(record_commands=record_commands)
    engine = RoutingEngine(
        loop.clock,
        [q.routing() for q in scenario.queues],
        scenario.engine_agents(),
        pbx,
        record_events=record_events or journal is not None,
    )
    world = World(scenario, engine, pbx, loop)
    written = 0

    def flush() -> None:
        nonlocal written
        decisions = engine.drain_decisions()  # drained in any case: the engine keeps them twice
        if journal is not None:
            events = engine.drain_events()
            journal.record(events, decisions)
            written += len(events)

    def after_each() -> None:
        world.after_each()
        if journal is not None and len(engine.events) >= FLUSH_EVERY:
            flush()

    world.start()
    loop.run(world.end_us + DRAIN_HOURS * 3600 * US, after_each if journal is not None else world.after_each)
    world.finish()
    flush()
    wall = time.perf_counter() - started
    return Simulation(
        scenario, engine, pbx, loop, world.traces, world.sessions, world.unfinished, wall, written
    )
