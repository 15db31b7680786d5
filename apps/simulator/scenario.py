"""A simulation scenario: queues with their traffic, robot agents with shifts; read from TOML.

``load_scenario`` checks the whole file before anything runs and raises one ``ScenarioError``
that lists every problem with its key path (array items are counted from 0: ``queues[0]`` is the
first queue). Times of day (shifts, the 24 hourly arrival rates) count hours from local midnight
(Europe/Prague) of ``start_date``; a run longer than a day repeats the hourly profile.
"""

from __future__ import annotations

import math
import random
import tomllib
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import attrs

from apps.simulator.checks import ScenarioError
from apps.simulator.parse import parse_scenario
from kc_domain.routing.agent import Agent, Skill
from kc_domain.routing.config import QueueRouting
from kc_domain.routing.engine import PRAGUE
from kc_domain.routing.policy import Strategy

__all__ = ["Distribution", "Scenario", "ScenarioError", "load_scenario", "parse_scenario"]


@attrs.frozen
class Distribution:
    """``fixed`` (mean_s exactly), ``exponential``, ``lognormal`` (mean_s, sd_s) or ``none`` (never)."""

    kind: str
    mean_s: float = 0.0
    sd_s: float = 0.0

    def sampler(self, rng: random.Random) -> Callable[[], float]:
        if self.kind == "none":
            return lambda: math.inf
        if self.kind == "fixed" or self.mean_s == 0:
            mean = self.mean_s
            return lambda: mean
        if self.kind == "exponential":
            rate = 1.0 / self.mean_s
            return lambda: rng.expovariate(rate)
        # lognormal with the given mean and standard deviation of the handling time itself
        sigma = math.sqrt(math.log1p((self.sd_s / self.mean_s) ** 2))
        mu = math.log(self.mean_s) - sigma * sigma / 2
        return lambda: rng.lognormvariate(mu, sigma)


@attrs.frozen
class QueueSpec:
    queue_id: int
    name: str
    strategy: Strategy
    wrap_up_s: int
    sl_threshold_s: int
    rona_timeout_s: int
    max_wait_s: int
    sticky_wait_s: int
    arrivals_per_hour: tuple[float, ...]  # 24 values, hour 0 = 00:00-01:00 local time
    handling: Distribution
    patience: Distribution

    def routing(self) -> QueueRouting:
        return QueueRouting(
            self.queue_id,
            self.name,
            strategy=self.strategy,
            wrap_up_s=self.wrap_up_s,
            sl_threshold_s=self.sl_threshold_s,
            rona_timeout_s=self.rona_timeout_s,
            max_wait_s=self.max_wait_s,
            sticky_wait_s=self.sticky_wait_s,
        )


@attrs.frozen
class AgentGroup:
    name: str
    names: tuple[str, ...]  # one robot agent per name
    skills: tuple[tuple[int, Skill], ...]  # (queue id, skill)
    shift_start_h: float
    shift_end_h: float


@attrs.frozen
class Robots:
    ring_time: Distribution  # from the ring to the robot's answer
    rona_probability: float  # the robot lets the call ring out
    rona_pause_s: float  # after a ring-no-answer the robot is ready again after this pause


@attrs.frozen
class Scenario:
    name: str
    seed: int
    start_date: date
    duration_hours: float
    warmup_hours: float  # calls arriving earlier are left out of the KPIs
    repeat_callers: float  # fraction of calls from a number that called before (sticky routing)
    queues: tuple[QueueSpec, ...]
    agents: tuple[AgentGroup, ...]
    robots: Robots

    @property
    def start(self) -> datetime:
        """Local midnight of the start date, in UTC."""
        midnight = datetime(self.start_date.year, self.start_date.month, self.start_date.day, tzinfo=PRAGUE)
        return midnight.astimezone(UTC)

    def with_seed(self, seed: int) -> Scenario:
        return attrs.evolve(self, seed=seed)

    def engine_agents(self) -> list[Agent]:
        """Robot agents numbered from 1 in the order of the file."""
        agents: list[Agent] = []
        for group in self.agents:
            for name in group.names:
                agents.append(Agent(len(agents) + 1, name, dict(group.skills)))
        return agents

    def shifts(self) -> list[tuple[int, float, float]]:
        """(agent id, shift start hour, shift end hour) for every robot."""
        out: list[tuple[int, float, float]] = []
        for group in self.agents:
            for _name in group.names:
                out.append((len(out) + 1, group.shift_start_h, group.shift_end_h))
        return out

    def calls_expected(self) -> float:
        hours = int(self.duration_hours)
        whole = sum(q.arrivals_per_hour[h % 24] for q in self.queues for h in range(hours))
        rest = self.duration_hours - hours
        return whole + rest * sum(q.arrivals_per_hour[hours % 24] for q in self.queues)


def load_scenario(path: str | Path) -> Scenario:
    """Read and check a TOML scenario; raises ScenarioError naming every problem."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScenarioError([("", f"no such scenario file: {path}")], str(path)) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ScenarioError([("", f"cannot read {path}: {error}")], str(path)) from None
    except tomllib.TOMLDecodeError as error:
        raise ScenarioError([("", f"not valid TOML: {error}")], str(path)) from None
    return scenario_from(raw, source=str(path))


def scenario_from(raw: dict[str, Any], source: str = "") -> Scenario:
    problems, values = parse_scenario(raw)
    if problems:
        raise ScenarioError(problems, source)
    return _build(values)


def _build(v: dict[str, Any]) -> Scenario:
    queues = tuple(
        QueueSpec(
            queue_id=q["id"],
            name=q["name"],
            strategy=Strategy(q["strategy"]),
            wrap_up_s=q["wrap_up_s"],
            sl_threshold_s=q["sl_threshold_s"],
            rona_timeout_s=q["rona_timeout_s"],
            max_wait_s=q["max_wait_s"],
            sticky_wait_s=q["sticky_wait_s"],
            arrivals_per_hour=q["arrivals_per_hour"],
            handling=Distribution(**q["handling"]),
            patience=Distribution(**q["patience"]),
        )
        for q in v["queues"]
    )
    groups = tuple(
        AgentGroup(
            g["name"],
            g["names"],
            tuple((s["queue"], Skill(s["level"], s["priority"])) for s in g["skills"]),
            g["shift"][0],
            g["shift"][1],
        )
        for g in v["agents"]
    )
    r = v["robots"]
    return Scenario(
        name=v["name"],
        seed=v["seed"],
        start_date=v["start_date"],
        duration_hours=v["duration_hours"],
        warmup_hours=v["warmup_hours"],
        repeat_callers=v["repeat_callers"],
        queues=queues,
        agents=groups,
        robots=Robots(Distribution(**r["ring_time"]), r["rona_probability"], r["rona_pause_s"]),
    )
