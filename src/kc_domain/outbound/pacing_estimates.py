"""The live estimates a campaign's pacing works from, learnt from its own attempts and calls.

Two kinds of estimate, each the kind that suits how it moves:

- the **live-answer rate** q, which may change within the hour (another part of the list, lunch
  time), is exponentially weighted: each attempt's weight halves with every ``half_life_s``
  seconds and with every ``half_life_attempts`` later attempts (the two add up). Its *weight* (the
  effective number of attempts behind it) says how sure it is: the risk is computed with
  q + z x its standard error, so that a thin or stale estimate (the morning after a night without
  calls) dials carefully until new attempts have been seen;
- the **durations** (dial to a person's answer, dial to any other end, talk, wrap-up), whose shape
  matters more than their mean, are kept as windows of the latest samples: a busy agent's chance to
  be free soon, or a ringing call's chance to still be answered, is read off them.

Until a campaign has its own samples, ``PacingPriors`` stand in for them (one sample each).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import deque
from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum

import attrs


class DialOutcome(StrEnum):
    """How a dialled attempt ended; a machine the PBX detected is an outcome, not a live answer."""

    LIVE = "live"  # a person answered
    MACHINE = "machine"  # an answering machine, as the PBX detected it
    BUSY = "busy"
    INVALID = "invalid"  # no such number, unreachable
    NO_ANSWER = "no_answer"  # rang until the no-answer cut-off


@attrs.frozen
class PacingPriors:
    """What a campaign is assumed to look like before its first attempts."""

    live_rate: float = 0.3
    weight: float = 2.0  # attempts' worth of confidence in ``live_rate``
    answer_s: float = 10.0
    other_end_s: float = 20.0
    talk_s: float = 180.0
    wrap_s: float = 30.0


@attrs.frozen
class EstimatorSettings:
    half_life_s: float = 1200.0
    half_life_attempts: float = 400.0
    confidence_z: float = 1.0  # standard errors added to the live-answer rate for the risk
    window: int = 400  # latest samples kept of each duration
    refresh_s: float = 30.0  # the windows are sorted again at most this often
    priors: PacingPriors = PacingPriors()


ANSWER_QUANTILES = (
    (0.01, 0.02),
    (0.035, 0.03),
    (0.075, 0.05),
    (0.15, 0.1),
    (0.3, 0.2),
    (0.55, 0.3),
    (0.85, 0.3),
)
"""(quantile, weight): a person's time to answer is taken at these quantiles of its samples, each
standing for the share of answers around it. They are dense among the quick answers, the ones
that come before an agent is free and so carry the risk of an abandon."""


def _longer(sorted_samples: Sequence[float], x: float) -> int:
    """How many samples are greater than ``x``."""
    return len(sorted_samples) - bisect_right(sorted_samples, x)


@attrs.frozen
class Durations:
    """Windows of durations, sorted, and what is read off them (made once per refresh)."""

    answer_s: tuple[float, ...]  # dial to a person's answer
    other_end_s: tuple[float, ...]  # dial to the end of an attempt nobody answered in person
    talk_s: tuple[float, ...]
    wrap_s: tuple[float, ...]
    mean_answer_s: float = attrs.field(init=False)
    mean_talk_s: float = attrs.field(init=False)
    mean_wrap_s: float = attrs.field(init=False)
    answer_points: tuple[float, ...] = attrs.field(init=False)  # at ANSWER_QUANTILES

    def __attrs_post_init__(self) -> None:
        for name in ("answer_s", "talk_s", "wrap_s"):
            samples = getattr(self, name)
            object.__setattr__(self, f"mean_{name}", sum(samples) / len(samples))
        # one answer more, at once: a window of n answers leaves about 1 in n + 1 quicker than all
        answers = (0.0, *self.answer_s)
        points = tuple(answers[int(level * len(answers))] for level, _ in ANSWER_QUANTILES)
        object.__setattr__(self, "answer_points", points)

    @staticmethod
    def of(
        *,
        answer_s: Sequence[float],
        other_end_s: Sequence[float],
        talk_s: Sequence[float],
        wrap_s: Sequence[float],
    ) -> Durations:
        """From samples in any order, e.g. ``talk_s=[120]`` for talks of exactly 120 s."""
        return Durations(*(tuple(sorted(s)) for s in (answer_s, other_end_s, talk_s, wrap_s)))

    def still_live(self, ringing_s: float, q: float) -> float:
        """The chance that a call ringing (unresolved) for ``ringing_s`` is answered by a person,
        with q the share of attempts a person answers: q S_live(t) / (q S_live(t) + (1 - q)
        S_other(t)), S the share of durations longer than t, each counted with one sample more,
        longer than any seen (the windows miss the rare tails)."""
        live = q * (_longer(self.answer_s, ringing_s) + 1) / (len(self.answer_s) + 1)
        other = (1 - q) * (_longer(self.other_end_s, ringing_s) + 1) / (len(self.other_end_s) + 1)
        return live / (live + other)

    def freeing(
        self, talking: Sequence[float], wrapping: Sequence[float], within_s: Sequence[float]
    ) -> list[tuple[float, ...]]:
        """For each busy agent who may be free within the times ``within_s``, the chances that she
        is, given how long she has talked (``talking``) or wrapped up (``wrapping``): a talk has to
        end by ``within - mean wrap-up``; agents who cannot be free in time are left out."""
        out = []
        talk_within = [w - self.mean_wrap_s for w in within_s]
        if max(talk_within) > 0:
            out += [_ends_within(self.talk_s, s, talk_within) for s in talking]
        out += [_ends_within(self.wrap_s, s, within_s) for s in wrapping]
        return [chances for chances in out if chances[-1] > 0]


@attrs.frozen
class PacingModel:
    """The estimates of one instant, frozen for a decision."""

    live_rate: float
    live_rate_risk: float  # live_rate + z x its standard error, at most 1
    weight: float  # effective number of attempts behind live_rate
    durations: Durations


def _ends_within(
    sorted_samples: Sequence[float], elapsed: float, within_s: Sequence[float]
) -> tuple[float, ...]:
    """P(D <= elapsed + w | D > elapsed) for each w, D distributed as the samples; past the longest
    sample, as if the rest were exponential with the samples' mean."""
    if max(within_s) <= 0:
        return (0.0,) * len(within_s)
    longer = _longer(sorted_samples, elapsed)
    if longer == 0:
        mean = sum(sorted_samples) / len(sorted_samples)
        return tuple(0.0 if w <= 0 else 1 - math.exp(-w / mean) if mean > 0 else 1.0 for w in within_s)
    return tuple(0.0 if w <= 0 else 1 - _longer(sorted_samples, elapsed + w) / longer for w in within_s)


