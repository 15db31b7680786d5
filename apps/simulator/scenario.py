"""A simulation scenario: queues with their traffic, robot agents with shifts; read from TOML.

``load_scenario`` checks the whole file before anything runs and raises one ``ScenarioError``
that lists every problem with its key path (array items are counted from 0: ``queues[0]`` is the
first queue). Times of day (shifts, the 24 hourly arrival rates) count hours from local midnight
(Europe/Prague) of ``start_date``; a run longer than a day repeats the hourly profile.

Calls arrive either at a queue (``[[queues]] arrivals_per_hour``) or at the dialled number of an IVR
tree (``[[ivr]] arrivals_per_hour``), where callers choose keys by the node's probabilities
(``[ivr.choices]``); ``[callers]`` says how they take the offers of a callback or voicemail while
waiting, and whether they answer when called back.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import attrs

from apps.simulator.checks import ScenarioError, read_toml
from apps.simulator.parse import parse_scenario
from kc_domain.ivr.model import IvrTree
from kc_domain.routing.agent import Agent, Skill
from kc_domain.routing.config import IvrDirectory, QueueRouting
from kc_domain.routing.engine import PRAGUE
from kc_domain.routing.policy import Strategy

__all__ = [
    "Callers",
    "Distribution",
    "IvrSpec",
    "NodeChoice",
    "Scenario",
    "ScenarioError",
    "load_scenario",
    "parse_scenario",
]


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
    announce_every_s: int = 0
    announce_position: bool = True
    announce_wait: bool = True
    callback_key: str = ""
    voicemail_key: str = ""

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
            announce_every_s=self.announce_every_s,
            announce_position=self.announce_position,
            announce_wait=self.announce_wait,
            callback_key=self.callback_key,
            voicemail_key=self.voicemail_key,
        )


@attrs.frozen
class NodeChoice:
    """What callers do when a menu or collect-digits node waits for them: ``keys`` are (key,
    probability) pairs adding up to 1, where the key is a menu key, ``digits`` (key in ``digits``),
    ``none`` (press nothing: the node times out) or ``hangup`` (abandon in the IVR)."""

    keys: tuple[tuple[str, float], ...]
    digits: str = ""

    def pick(self, u: float) -> str:
        """The key for a uniform random number ``u`` in [0, 1)."""
        for key, p in self.keys:
            if u < p:
                return key
            u -= p
        return self.keys[-1][0]


@attrs.frozen
class IvrSpec:
    number: str  # the dialled number that starts the tree
    tree: IvrTree
    arrivals_per_hour: tuple[float, ...]
    choices: Mapping[str, NodeChoice]  # by node id


@attrs.frozen
class Callers:
    callback_acceptance: float = 0.0  # presses the callback key at an announcement that offers it
    callback_preferred: float = 0.0  # then keys in a preferred time (else only #)
    voicemail_acceptance: float = 0.0  # presses the voicemail key at an announcement that offers it
    callback_answer_rate: float = 1.0  # answers the phone when called back
    callback_no_answer_s: float = 25.0  # an unanswered callback rings this long
    prompt_chars_per_s: float = 15.0  # a prompt of N characters plays N / rate seconds
    voicemail_message: Distribution = Distribution("fixed", 20.0)  # length of a message


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
    callers: Callers = Callers()
    ivr: tuple[IvrSpec, ...] = ()

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
        rates = [q.arrivals_per_hour for q in self.queues] + [x.arrivals_per_hour for x in self.ivr]
        hours = int(self.duration_hours)
        whole = sum(rate[h % 24] for rate in rates for h in range(hours))
        rest = self.duration_hours - hours
        return whole + rest * sum(rate[hours % 24] for rate in rates)

    def ivr_directory(self) -> IvrDirectory:
        return IvrDirectory.of([x.tree for x in self.ivr], {x.number: x.tree.name for x in self.ivr})

    @property
    def uses_flow(self) -> bool:
        """IVR trees, announcements, callbacks or voicemail: the run keeps their events for the report."""
        return bool(self.ivr) or any(
            q.announce_every_s or q.callback_key or q.voicemail_key for q in self.queues
        )


def load_scenario(path: str | Path) -> Scenario:
    """Read and check a TOML scenario; raises ScenarioError naming every problem."""
    path = Path(path)
    return scenario_from(read_toml(path), source=str(path), base=path.parent)


def scenario_from(raw: dict[str, Any], source: str = "", base: Path | None = None) -> Scenario:
    """``base``: where IVR tree files named in the scenario are (the scenario file's directory)."""
    problems, values = parse_scenario(raw, base)
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
            announce_every_s=q["announce_every_s"],
            announce_position=q["announce_position"],
            announce_wait=q["announce_wait"],
            callback_key=q["callback_key"],
            voicemail_key=q["voicemail_key"],
        )
        for q in v["queues"]
    )
    ivr = tuple(
        IvrSpec(
            x["number"],
            x["tree"],
            x["arrivals_per_hour"],
            {node: NodeChoice(c["keys"], c["digits"]) for node, c in x["choices"].items()},
        )
        for x in v["ivr"]
    )
    c = v["callers"]
    callers = Callers(
        callback_acceptance=c["callback_acceptance"],
        callback_preferred=c["callback_preferred"],
        voicemail_acceptance=c["voicemail_acceptance"],
        callback_answer_rate=c["callback_answer_rate"],
        callback_no_answer_s=c["callback_no_answer_s"],
        prompt_chars_per_s=c["prompt_chars_per_s"],
        voicemail_message=Distribution(**c["voicemail_message"]),
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
        callers=callers,
        ivr=ivr,
    )
