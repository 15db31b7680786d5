"""Callers and robot agents in real time against a running engine, so that ``kc demo`` is alive
and a human tester can work beside the robots (the robots answer only the calls rung to them)."""

from __future__ import annotations

import heapq
import itertools
import logging
import random
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

import attrs

from apps.engine.host import EngineHost
from kc_adapters.simulated_pbx import SimulatedPbx
from kc_domain.routing.agent import AgentState
from kc_domain.routing.call import CallStage

log = logging.getLogger("kc.traffic")


@attrs.frozen
class TrafficProfile:
    calls_per_hour: dict[int, float]  # queue id -> Poisson rate
    robots: frozenset[int]  # agent ids the robots play
    handling_mean_s: float = 90.0
    ring_s: float = 3.0
    patience_mean_s: float = 150.0


class LiveTraffic:
    def __init__(self, host: EngineHost, pbx: SimulatedPbx, profile: TrafficProfile, seed: int = 7) -> None:
        self._host, self._pbx, self._profile = host, pbx, profile
        self._rng = random.Random(seed)
        self._heap: list[tuple[float, int, Callable[..., None], tuple[Any, ...]]] = []
        self._seq = itertools.count()
        self._wake = threading.Condition()
        self._numbers = {q.queue_id: q.number for q in host.engine.queues.values()}
        pbx.on("ring_agent", self._rung)

    def start(self, stop: threading.Event) -> threading.Thread:
        for agent_id in self._profile.robots:
            self._host.apply(lambda e, a=agent_id: (e.log_in(a), e.ready(a)))
        for queue_id, rate in self._profile.calls_per_hour.items():
            if rate > 0 and self._numbers.get(queue_id):
                self._after(self._rng.expovariate(rate / 3600), self._arrive, queue_id)
        thread = threading.Thread(target=self._run, args=(stop,), name="kc-traffic", daemon=True)
        thread.start()
        return thread

    # -- the world's actions ---------------------------------------------------------------------
    def _arrive(self, queue_id: int) -> None:
        rate = self._profile.calls_per_hour[queue_id]
        self._after(self._rng.expovariate(rate / 3600), self._arrive, queue_id)
        call_id = f"demo-{next(self._seq)}-{self._rng.randrange(10**6):06d}"
        caller = f"+4207{self._rng.randrange(10**8):08d}"
        self._pbx.incoming(call_id, caller, self._numbers[queue_id])
        self._host.apply(lambda e: e.call_arrived(call_id, caller, self._numbers[queue_id]))
        self._after(self._rng.expovariate(1 / self._profile.patience_mean_s), self._give_up, call_id)

    def _rung(self, call_id: str, agent_id: int) -> None:
        if agent_id in self._profile.robots:  # runs inside the engine: only schedule
            self._after(self._profile.ring_s, self._pick_up, call_id, agent_id)

    def _pick_up(self, call_id: str, agent_id: int) -> None:
        call = self._host.engine.calls.get(call_id)
        if call is None or call.stage != CallStage.RINGING or call.agent_id != agent_id:
            return
        self._pbx.pick_up(call_id, agent_id)
        self._host.apply(lambda e: e.call_answered(call_id, agent_id))
        self._after(self._rng.expovariate(1 / self._profile.handling_mean_s), self._hang_up, call_id)

    def _hang_up(self, call_id: str) -> None:
        self._pbx.end(call_id)
        self._host.apply(lambda e: e.call_ended(call_id, "normal"))

    def _give_up(self, call_id: str) -> None:
        call = self._host.engine.calls.get(call_id)
        if call is not None and call.stage in (CallStage.QUEUED, CallStage.RINGING):
            self._pbx.end(call_id, "caller_abandoned")
            self._host.apply(lambda e: e.call_ended(call_id, "caller_abandoned"))

    # -- scheduling --------------------------------------------------------------------------------
    def _after(self, delay_s: float, action: Callable[..., None], *args: Any) -> None:
        with self._wake:
            heapq.heappush(self._heap, (time.monotonic() + delay_s, next(self._seq), action, args))
            self._wake.notify()

    def _run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            with self._wake:
                delay = self._heap[0][0] - time.monotonic() if self._heap else 1.0
                if delay > 0:
                    self._wake.wait(min(delay, 1.0))
                    continue
                _due, _seq, action, args = heapq.heappop(self._heap)
            try:
                action(*args)
            except Exception:  # one failed action must not stop the demo's traffic
                log.exception("traffic action %s failed", getattr(action, "__name__", action))


def demo_profile(host: EngineHost, humans: Iterable[int]) -> TrafficProfile:
    """Modest traffic on every queue; robots play every agent except the given humans."""
    rates = {q: 40.0 for q in host.engine.queues}
    robots = frozenset(
        a
        for a, agent in host.engine.agents.items()
        if a not in set(humans) and agent.state == AgentState.LOGGED_OUT
    )
    return TrafficProfile(rates, robots)
