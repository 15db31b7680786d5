"""The dialler through the engine itself: a campaign scenario run by ``RoutingEngine`` with its dialler
(``kc_domain/routing/dialler.py``), on a virtual clock, against a PBX that plays the scenario's
callees (OUT-01, OUT-05).

    .venv/bin/python bench/dialler_engine_bench.py [--scenario poor-list] [--days 1] [--seed N]

Unlike ``bench/dialler_bench.py``, which runs the pacing policy in the simulator's own model, this
runs the production code path: the hopper fed as the host feeds it (``HopperNeeds``, ``FillHopper``
every second), ``dial_out``, live answers queued and put through to an agent whose phone answers
by itself, the 2-second rule with the information message, the PBX's outcomes, wrap-up by the
queue's time. It prints JSON (never pass/fail) per mode: occupancy (talk and wrap-up over signed-in
time), abandon rate per day and the highest rolling 24-hour value, live contacts per agent hour,
attempts by outcome, and the engine's own cost: wall-clock seconds of engine work per simulated
hour and the slowest pacing round. The simulator's figures for the same scenario and seed are
printed beside them, so that the two can be compared.
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from apps.simulator.callees import callee
from apps.simulator.campaign import CampaignScenario, load_campaign
from apps.simulator.dialler import simulate_campaign
from apps.simulator.dialler_kpis import campaign_kpis
from apps.simulator.loop import US, EventLoop
from kc_domain.organisation.hours import OpeningHours
from kc_domain.outbound.pacing import PacingMode
from kc_domain.outbound.pacing_estimates import DialOutcome
from kc_domain.routing import commands as cmd
from kc_domain.routing import dialler
from kc_domain.routing import events as ev
from kc_domain.routing import pbx_events as pbx
from kc_domain.routing.agent import Agent, AgentState, Skill
from kc_domain.routing.config import QueueRouting
from kc_domain.routing.engine import RoutingEngine

ROOT = Path(__file__).resolve().parents[1]
QUEUE, CAMPAIGN = 1, 1
PROMPT_S = 6.0  # the information message's length
CAUSES = {DialOutcome.BUSY: "busy", DialOutcome.INVALID: "invalid", DialOutcome.NO_ANSWER: "no_answer"}


class PlayedPbx:
    """The scenario's callees behind ``CallControl``: each dialled number answers, fails or rings
    out as ``apps.simulator.callees.callee`` draws it; a callee put through talks, then hangs up."""

    def __init__(self, loop: EventLoop, scenario: CampaignScenario) -> None:
        self.loop, self.scenario = loop, scenario
        self.engine: RoutingEngine | None = None
        self.numbers: dict[str, int] = {}  # E.164 -> the list's number
        self.talk: dict[str, float] = {}  # call -> the talk its callee has in them
        self.ended: set[str] = set()

    def _report(self, event: pbx.PbxEvent) -> None:
        if event.call_id not in self.ended:
            assert self.engine is not None
            self.engine.on_pbx(event)

    def _now(self) -> Any:
        return self.loop.clock.now()

    def dial_out(self, call_id: str, number: str, caller_id: str, ring_s: int) -> None:
        drawn = callee(self.scenario, self.numbers[number], self.loop.now_us / US)
        self.talk[call_id] = drawn.talk_s
        at = self.loop.now_us + round(drawn.after_s * US)
        if drawn.outcome in (DialOutcome.LIVE, DialOutcome.MACHINE):
            machine = drawn.outcome == DialOutcome.MACHINE
            self.loop.at(at, lambda: self._report(pbx.CalledPartyAnswered(self._now(), call_id, machine)))
        else:
            cause = CAUSES[drawn.outcome]
            self.loop.at(at, lambda: self._end(call_id, cause))

    def answer_at_phone(self, call_id: str, agent_id: int) -> None:  # the callee talks, then hangs up
        self.loop.after(self.talk.get(call_id, 60.0), lambda: self._end(call_id, "normal"))

    def play(self, call_id: str, prompt: str) -> None:
        self.loop.after(PROMPT_S, lambda: self._report(pbx.PromptFinished(self._now(), call_id)))

    def hang_up(self, call_id: str, cause: str) -> None:
        self.ended.add(call_id)

    def _end(self, call_id: str, cause: str) -> None:
        self._report(pbx.CallHungUpAtPbx(self._now(), call_id, cause))
        self.ended.add(call_id)

    def __getattr__(self, name: str) -> Any:  # ring_agent, recording...: nothing for the bench
        return lambda *args, **kwargs: None


def engine_run(scenario: CampaignScenario) -> dict[str, Any]:
    loop = EventLoop(scenario.start)
    played = PlayedPbx(loop, scenario)
    wrap_s = round(scenario.wrap_up.mean_s)
    queue = QueueRouting(QUEUE, name="kampaň", hours=OpeningHours.always_open(), wrap_up_s=wrap_s)
    shifts = [(a, s) for s in scenario.agents for a in range(s.count)]
    agents = [Agent(n, name=f"agent {n}", skills={QUEUE: Skill()}) for n in range(1, len(shifts) + 1)]
    engine = RoutingEngine(loop.clock, [queue], agents, played)
    played.engine = engine
    mode = scenario.mode.value
    campaign = dialler.DiallerCampaign(
        CAMPAIGN, scenario.name, QUEUE, mode, abandon_cap=scenario.pacing.abandon_cap
    )
    engine.handle(cmd.UseCampaigns((campaign,)))
    numbers = itertools.count(1)
    busy_s, rounds = 0.0, []
    original = dialler.pace_all

    def timed_pace(s: Any) -> None:
        started = time.perf_counter()
        original(s)
        rounds.append(time.perf_counter() - started)

    dialler.pace_all = timed_pace
    try:
        for agent_id, (_n, shift) in enumerate(shifts, start=1):
            for day in range(scenario.days):
                base = day * 86_400
                loop.at(round((base + shift.start_h * 3600) * US), _start_shift, engine, agent_id)
                loop.at(round((base + shift.end_h * 3600) * US), _end_shift, loop, engine, agent_id)

        def feed() -> None:
            for campaign_id, count in engine.handle(cmd.HopperNeeds()).items():
                contacts = []
                for _ in range(count):
                    n = next(numbers)
                    phone = f"+42060{n:07d}"
                    played.numbers[phone] = n
                    contacts.append(dialler.HopperContact(n, phone))
                engine.handle(cmd.FillHopper(campaign_id, tuple(contacts)))
            engine.drain_returned()
            loop.after(1.0, feed)

        loop.after(0.0, feed)
        end_us = round(scenario.duration_hours * 3600 * US)
        intervals = Intervals(scenario.start)
        tick_at: set[int] = set()

        def after_each() -> None:
            nonlocal busy_s
            started = time.perf_counter()
            engine.tick()
            busy_s += time.perf_counter() - started
            intervals.take(engine.drain_events())
            engine.drain_decisions()
            due = engine.next_due()
            if due is not None:
                t_us = max(loop.to_us(due), loop.now_us)
                if t_us not in tick_at:
                    tick_at.add(t_us)
                    loop.at(t_us, lambda: None)

        started = time.perf_counter()
        loop.run(end_us, after_each)
        wall = time.perf_counter() - started
    finally:
        dialler.pace_all = original
    (view,) = dialler.dialler_view(engine, loop.clock.now()) or [{}]
    return intervals.figures(scenario, view) | {
        "engine": {
            "wall_s": round(wall, 1),
            "engine_s_per_simulated_hour": round(wall / scenario.duration_hours, 3),
            "pacing_rounds": len(rounds),
            "pacing_round_ms_p50": round(statistics.median(rounds) * 1000, 3) if rounds else None,
            "pacing_round_ms_p99": round(sorted(rounds)[int(len(rounds) * 0.99)] * 1000, 3)
            if rounds
            else None,
            "pacing_round_ms_max": round(max(rounds) * 1000, 3) if rounds else None,
            "events_processed": loop.processed,
        }
    }


def _start_shift(engine: RoutingEngine, agent_id: int) -> None:
    engine.log_in(agent_id)
    engine.sign_in(agent_id, QUEUE)
    engine.ready(agent_id)


def _end_shift(loop: EventLoop, engine: RoutingEngine, agent_id: int) -> None:
    """She leaves once her call and wrap-up are over (a pause first, so no new call reaches her)."""
    agent = engine.agents[agent_id]
    if agent.state in (AgentState.READY, AgentState.PAUSED):
        engine.log_out(agent_id)
    else:
        loop.after(5.0, _end_shift, loop, engine, agent_id)


class Intervals:
    """Agents' time by state and the dialler's outcomes, folded from the engine's events."""

    def __init__(self, start: Any) -> None:
        self.start = start
        self.since: dict[int, tuple[str, Any]] = {}
        self.seconds: Counter[str] = Counter()
        self.outcomes: Counter[str] = Counter()
        self.answers: list[tuple[Any, bool]] = []  # (at, abandoned) of live answers
        self.dialled = 0

    def take(self, events: list[ev.Event]) -> None:
        for e in events:
            if isinstance(e, ev.AgentStateChanged):
                previous = self.since.get(e.agent_id)
                if previous is not None:
                    self.seconds[previous[0]] += (e.at - previous[1]).total_seconds()
                self.since[e.agent_id] = (e.state, e.at)
            elif isinstance(e, ev.CallDialled) and e.agent_id is None:
                self.dialled += 1
            elif isinstance(e, ev.CallAttemptEnded):
                self.outcomes[e.outcome] += 1
                if e.outcome == "abandoned":
                    self.answers.append((e.at, True))
            elif isinstance(e, ev.CallCampaignConnected):
                self.outcomes["connected"] += 1
                self.answers.append((e.at, False))

    def figures(self, scenario: CampaignScenario, view: dict[str, Any]) -> dict[str, Any]:
        signed_in = sum(s for state, s in self.seconds.items() if state != "logged_out")
        working = self.seconds["busy"] + self.seconds["wrap_up"] + self.seconds["ringing"]
        by_day: dict[int, list[bool]] = {}
        for at, abandoned in self.answers:
            by_day.setdefault((at - self.start).days, []).append(abandoned)
        days = {d: sum(a) / len(a) for d, a in sorted(by_day.items()) if a}
        window = 0.0
        answers = sorted(self.answers)
        lo = 0
        for hi, (at, _a) in enumerate(answers):
            while (at - answers[lo][0]).total_seconds() > 86_400:
                lo += 1
            span = answers[lo : hi + 1]
            if len(span) >= 100:  # a rate over fewer live answers says little
                window = max(window, sum(a for _, a in span) / len(span))
        live = len(self.answers)
        return {
            "occupancy": round(working / signed_in, 3) if signed_in else None,
            "abandon_rate_by_day": {str(d): round(r, 4) for d, r in days.items()},
            "abandon_rate_24h_max": round(window, 4),
            "live_contacts_per_agent_hour": round(self.outcomes["connected"] / (signed_in / 3600), 2),
            "attempts": self.dialled,
            "live_answers": live,
            "outcomes": dict(sorted(self.outcomes.items())),
            "risk_threshold_at_end": view.get("risk_threshold"),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="poor-list")
    parser.add_argument("--days", type=int, default=1)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    scenario = load_campaign(ROOT / "scenarios" / f"campaign-{args.scenario}.toml").with_days(args.days)
    if args.seed is not None:
        scenario = scenario.with_seed(args.seed)
    out: dict[str, Any] = {"scenario": f"scenarios/campaign-{args.scenario}.toml", "days": args.days}
    for mode in PacingMode:
        run = scenario.with_mode(mode)
        simulated = campaign_kpis(simulate_campaign(run))
        out[mode.value] = {
            "engine": engine_run(run),
            "simulator": {
                k: simulated.get(k) for k in ("occupancy", "abandon_rate", "live_contacts_per_agent_hour")
            },
        }
    print(json.dumps(out, indent=2, ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()
