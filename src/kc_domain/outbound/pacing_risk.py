"""How likely a new call's live answer is to find no agent: sums of independent yes/no chances.

At a pacing decision the dialler's *surplus* of agents over live answers is a random whole number

    surplus = free agents - live answers already waiting
              + sum_i Bernoulli(p_i)   busy agent i is free again in time, with probability p_i
              - sum_j Bernoulli(r_j)   ringing call j will be answered by a person, with probability r_j

and the k-th call dialled now, answered by a person with probability q, finds no agent when the
live answers of the calls before it have used the surplus up:

    risk(k) = P(surplus - Binomial(k - 1, q) <= 0)

risk(k) never falls as k grows. "In time" depends on when the person answers, so the agents' p_i
are given for several cases (answer times), each with its probability, and risk(k) is their
weighted sum. Each case is exact (the distribution convolved term by term) while it has at most
``EXACT_TERMS`` random terms, where the normal curve fits small sums badly; beyond, the refined
normal approximation of a Poisson-binomial sum (Volkova 1996: the normal curve corrected by the
sum's skewness, within about 0.001 with dozens of terms) keeps a decision cheap.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence

import attrs

EXACT_TERMS = 16
CERTAIN = 1e-9  # a chance this close to 0 or 1 is taken as certain


@attrs.frozen
class Surplus:
    """``fixed`` + one Bernoulli(p) per ``gains`` entry - one Bernoulli(r) per ``losses`` entry."""

    fixed: int
    gains: tuple[float, ...] = ()
    losses: tuple[float, ...] = ()

    @property
    def mean(self) -> float:
        return self.fixed + sum(self.gains) - sum(self.losses)

    def risks(self, q: float) -> Iterator[float]:
        return risks(self.fixed, [(1.0, self.gains)], self.losses, q)


def risks(
    fixed: int, cases: Sequence[tuple[float, Sequence[float]]], losses: Sequence[float], q: float
) -> Iterator[float]:
    """risk(1), risk(2), ... without end (the caller stops): for (probability, gains) cases adding
    up to 1, the weighted chance that the surplus ``fixed + gains - losses`` is used up by the
    live answers of the calls before the k-th."""
    lost, losses = _split(losses)
    split = [(w, fixed - lost + sure, gains) for w, (sure, gains) in ((w, _split(g)) for w, g in cases)]
    if max(len(gains) for _, _, gains in split) + len(losses) <= EXACT_TERMS:
        lowest, base = (
            -len(losses),
            _distribution([1 - r for r in losses]),
        )  # -Bernoulli(r) = Bernoulli(1-r) - 1
        each = [_exact(start + lowest, _distribution(gains, base), q) for _, start, gains in split]
    else:
        mean, variance, third = _cumulants(losses, -1)
        each = [
            _approximate(start, _cumulants(gains, 1), (mean, variance, third), q) for _, start, gains in split
        ]
    weights = [w for w, _, _ in split]
    for values in zip(*each, strict=True):
        yield sum(w * v for w, v in zip(weights, values, strict=True))


def _split(chances: Sequence[float]) -> tuple[int, list[float]]:
    """How many of the chances are certain, and the uncertain ones (those near 0 left out)."""
    sure, uncertain = 0, []
    for p in chances:
        if p >= 1 - CERTAIN:
            sure += 1
        elif p > CERTAIN:
            uncertain.append(p)
    return sure, uncertain


def _distribution(chances: Sequence[float], start: Sequence[float] = (1.0,)) -> list[float]:
    """pmf[i] = P(X + Bernoulli sum = i) for X distributed as ``start``."""
    pmf = list(start)
    for p in chances:
        pmf = _shifted(pmf, p)
    return pmf


def _shifted(pmf: list[float], p: float) -> list[float]:
    """The distribution of X + Bernoulli(p), for X given by ``pmf``."""
    stay = 1 - p
    return [stay * a + p * b for a, b in zip([*pmf, 0.0], [0.0, *pmf], strict=True)]


def _exact(lowest: int, pmf: list[float], q: float) -> Iterator[float]:
    """pmf[i] = P(surplus = lowest + i)."""
    while True:
        yield min(1.0, sum(pmf[: max(0, 1 - lowest)]))
        lowest, pmf = lowest - 1, _shifted(pmf, 1 - q)


def _cumulants(chances: Sequence[float], sign: int) -> tuple[float, float, float]:
    """Mean, variance and third cumulant of +/- a sum of Bernoulli variables."""
    mean = sum(chances)
    variance = sum(p * (1 - p) for p in chances)
    third = sum(p * (1 - p) * (1 - 2 * p) for p in chances)
    return sign * mean, variance, sign * third


def _approximate(
    fixed: int, gains: tuple[float, float, float], losses: tuple[float, float, float], q: float
) -> Iterator[float]:
    mean, variance, third = (fixed + gains[0] + losses[0], gains[1] + losses[1], gains[2] + losses[2])
    while True:
        yield _at_most_zero(mean, variance, third)
        mean -= q
        variance += q * (1 - q)
        third -= q * (1 - q) * (1 - 2 * q)


def _at_most_zero(mean: float, variance: float, third: float) -> float:
    """P(Z <= 0) for a whole-number Z with these cumulants (refined normal approximation)."""
    if variance <= 0:
        return 1.0 if mean <= 0 else 0.0
    sigma = math.sqrt(variance)
    x = (0.5 - mean) / sigma
    skew = third / (sigma * sigma * sigma)
    density = math.exp(-x * x / 2) / math.sqrt(2 * math.pi)
    normal = 0.5 * (1 + math.erf(x / math.sqrt(2)))
    return min(1.0, max(0.0, normal + skew * (1 - x * x) * density / 6))
