"""Key figures of a dialler run, as plain JSON-ready data.

occupancy                 (talk + wrap-up) / signed-in time of all agents; the time an agent waits
                          for a call (progressive: while her call rings) is signed in, not busy
attempts                  numbers dialled, and how the attempts ended: live (a person answered),
                          machine (the PBX detected an answering machine), busy, invalid, no_answer
                          (rang until the cut-off); a call still out at the end has no outcome
live_answers              attempts a person answered; connected + abandoned
abandoned                 live answers no agent took within the connect window; each callee heard the
                          information message (info_messages)
abandon_rate              abandoned / live_answers: over the run, per local day (``days``) and over a
                          rolling 24 h (``rolling_24h.max``: the highest it was right after any live
                          answer or abandon; ``at``: when)
live_contacts_per_agent_hour   connected / signed-in hours
list                      size, numbers dialled, penetration = dialled / size
progressive_occupancy     the closed form AHT / (AHT + E[dialling time per live contact]) of the
                          callee model (when its live-answer rate is the same in every hour)
pacing                    decisions made, and the history every ``history_min`` minutes: agents
                          signed in, free, calls ringing and lines per agent, the risk threshold
                          of the last decision, the allowance, the estimated live-answer rate, the
                          day's and 24 hours' abandon rate so far, and the attempts, live answers and
                          abandons of the interval that ends then
"""

from __future__ import annotations

import math
from bisect import bisect_right
from datetime import timedelta
from statistics import NormalDist
from typing import Any

from apps.simulator.campaign import CampaignScenario
from apps.simulator.dialler import DAY_S, DiallerRun
from apps.simulator.scenario import Distribution
from kc_domain.outbound.pacing_ledger import PRAGUE


def campaign_kpis(run: DiallerRun) -> dict[str, Any]:
    s = run.scenario
    signed_in = sum(a.logged_in_s for a in run.agents)
    busy = sum(a.talk_s + a.wrap_s for a in run.agents)
    live, abandoned = len(run.live_s), len(run.abandoned_s)
    return {
        "scenario": s.name,
        "seed": s.seed,
        "mode": s.mode.value,
        "start": s.start.isoformat(),
        "days": s.days,
        "agents": len(run.agents),
        "abandon_cap": s.pacing.abandon_cap,
        "signed_in_hours": round(signed_in / 3600, 2),
        "occupancy": _ratio(busy, signed_in),
        "attempts": {"total": run.dialled, **{k: run.outcomes[k] for k in _OUTCOMES}},
        "live_answers": live,
        "connected": run.connected,
        "abandoned": abandoned,
        "info_messages": abandoned,
        "abandon_rate": {
            "run": _ratio(abandoned, live),
            "days": _days(run),
            "rolling_24h": _rolling(run),
        },
        "live_contacts_per_agent_hour": _ratio(run.connected, signed_in / 3600, 3),
        "list": {
            "size": s.list_size,
            "dialled": run.dialled,
            "penetration": _ratio(run.dialled, s.list_size),
        },
        "progressive_occupancy": progressive_occupancy(s),
        "pacing": {"decisions": run.decisions, "history_min": s.history_min, "history": run.history},
        "wall_s": round(run.wall_s, 2),
    }


_OUTCOMES = ("live", "machine", "busy", "invalid", "no_answer")


def _ratio(part: float, whole: float, places: int = 4) -> float | None:
    return round(part / whole, places) if whole else None


def _days(run: DiallerRun) -> list[dict[str, Any]]:
    out = []
    for day in range(run.scenario.days):
        lo, hi = day * DAY_S, (day + 1) * DAY_S
        live = bisect_right(run.live_s, hi) - bisect_right(run.live_s, lo)
        abandoned = bisect_right(run.abandoned_s, hi) - bisect_right(run.abandoned_s, lo)
        out.append(
            {
                "date": (run.scenario.start_date + timedelta(days=day)).isoformat(),
                "attempts": run.dialled_by_day[day],
                "live_answers": live,
                "abandoned": abandoned,
                "abandon_rate": _ratio(abandoned, live),
                "occupancy": _ratio(run.busy_by_day[day], run.signed_in_by_day[day]),
            }
        )
    return out


def _rolling(run: DiallerRun) -> dict[str, Any]:
    """The 24-hour abandon rate at every live answer and abandon: its highest value and when."""
    events = sorted([(t, 0) for t in run.live_s] + [(t, 1) for t in run.abandoned_s])
    live_in, abandoned_in = 0, 0
    first_live = first_abandoned = 0
    worst, worst_at = 0.0, None
    for t, kind in events:
        if kind:
            abandoned_in += 1
        else:
            live_in += 1
        while first_live < len(run.live_s) and run.live_s[first_live] <= t - DAY_S:
            first_live, live_in = first_live + 1, live_in - 1
        while first_abandoned < len(run.abandoned_s) and run.abandoned_s[first_abandoned] <= t - DAY_S:
            first_abandoned, abandoned_in = first_abandoned + 1, abandoned_in - 1
        if live_in and abandoned_in / live_in > worst:
            worst, worst_at = abandoned_in / live_in, t
    at = None if worst_at is None else run.loop.datetime(round(worst_at * 1e6)).astimezone(PRAGUE)
    return {"max": round(worst, 4), "at": None if at is None else at.isoformat(timespec="seconds")}


def progressive_occupancy(s: CampaignScenario) -> float | None:
    """AHT / (AHT + E[dialling time per live contact]) for one agent dialling one number at a time:
    E[dialling time per attempt] / P(live contact per attempt), each outcome ringing as long as it
    takes (a person or machine that would answer after the cut-off rings until the cut-off)."""
    c = s.callees
    if len(set(c.live_answer)) != 1:
        return None
    live, cut = c.live_answer[0], c.no_answer_after_s
    answered = _below(c.time_to_answer, cut)
    if live * answered == 0:
        return None
    no_answer = 1 - live - c.machine - c.busy - c.invalid
    dialling = (
        (live + c.machine) * _mean_min(c.time_to_answer, cut)
        + c.machine * answered * c.machine_detection.mean_s
        + c.busy * _mean_min(c.busy_after, cut)
        + c.invalid * _mean_min(c.invalid_after, cut)
        + no_answer * cut
    )
    aht = s.talk.mean_s + s.wrap_up.mean_s
    return round(aht / (aht + dialling / (live * answered)), 4)


def _below(d: Distribution, cut: float) -> float:
    """P(X < cut)."""
    if d.kind == "fixed" or d.mean_s == 0:
        return 1.0 if d.mean_s < cut else 0.0
    if d.kind == "exponential":
        return 1 - math.exp(-cut / d.mean_s)
    mu, sigma = _lognormal(d)
    return NormalDist().cdf((math.log(cut) - mu) / sigma)


def _mean_min(d: Distribution, cut: float) -> float:
    """E[min(X, cut)]."""
    if d.kind == "fixed" or d.mean_s == 0:
        return min(d.mean_s, cut)
    if d.kind == "exponential":
        return d.mean_s * (1 - math.exp(-cut / d.mean_s))
    mu, sigma = _lognormal(d)
    below_cut = NormalDist().cdf((math.log(cut) - mu - sigma * sigma) / sigma)
    return math.exp(mu + sigma * sigma / 2) * below_cut + cut * (1 - _below(d, cut))


def _lognormal(d: Distribution) -> tuple[float, float]:
    """mu and sigma of the logarithm, as ``Distribution.sampler`` draws them."""
    sigma = math.sqrt(math.log1p((d.sd_s / d.mean_s) ** 2))
    return math.log(d.mean_s) - sigma * sigma / 2, sigma
