"""The scenario file's schema: every key, its type, range and default, checked in one pass.

``parse_scenario`` returns (problems, values); the values are only meaningful without problems.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from apps.simulator.checks import Reader
from kc_domain.routing.policy import Strategy

MAX_HOURS = 366 * 24  # a year
MAX_CALLS = 2_000_000  # expected arrivals per run: a bigger run is surely a typo in the rates
HOURLY = "must be a non-negative number or a list of 24 non-negative numbers"
TOP = ("name", "seed", "start_date", "duration_hours", "warmup_hours", "repeat_callers")
QUEUE_KEYS = (
    "id",
    "name",
    "strategy",
    "wrap_up_s",
    "sl_threshold_s",
    "rona_timeout_s",
    "max_wait_s",
    "sticky_wait_s",
    "arrivals_per_hour",
    "handling",
    "patience",
)


def parse_scenario(raw: dict[str, Any]) -> tuple[list[tuple[str, str]], dict[str, Any]]:
    r = Reader()
    r.only(raw, (*TOP, "robots", "queues", "agents"), "")
    v: dict[str, Any] = {
        "name": r.text(raw, "name", "name", default="scenario"),
        "seed": r.number(raw, "seed", "seed", default=1, integer=True),
        "start_date": _date(r, raw),
        "warmup_hours": r.number(raw, "warmup_hours", "warmup_hours", default=0),
        "repeat_callers": r.number(raw, "repeat_callers", "repeat_callers", default=0, high=0.99),
    }
    duration = raw.get("duration_hours")
    if duration == "day":
        v["duration_hours"] = 24.0
    else:
        v["duration_hours"] = r.number(
            raw, "duration_hours", "duration_hours", low=0, low_open=True, high=MAX_HOURS
        )
        if isinstance(duration, str):
            r.problems[-1] = ("duration_hours", f'must be a number of hours or "day", got {duration!r}')
    hours = v["duration_hours"] or 0.0
    if v["warmup_hours"] is not None and hours and v["warmup_hours"] >= hours:
        r.problem("warmup_hours", f"must be shorter than duration_hours ({hours:g})")
    v["robots"] = _robots(r, r.table(raw, "robots", "robots", required=False))
    v["queues"] = [_queue(r, q, f"queues[{i}]") for i, q in enumerate(_tables(r, raw, "queues"))]
    v["agents"] = [_group(r, g, f"agents[{i}]", hours) for i, g in enumerate(_tables(r, raw, "agents"))]
    _cross_checks(r, v)
    return r.problems, v


def _date(r: Reader, raw: dict[str, Any]) -> date | None:
    value = raw.get("start_date")
    if isinstance(value, date) and not hasattr(value, "hour"):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    r.problem("start_date", "is required" if value is None else "must be a date such as 2025-03-04")
    return None


def _tables(r: Reader, raw: dict[str, Any], key: str) -> list[dict[str, Any]]:
    items = r.array(raw, key, key)
    good = []
    for i, item in enumerate(items):
        if isinstance(item, dict):
            good.append(item)
        else:
            r.problem(f"{key}[{i}]", "must be a table")
    return good


def _queue(r: Reader, q: dict[str, Any], path: str) -> dict[str, Any]:
    r.only(q, QUEUE_KEYS, path)
    strategies = [s.value for s in Strategy]

    def num(key: str, default: float | None, low: float = 0, high: float = math.inf) -> Any:
        return r.number(q, key, f"{path}.{key}", default=default, low=low, high=high, integer=True)

    return {
        "id": num("id", None, 1),
        "name": r.text(q, "name", f"{path}.name"),
        "strategy": r.text(q, "strategy", f"{path}.strategy", default="skill_first", choices=strategies),
        "wrap_up_s": num("wrap_up_s", 30, 0, 3600),
        "sl_threshold_s": num("sl_threshold_s", 20, 1, 3600),
        "rona_timeout_s": num("rona_timeout_s", 20, 1, 600),
        "max_wait_s": num("max_wait_s", 0, 0, 86_400),
        "sticky_wait_s": num("sticky_wait_s", 0, 0, 3600),
        "arrivals_per_hour": _hourly(r, q.get("arrivals_per_hour"), f"{path}.arrivals_per_hour"),
        "handling": _distribution(
            r, q.get("handling"), f"{path}.handling", ("exponential", "lognormal", "fixed")
        ),
        "patience": _distribution(r, q.get("patience", "none"), f"{path}.patience", ("exponential", "none")),
    }


def _hourly(r: Reader, value: Any, path: str) -> tuple[float, ...] | None:
    def ok(x: Any) -> bool:
        return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x) and x >= 0

    if value is None:
        r.problem(path, "is required")
    elif isinstance(value, list):
        if len(value) == 24 and all(ok(x) for x in value):
            return tuple(float(x) for x in value)
        r.problem(path, "must be a list of 24 non-negative numbers")
    elif ok(value):
        return (float(value),) * 24
    else:
        r.problem(path, HOURLY)
    return None


def _distribution(r: Reader, value: Any, path: str, kinds: tuple[str, ...]) -> dict[str, Any] | None:
    if value == "none" and "none" in kinds:
        return {"kind": "none"}
    if isinstance(value, int | float) and not isinstance(value, bool) and "fixed" in kinds:
        seconds = r.number({"s": value}, "s", path)
        return None if seconds is None else {"kind": "fixed", "mean_s": seconds}
    if not isinstance(value, dict):
        r.problem(
            path,
            "is required" if value is None else f"must be a table with distribution = {' | '.join(kinds)}",
        )
        return None
    kind = r.text(value, "distribution", f"{path}.distribution", choices=kinds)
    keys = {"fixed": ("seconds",), "exponential": ("mean_s",), "lognormal": ("mean_s", "sd_s"), "none": ()}
    r.only(value, ("distribution", *keys.get(kind or "", ("seconds", "mean_s", "sd_s"))), path)
    if kind == "fixed":
        seconds = r.number(value, "seconds", f"{path}.seconds")
        return None if seconds is None else {"kind": kind, "mean_s": seconds}
    if kind in ("exponential", "lognormal"):
        mean = r.number(value, "mean_s", f"{path}.mean_s", low=0, low_open=True)
        sd = r.number(value, "sd_s", f"{path}.sd_s", low=0, low_open=True) if kind == "lognormal" else 0.0
        return None if mean is None or sd is None else {"kind": kind, "mean_s": mean, "sd_s": sd}
    return None if kind is None else {"kind": kind}


def _robots(r: Reader, t: dict[str, Any]) -> dict[str, Any]:
    r.only(t, ("ring_time", "rona_probability", "rona_pause_s"), "robots")
    return {
        "ring_time": _distribution(r, t.get("ring_time", 0), "robots.ring_time", ("fixed", "exponential")),
        "rona_probability": r.number(t, "rona_probability", "robots.rona_probability", default=0, high=1),
        "rona_pause_s": r.number(t, "rona_pause_s", "robots.rona_pause_s", default=30, high=86_400),
    }


def _group(r: Reader, g: dict[str, Any], path: str, hours: float) -> dict[str, Any]:
    r.only(g, ("name", "count", "names", "skills", "shift"), path)
    name = r.text(g, "name", f"{path}.name") or ""
    names: tuple[str, ...] = ()
    if ("count" in g) == ("names" in g):
        r.problem(path, "needs either count (a number of agents) or names (a list of agent names)")
    elif "count" in g:
        count = r.number(g, "count", f"{path}.count", low=1, high=10_000, integer=True)
        width = len(str(int(count or 1)))
        names = tuple(f"{name} {n:0{width}d}" for n in range(1, int(count or 0) + 1))
    elif isinstance(g["names"], list) and g["names"] and all(isinstance(n, str) and n for n in g["names"]):
        names = tuple(g["names"])
    else:
        r.problem(f"{path}.names", "must be a non-empty list of agent names")
    skills = []
    for i, s in enumerate(r.array(g, "skills", f"{path}.skills")):
        where = f"{path}.skills[{i}]"
        if not isinstance(s, dict):
            r.problem(where, "must be a table such as { queue = 1, level = 5, priority = 1 }")
            continue
        r.only(s, ("queue", "level", "priority"), where)
        skills.append(
            {
                "queue": r.number(s, "queue", f"{where}.queue", low=1, integer=True),
                "level": r.number(s, "level", f"{where}.level", default=5, low=1, high=10, integer=True),
                "priority": r.number(
                    s, "priority", f"{where}.priority", default=5, low=1, high=10, integer=True
                ),
            }
        )
    return {"name": name, "names": names, "skills": skills, "shift": _shift(r, g.get("shift"), path, hours)}


def _shift(r: Reader, value: Any, path: str, hours: float) -> tuple[float, float]:
    if value is None:
        return (0.0, hours)
    if (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(x, int | float) and not isinstance(x, bool) for x in value)
        and 0 <= value[0] < value[1] <= MAX_HOURS
    ):
        return (float(value[0]), float(value[1]))
    r.problem(f"{path}.shift", "must be [start, end] in hours from midnight of start_date, 0 <= start < end")
    return (0.0, 0.0)


def _cross_checks(r: Reader, v: dict[str, Any]) -> None:
    seen: dict[int, int] = {}
    for i, q in enumerate(v["queues"]):
        if q["id"] is not None and seen.setdefault(q["id"], i) != i:
            r.problem(f"queues[{i}].id", f"duplicate queue id {q['id']} (also queues[{seen[q['id']]}])")
    staffed: set[int] = set()
    for i, g in enumerate(v["agents"]):
        queues = [s["queue"] for s in g["skills"]]
        for j, queue_id in enumerate(queues):
            if queue_id is None:
                continue
            if queue_id not in seen:
                r.problem(f"agents[{i}].skills[{j}].queue", f"no queue has id {queue_id}")
            elif queues.index(queue_id) != j:
                r.problem(f"agents[{i}].skills[{j}].queue", f"queue {queue_id} is listed twice")
            staffed.add(queue_id)
    for i, q in enumerate(v["queues"]):
        if (
            q["id"] is not None
            and q["arrivals_per_hour"]
            and any(q["arrivals_per_hour"])
            and q["id"] not in staffed
        ):
            r.problem(
                f"queues[{i}]",
                f"no agent has a skill for queue {q['id']} ({q['name']}), its calls would wait forever",
            )
    hours = v["duration_hours"]
    if hours and all(q["arrivals_per_hour"] for q in v["queues"]):
        expected = sum(q["arrivals_per_hour"][h % 24] for q in v["queues"] for h in range(math.ceil(hours)))
        if expected > MAX_CALLS:
            r.problem("queues", f"about {expected:,.0f} calls expected, more than {MAX_CALLS:,} per run")
