"""What supervisors configure and see besides the engine's live state: alert rules and the alerts
they raise (RT-06), and the wallboards (WB-01)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import attrs

from kc_domain.errors import FieldError
from kc_domain.validation import int_range, text


class AlertKind(StrEnum):
    """What an alert rule watches (RT-06). ``limit`` is in seconds, except for the service level,
    where it is a percentage (0: the queue's own target)."""

    LONG_WAIT = "long_wait"  # a caller waits in the queue longer than the limit
    LONG_CALL = "long_call"  # an agent's call lasts longer than the limit
    LONG_WRAP_UP = "long_wrap_up"  # an agent's wrap-up lasts longer than the limit
    LONG_PAUSE = "long_pause"  # a pause lasts longer than the limit (0: its pause code's maximum)
    LOW_SERVICE_LEVEL = "low_service_level"  # today's service level is under the limit


AGENT_KINDS = frozenset({AlertKind.LONG_CALL, AlertKind.LONG_WRAP_UP, AlertKind.LONG_PAUSE})
"""Kinds that concern an agent (their subject is the agent); the others concern a queue."""


class Severity(StrEnum):
    WARNING = "warning"
    CRITICAL = "critical"


@attrs.define(slots=False, eq=False)
class AlertRule:
    """A threshold for one queue, or for every queue when ``queue_id`` is None; for the agent kinds
    the queue narrows the rule to agents signed into it."""

    name: str
    kind: AlertKind = attrs.field(default=AlertKind.LONG_WAIT, converter=AlertKind)
    queue_id: int | None = None
    limit: int = 60
    severity: Severity = attrs.field(default=Severity.WARNING, converter=Severity)
    min_offered: int = 10  # LOW_SERVICE_LEVEL: not before this many calls were offered today
    active: bool = True
    id: int | None = None

    def problems(self) -> list[FieldError]:
        errors: list[FieldError] = []
        text(errors, "name", self.name, max_length=80)
        if self.kind == AlertKind.LOW_SERVICE_LEVEL:
            int_range(errors, "limit", self.limit, 0, 100)
        elif self.kind == AlertKind.LONG_PAUSE:
            int_range(errors, "limit", self.limit, 0, 86_400)
        else:
            int_range(errors, "limit", self.limit, 1, 86_400)
        int_range(errors, "min_offered", self.min_offered, 0, 100_000)
        return errors


@attrs.define(slots=False, eq=False)
class Alert:
    """One alert from when its condition began to when it ended: shown live while open, kept
    afterwards as history. ``subject`` names what it is about: ``queue:<id>`` or ``agent:<id>``."""

    rule_id: int
    kind: AlertKind = attrs.field(converter=AlertKind)
    subject: str = ""
    severity: Severity = attrs.field(default=Severity.WARNING, converter=Severity)
    queue_id: int | None = None
    agent_id: int | None = None
    value: float = 0.0  # what was observed when it was raised (seconds, or a percentage)
    limit: float = 0.0
    detail: str = ""  # e.g. the pause code, the caller
    raised_at: datetime | None = None
    cleared_at: datetime | None = None
    acknowledged_at: datetime | None = None
    acknowledged_by: int | None = None  # the supervisor's user id
    id: int | None = None

    @property
    def open(self) -> bool:
        return self.cleared_at is None

    def problems(self) -> list[FieldError]:
        return []


class WallboardLayout(StrEnum):
    """The screens a wallboard rotates through (WB-01)."""

    OVERVIEW = "overview"  # service level gauge, waiting, longest wait, answered, lost
    QUEUES = "queues"  # a row of bars per queue
    TODAY = "today"  # today's calls by hour
    AGENTS = "agents"  # agents by state


@attrs.define(slots=False, eq=False)
class Wallboard:
    """A large screen: its queues (none: all), the layouts it rotates through (in the order of
    ``WallboardLayout``) and the colour
    thresholds. A kiosk token lets a screen show it without an interactive sign-in; only the
    token's SHA-256 is stored, and it can be revoked."""

    name: str
    queue_ids: frozenset[int] = attrs.field(factory=frozenset, converter=frozenset)
    layouts: frozenset[WallboardLayout] = attrs.field(
        factory=lambda: frozenset({WallboardLayout.OVERVIEW}), converter=frozenset
    )
    rotate_s: int = 20
    waiting_warn: int = 3  # calls waiting: amber from here
    waiting_alarm: int = 8  # and red from here
    wait_warn_s: int = 60  # the longest wait: amber from here
    wait_alarm_s: int = 180  # and red from here
    kiosk_token_hash: str = ""
    kiosk_token_issued_at: datetime | None = None
    active: bool = True
    id: int | None = None

    def problems(self) -> list[FieldError]:
        errors: list[FieldError] = []
        text(errors, "name", self.name, max_length=80)
        if not self.layouts:
            errors.append(FieldError("layouts", "required"))
        int_range(errors, "rotate_s", self.rotate_s, 5, 3600)
        int_range(errors, "waiting_warn", self.waiting_warn, 1, 1000)
        int_range(errors, "waiting_alarm", self.waiting_alarm, 1, 1000)
        int_range(errors, "wait_warn_s", self.wait_warn_s, 1, 86_400)
        int_range(errors, "wait_alarm_s", self.wait_alarm_s, 1, 86_400)
        if not errors and self.waiting_alarm < self.waiting_warn:
            errors.append(FieldError("waiting_alarm", "below_warning", {"warn": self.waiting_warn}))
        if not errors and self.wait_alarm_s < self.wait_warn_s:
            errors.append(FieldError("wait_alarm_s", "below_warning", {"warn": self.wait_warn_s}))
        return errors
