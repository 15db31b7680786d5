"""Supervisor alerts (RT-06): rules checked against hand-made live views, and the open alerts kept
in step with them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kc_domain.messages import LiveView
from kc_domain.supervision.alerts import Changes, Condition, acknowledge, conditions, reconcile
from kc_domain.supervision.model import Alert, AlertKind, AlertRule, Severity

pytestmark = pytest.mark.req("RT-06")

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
PAUSE_LIMITS = {"lunch": 1800, "toilet": 600, "training": 0}


def ago(seconds: float) -> str:
    return (NOW - timedelta(seconds=seconds)).isoformat()


def queue(
    queue_id: int,
    *,
    longest: float = 0.0,
    target: float = 0.8,
    offered: int = 0,
    level: float | None = None,
) -> dict[str, Any]:
    return {
        "queue_id": queue_id,
        "name": f"Queue {queue_id}",
        "waiting": 1 if longest else 0,
        "longest_wait_s": longest,
        "callbacks_waiting": 0,
        "sl_threshold_s": 20,
        "sl_target": target,
        "agents": {},
        "today": {"offered": offered, "answered": offered, "service_level": level},
    }


def agent(
    agent_id: int,
    state: str = "ready",
    *,
    since: float | None = 0.0,
    queues: tuple[int, ...] = (1,),
    pause_code: str = "",
    answered: float | None = None,
    caller: str = "+420601000001",
) -> dict[str, Any]:
    call = None
    if state == "busy":
        call = {
            "call_id": f"c{agent_id}",
            "caller": caller,
            "queue_id": queues[0] if queues else None,
            "answered_at": ago(answered) if answered is not None else None,
        }
    return {
        "agent_id": agent_id,
        "name": f"Agent {agent_id}",
        "state": state,
        "pause_code": pause_code,
        "since": ago(since) if since is not None else None,
        "call": call,
        "queues": list(queues),
    }


def view(queues: list[dict[str, Any]] | None = None, agents: list[dict[str, Any]] | None = None) -> LiveView:
    return LiveView(at=NOW, queues=queues or [], total={}, agents=agents or [])


def rule(kind: AlertKind, limit: int, queue_id: int | None = None, rule_id: int = 1, **kw: Any) -> AlertRule:
    return AlertRule(name=f"rule {rule_id}", kind=kind, limit=limit, queue_id=queue_id, id=rule_id, **kw)


def check(live: dict[str, Any], *rules: AlertRule) -> list[Condition]:
    return conditions(live, rules, PAUSE_LIMITS, NOW)


# --- conditions: queue kinds ------------------------------------------------------------------------


def test_long_wait_over_the_limit_alerts() -> None:
    found = check(view([queue(1, longest=61.5)]), rule(AlertKind.LONG_WAIT, 60, severity=Severity.CRITICAL))
    assert found == [
        Condition(
            rule_id=1,
            kind=AlertKind.LONG_WAIT,
            subject="queue:1",
            severity=Severity.CRITICAL,
            queue_id=1,
            agent_id=None,
            value=61.5,
            limit=60.0,
        )
    ]
    assert found[0].key == (1, "queue:1")


@pytest.mark.parametrize("longest", [0.0, 59.9, 60.0])
def test_long_wait_at_or_under_the_limit_does_not_alert(longest: float) -> None:
    assert check(view([queue(1, longest=longest)]), rule(AlertKind.LONG_WAIT, 60)) == []


def test_rule_for_one_queue_ignores_the_others() -> None:
    live = view([queue(1, longest=100), queue(2, longest=100)])
    assert [c.subject for c in check(live, rule(AlertKind.LONG_WAIT, 60, queue_id=2))] == ["queue:2"]
    assert [c.subject for c in check(live, rule(AlertKind.LONG_WAIT, 60))] == ["queue:1", "queue:2"]


def test_low_service_level_under_the_limit_alerts() -> None:
    live = view([queue(1, offered=20, level=0.6543)])
    [found] = check(live, rule(AlertKind.LOW_SERVICE_LEVEL, 70, min_offered=10))
    assert (found.subject, found.value, found.limit, found.queue_id, found.agent_id) == (
        "queue:1",
        65.4,
        70.0,
        1,
        None,
    )


@pytest.mark.parametrize("level", [0.7, 0.9, None])
def test_low_service_level_at_or_over_the_limit_or_unknown_does_not_alert(level: float | None) -> None:
    live = view([queue(1, offered=20, level=level)])
    assert check(live, rule(AlertKind.LOW_SERVICE_LEVEL, 70)) == []


def test_low_service_level_limit_zero_uses_the_queue_target() -> None:
    live = view([queue(1, target=0.8, offered=20, level=0.79), queue(2, target=0.57, offered=20, level=0.57)])
    found = check(live, rule(AlertKind.LOW_SERVICE_LEVEL, 0))
    assert [(c.subject, c.value, c.limit) for c in found] == [("queue:1", 79.0, 80.0)]


def test_low_service_level_waits_for_min_offered() -> None:
    sl_rule = rule(AlertKind.LOW_SERVICE_LEVEL, 0, min_offered=10)
    assert check(view([queue(1, offered=9, level=0.2)]), sl_rule) == []
    assert [c.subject for c in check(view([queue(1, offered=10, level=0.2)]), sl_rule)] == ["queue:1"]


# --- conditions: agent kinds ------------------------------------------------------------------------


def test_long_call_over_the_limit_alerts_with_the_caller() -> None:
    live = view(agents=[agent(7, "busy", answered=301, caller="+420777123456")])
    assert check(live, rule(AlertKind.LONG_CALL, 300, rule_id=3)) == [
        Condition(
            rule_id=3,
            kind=AlertKind.LONG_CALL,
            subject="agent:7",
            severity=Severity.WARNING,
            queue_id=None,
            agent_id=7,
            value=301.0,
            limit=300.0,
            detail="+420777123456",
        )
    ]


def test_long_call_at_the_limit_or_not_answered_does_not_alert() -> None:
    live = view(agents=[agent(7, "busy", answered=300), agent(8, "busy", answered=None), agent(9, "ringing")])
    assert check(live, rule(AlertKind.LONG_CALL, 300)) == []


def test_long_wrap_up() -> None:
    live = view(
        agents=[agent(1, "wrap_up", since=121), agent(2, "wrap_up", since=120), agent(3, "ready", since=999)]
    )
    found = check(live, rule(AlertKind.LONG_WRAP_UP, 120))
    assert [(c.subject, c.value, c.limit, c.detail) for c in found] == [("agent:1", 121.0, 120.0, "")]


def test_agent_without_since_does_not_alert() -> None:
    assert check(view(agents=[agent(1, "wrap_up", since=None)]), rule(AlertKind.LONG_WRAP_UP, 1)) == []


def test_long_pause_with_an_explicit_limit() -> None:
    live = view(agents=[agent(1, "paused", since=301, pause_code="training"), agent(2, "paused", since=300)])
    found = check(live, rule(AlertKind.LONG_PAUSE, 300))
    assert [(c.subject, c.value, c.limit, c.detail) for c in found] == [("agent:1", 301.0, 300.0, "training")]


def test_long_pause_limit_zero_uses_the_pause_code_maximum() -> None:
    live = view(
        agents=[
            agent(1, "paused", since=601, pause_code="toilet"),
            agent(2, "paused", since=1000, pause_code="lunch"),
            agent(3, "paused", since=1801, pause_code="lunch"),
            agent(4, "paused", since=600, pause_code="toilet"),
        ]
    )
    found = check(live, rule(AlertKind.LONG_PAUSE, 0))
    assert [(c.subject, c.limit, c.detail) for c in found] == [
        ("agent:1", 600.0, "toilet"),
        ("agent:3", 1800.0, "lunch"),
    ]


def test_long_pause_code_without_maximum_never_alerts_on_limit_zero() -> None:
    live = view(
        agents=[
            agent(1, "paused", since=86_000, pause_code="training"),  # maximum 0
            agent(2, "paused", since=86_000, pause_code="unknown"),  # no maximum at all
            agent(3, "paused", since=86_000, pause_code=""),
        ]
    )
    assert check(live, rule(AlertKind.LONG_PAUSE, 0)) == []


def test_agent_rule_for_a_queue_only_sees_agents_signed_into_it() -> None:
    live = view(
        agents=[
            agent(1, "wrap_up", since=500, queues=(1, 2)),
            agent(2, "wrap_up", since=500, queues=(2,)),
            agent(3, "wrap_up", since=500, queues=()),
        ]
    )
    found = check(live, rule(AlertKind.LONG_WRAP_UP, 60, queue_id=1))
    assert [(c.subject, c.queue_id, c.agent_id) for c in found] == [("agent:1", 1, 1)]
    everywhere = check(live, rule(AlertKind.LONG_WRAP_UP, 60))
    assert [(c.subject, c.queue_id) for c in everywhere] == [
        ("agent:1", None),
        ("agent:2", None),
        ("agent:3", None),
    ]


def test_logged_out_agents_are_ignored() -> None:
    assert check(view(agents=[agent(1, "logged_out", since=9999)]), rule(AlertKind.LONG_PAUSE, 1)) == []


def test_inactive_rules_are_ignored() -> None:
    live = view([queue(1, longest=500)], [agent(1, "paused", since=5000, pause_code="lunch")])
    assert (
        check(live, rule(AlertKind.LONG_WAIT, 60, active=False), rule(AlertKind.LONG_PAUSE, 0, active=False))
        == []
    )


def test_results_sorted_and_each_subject_once_per_rule() -> None:
    live = view([queue(2, longest=100), queue(1, longest=100), queue(1, longest=100)])
    found = check(live, rule(AlertKind.LONG_WAIT, 60, rule_id=5), rule(AlertKind.LONG_WAIT, 30, rule_id=4))
    assert [c.key for c in found] == [(4, "queue:1"), (4, "queue:2"), (5, "queue:1"), (5, "queue:2")]


# --- reconcile and acknowledge ----------------------------------------------------------------------


def long_wait(queue_id: int = 1, value: float = 90.0, rule_id: int = 1) -> Condition:
    return Condition(
        rule_id=rule_id,
        kind=AlertKind.LONG_WAIT,
        subject=f"queue:{queue_id}",
        severity=Severity.CRITICAL,
        queue_id=queue_id,
        agent_id=None,
        value=value,
        limit=60.0,
    )


def test_reconcile_raises_a_new_alert_for_a_new_condition() -> None:
    changes = reconcile([], [long_wait()], NOW)
    assert changes.cleared == []
    [alert] = changes.raised
    assert (alert.rule_id, alert.kind, alert.subject, alert.severity) == (
        1,
        AlertKind.LONG_WAIT,
        "queue:1",
        Severity.CRITICAL,
    )
    assert (alert.queue_id, alert.agent_id, alert.value, alert.limit, alert.detail) == (
        1,
        None,
        90.0,
        60.0,
        "",
    )
    assert (alert.raised_at, alert.cleared_at, alert.id, alert.open) == (NOW, None, None, True)


def test_reconcile_keeps_an_open_alert_while_its_condition_is_on() -> None:
    [alert] = reconcile([], [long_wait()], NOW).raised
    later = NOW + timedelta(seconds=5)
    acknowledge(alert, 42, later)
    changes = reconcile([alert], [long_wait(value=120.0)], later)
    assert changes == Changes(raised=[], cleared=[])
    assert alert.open and alert.value == 90.0


def test_reconcile_clears_an_alert_whose_condition_is_over_and_raises_again_later() -> None:
    alert, other = reconcile([], [long_wait(1), long_wait(2)], NOW).raised
    later = NOW + timedelta(minutes=1)
    changes = reconcile([alert, other], [long_wait(2)], later)
    assert changes.raised == [] and changes.cleared == [alert]
    assert alert.cleared_at == later and not alert.open
    assert other.open

    again = NOW + timedelta(minutes=2)
    changes = reconcile([other], [long_wait(1), long_wait(2)], again)
    [new] = changes.raised
    assert new is not alert and (new.subject, new.raised_at, new.cleared_at) == ("queue:1", again, None)
    assert changes.cleared == []


def test_reconcile_ignores_alerts_already_cleared() -> None:
    old = Alert(rule_id=1, kind=AlertKind.LONG_WAIT, subject="queue:1", raised_at=NOW, cleared_at=NOW)
    later = NOW + timedelta(minutes=1)
    changes = reconcile([old], [long_wait(1)], later)
    assert len(changes.raised) == 1 and changes.cleared == []
    assert old.cleared_at == NOW


def test_same_subject_under_another_rule_is_another_alert() -> None:
    [alert] = reconcile([], [long_wait(1, rule_id=1)], NOW).raised
    changes = reconcile([alert], [long_wait(1, rule_id=1), long_wait(1, rule_id=2)], NOW)
    assert [(a.rule_id, a.subject) for a in changes.raised] == [(2, "queue:1")]


def test_acknowledge_keeps_the_first_acknowledgement() -> None:
    [alert] = reconcile([], [long_wait()], NOW).raised
    first, second = NOW + timedelta(seconds=10), NOW + timedelta(seconds=20)
    acknowledge(alert, 42, first)
    acknowledge(alert, 43, second)
    assert (alert.acknowledged_by, alert.acknowledged_at) == (42, first)
    assert alert.open


def test_acknowledging_a_cleared_alert_is_allowed() -> None:
    alert = Alert(rule_id=1, kind=AlertKind.LONG_WAIT, subject="queue:1", raised_at=NOW, cleared_at=NOW)
    acknowledge(alert, 42, NOW + timedelta(minutes=1))
    assert (alert.acknowledged_by, alert.cleared_at) == (42, NOW)
