"""The world around the ACD: Poisson callers with limited patience and robot agents on shifts.

Everything the world does reaches the engine the way a PBX's events would: first the simulated
PBX changes state, then the engine is told (``call_arrived``, ``call_answered``, ``call_ended``).
The engine's commands come back through the PBX's callbacks, and the world's reaction is always
*scheduled*, never run inside the engine's call.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable

import attrs

from apps.simulator.loop import US, EventLoop
from apps.simulator.scenario import QueueSpec, Scenario
from kc_adapters.simulated_pbx import SimulatedPbx
from kc_domain.routing.agent import RONA_PAUSE, AgentState
from kc_domain.routing.call import CallStage
from kc_domain.routing.engine import RoutingEngine

ABANDONED = "caller_abandoned"
SIMULATION_END = "simulation_end"  # still waiting when the run stopped; not an abandon
WAITING = (CallStage.QUEUED, CallStage.RINGING)


@attrs.define(slots=True)
class CallTrace:
    """What only the world knows of a call: its first queue, the caller's patience and when an
    agent's phone first rang (-1: never / infinite patience)."""

    queue_id: int
    arrived_us: int
    patience_us: int = -1
    first_ring_us: int = -1


@attrs.define(slots=True)
class Session:
    agent_id: int
    login_us: int
    logout_us: int = -1


