"""Supervisor alerts (RT-06): the alert rules checked against the live view, and the open alerts
kept in step with what the rules find. Pure: the caller passes the view, the rules and ``now``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import attrs

from kc_domain.messages import LiveView
from kc_domain.supervision.model import AGENT_KINDS, Alert, AlertKind, AlertRule, Severity

_PLACES = 4  # rounding of percentages before comparing them, against float noise (0.57 * 100)


@attrs.frozen
class Condition:
    """A rule's threshold crossed by one subject now. ``value`` is the seconds observed, or the
    service level in percent (one decimal); ``limit`` is the limit that applied, after defaults."""

    rule_id: int
    kind: AlertKind
    subject: str  # "queue:<id>" or "agent:<id>"
    severity: Severity
    queue_id: int | None
    agent_id: int | None
    value: float
    limit: float
    detail: str = ""  # the pause code for LONG_PAUSE, the caller for LONG_CALL

    @property
    def key(self) -> tuple[int, str]:
        return (self.rule_id, self.subject)


@attrs.frozen
class Changes:
    """What ``reconcile`` did: alerts to store as new, and open alerts it has just cleared."""

    raised: list[Alert]
    cleared: list[Alert]


def conditions(
    view: LiveView, rules: Iterable[AlertRule], pause_limits_s: Mapping[str, int], now: datetime
) -> list[Condition]:
    """Every active rule checked against the live view (its queues and agents as ``live.snapshot``
    makes them, docs/messages.md); sorted by (rule_id,
    subject), each subject at most once per rule. Limits are crossed strictly: a wait of exactly
    the limit, or a service level exactly at it, does not alert. Rules not yet stored (no id) are
    skipped, as an alert could not refer to them."""
    found: dict[tuple[int, str], Condition] = {}
    queues: list[Mapping[str, Any]] = list(view.queues)
    agents: list[Mapping[str, Any]] = [a for a in view.agents if a.get("state") != "logged_out"]
    for rule in rules:
        if not rule.active or rule.id is None:
            continue
        if rule.kind in AGENT_KINDS:
            in_scope = [a for a in agents if rule.queue_id is None or rule.queue_id in a.get("queues", [])]
            checks = (_agent_condition(rule, rule.id, a, pause_limits_s, now) for a in in_scope)
        else:
            in_scope = [q for q in queues if rule.queue_id is None or q["queue_id"] == rule.queue_id]
            checks = (_queue_condition(rule, rule.id, q) for q in in_scope)
        for condition in checks:
            if condition is not None:
                found.setdefault(condition.key, condition)
    return sorted(found.values(), key=lambda c: c.key)


def _queue_condition(rule: AlertRule, rule_id: int, queue: Mapping[str, Any]) -> Condition | None:
    queue_id: int = queue["queue_id"]
    if rule.kind == AlertKind.LONG_WAIT:
        value = float(queue.get("longest_wait_s") or 0.0)
        limit = float(rule.limit)
        if not value > limit:
            return None
    elif rule.kind == AlertKind.LOW_SERVICE_LEVEL:
        today: Mapping[str, Any] = queue.get("today") or {}
        level = today.get("service_level")
        if level is None or (today.get("offered") or 0) < rule.min_offered:
            return None
        limit = float(rule.limit) if rule.limit else round(float(queue.get("sl_target") or 0) * 100, _PLACES)
        if not round(level * 100, _PLACES) < limit:
            return None
        value = round(level * 100, 1)
    else:  # pragma: no cover - every queue kind is handled above
        return None
    return Condition(
        rule_id=rule_id,
        kind=rule.kind,
        subject=f"queue:{queue_id}",
        severity=rule.severity,
        queue_id=queue_id,
        agent_id=None,
        value=value,
        limit=limit,
    )


def _agent_condition(
    rule: AlertRule, rule_id: int, agent: Mapping[str, Any], pause_limits_s: Mapping[str, int], now: datetime
) -> Condition | None:
    state = agent.get("state")
    detail = ""
    limit = float(rule.limit)
    if rule.kind == AlertKind.LONG_CALL:
        call: Mapping[str, Any] | None = agent.get("call")
        if state != "busy" or not call or not call.get("answered_at"):
            return None
        start, detail = call["answered_at"], call.get("caller") or ""
    elif rule.kind == AlertKind.LONG_WRAP_UP:
        if state != "wrap_up":
            return None
        start = agent.get("since")
    elif rule.kind == AlertKind.LONG_PAUSE:
        if state != "paused":
            return None
        start, detail = agent.get("since"), agent.get("pause_code") or ""
        if not limit:
            limit = float(pause_limits_s.get(detail, 0))
        if not limit:  # the code has no maximum: only an explicit limit watches it
            return None
    else:  # pragma: no cover - every agent kind is handled above
        return None
    if not start:
        return None
    seconds = (now - datetime.fromisoformat(start)).total_seconds()
    if not seconds > limit:
        return None
    agent_id: int = agent["agent_id"]
    return Condition(
        rule_id=rule_id,
        kind=rule.kind,
        subject=f"agent:{agent_id}",
        severity=rule.severity,
        queue_id=rule.queue_id,
        agent_id=agent_id,
        value=round(seconds, 1),
        limit=limit,
        detail=detail,
    )


def reconcile(open_alerts: Iterable[Alert], current: Iterable[Condition], now: datetime) -> Changes:
    """Raise an Alert for each condition without an open alert of the same (rule_id, subject); clear
    (set ``cleared_at = now`` on the given object, and return it) each open alert whose condition
    is gone. An alert acknowledged but still on stays open: acknowledging does not clear it. Alerts
    already cleared among ``open_alerts`` are ignored."""
    still_open = [a for a in open_alerts if a.open]
    open_keys = {(a.rule_id, a.subject) for a in still_open}
    raised: list[Alert] = []
    seen: set[tuple[int, str]] = set()
    for condition in current:
        if condition.key in seen:
            continue
        seen.add(condition.key)
        if condition.key not in open_keys:
            raised.append(_alert(condition, now))
    cleared: list[Alert] = []
    for alert in still_open:
        if (alert.rule_id, alert.subject) not in seen:
            alert.cleared_at = now
            cleared.append(alert)
    return Changes(raised=raised, cleared=cleared)


def _alert(condition: Condition, now: datetime) -> Alert:
    return Alert(
        rule_id=condition.rule_id,
        kind=condition.kind,
        subject=condition.subject,
        severity=condition.severity,
        queue_id=condition.queue_id,
        agent_id=condition.agent_id,
        value=condition.value,
        limit=condition.limit,
        detail=condition.detail,
        raised_at=now,
    )


def acknowledge(alert: Alert, user_id: int, now: datetime) -> None:
    """Mark the alert acknowledged by the supervisor. A second acknowledgement keeps the first;
    acknowledging a cleared alert is allowed (it stays in the history)."""
    if alert.acknowledged_at is not None:
        return
    alert.acknowledged_at = now
    alert.acknowledged_by = user_id
