"""A campaign scenario: an outbound list, agents in daily shifts, the dialling mode and a callee
model; read from TOML (a file with a ``[campaign]`` table; ``kc simulate`` tells the two kinds apart).

    name = "Velký tým, slabý seznam"
    seed = 20
    start_date = 2025-03-03
    days = 4                          # whole days from local midnight of start_date

    [campaign]
    mode = "predictive"               # or "progressive"
    abandon_cap = 0.03                # abandons over live answers, per day and rolling 24 h
    list_size = 400000
    no_answer_after_s = 25            # the no-answer cut-off, at least 15 s of ringing
    connect_within_s = 2              # a person answering waits this long for an agent

    [callees]                         # per attempt; what is left of 1 rings until the cut-off
    live_answer = 0.17                # a person answers: a number or 24 hourly values
    answering_machine = 0.15          # the PBX detects a machine (an outcome, not a live answer)
    busy = 0.08
    invalid = 0.10
    time_to_answer = { distribution = "lognormal", mean_s = 9, sd_s = 5 }
    machine_detection = 3             # seconds from the machine's answer to the PBX's verdict
    busy_after = 4                    # seconds to the busy signal
    invalid_after = 2

    [handling]
    talk = { distribution = "lognormal", mean_s = 180, sd_s = 120 }
    wrap_up = 30

    [[agents]]                        # shift: hours of every day, local time
    name = "Ranní"
    count = 24
    shift = [8, 16]

    [pacing]                          # optional: the pacing policy's and estimator's settings

A number is one callee: the same number behaves the same (the same draws) in either mode, so two
runs with the same seed compare the modes on the same list. Each number is dialled once.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import attrs

from apps.simulator.campaign_parse import parse_campaign
from apps.simulator.checks import ScenarioError, read_toml
from apps.simulator.scenario import Distribution
from kc_domain.outbound.pacing import PacingMode, PacingSettings
from kc_domain.outbound.pacing_estimates import EstimatorSettings
from kc_domain.outbound.pacing_ledger import PRAGUE


@attrs.frozen
class Callees:
    live_answer: tuple[float, ...]  # 24 hourly probabilities, hour 0 = 00:00-01:00 local time
    machine: float
    busy: float
    invalid: float
    time_to_answer: Distribution
    machine_detection: Distribution
    busy_after: Distribution
    invalid_after: Distribution
    no_answer_after_s: float


@attrs.frozen
class Shift:
    name: str
    count: int
    start_h: float  # hours of the day
    end_h: float


@attrs.frozen
class CampaignScenario:
    name: str
    seed: int
    start_date: date
    days: int
    mode: PacingMode
    list_size: int
    callees: Callees
    talk: Distribution
    wrap_up: Distribution
    agents: tuple[Shift, ...]
    pacing: PacingSettings
    estimator: EstimatorSettings = attrs.field(factory=EstimatorSettings)
    interval_s: float = 1.0  # predictive: the pacing also decides this often between events
    history_min: int = 15  # the pacing history's interval

    @property
    def start(self) -> datetime:
        """Local midnight of the start date, in UTC."""
        d = self.start_date
        return datetime(d.year, d.month, d.day, tzinfo=PRAGUE).astimezone(UTC)

    @property
    def duration_hours(self) -> float:
        return 24.0 * self.days

    def with_mode(self, mode: PacingMode) -> CampaignScenario:
        return attrs.evolve(self, mode=mode)

    def with_seed(self, seed: int) -> CampaignScenario:
        return attrs.evolve(self, seed=seed)

    def with_days(self, days: int) -> CampaignScenario:
        return attrs.evolve(self, days=days)


def is_campaign(path: str | Path) -> bool:
    """Whether the file is a campaign scenario (a readable TOML file with a [campaign] table)."""
    try:
        return "campaign" in read_toml(Path(path))
    except ScenarioError:
        return False


def load_campaign(path: str | Path) -> CampaignScenario:
    """Read and check a TOML campaign scenario; raises ScenarioError naming every problem."""
    return campaign_from(read_toml(Path(path)), source=str(path))


def campaign_from(raw: dict[str, Any], source: str = "") -> CampaignScenario:
    problems, v = parse_campaign(raw)
    if problems:
        raise ScenarioError(problems, source)
    c, h = v["callees"], v["handling"]
    callees = Callees(
        live_answer=c["live_answer"],
        machine=c["answering_machine"],
        busy=c["busy"],
        invalid=c["invalid"],
        time_to_answer=Distribution(**c["time_to_answer"]),
        machine_detection=Distribution(**c["machine_detection"]),
        busy_after=Distribution(**c["busy_after"]),
        invalid_after=Distribution(**c["invalid_after"]),
        no_answer_after_s=v["campaign"]["no_answer_after_s"],
    )
    p = v["pacing"]
    estimator = {k: p.pop(k) for k in ("half_life_s", "half_life_attempts", "confidence_z")}
    return CampaignScenario(
        name=v["name"],
        seed=v["seed"],
        start_date=v["start_date"],
        days=v["days"],
        mode=PacingMode(v["campaign"]["mode"]),
        list_size=v["campaign"]["list_size"],
        callees=callees,
        talk=Distribution(**h["talk"]),
        wrap_up=Distribution(**h["wrap_up"]),
        agents=tuple(Shift(g["name"], g["count"], *g["shift"]) for g in v["agents"]),
        pacing=PacingSettings(
            abandon_cap=v["campaign"]["abandon_cap"], connect_within_s=v["campaign"]["connect_within_s"], **p
        ),
        estimator=EstimatorSettings(**estimator),
        interval_s=v["campaign"]["pacing_interval_s"],
    )