class World:
    def __init__(self, scenario: Scenario, engine: RoutingEngine, pbx: SimulatedPbx, loop: EventLoop) -> None:
        self.scenario, self.engine, self.pbx, self.loop = scenario, engine, pbx, loop
        self.end_us = round(scenario.duration_hours * 3600 * US)
        self.traces: dict[str, CallTrace] = {}
        self.sessions: list[Session] = []
        self.leaving: set[int] = set()
        self.unfinished: set[str] = set()  # calls still waiting when the run stopped
        self._open: dict[int, Session] = {}
        self._tick_at: int | None = None
        self._callers: list[str] = []
        seed = scenario.seed
        self._arrival_rng = {
            q.queue_id: random.Random(f"{seed}/arrivals/{q.queue_id}") for q in scenario.queues
        }
        self._handling: dict[int, Callable[[], float]] = {
            q.queue_id: q.handling.sampler(random.Random(f"{seed}/handling/{q.queue_id}"))
            for q in scenario.queues
        }
        self._patience = {
            q.queue_id: q.patience.sampler(random.Random(f"{seed}/patience/{q.queue_id}"))
            for q in scenario.queues
        }
        self._caller_rng = random.Random(f"{seed}/callers")
        self._robot_rng = random.Random(f"{seed}/robots")
        self._ring_time = scenario.robots.ring_time.sampler(random.Random(f"{seed}/ring"))
        pbx.on("ring_agent", self._rung)
        pbx.on("cancel_ring", self._ring_cancelled)

    def start(self) -> None:
        for queue in self.scenario.queues:
            self._schedule_arrival(queue, 0.0)
        for agent_id, start_h, end_h in self.scenario.shifts():
            start_us = round(start_h * 3600 * US)
            end_us = round(end_h * 3600 * US)
            if start_us < self.end_us:
                self.loop.at(start_us, self._log_in, agent_id)
                if end_us < self.end_us:
                    self.loop.at(end_us, self._end_shift, agent_id)
                else:  # on duty when the calls stop: serve whoever still waits, then go
                    self.loop.at(self.end_us, self.leaving.add, agent_id)

    def after_each(self) -> None:
        """After every event: agents at the end of their shift log out once free; timers are due."""
        if self.leaving:
            self._let_go()
        due = self.engine.next_due()
        if due is not None:
            due_us = self.loop.to_us(due)
            if self._tick_at is None or due_us < self._tick_at:
                self._tick_at = due_us
                self.loop.at(due_us, self._tick)

    def finish(self) -> None:
        """End what is still going on when the run stops, so that every call ends exactly once."""
        for call in list(self.engine.calls.values()):
            if call.stage != CallStage.ENDED:
                if call.stage != CallStage.ANSWERED:
                    self.unfinished.add(call.call_id)
                self.pbx.end(call.call_id, SIMULATION_END)
                self.engine.call_ended(call.call_id, SIMULATION_END)
        for session in self._open.values():
            session.logout_us = self.loop.now_us
        self._open.clear()

    # -- callers -----------------------------------------------------------------------------------
    def _schedule_arrival(self, queue: QueueSpec, t_s: float) -> None:
        """Non-homogeneous Poisson arrivals with a rate constant within each hour: an exponential gap
        at the hour's rate, restarted at the hour's end (exact, since the exponential has no memory)."""
        rng, rates, end_s = self._arrival_rng[queue.queue_id], queue.arrivals_per_hour, self.end_us / US
        while t_s < end_s:
            hour = int(t_s // 3600)
            hour_end = min((hour + 1) * 3600.0, end_s)
            rate = rates[hour % 24] / 3600
            if rate > 0:
                t_s += rng.expovariate(rate)
                if t_s < hour_end:
                    self.loop.at(round(t_s * US), self._arrive, queue, t_s)
                    return
            t_s = hour_end

    def _arrive(self, queue: QueueSpec, t_s: float) -> None:
        call_id = f"c{len(self.traces) + 1}"
        caller = self._caller()
        self.traces[call_id] = trace = CallTrace(queue.queue_id, self.loop.now_us)
        self.pbx.incoming(call_id, caller, str(queue.queue_id))
        self.engine.call_arrived(call_id, caller, str(queue.queue_id), queue_id=queue.queue_id)
        patience = self._patience[queue.queue_id]()
        if patience != math.inf:
            trace.patience_us = round(patience * US)
            self.loop.at(self.loop.now_us + trace.patience_us, self._abandon, call_id)
        self._schedule_arrival(queue, t_s)

    def _caller(self) -> str:
        if self._callers and self._caller_rng.random() < self.scenario.repeat_callers:
            return self._caller_rng.choice(self._callers)
        number = f"+420{700_000_000 + len(self._callers)}"
        self._callers.append(number)
        return number

    def _abandon(self, call_id: str) -> None:
        if self.engine.calls[call_id].stage in WAITING:
            self.pbx.end(call_id, ABANDONED)
            self.engine.call_ended(call_id, ABANDONED)

    # -- robot agents ------------------------------------------------------------------------------
    def _log_in(self, agent_id: int) -> None:
        self.engine.log_in(agent_id)
        self._open[agent_id] = session = Session(agent_id, self.loop.now_us)
        self.sessions.append(session)
        self.engine.ready(agent_id)

    def _rung(self, call_id: str, agent_id: int) -> None:
        trace = self.traces.get(call_id)
        if trace is not None and trace.first_ring_us < 0:
            trace.first_ring_us = self.loop.now_us
        rona = self.scenario.robots.rona_probability
        if rona and self._robot_rng.random() < rona:
            return  # the robot lets it ring out; the engine's ring-no-answer timer takes over
        self.loop.after(self._ring_time(), self._answer, call_id, agent_id)

    def _answer(self, call_id: str, agent_id: int) -> None:
        if self.pbx.pick_up(call_id, agent_id):
            self.engine.call_answered(call_id, agent_id)
            queue_id = self.engine.calls[call_id].queue_id
            assert queue_id is not None
            self.loop.after(self._handling[queue_id](), self._hang_up, call_id)

    def _hang_up(self, call_id: str) -> None:
        if self.pbx.end(call_id, "normal"):  # not if the call left meanwhile (a transfer)
            self.engine.call_ended(call_id, "normal")

    def _ring_cancelled(self, _call_id: str, agent_id: int) -> None:
        self.loop.after(self.scenario.robots.rona_pause_s, self._back_from_rona, agent_id)

    def _back_from_rona(self, agent_id: int) -> None:
        agent = self.engine.agents[agent_id]
        if agent.state != AgentState.PAUSED or agent.pause_code != RONA_PAUSE or agent_id in self.leaving:
            return  # the ring was cancelled because the caller left, or the agent goes home
        assert agent.since is not None
        if self.loop.to_us(agent.since) + round(self.scenario.robots.rona_pause_s * US) <= self.loop.now_us:
            self.engine.ready(agent_id)

    def _end_shift(self, agent_id: int) -> None:
        """Sign out of every queue at once, finish the call in hand and its wrap-up, then log out."""
        for queue_id in sorted(self.engine.agents[agent_id].signed_in):
            self.engine.sign_out(agent_id, queue_id)
        self.leaving.add(agent_id)

    def _let_go(self) -> None:
        """Leaving agents log out once ready or paused. One still signed in (on duty when the calls
        stop) is ready only when nothing waits for them: a ready agent takes a waiting call at once."""
        for agent_id in sorted(self.leaving):
            state = self.engine.agents[agent_id].state
            if state in (AgentState.READY, AgentState.PAUSED):
                self.engine.log_out(agent_id)
                self._open.pop(agent_id).logout_us = self.loop.now_us
            if state in (AgentState.READY, AgentState.PAUSED, AgentState.LOGGED_OUT):
                self.leaving.discard(agent_id)

    def _tick(self) -> None:
        self._tick_at = None
        self.engine.tick()