class PacingEstimator:
    """A campaign's estimates, fed with what happens (times passed in, never read from a clock)."""

    def __init__(self, settings: EstimatorSettings = EstimatorSettings()) -> None:
        self.settings = settings
        self._live = 0.0  # decayed count of live answers
        self._weight = 0.0  # decayed count of attempts
        self._last: datetime | None = None
        window, priors = settings.window, settings.priors
        self._samples: dict[str, deque[float]] = {
            "answer": deque([priors.answer_s], maxlen=window),
            "other": deque([priors.other_end_s], maxlen=window),
            "talk": deque([priors.talk_s], maxlen=window),
            "wrap": deque([priors.wrap_s], maxlen=window),
        }
        self._primed: set[str] = set()  # windows that hold real samples (the prior is gone)
        self._durations: Durations | None = None
        self._sorted_at: datetime | None = None

    def attempt_ended(self, at: datetime, outcome: DialOutcome, after_s: float) -> None:
        """An attempt dialled ``after_s`` seconds before ``at`` was answered live or ended otherwise."""
        self._decay(at, 1)
        self._weight += 1
        if outcome == DialOutcome.LIVE:
            self._live += 1
            self._sample("answer", after_s)
        else:
            self._sample("other", after_s)

    def talk_ended(self, talk_s: float) -> None:
        self._sample("talk", talk_s)

    def wrap_up_ended(self, wrap_s: float) -> None:
        self._sample("wrap", wrap_s)

    def model(self, at: datetime) -> PacingModel:
        self._decay(at, 0)
        priors = self.settings.priors
        weight = self._weight + priors.weight
        rate = (self._live + priors.live_rate * priors.weight) / weight
        error = math.sqrt(rate * (1 - rate) / (weight + 1))
        if self._durations is None or self._stale(at):
            s = self._samples
            self._durations = Durations.of(
                answer_s=s["answer"], other_end_s=s["other"], talk_s=s["talk"], wrap_s=s["wrap"]
            )
            self._sorted_at = at
        return PacingModel(
            rate, min(1.0, rate + self.settings.confidence_z * error), self._weight, self._durations
        )

    def _stale(self, at: datetime) -> bool:
        return self._sorted_at is None or (at - self._sorted_at).total_seconds() >= self.settings.refresh_s

    def _decay(self, at: datetime, attempts: int) -> None:
        if self._last is not None:
            seconds = max(0.0, (at - self._last).total_seconds())
            factor = 0.5 ** (
                seconds / self.settings.half_life_s + attempts / self.settings.half_life_attempts
            )
            self._live *= factor
            self._weight *= factor
        self._last = at

    def _sample(self, name: str, value: float) -> None:
        if name not in self._primed:
            self._samples[name].clear()
            self._primed.add(name)
        self._samples[name].append(value)
