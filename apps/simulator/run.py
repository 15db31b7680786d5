"""One simulation run: the real RoutingEngine on a virtual clock, the simulated PBX and the world.

Arrivals stop at the end of the scenario's duration; the run goes on until the last caller has
been served or has hung up (at most ``DRAIN_HOURS`` longer), so that every call ends exactly once.
"""

from __future__ import annotations

import itertools
import time
import uuid
from collections.abc import Callable
from typing import Any

import attrs

from apps.simulator.kpis import FLOW_EVENTS, CallRecord, compute_kpis, flow_kpis
from apps.simulator.loop import US, EventLoop
from apps.simulator.scenario import Scenario
from apps.simulator.world import CallTrace, Session, World
from kc_adapters.simulated_pbx import SimulatedPbx
from kc_domain.routing import events as ev
from kc_domain.routing.call import Call
from kc_domain.routing.engine import RoutingEngine
from kc_ports.journal import EventLog

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
    flow_events: list[ev.Event] = attrs.field(factory=list)  # IVR, callback, voicemail events drained

    def records(self) -> list[CallRecord]:
        """One record per call that entered a queue (calls that stayed in the IVR have none)."""
        thresholds = {q.queue_id: q.sl_threshold_s for q in self.scenario.queues}
        calls = self.engine.calls
        return [
            self._record(calls[call_id], trace, thresholds)
            for call_id, trace in self.traces.items()
            if trace.queue_id
        ]

    def flow(self) -> list[ev.Event]:
        """The run's IVR, callback and voicemail events, whether drained or still in the engine."""
        return self.flow_events + [e for e in self.engine.events if isinstance(e, FLOW_EVENTS)]

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
            "ignored_pbx_events": self.engine.rejected,
        }
        if s.uses_flow:
            figures |= flow_kpis(
                self.flow(),
                trees=[x.tree.name for x in s.ivr],
                open_callbacks=len(self.engine.callbacks.open_list()),
            )
        return {**head, **figures, "checks": checks}

    def _record(self, call: Call, trace: CallTrace, thresholds: dict[int, int]) -> CallRecord:
        to_s = self.loop.to_us
        arrived = trace.queued_us / US  # entered the queue: at arrival, or when it left the IVR
        assert call.ended_at is not None and call.end is not None
        ended = to_s(call.ended_at) / US
        answered = None if call.answered_at is None else to_s(call.answered_at) / US
        wait = (answered if answered is not None else ended) - arrived
        return CallRecord(
            queue_id=trace.queue_id,
            arrived_s=arrived,
            delayed=trace.first_ring_us != trace.queued_us,
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
    journal: EventLog | None = None,
) -> Simulation:
    """Run the scenario to its end; deterministic for a given scenario and seed.

    With ``record_events`` the engine keeps every event in ``engine.events``; with a ``journal`` they
    are written there instead, in transactions of about ``FLUSH_EVERY`` events, with the decisions.
    A scenario with IVR trees, announcements, callbacks or voicemail records events in any case; the
    ones its report needs are kept in ``flow_events`` as the others are drained.
    """
    started = time.perf_counter()
    loop = EventLoop(scenario.start)
    pbx = SimulatedPbx(record_commands=record_commands)
    recording = record_events or journal is not None or scenario.uses_flow
    # ids kept in a database are unique for good: another run into the same journal must not reuse them
    prefix = f"sim-{uuid.uuid4().hex[:16]}-" if journal is not None else ""
    engine = RoutingEngine(
        loop.clock,
        [q.routing() for q in scenario.queues],
        scenario.engine_agents(),
        pbx,
        record_events=recording,
        ivr=scenario.ivr_directory(),
        new_id=_counter(f"{prefix}cb"),  # callback request ids: deterministic, unlike the default uuids
    )
    world = World(scenario, engine, pbx, loop, call_prefix=f"{prefix}c")
    written = 0
    flow: list[ev.Event] = []
    draining = recording and (journal is not None or not record_events)  # events leave as the run goes

    def flush() -> None:
        nonlocal written
        decisions = engine.drain_decisions()  # drained in any case: the engine keeps them twice
        if draining:
            events = engine.drain_events()
            flow.extend(e for e in events if isinstance(e, FLOW_EVENTS))
            if journal is not None:
                journal.record(events, decisions)
                written += len(events)

    def after_each() -> None:
        world.after_each()
        if len(engine.events) >= FLUSH_EVERY:
            flush()

    world.start()
    loop.run(world.end_us + DRAIN_HOURS * 3600 * US, after_each if draining else world.after_each)
    world.finish()
    flush()
    wall = time.perf_counter() - started
    return Simulation(
        scenario, engine, pbx, loop, world.traces, world.sessions, world.unfinished, wall, written, flow
    )


def _counter(prefix: str) -> Callable[[], str]:
    numbers = itertools.count(1)
    return lambda: f"{prefix}{next(numbers)}"
