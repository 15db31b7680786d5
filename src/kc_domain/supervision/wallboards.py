"""The wallboard (WB-01): its kiosk token and what a wallboard shows of the live view.

A kiosk token lets a screen show one wallboard without an interactive sign-in. Only the token's
SHA-256 is stored; the token itself is shown once, when it is issued.

``wallboard_view`` narrows the engine's live view (``kc_domain.routing.live.snapshot``) to the
wallboard's queues, sums them, and drops everything a wall screen must not show (agents' names,
callers, calls): a wallboard shows counts only. Colour levels ("ok", "warn", "alarm") are
computed here by the wallboard's thresholds, so the screen only paints them.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from kc_domain.metrics import service_level
from kc_domain.supervision.model import Wallboard, WallboardLayout

AGENT_STATES = ("ready", "ringing", "busy", "wrap_up", "paused")
"""The states of signed-in agents a wallboard counts (logged-out agents are not counted)."""

BUSY_STATES = frozenset({"ringing", "busy"})
"""What the wallboard calls "busy": ringing or on a call ("free" is ready)."""

SL_AMBER_MARGIN = 0.05
"""The service level is amber when at most this much (5 points) above its target; red under it."""

CHATS_ANSWERED = "chats_answered"
"""The key of today's answered chats in a queue's ``today``, once the live view has chats (it does
not yet): a wallboard shows the figure only when the key is there."""

OK, WARN, ALARM = "ok", "warn", "alarm"


def new_kiosk_token() -> tuple[str, str]:
    """A new kiosk token and its SHA-256 hex digest (store the digest, show the token once)."""
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def matches(wallboard: Wallboard, token: str) -> bool:
    """Whether ``token`` opens ``wallboard``: never without a token, nor for an inactive one."""
    if not wallboard.active or not wallboard.kiosk_token_hash or not token:
        return False
    return hmac.compare_digest(token_hash(token), wallboard.kiosk_token_hash)


def by_token(wallboards: Iterable[Wallboard], token: str) -> Wallboard | None:
    """The active wallboard ``token`` opens, or None."""
    found = None
    for wallboard in wallboards:  # no early exit: the time does not tell which one matched
        if matches(wallboard, token):
            found = wallboard
    return found


def layouts(wallboard: Wallboard) -> list[str]:
    """The wallboard's layouts in the order of ``WallboardLayout``."""
    return [layout.value for layout in WallboardLayout if layout in wallboard.layouts]


def waiting_level(waiting: int, wallboard: Wallboard) -> str:
    if waiting >= wallboard.waiting_alarm:
        return ALARM
    return WARN if waiting >= wallboard.waiting_warn else OK


def wait_level(seconds: float, wallboard: Wallboard) -> str:
    if seconds >= wallboard.wait_alarm_s:
        return ALARM
    return WARN if seconds >= wallboard.wait_warn_s else OK


def sl_level(service_level: float | None, target: float | None) -> str:
    """Red under the target, amber up to 5 points above it, green above; "ok" when unknown."""
    if service_level is None or target is None:
        return OK
    if service_level < target - 1e-9:
        return ALARM
    return WARN if service_level < target + SL_AMBER_MARGIN - 1e-9 else OK


def wallboard_view(view: Mapping[str, Any], wallboard: Wallboard) -> dict[str, Any]:
    """What ``wallboard`` shows of the live ``view``: its queues (all when it names none), their
    sum, the agents signed into any of them by state (each agent once), and its settings."""
    wanted = wallboard.queue_ids
    queues = [q for q in view.get("queues", ()) if not wanted or q.get("queue_id") in wanted]
    ids = {q["queue_id"] for q in queues}
    states: Counter[str] = Counter()
    for agent in view.get("agents", ()):
        state = agent.get("state")
        if state in AGENT_STATES and ids.intersection(agent.get("queues") or ()):
            states[state] += 1
    shown = [_queue(q, wallboard) for q in queues]
    waiting = sum(q["waiting"] for q in shown)
    longest = max((q["longest_wait_s"] for q in shown), default=0.0)
    today = sum_today([q["today"] for q in shown])
    target = _target(shown)
    total = {
        "waiting": waiting,
        "longest_wait_s": longest,
        "callbacks_waiting": sum(q["callbacks_waiting"] for q in shown),
        "agents": {state: states.get(state, 0) for state in AGENT_STATES},
        "free": states.get("ready", 0),
        "busy": sum(states.get(s, 0) for s in BUSY_STATES),
        "sl_target": target,
        "today": today,
        "levels": {
            "waiting": waiting_level(waiting, wallboard),
            "longest": wait_level(longest, wallboard),
            "sl": sl_level(today["service_level"], target),
        },
    }
    return {
        "at": view.get("at"),
        "wallboard": {
            "id": wallboard.id,
            "name": wallboard.name,
            "layouts": layouts(wallboard),
            "rotate_s": wallboard.rotate_s,
            "waiting_warn": wallboard.waiting_warn,
            "waiting_alarm": wallboard.waiting_alarm,
            "wait_warn_s": wallboard.wait_warn_s,
            "wait_alarm_s": wallboard.wait_alarm_s,
        },
        "queues": shown,
        "total": total,
    }


