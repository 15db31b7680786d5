"""The campaign scenario file's schema: every key, its type, range and default, checked in one pass.

``parse_campaign`` returns (problems, values); the values are only meaningful without problems.
Times of day, distributions and hourly values read as in the inbound scenarios (``parse.py``).
"""

from __future__ import annotations

import math
from typing import Any

from apps.simulator.checks import Reader
from apps.simulator.parse import _date, _distribution, _hourly
from kc_domain.outbound.pacing import PacingMode

TOP = ("name", "seed", "start_date", "days", "campaign", "callees", "handling", "agents", "pacing")
CAMPAIGN = ("mode", "abandon_cap", "list_size", "no_answer_after_s", "connect_within_s", "pacing_interval_s")
CALLEES = (
    "live_answer",
    "answering_machine",
    "busy",
    "invalid",
    "time_to_answer",
    "machine_detection",
    "busy_after",
    "invalid_after",
)
DURATION = ("fixed", "exponential", "lognormal")
MIN_RING_S = 15  # a number must ring at least this long before the dialler gives up on it
MAX_DAYS = 366
MAX_LIST = 10_000_000
# [pacing]: key, default, lowest, highest (settings of kc_domain.outbound.pacing and pacing_estimates)
PACING = (
    ("safety", 0.0, 0.0, 0.9),
    ("reserve", 3.0, 0.0, 1000.0),
    ("spend_over", 100.0, 1.0, 1e6),
    ("max_risk", 3.0, 0.0, 30.0),
    ("lines_per_agent", 6.0, 1.0, 100.0),
    ("half_life_s", 1200.0, 1.0, 86_400.0),
    ("half_life_attempts", 400.0, 1.0, 1e6),
    ("confidence_z", 1.0, 0.0, 5.0),
)


def parse_campaign(raw: dict[str, Any]) -> tuple[list[tuple[str, str]], dict[str, Any]]:
    r = Reader()
    r.only(raw, TOP, "")
    v: dict[str, Any] = {
        "name": r.text(raw, "name", "name", default="campaign"),
        "seed": r.number(raw, "seed", "seed", default=1, integer=True),
        "start_date": _date(r, raw),
        "days": r.number(raw, "days", "days", default=1, low=1, high=MAX_DAYS, integer=True),
        "campaign": _campaign(r, r.table(raw, "campaign", "campaign")),
        "callees": _callees(r, r.table(raw, "callees", "callees")),
        "handling": _handling(r, r.table(raw, "handling", "handling")),
        "agents": [_shift(r, g, f"agents[{i}]") for i, g in enumerate(r.array(raw, "agents", "agents"))],
        "pacing": _pacing(r, r.table(raw, "pacing", "pacing", required=False)),
    }
    return r.problems, v


def _campaign(r: Reader, t: dict[str, Any]) -> dict[str, Any]:
    r.only(t, CAMPAIGN, "campaign")
    modes = [m.value for m in PacingMode]
    return {
        "mode": r.text(t, "mode", "campaign.mode", default="predictive", choices=modes),
        "abandon_cap": r.number(
            t, "abandon_cap", "campaign.abandon_cap", default=0.03, low=0, low_open=True, high=0.5
        ),
        "list_size": r.number(t, "list_size", "campaign.list_size", low=1, high=MAX_LIST, integer=True),
        "no_answer_after_s": r.number(
            t, "no_answer_after_s", "campaign.no_answer_after_s", default=25, low=MIN_RING_S, high=300
        ),
        "connect_within_s": r.number(
            t, "connect_within_s", "campaign.connect_within_s", default=2, low=0, low_open=True, high=60
        ),
        "pacing_interval_s": r.number(
            t, "pacing_interval_s", "campaign.pacing_interval_s", default=1, low=0.1, high=60
        ),
    }


def _callees(r: Reader, t: dict[str, Any]) -> dict[str, Any]:
    r.only(t, CALLEES, "callees")
    live = _hourly(r, t.get("live_answer"), "callees.live_answer")
    if live is not None and max(live) > 1:
        r.problem("callees.live_answer", "probabilities must be at most 1")
        live = None
    out: dict[str, Any] = {"live_answer": live}
    for key in ("answering_machine", "busy", "invalid"):
        out[key] = r.number(t, key, f"callees.{key}", default=0.0, high=1)
    for key, seconds in (
        ("time_to_answer", None),
        ("machine_detection", 3),
        ("busy_after", 4),
        ("invalid_after", 2),
    ):
        out[key] = _distribution(r, t.get(key, seconds), f"callees.{key}", DURATION)
    others = [out[k] for k in ("answering_machine", "busy", "invalid")]
    if live is not None and None not in others:
        worst = max(live) + sum(others)
        if worst > 1 + 1e-9:
            r.problem(
                "callees",
                f"live_answer + answering_machine + busy + invalid must be at most 1 in every hour, "
                f"they add up to {worst:g}",
            )
    return out


def _handling(r: Reader, t: dict[str, Any]) -> dict[str, Any]:
    r.only(t, ("talk", "wrap_up"), "handling")
    return {
        "talk": _distribution(r, t.get("talk"), "handling.talk", DURATION),
        "wrap_up": _distribution(r, t.get("wrap_up", 0), "handling.wrap_up", DURATION),
    }


def _shift(r: Reader, g: Any, path: str) -> dict[str, Any]:
    if not isinstance(g, dict):
        r.problem(path, 'must be a table such as { name = "Ranní", count = 10, shift = [8, 16] }')
        return {"name": "", "count": 0, "shift": (0.0, 0.0)}
    r.only(g, ("name", "count", "shift"), path)
    shift = g.get("shift", [8, 16])
    good = (
        isinstance(shift, list)
        and len(shift) == 2
        and all(isinstance(x, int | float) and not isinstance(x, bool) for x in shift)
        and 0 <= shift[0] < shift[1] <= 24
    )
    if not good:
        r.problem(f"{path}.shift", "must be [start, end] in hours of the day, 0 <= start < end <= 24")
        shift = [0, 0]
    return {
        "name": r.text(g, "name", f"{path}.name", default="Operátor"),
        "count": r.number(g, "count", f"{path}.count", low=1, high=10_000, integer=True),
        "shift": (float(shift[0]), float(shift[1])),
    }


def _pacing(r: Reader, t: dict[str, Any]) -> dict[str, Any]:
    r.only(t, [key for key, *_ in PACING], "pacing")
    out = {}
    for key, default, low, high in PACING:
        value = r.number(t, key, f"pacing.{key}", default=default, low=low, high=high)
        out[key] = default if value is None or not math.isfinite(value) else float(value)
    return out
