"""Erlang B, Erlang C (M/M/c) and Erlang A (M/M/c+M, Palm) queueing formulas for staffing.

Units: rates per second, times in seconds, traffic in erlangs (A = λ·h, arrival rate × mean handle time).
Calls arrive as a Poisson stream, handle times are exponential, agents serve first come, first served.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import attrs

_NEGLIGIBLE_LOG = -45.0  # terms below e^-45 (3e-20) of the largest one are dropped
_MAX_QUEUE_STATES = 5_000_000  # hard cap of the truncated Erlang A queue-length sum


def _check(arrival_rate_per_s: float, mean_handle_s: float, agents: int, sl_threshold_s: float) -> None:
    if not (math.isfinite(arrival_rate_per_s) and arrival_rate_per_s >= 0):
        raise ValueError(f"arrival rate must be finite and >= 0 per second, got {arrival_rate_per_s}")
    if not (math.isfinite(mean_handle_s) and mean_handle_s > 0):
        raise ValueError(f"mean handle time must be finite and > 0 seconds, got {mean_handle_s}")
    if agents < 1:
        raise ValueError(f"at least one agent is needed, got {agents}")
    if not (math.isfinite(sl_threshold_s) and sl_threshold_s >= 0):
        raise ValueError(f"service-level threshold must be finite and >= 0 seconds, got {sl_threshold_s}")


def erlang_b(servers: int, traffic: float) -> float:
    """Blocking probability of M/M/c/c (Erlang loss): offered ``traffic`` erlangs, ``servers`` lines.

    Uses the recursion B(0) = 1, B(k) = A·B(k-1) / (k + A·B(k-1)), which never forms A^k or k!.
    """
    if servers < 0:
        raise ValueError(f"servers must be >= 0, got {servers}")
    if not (math.isfinite(traffic) and traffic >= 0):
        raise ValueError(f"traffic must be finite and >= 0 erlangs, got {traffic}")
    blocking = 1.0
    for k in range(1, servers + 1):
        blocking = traffic * blocking / (k + traffic * blocking)
    return blocking


@attrs.frozen
class ErlangC:
    """Steady state of M/M/c with infinite patience (the queue must be stable: A < c).

    p_wait: probability that a call finds every agent busy, C = c·B / (c − A·(1 − B)).
    asa_s: average speed of answer over all calls (those answered at once count 0 s), C·h / (c − A).
    service_level: fraction of calls answered within the threshold t, 1 − C·exp(−(c − A)·t / h).
    occupancy: fraction of agent time spent handling calls, A / c.
    traffic_erlangs: offered traffic A = λ·h.
    """

    p_wait: float
    asa_s: float
    service_level: float
    occupancy: float
    traffic_erlangs: float


def _erlang_c(agents: int, traffic: float, blocking: float, mean_handle_s: float, t: float) -> ErlangC:
    p_wait = agents * blocking / (agents - traffic * (1.0 - blocking))
    spare = agents - traffic
    return ErlangC(
        p_wait=p_wait,
        asa_s=p_wait * mean_handle_s / spare,
        service_level=1.0 - p_wait * math.exp(-spare * t / mean_handle_s),
        occupancy=traffic / agents,
        traffic_erlangs=traffic,
    )


def erlang_c(arrival_rate_per_s: float, mean_handle_s: float, agents: int, sl_threshold_s: float) -> ErlangC:
    """Erlang C for ``agents`` agents; raises ValueError for bad input or an unstable queue (A >= c)."""
    _check(arrival_rate_per_s, mean_handle_s, agents, sl_threshold_s)
    traffic = float(arrival_rate_per_s * mean_handle_s)
    if traffic >= agents:
        raise ValueError(
            f"unstable queue: offered traffic {traffic:.4g} erlangs >= {agents} agents, so the queue grows "
            "without bound under Erlang C (use erlang_a, which models abandonment)"
        )
    return _erlang_c(agents, traffic, erlang_b(agents, traffic), mean_handle_s, sl_threshold_s)


def agents_for_service_level(
    arrival_rate_per_s: float, mean_handle_s: float, sl_target: float, sl_threshold_s: float
) -> int:
    """Smallest agent count whose Erlang C service level (answered within the threshold) >= sl_target."""
    _check(arrival_rate_per_s, mean_handle_s, 1, sl_threshold_s)
    if not 0 < sl_target < 1:
        raise ValueError(f"service-level target must be strictly between 0 and 1, got {sl_target}")
    traffic = float(arrival_rate_per_s * mean_handle_s)
    agents = math.floor(traffic) + 1  # the fewest agents with a stable queue
    blocking = erlang_b(agents, traffic)
    while _erlang_c(agents, traffic, blocking, mean_handle_s, sl_threshold_s).service_level < sl_target:
        agents += 1
        blocking = traffic * blocking / (agents + traffic * blocking)
    return agents


@attrs.frozen
class ErlangA:
    """Steady state of M/M/c+M: callers abandon after an exponential patience of mean 1/θ.

    p_wait: probability that an arriving call finds every agent busy (it then waits or abandons).
    p_abandon: fraction of all arrivals that hang up before being answered, θ·E[queue length] / λ.
    mean_wait_answered_s: mean time to answer of the answered calls (0 s for those answered at once).
    mean_wait_all_s: mean time in queue of all arrivals, abandoners counted until they hang up
        (E[queue length] / λ by Little's law, so p_abandon = θ·mean_wait_all_s).
    service_level: answered within the threshold / ALL arrivals (abandoners count as failures,
        also those who hang up before the threshold).
    service_level_of_answered: answered within the threshold / answered calls.
    occupancy: fraction of agent time spent handling calls, λ·(1 − p_abandon)·h / c.
    traffic_erlangs: offered traffic A = λ·h.
    """

    p_wait: float
    p_abandon: float
    mean_wait_answered_s: float
    mean_wait_all_s: float
    service_level: float
    service_level_of_answered: float
    occupancy: float
    traffic_erlangs: float


def _simpson(f: Callable[[float], float], lo: float, hi: float) -> float:
    """Adaptive Simpson quadrature of a smooth function, 64 starting panels, ~1e-13 relative error."""

    def rule(a: float, fa: float, m: float, fm: float, b: float, fb: float) -> float:
        return (b - a) * (fa + 4 * fm + fb) / 6

    def refine(
        a: float, fa: float, m: float, fm: float, b: float, fb: float, whole: float, depth: int
    ) -> float:
        lm, rm = (a + m) / 2, (m + b) / 2
        flm, frm = f(lm), f(rm)
        left, right = rule(a, fa, lm, flm, m, fm), rule(m, fm, rm, frm, b, fb)
        if depth >= 40 or abs(left + right - whole) <= 15 * tol:
            return left + right + (left + right - whole) / 15
        return refine(a, fa, lm, flm, m, fm, left, depth + 1) + refine(
            m, fm, rm, frm, b, fb, right, depth + 1
        )

    edges = [lo + (hi - lo) * i / 64 for i in range(65)]
    values = [f(x) for x in edges]
    mids = [(edges[i] + edges[i + 1]) / 2 for i in range(64)]
    fmids = [f(x) for x in mids]
    panels = [rule(edges[i], values[i], mids[i], fmids[i], edges[i + 1], values[i + 1]) for i in range(64)]
    tol = 1e-13 * max(abs(sum(panels)), 1e-300) / 64
    return sum(
        refine(edges[i], values[i], mids[i], fmids[i], edges[i + 1], values[i + 1], panels[i], 0)
        for i in range(64)
    )


def _bound(log_f: Callable[[float], float], peak: float, step: float) -> float:
    """Where a concave ``log_f`` has fallen e^45 below log_f(peak), searching from peak by signed step.

    For a negative step the search stops at 0 (the integrals run over waits s >= 0)."""
    target = log_f(peak) + _NEGLIGIBLE_LOG
    inside, outside = peak, peak + step
    while outside > 0 and log_f(outside) >= target:
        inside, outside, step = outside, outside + step, 2 * step
    if outside <= 0:
        if log_f(0.0) >= target:
            return 0.0
        outside = 0.0
    for _ in range(200):
        middle = (inside + outside) / 2
        if middle in (inside, outside):
            break
        inside, outside = (middle, outside) if log_f(middle) >= target else (inside, middle)
    return outside


def erlang_a(
    arrival_rate_per_s: float,
    mean_handle_s: float,
    agents: int,
    mean_patience_s: float,
    sl_threshold_s: float,
) -> ErlangA:
    """Erlang A, computed exactly from Palm's birth–death chain (stable for any load).

    State n = calls in the system; birth rate λ, death rate min(n, c)·μ + max(n − c, 0)·θ, μ = 1/h,
    θ = 1/patience. Relative to state c: π(n < c) sums to (1 − B)/B with B = Erlang B(c, A), and
    π(c + k) = Π_{j=1..k} λ / (cμ + jθ), summed until the terms are negligible. An arrival finding k
    callers waiting is reached after a hypoexponential time V with rates cμ + jθ, j = k..0, of density
    Π r_j / (k!·θ^k) · e^(−cμ·s)·(1 − e^(−θs))^k; it is answered within t iff V <= min(t, own patience),
    which weighs the density by e^(−θs). Summed over k with weights π(c + k) this collapses to
    π(c)·cμ·g(s), g(s) = exp(−(cμ + θ)s + (λ/θ)(1 − e^(−θs))), a log-concave density integrated numerically.
    """
    _check(arrival_rate_per_s, mean_handle_s, agents, sl_threshold_s)
    if not (math.isfinite(mean_patience_s) and mean_patience_s > 0):
        raise ValueError(f"mean patience must be finite and > 0 seconds, got {mean_patience_s}")
    lam, theta, c = arrival_rate_per_s, 1.0 / mean_patience_s, agents
    rate = c / mean_handle_s  # cμ, answers per second while every agent is busy
    traffic = float(lam * mean_handle_s)
    blocking = erlang_b(c, traffic)
    if blocking == 0.0:  # no arrivals, or waiting is rarer than the float range (π(c) <= B)
        return ErlangA(0.0, 0.0, 0.0, 0.0, 1.0, 1.0, traffic / c, traffic)
    # Queue-length tail, scaled by e^-top so that heavy overload cannot overflow.
    top, tail, tail_k, log_w, k = 0.0, 1.0, 0.0, 0.0, 0
    while True:
        k += 1
        if k > _MAX_QUEUE_STATES:
            raise ValueError(f"queue too long to evaluate (over {_MAX_QUEUE_STATES} waiting calls)")
        log_w += math.log(lam / (rate + k * theta))
        if log_w > top:
            tail, tail_k, top = tail * math.exp(top - log_w), tail_k * math.exp(top - log_w), log_w
        term = math.exp(log_w - top)
        tail, tail_k = tail + term, tail_k + k * term
        if rate + k * theta >= lam and log_w - top < _NEGLIGIBLE_LOG - math.log(k + 1.0):
            break
    # log π(c) + top = −log(head + tail), head = (1 − B)/B·e^-top, added in log space (no overflow)
    log_head = math.log1p(-blocking) - math.log(blocking) - top if blocking < 1.0 else -math.inf
    log_tail = math.log(tail)
    log_pc = -max(log_head, log_tail) - math.log1p(math.exp(-abs(log_head - log_tail)))
    p_wait = math.exp(log_pc + log_tail)
    mean_queue = math.exp(log_pc) * tail_k
    if p_wait == 0.0:  # waiting is rarer than the float range
        return ErlangA(0.0, 0.0, 0.0, 0.0, 1.0, 1.0, traffic / c, traffic)
    p_abandon = theta * mean_queue / lam
    log_scale = log_pc - top + math.log(rate)  # log(π(c)·cμ)

    def log_density(s: float) -> float:
        return log_scale - (rate + theta) * s - (lam / theta) * math.expm1(-theta * s)

    peak = max(0.0, math.log(lam / (rate + theta)) / theta)
    width = 1.0 / (rate + theta)
    lo, hi = _bound(log_density, peak, -width), _bound(log_density, peak, width)
    wait_answered = _simpson(lambda s: s * math.exp(log_density(s)), lo, hi)
    upto = min(hi, sl_threshold_s)
    in_time = (1.0 - p_wait) + (_simpson(lambda s: math.exp(log_density(s)), lo, upto) if upto > lo else 0.0)
    answered = 1.0 - p_abandon
    return ErlangA(
        p_wait=p_wait,
        p_abandon=p_abandon,
        mean_wait_answered_s=wait_answered / answered,
        mean_wait_all_s=mean_queue / lam,
        service_level=in_time,
        service_level_of_answered=min(1.0, in_time / answered),
        occupancy=lam * answered * mean_handle_s / c,
        traffic_erlangs=traffic,
    )
