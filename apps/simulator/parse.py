"""The scenario file's schema: every key, its type, range and default, checked in one pass.

``parse_scenario`` returns (problems, values); the values are only meaningful without problems.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from apps.simulator.checks import Reader
from kc_domain.errors import FieldError, ValidationFailed
from kc_domain.ivr import validation
from kc_domain.ivr.model import CollectDigits, IvrTree, Menu, RouteToQueue, tree_from_plain
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
    "announce_every_s",
    "announce_position",
    "announce_wait",
    "callback_key",
    "voicemail_key",
)
IVR_KEYS = ("number", "tree", "arrivals_per_hour", "choices")
CALLER_KEYS = (
    "callback_acceptance",
    "callback_preferred",
    "voicemail_acceptance",
    "callback_answer_rate",
    "callback_no_answer_s",
    "prompt_chars_per_s",
    "voicemail_message",
)
DTMF = "0123456789*#"
NO_KEY, HANG_UP = "none", "hangup"  # the caller presses nothing (a timeout) / hangs up at the node
SUM_TOLERANCE = 1e-6


def parse_scenario(
    raw: dict[str, Any], base: Path | None = None
) -> tuple[list[tuple[str, str]], dict[str, Any]]:
    """``base``: the scenario file's directory, against which IVR tree files are found."""
    r = Reader()
    r.only(raw, (*TOP, "robots", "callers", "queues", "ivr", "agents"), "")
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
    v["callers"] = _callers(r, r.table(raw, "callers", "callers", required=False))
    v["queues"] = [_queue(r, q, f"queues[{i}]") for i, q in enumerate(_tables(r, raw, "queues"))]
    ivrs = _tables(r, raw, "ivr") if "ivr" in raw else []
    v["ivr"] = [_ivr(r, x, f"ivr[{i}]", base or Path.cwd()) for i, x in enumerate(ivrs)]
    v["agents"] = [_group(r, g, f"agents[{i}]", hours) for i, g in enumerate(_tables(r, raw, "agents"))]
    _cross_checks(r, v)
    _ivr_checks(r, v)
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
        **_announcements(r, q, path),
    }


def _announcements(r: Reader, q: dict[str, Any], path: str) -> dict[str, Any]:
    """IN-10, IN-08, IN-09: the ranges of ``kc_domain.organisation.model.Queue.problems``."""
    every = r.number(q, "announce_every_s", f"{path}.announce_every_s", default=0, integer=True)
    if every and not 15 <= every <= 900:
        r.problem(
            f"{path}.announce_every_s", f"must be 0 (never) or an integer >= 15 and <= 900, got {every}"
        )
        every = None
    out: dict[str, Any] = {
        "announce_every_s": every,
        "announce_position": _flag(r, q, "announce_position", f"{path}.announce_position"),
        "announce_wait": _flag(r, q, "announce_wait", f"{path}.announce_wait"),
    }
    for key in ("callback_key", "voicemail_key"):
        value = q.get(key, "")
        if not isinstance(value, str) or (value and (len(value) != 1 or value not in DTMF)):
            r.problem(
                f"{path}.{key}", f'must be one DTMF key (0-9, * or #) or "" (not offered), got {value!r}'
            )
            value = ""
        out[key] = value
    if out["callback_key"] and out["callback_key"] == out["voicemail_key"]:
        r.problem(f"{path}.voicemail_key", f"must differ from callback_key ({out['callback_key']!r})")
    return out


def _flag(r: Reader, table: dict[str, Any], key: str, path: str, default: bool = True) -> bool:
    value = table.get(key, default)
    if not isinstance(value, bool):
        r.problem(path, f"must be true or false, got {value!r}")
        return default
    return value


