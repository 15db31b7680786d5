"""How many numbers a campaign dials now: progressive and predictive pacing (OUT-01, OUT-05).

**Progressive**: one call per free agent; a call already ringing or a live answer waiting is
counted against the free agents (``floor`` below), so no person answers without an agent.

**Predictive**: dial ahead of the agents, as far as the risk of an abandoned call allows. For the
k-th new call, with the *surplus* of agents over live answers by the time a person may answer it
(each of several answer times, plus the 2 s connect window; see ``pacing_risk``),

    risk(k) = P(surplus - Binomial(k - 1, q) <= 0)

is the chance that, if a person answers it, no agent is there. Dialling while risk(k) <= lambda is
the best trade of connected calls for abandons a decision can make (each call dialled brings more
live contacts per abandon than any call left out), and it never dials fewer than progressive.

lambda, the *risk threshold*, is steered by the abandons already measured against the cap. With
the *allowance* A = cap x live answers - abandons, the smaller over today and the last 24 hours
(how many abandons more would still leave the rate at the cap):

    lambda = 0                                              while A < 1
    lambda = cap x (1 - safety) x (A - 1) / (reserve - 1)   while 1 <= A < reserve
    lambda = cap x (1 - safety) + (A - reserve) / spend_over,   at most max_risk x cap

Below one abandon's allowance an abandon would itself put the rate over the cap, so none is
risked: a day starts progressive until about 1 / cap people have answered. Below the cap the
allowance grows by the cap with every live answer and lambda rises; each abandon lowers it by
1 / spend_over. That closes the loop on the measured rate: the model's bias (an estimate lagging
behind a list that answers half as often since noon) is corrected by what happens, and the rate
settles just under the cap, with a few abandons in hand.

Every decision carries its inputs and the numbers computed from them (``pacing_explain``).
"""

from __future__ import annotations

import math
from datetime import datetime
from enum import StrEnum

import attrs

from kc_domain.outbound.pacing_estimates import ANSWER_QUANTILES, PacingModel
from kc_domain.outbound.pacing_ledger import DEFAULT_CAP, AbandonStanding
from kc_domain.outbound.pacing_risk import risks


class PacingMode(StrEnum):
    PROGRESSIVE = "progressive"
    PREDICTIVE = "predictive"


class Limit(StrEnum):
    """What stopped a decision from dialling more."""

    AGENTS = "agents"  # progressive: a call for every free agent is already out
    RISK = "risk"  # predictive: the next call's risk is above the threshold
    LINES = "lines"  # the campaign's lines are all in use
    LIST = "list"  # no more numbers to call now


@attrs.frozen
class PacingSettings:
    abandon_cap: float = DEFAULT_CAP
    connect_within_s: float = 2.0  # a live answer waits this long for an agent, then is abandoned
    safety: float = 0.0  # aim this share below the cap before the allowance is spent
    reserve: float = 3.0  # below this allowance the threshold falls with it, to 0 at 1
    spend_over: float = 100.0  # live answers over which a spare allowance is spent
    max_risk: float = 3.0  # lambda at most this many times the cap
    lines_per_agent: float = 6.0  # calls ringing and waiting at most this many per signed-in agent


@attrs.frozen
class PacingInputs:
    """What the dialler sees at one instant; times in seconds since each started."""

    free_agents: int  # signed in, idle, staying long enough to take a call
    talking: tuple[float, ...] = ()  # on a campaign call, free again afterwards
    wrapping: tuple[float, ...] = ()
    ringing: tuple[float, ...] = ()  # attempts dialled and not yet resolved
    waiting: int = 0  # live answers waiting for an agent (within the connect window)
    numbers_left: int = 1_000_000_000  # numbers the list can give now

    @property
    def agents(self) -> int:
        return self.free_agents + len(self.talking) + len(self.wrapping)


