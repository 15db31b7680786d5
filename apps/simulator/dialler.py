"""The dialler simulation: a campaign's list, its agents and the pacing policy on a virtual clock.

    scenario = load_campaign("scenarios/campaign-poor-list.toml")
    run = simulate_campaign(scenario)            # a DiallerRun; deterministic for a seed
    figures = campaign_kpis(run)                  # JSON-ready KPIs (dialler_kpis.py)

Agents sign in at the start of their shift and out at its end, or when their call and wrap-up are
over. The dialler asks the domain's pacing (``kc_domain.outbound.pacing.decide``) how many numbers
to dial whenever something changes (an agent is free again, an attempt ends, a person answers,
an abandon) and, in predictive mode, every ``interval_s`` in between. In progressive mode each call
is dialled for one free agent, who waits for it; in predictive mode a person who answers gets the
longest-free agent, or waits up to ``connect_within_s`` for one, then hears the information
message and the call counts as abandoned.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import datetime

import attrs

from apps.simulator.callees import Callee, callee
from apps.simulator.campaign import CampaignScenario
from apps.simulator.loop import US, EventLoop
from kc_domain.outbound.pacing import PacingDecision, PacingInputs, PacingMode, decide
from kc_domain.outbound.pacing_estimates import DialOutcome, PacingEstimator
from kc_domain.outbound.pacing_ledger import AbandonLedger

DAY_S = 86_400
DRAIN_S = 3600  # after the last day, time for the last calls and wrap-ups to end


@attrs.define(eq=False)
class SimAgent:
    agent_id: int
    name: str
    shift: tuple[float, float]  # hours of the day
    state: str = "off"  # off, free, reserved (progressive: waiting for its call), talk, wrap
    since_s: float = 0.0
    signed_in_s: float = 0.0
    leaves_s: float = 0.0  # the end of the current shift
    logged_in_s: float = 0.0  # totals over the run
    talk_s: float = 0.0
    wrap_s: float = 0.0
    contacts: int = 0


@attrs.define(eq=False)
class Attempt:
    number: int  # the list's n-th number; each is dialled once, so it also names the attempt
    dialled_s: float
    callee: Callee
    agent: SimAgent | None = None  # progressive: the agent waiting for it


@attrs.define(eq=False)
class DiallerRun:
    """The state of a run and, once it is over, its results (``dialler_kpis.campaign_kpis``)."""

    scenario: CampaignScenario
    loop: EventLoop
    agents: list[SimAgent]
    outcomes: Counter[str] = attrs.field(factory=Counter)
    dialled: int = 0
    connected: int = 0
    live_s: list[float] = attrs.field(factory=list)  # when each live answer came
    abandoned_s: list[float] = attrs.field(factory=list)  # when each abandon happened
    busy_by_day: dict[int, float] = attrs.field(factory=lambda: defaultdict(float))  # talk + wrap-up s
    signed_in_by_day: dict[int, float] = attrs.field(factory=lambda: defaultdict(float))
    dialled_by_day: Counter[int] = attrs.field(factory=Counter)
    decisions: int = 0
    history: list[dict[str, object]] = attrs.field(factory=list)
    explained: dict[int, PacingDecision] = attrs.field(factory=dict)  # by number, when asked for
    wall_s: float = 0.0


def simulate_campaign(scenario: CampaignScenario, *, explain: Iterable[int] = ()) -> DiallerRun:
    """Run the scenario to its end; ``explain``: numbers whose dialling decision is kept."""
    started = time.perf_counter()
    dialler = Dialler(scenario, set(explain))
    dialler.run()
    dialler.result.wall_s = time.perf_counter() - started
    return dialler.result


class Dialler:
    def __init__(self, scenario: CampaignScenario, explain: set[int]) -> None:
        s = self.s = scenario
        self.loop = EventLoop(s.start)
        agents = [
            SimAgent(0, f"{group.name} {n:02d}", (group.start_h, group.end_h))
            for group in s.agents
            for n in range(1, group.count + 1)
        ]
        for i, agent in enumerate(agents, 1):
            agent.agent_id = i
        self.result = DiallerRun(s, self.loop, agents)
        self.estimator = PacingEstimator(s.estimator)
        self.ledger = AbandonLedger(s.pacing.abandon_cap)
        self.free: dict[int, SimAgent] = {}  # in the order they became free: the first is longest free
        self.talking: dict[int, SimAgent] = {}
        self.wrapping: dict[int, SimAgent] = {}
        self.ringing: dict[int, Attempt] = {}
        self.waiting: dict[int, Attempt] = {}  # live answers waiting for an agent, oldest first
        self.signed_in = 0
        self.stay_s = s.callees.no_answer_after_s  # an agent leaving sooner takes no new call
        self.explain = explain
        self.last: PacingDecision | None = None
        self._dirty = False
        self._interval = Counter[str]()

    def run(self) -> None:
        s, loop = self.s, self.loop
        for day in range(s.days):
            for agent in self.result.agents:
                start, end = (day * DAY_S + h * 3600 for h in agent.shift)
                loop.after(start, self._sign_in, agent, end)
                loop.after(end, self._shift_over, agent)
        end_us = round(s.days * DAY_S * US)
        if s.mode == PacingMode.PREDICTIVE:
            loop.after(0, self._tick, end_us)
        loop.after(0, self._record_history, end_us)
        loop.run(end_us + DRAIN_S * US, self._after_each)

    # -- pacing --------------------------------------------------------------------------------
    def _after_each(self) -> None:
        """Decide once the events of this instant are all in (e.g. a whole shift signing in)."""
        if self._dirty and self.loop.next_us() != self.loop.now_us:
            self._dirty = False
            self._pace()

    def _tick(self, end_us: int) -> None:
        if self.signed_in:
            self._dirty = True
        if self.loop.now_us + self.s.interval_s * US < end_us:
            self.loop.after(self.s.interval_s, self._tick, end_us)

    def _pace(self) -> None:
        now = self.loop.now_us / US
        inputs = self._inputs(now)
        if inputs.agents == 0:
            return
        at = self.loop.clock.at
        decision = decide(
            self.s.mode,
            at,
            inputs,
            self.estimator.model(at),
            self.ledger.standing(at),
            self.s.pacing,
        )
        self.result.decisions += 1
        self.last = decision
        for _ in range(decision.dials):
            number = self._dial(now)
            if number in self.explain:
                self.result.explained[number] = decision

    def _inputs(self, now: float) -> PacingInputs:
        staying = now + self.stay_s
        free = sum(1 for a in self.free.values() if a.leaves_s > staying)
        if self.s.mode == PacingMode.PROGRESSIVE:
            free += len(self.ringing)  # each call out has its agent waiting for it
        return PacingInputs(
            free_agents=free,
            talking=tuple(now - a.since_s for a in self.talking.values() if a.leaves_s > staying),
            wrapping=tuple(now - a.since_s for a in self.wrapping.values() if a.leaves_s > staying),
            ringing=tuple(now - x.dialled_s for x in self.ringing.values()),
            waiting=len(self.waiting),
            numbers_left=self.s.list_size - self.result.dialled,
        )

    # -- attempts ------------------------------------------------------------------------------
    def _dial(self, now: float) -> int:
        r, s = self.result, self.s
        number = r.dialled
        r.dialled += 1
        r.dialled_by_day[int(now // DAY_S)] += 1
        self._interval["attempts"] += 1
        attempt = Attempt(number, now, callee(s, number, now))
        if s.mode == PacingMode.PROGRESSIVE:
            agent = next(a for a in self.free.values() if a.leaves_s > now + self.stay_s)
            del self.free[agent.agent_id]
            agent.state, attempt.agent = "reserved", agent
        self.ringing[number] = attempt
        self.loop.after(attempt.callee.after_s, self._resolved, attempt)
        return number

    def _resolved(self, attempt: Attempt) -> None:
        now, at = self.loop.now_us / US, self.loop.clock.at
        del self.ringing[attempt.number]
        self.estimator.attempt_ended(at, attempt.callee.outcome, attempt.callee.after_s)
        self.result.outcomes[attempt.callee.outcome] += 1
        agent = attempt.agent
        if attempt.callee.outcome != DialOutcome.LIVE:
            if agent is not None:  # progressive: the agent is free for another call at once
                self._free(agent, now)
            return  # predictive: the line is dialled again at the next tick
        self._dirty = True
        self.ledger.live_answer(at)
        self.result.live_s.append(now)
        self._interval["live"] += 1
        if agent is None and self.free:
            agent = self.free.pop(next(iter(self.free)))
        if agent is not None:
            self._connect(agent, attempt, now)
        else:
            self.waiting[attempt.number] = attempt
            self.loop.after(self.s.pacing.connect_within_s, self._give_up, attempt)

    def _give_up(self, attempt: Attempt) -> None:
        """No agent within the connect window: the callee hears the information message."""
        if self.waiting.pop(attempt.number, None) is None:
            return
        now = self.loop.now_us / US
        self.ledger.abandoned(self.loop.clock.at)
        self.result.abandoned_s.append(now)
        self._interval["abandoned"] += 1
        self._dirty = True

    # -- agents --------------------------------------------------------------------------------
    def _connect(self, agent: SimAgent, attempt: Attempt, now: float) -> None:
        agent.state, agent.since_s = "talk", now
        agent.contacts += 1
        self.result.connected += 1
        self.talking[agent.agent_id] = agent
        self.loop.after(attempt.callee.talk_s, self._talk_over, agent, attempt)

    def _talk_over(self, agent: SimAgent, attempt: Attempt) -> None:
        now = self._busy_over(agent, self.talking, attempt.callee.talk_s)
        agent.talk_s += attempt.callee.talk_s
        self.estimator.talk_ended(attempt.callee.talk_s)
        agent.state, agent.since_s = "wrap", now
        self.wrapping[agent.agent_id] = agent
        self.loop.after(attempt.callee.wrap_s, self._wrap_over, agent, attempt)

    def _wrap_over(self, agent: SimAgent, attempt: Attempt) -> None:
        now = self._busy_over(agent, self.wrapping, attempt.callee.wrap_s)
        agent.wrap_s += attempt.callee.wrap_s
        self.estimator.wrap_up_ended(attempt.callee.wrap_s)
        self._free(agent, now)

    def _busy_over(self, agent: SimAgent, phase: dict[int, SimAgent], seconds: float) -> float:
        now = self.loop.now_us / US
        del phase[agent.agent_id]
        self.result.busy_by_day[int(now // DAY_S)] += seconds
        return now

    def _free(self, agent: SimAgent, now: float) -> None:
        self._dirty = True
        if now >= agent.leaves_s:
            self._sign_out(agent, now)
        elif self.waiting:
            self._connect(agent, self.waiting.pop(next(iter(self.waiting))), now)
        else:
            agent.state, agent.since_s = "free", now
            self.free[agent.agent_id] = agent

    def _sign_in(self, agent: SimAgent, leaves_s: float) -> None:
        now = self.loop.now_us / US
        agent.signed_in_s, agent.leaves_s = now, leaves_s
        self.signed_in += 1
        self._free(agent, now)

    def _shift_over(self, agent: SimAgent) -> None:
        if agent.state == "free":
            del self.free[agent.agent_id]
            self._sign_out(agent, self.loop.now_us / US)
        # busy or waiting for a call: signs out when free again (_free)

    def _sign_out(self, agent: SimAgent, now: float) -> None:
        agent.state = "off"
        agent.logged_in_s += now - agent.signed_in_s
        self.result.signed_in_by_day[int(agent.signed_in_s // DAY_S)] += now - agent.signed_in_s
        self.signed_in -= 1

    # -- the pacing's history ------------------------------------------------------------------
    def _record_history(self, end_us: int) -> None:
        every = self.s.history_min * 60
        if self.signed_in or any(self._interval.values()):
            self.result.history.append(self._history_row())
        self._interval = Counter()
        if self.loop.now_us + every * US <= end_us:
            self.loop.after(every, self._record_history, end_us)

    def _history_row(self) -> dict[str, object]:
        at: datetime = self.loop.clock.at
        standing = self.ledger.standing(at)
        d = self.last
        p = d.prediction if d is not None else None
        model = self.estimator.model(at)
        return {
            "at": at.astimezone(self.ledger.zone).isoformat(timespec="minutes"),
            "signed_in": self.signed_in,
            "free": len(self.free),
            "ringing": len(self.ringing),
            "lines_per_agent": round(len(self.ringing) / self.signed_in, 2) if self.signed_in else 0.0,
            "risk_threshold": None if p is None else round(p.risk_threshold, 4),
            "allowance": round(standing.allowance, 2),
            "live_rate_estimate": round(model.live_rate, 4),
            "day_abandon_rate": _rounded(standing.day_rate),
            "rolling_24h_abandon_rate": _rounded(standing.window_rate),
            "attempts": self._interval["attempts"],
            "live": self._interval["live"],
            "abandoned": self._interval["abandoned"],
        }


def _rounded(rate: float | None) -> float | None:
    return None if rate is None else round(rate, 4)