def _callers(r: Reader, t: dict[str, Any]) -> dict[str, Any]:
    r.only(t, CALLER_KEYS, "callers")

    def p(key: str, default: float) -> Any:
        return r.number(t, key, f"callers.{key}", default=default, high=1)

    return {
        "callback_acceptance": p("callback_acceptance", 0),
        "callback_preferred": p("callback_preferred", 0),
        "voicemail_acceptance": p("voicemail_acceptance", 0),
        "callback_answer_rate": p("callback_answer_rate", 1),
        "callback_no_answer_s": r.number(
            t, "callback_no_answer_s", "callers.callback_no_answer_s", default=25, low=1, high=600
        ),
        "prompt_chars_per_s": r.number(
            t, "prompt_chars_per_s", "callers.prompt_chars_per_s", default=15, low=0, low_open=True, high=1000
        ),
        "voicemail_message": _distribution(
            r,
            t.get("voicemail_message", 20),
            "callers.voicemail_message",
            ("fixed", "exponential", "lognormal"),
        ),
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


# -- IVR trees -------------------------------------------------------------------------------------
REASONS = {
    "required": "is required",
    "unknown_field": "unknown key",
    "unknown_node": "no node {node!r} in the tree",
    "unknown_queue": "no queue has id {queue}",
    "unknown_tree": "no IVR tree is called {tree!r}",
    "unreachable": "node {node!r} cannot be reached from the start",
    "duplicate": "duplicate node id {node!r}",
    "invalid_type": "must be {expected}",
    "invalid_choice": "not allowed: {value!r}",
    "invalid_digit": "{digit!r} is not a DTMF key",
    "too_small": "must be at least {min}",
    "empty": "must not be empty",
}


def _reason(error: FieldError) -> str:
    template = REASONS.get(error.code)
    try:
        return template.format(**error.params) if template else _coded(error)
    except (KeyError, IndexError):
        return _coded(error)


def _coded(error: FieldError) -> str:
    params = ", ".join(f"{k}={v!r}" for k, v in sorted(error.params.items()))
    return f"{error.code} ({params})" if params else error.code


def _ivr(r: Reader, x: dict[str, Any], path: str, base: Path) -> dict[str, Any]:
    r.only(x, IVR_KEYS, path)
    choices = x.get("choices", {})
    if not isinstance(choices, dict):
        r.problem(f"{path}.choices", "must be a table of node id = { key = probability, ... }")
        choices = {}
    number = r.text(x, "number", f"{path}.number")
    if number is not None and not all(c.isdigit() or c == "+" for c in number):
        r.problem(f"{path}.number", f"must be a telephone number (digits, may start with +), got {number!r}")
    return {
        "number": number,
        "tree": _tree(r, x.get("tree"), f"{path}.tree", base),
        "arrivals_per_hour": _hourly(r, x.get("arrivals_per_hour"), f"{path}.arrivals_per_hour"),
        "file": Path(x["tree"]).name if isinstance(x.get("tree"), str) else "",
        "raw_choices": choices,
        "choices": {},
    }


def _tree(r: Reader, value: Any, path: str, base: Path) -> IvrTree | None:
    """A tree in the plain format of ``kc_domain.ivr.model.tree_from_plain``: a table, or the path of a
    JSON file relative to the scenario file."""
    file_name = ""
    if isinstance(value, str) and value.strip():
        file = base / value
        try:
            value = json.loads(file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            r.problem(path, f"no such IVR tree file: {file}")
            return None
        except (OSError, UnicodeDecodeError, ValueError) as error:
            r.problem(path, f"cannot read the IVR tree {file}: {error}")
            return None
        file_name = file.name
    elif not isinstance(value, dict):
        r.problem(path, "is required" if value is None else "must be a JSON file name or a table")
        return None
    try:
        return tree_from_plain(value)
    except ValidationFailed as error:
        _tree_problems(r, path, file_name, error.errors)
        return None


def _tree_problems(r: Reader, path: str, file_name: str, errors: Any) -> None:
    """Problems inside a tree: ``ivr[0].tree.nodes[2].next`` for a table, ``ivr[0].tree`` with the file
    and the field in the reason for a JSON file."""
    for e in errors:
        if file_name:
            r.problem(path, f"{file_name}: {e.field}: {_reason(e)}")
        else:
            r.problem(f"{path}.{e.field}", _reason(e))


def _ivr_checks(r: Reader, v: dict[str, Any]) -> None:
    """Across the IVR entries: unique numbers and tree names, each tree valid against the others and
    the queues, its queues staffed, the choice probabilities fitting its nodes."""
    queue_ids = {q["id"] for q in v["queues"] if q["id"] is not None}
    staffed = {s["queue"] for g in v["agents"] for s in g["skills"]}
    trees: dict[str, int] = {}
    numbers: dict[str, int] = {}
    for i, x in enumerate(v["ivr"]):
        if x["number"] is not None and numbers.setdefault(x["number"], i) != i:
            r.problem(
                f"ivr[{i}].number", f"duplicate number {x['number']} (also ivr[{numbers[x['number']]}])"
            )
        tree = x["tree"]
        if tree is not None and trees.setdefault(tree.name, i) != i:
            r.problem(
                f"ivr[{i}].tree.name", f"duplicate tree name {tree.name!r} (also ivr[{trees[tree.name]}])"
            )
    for i, x in enumerate(v["ivr"]):
        tree, path = x["tree"], f"ivr[{i}]"
        if tree is None:
            continue
        _tree_problems(r, f"{path}.tree", x["file"], validation.problems(tree, set(trees), queue_ids))
        if x["arrivals_per_hour"] and any(x["arrivals_per_hour"]):
            for node in tree.nodes:
                if isinstance(node, RouteToQueue) and not staffed & set(node.queue_ids):
                    r.problem(
                        f"{path}.tree",
                        f"node {node.id!r} routes to queues {list(node.queue_ids)} that no agent has a skill "
                        "for, its calls would wait forever",
                    )
        x["choices"] = _choices(r, x["raw_choices"], tree, f"{path}.choices")
    hours = v["duration_hours"]
    rates = [q["arrivals_per_hour"] for q in v["queues"]] + [x["arrivals_per_hour"] for x in v["ivr"]]
    if hours and v["ivr"] and all(rates):
        expected = sum(rate[h % 24] for rate in rates for h in range(math.ceil(hours)))
        if expected > MAX_CALLS:
            r.problem("ivr", f"about {expected:,.0f} calls expected, more than {MAX_CALLS:,} per run")


def _choices(r: Reader, raw: dict[str, Any], tree: IvrTree, path: str) -> dict[str, dict[str, Any]]:
    """Per menu or collect-digits node: ``{"keys": ((key, probability), ...), "digits": str}``.
    Menus without an entry get every key equally often; collections without one time out."""
    out: dict[str, dict[str, Any]] = {}
    for node in tree.nodes:
        if isinstance(node, Menu) and node.choices:
            keys = sorted(node.choices)
            out[node.id] = {"keys": tuple((k, 1 / len(keys)) for k in keys), "digits": ""}
        elif isinstance(node, CollectDigits):
            out[node.id] = {"keys": ((NO_KEY, 1.0),), "digits": ""}
    for node_id, table in raw.items():
        where = f"{path}.{node_id}"
        named = tree.node(node_id)
        if named is None:
            r.problem(where, f"no node {node_id!r} in tree {tree.name!r}")
            continue
        if not isinstance(named, Menu | CollectDigits):
            r.problem(
                where, f"is a {type(named).__name__} node; choices are for menu and collect_digits nodes"
            )
            continue
        if not isinstance(table, dict):
            r.problem(where, 'must be a table such as { "1" = 0.6, "2" = 0.3, none = 0.05, hangup = 0.05 }')
            continue
        parsed = (
            _menu_choices(r, table, named, where)
            if isinstance(named, Menu)
            else _digits(r, table, named, where)
        )
        if parsed is not None:
            out[node_id] = parsed
    return out


def _probabilities(
    r: Reader, table: Mapping[str, Any], keys: list[str], where: str
) -> list[tuple[str, float]] | None:
    pairs: list[tuple[str, float]] = []
    good = True
    for key in keys:
        value = r.number(
            dict(table), key, f'{where}."{key}"' if key not in (NO_KEY, HANG_UP) else f"{where}.{key}", high=1
        )
        if value is None:
            good = False
        else:
            pairs.append((key, float(value)))
    return pairs if good else None


def _menu_choices(r: Reader, table: dict[str, Any], node: Menu, where: str) -> dict[str, Any] | None:
    allowed = [*sorted(node.choices), NO_KEY, HANG_UP]
    unknown = [k for k in table if k not in allowed]
    for key in unknown:
        r.problem(f'{where}."{key}"', f"menu {node.id!r} has no key {key!r} (allowed: {', '.join(allowed)})")
    pairs = _probabilities(r, table, [k for k in table if k in allowed], where)
    if pairs is None or unknown:
        return None
    total = sum(p for _, p in pairs)
    if abs(total - 1) > SUM_TOLERANCE:
        r.problem(where, f"the probabilities must add up to 1, they add up to {total:g}")
        return None
    return {"keys": tuple(pairs), "digits": ""}


def _digits(r: Reader, table: dict[str, Any], node: CollectDigits, where: str) -> dict[str, Any] | None:
    r.only(table, ("digits", NO_KEY, HANG_UP), where)
    pairs = _probabilities(r, table, [k for k in (NO_KEY, HANG_UP) if k in table], where)
    digits = table.get("digits", "")
    if not isinstance(digits, str) or (digits and not digits.isdigit()):
        r.problem(f"{where}.digits", f"must be a string of the digits the caller keys in, got {digits!r}")
        return None
    if digits and not node.min_len <= len(digits) <= node.max_len:
        r.problem(
            f"{where}.digits",
            f"node {node.id!r} collects {node.min_len}-{node.max_len} digits, {digits!r} has {len(digits)}",
        )
        return None
    if pairs is None:
        return None
    rest = 1 - sum(p for _, p in pairs)
    if rest < -SUM_TOLERANCE:
        r.problem(where, f"none and hangup must add up to at most 1, they add up to {1 - rest:g}")
        return None
    if not digits and rest > SUM_TOLERANCE:
        r.problem(
            f"{where}.digits", "is required (what the caller keys in) unless none and hangup add up to 1"
        )
        return None
    keys = ([("digits", rest)] if digits and rest > 0 else []) + pairs
    return {"keys": tuple(keys), "digits": digits}