@attrs.frozen
class Prediction:
    """The predictive part of a decision: the numbers computed from the inputs and estimates."""

    horizons_s: tuple[float, ...]  # times a person may answer (ANSWER_QUANTILES) + the connect window
    expected_free: float  # agents free by then (weighted over the horizons), the free ones included
    expected_live: float  # live answers still to come from the calls ringing, and those waiting
    risk_threshold: float  # lambda
    risk_last: float | None  # of the last call dialled beyond the floor
    risk_next: float | None  # of the first call not dialled (None when lines or list stopped it)


@attrs.frozen
class PacingDecision:
    """A decision and everything it was made from (``pacing_explain.explain`` prints it)."""

    at: datetime
    mode: PacingMode
    dials: int
    limit: Limit
    inputs: PacingInputs
    standing: AbandonStanding
    floor: int  # what progressive would dial
    live_rate: float
    live_rate_risk: float
    estimate_weight: float
    mean_answer_s: float
    mean_talk_s: float
    mean_wrap_s: float
    prediction: Prediction | None = None


def decide(
    mode: PacingMode,
    at: datetime,
    inputs: PacingInputs,
    model: PacingModel,
    standing: AbandonStanding,
    settings: PacingSettings = PacingSettings(),
) -> PacingDecision:
    """How many numbers to dial at ``at``; pure: the same arguments give the same decision."""
    floor = max(0, inputs.free_agents - len(inputs.ringing) - inputs.waiting)
    lines = math.ceil(settings.lines_per_agent * inputs.agents) - len(inputs.ringing) - inputs.waiting
    room = max(0, min(lines, inputs.numbers_left))
    room_limit = Limit.LINES if lines <= inputs.numbers_left else Limit.LIST
    prediction = None
    if mode == PacingMode.PROGRESSIVE:
        dials, limit = min(floor, room), Limit.AGENTS if floor <= room else room_limit
    else:
        dials, prediction = _predict(inputs, model, standing, settings, floor, room)
        limit = Limit.RISK if prediction.risk_next is not None else room_limit
    return PacingDecision(
        at,
        mode,
        dials,
        limit,
        inputs,
        standing,
        floor,
        model.live_rate,
        model.live_rate_risk,
        model.weight,
        model.durations.mean_answer_s,
        model.durations.mean_talk_s,
        model.durations.mean_wrap_s,
        prediction,
    )


def risk_threshold(standing: AbandonStanding, settings: PacingSettings) -> float:
    """lambda: the most risk of an abandon a predictive call may carry now."""
    cap, allowance, reserve = standing.cap, standing.allowance, settings.reserve
    # below one abandon's allowance, an abandon would itself put the rate over the cap: no risk
    fade = min(1.0, max(0.0, (allowance - 1) / (reserve - 1))) if reserve > 1 else float(allowance >= 1)
    steered = cap * (1 - settings.safety) * fade + max(0.0, allowance - reserve) / settings.spend_over
    return min(settings.max_risk * cap, steered)


def _predict(
    inputs: PacingInputs,
    model: PacingModel,
    standing: AbandonStanding,
    settings: PacingSettings,
    floor: int,
    room: int,
) -> tuple[int, Prediction]:
    d, q = model.durations, model.live_rate_risk
    horizons = tuple(t + settings.connect_within_s for t in d.answer_points)
    per_agent = d.freeing(inputs.talking, inputs.wrapping, horizons)
    by_horizon = list(zip(*per_agent, strict=True)) if per_agent else [()] * len(horizons)
    losses = tuple(d.still_live(s, q) for s in inputs.ringing)
    cases = [(w, gains) for (_, w), gains in zip(ANSWER_QUANTILES, by_horizon, strict=True)]
    threshold = risk_threshold(standing, settings)
    dials, last, following = 0, None, None
    for k, risk in enumerate(risks(inputs.free_agents - inputs.waiting, cases, losses, q), 1):
        if k > room:
            break
        if k > floor and (risk > threshold or threshold == 0):  # no allowance: no risk at all
            following = risk
            break
        dials, last = k, (risk if k > floor else None)
    expected_free = inputs.free_agents + sum(w * sum(gains) for w, gains in cases)
    expected_live = inputs.waiting + sum(losses)
    return dials, Prediction(horizons, expected_free, expected_live, threshold, last, following)