def _queue(queue: Mapping[str, Any], wallboard: Wallboard) -> dict[str, Any]:
    today = today_figures(queue.get("today") or {})
    waiting = int(queue.get("waiting", 0))
    longest = float(queue.get("longest_wait_s", 0.0))
    target = queue.get("sl_target")
    agents = queue.get("agents") or {}
    return {
        "queue_id": queue["queue_id"],
        "name": queue.get("name", ""),
        "waiting": waiting,
        "longest_wait_s": longest,
        "callbacks_waiting": int(queue.get("callbacks_waiting", 0)),
        "sl_threshold_s": queue.get("sl_threshold_s"),
        "sl_target": target,
        "agents": {state: int(agents.get(state, 0)) for state in AGENT_STATES},
        "today": today,
        "levels": {
            "waiting": waiting_level(waiting, wallboard),
            "longest": wait_level(longest, wallboard),
            "sl": sl_level(today["service_level"], target),
        },
    }


_COUNTS = ("offered", "answered", "answered_in_sl", "lost", "overflowed")


def today_figures(today: Mapping[str, Any]) -> dict[str, Any]:
    """A queue's day, only the figures a wallboard shows."""
    plain: dict[str, Any] = {name: int(today.get(name, 0)) for name in _COUNTS}
    plain["service_level"] = today.get("service_level")
    plain["asa_s"] = today.get("asa_s")
    plain["hours"] = [
        {k: int(h.get(k, 0)) for k in ("hour", "offered", "answered", "lost")} for h in today.get("hours", ())
    ]
    if CHATS_ANSWERED in today:  # chats: only once the live view has them
        plain[CHATS_ANSWERED] = int(today[CHATS_ANSWERED])
    return plain


def sum_today(days: list[dict[str, Any]]) -> dict[str, Any]:
    total: dict[str, Any] = {name: sum(d[name] for d in days) for name in _COUNTS}
    answered = total["answered"]
    total["service_level"] = service_level(total["answered_in_sl"], answered + total["lost"])
    waited = sum((d["asa_s"] or 0.0) * d["answered"] for d in days)
    total["asa_s"] = round(waited / answered, 1) if answered else None
    hours: dict[int, Counter[str]] = {}
    for day in days:
        for h in day["hours"]:
            hours.setdefault(h["hour"], Counter()).update({k: h[k] for k in ("offered", "answered", "lost")})
    total["hours"] = [
        {"hour": hour, "offered": c["offered"], "answered": c["answered"], "lost": c["lost"]}
        for hour, c in sorted(hours.items())
    ]
    if any(CHATS_ANSWERED in d for d in days):
        total[CHATS_ANSWERED] = sum(d.get(CHATS_ANSWERED, 0) for d in days)
    return total


def _target(queues: list[dict[str, Any]]) -> float | None:
    """The service-level target of several queues: weighted by today's offered calls, or the plain
    mean while nothing was offered; None without queues."""
    targets = [
        (float(q["sl_target"]), int(q["today"]["offered"])) for q in queues if q["sl_target"] is not None
    ]
    if not targets:
        return None
    offered = sum(n for _t, n in targets)
    if offered:
        return round(sum(t * n for t, n in targets) / offered, 4)
    return round(sum(t for t, _n in targets) / len(targets), 4)
