"""The messages of the live pages, typed (issue 18; every one in docs/messages.md): what the engine
host publishes on the bus, what the web sends to a page's WebSocket, and what a page may send back.

Each kind is a frozen attrs class with its wire ``name`` (the ``type`` of its JSON object) and its
``version`` (``v``, bumped when a field changes meaning). ``to_wire`` gives the JSON object;
``from_wire`` reads one back and refuses a message that does not fit, naming the field
(``ValidationFailed``), as the engine's commands do (``kc_domain.wire``). Nested payloads that only
pages draw (a queue of the live view, an agent's desktop state) stay plain JSON objects inside a
typed envelope; their fields are documented in docs/messages.md.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar, TypeVar

import attrs

from kc_domain.errors import FieldError, ValidationFailed
from kc_domain.supervision.model import Alert
from kc_domain.wire import wire_fields

M = TypeVar("M", bound="Message")
ENVELOPE = frozenset({"type", "v"})


@attrs.frozen
class Message:
    name: ClassVar[str] = ""
    version: ClassVar[int] = 1

    def to_wire(self) -> dict[str, Any]:
        """The JSON object: ``type`` and ``v``, then the fields (datetimes in ISO 8601)."""
        return {"type": self.name, "v": self.version, **self.fields()}

    def fields(self) -> dict[str, Any]:
        """The fields alone, as JSON values (for an API answer that has no envelope)."""
        return {k: _plain(v) for k, v in attrs.asdict(self, recurse=False).items()}

    @classmethod
    def from_wire(cls: type[M], message: Any) -> M:
        """The message ``message`` carries; refused, naming the field, when it does not fit (another
        type, another version, a field missing, of the wrong type or unknown)."""
        if not isinstance(message, Mapping):
            raise ValidationFailed([FieldError("type", "invalid_type", {"expected": "object"})])
        kind = message.get("type", cls.name)
        if kind != cls.name:
            raise ValidationFailed([FieldError("type", "unknown_message", {"value": str(kind)[:64]})])
        if message.get("v", cls.version) != cls.version:
            version = str(message["v"])[:16]
            raise ValidationFailed([FieldError("v", "unsupported_version", {"value": version})])
        return cls(**wire_fields(cls, message, {"message": cls.name}, ENVELOPE, NESTED))


def _plain(value: Any) -> Any:
    if isinstance(value, Message):
        return value.to_wire()
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value.isoformat() if isinstance(value, datetime) else value


# -- the engine host on the bus -------------------------------------------------------------------
@attrs.frozen
class EngineHeartbeat(Message):
    """How the engine host is doing (GEN-03), every second on ``kc.engine.health`` and inside each
    live view. ``gauges`` (backlogs, counts) travel as top-level keys of their own."""

    name: ClassVar[str] = "engine_heartbeat"
    at: datetime
    step_age_s: float | None  # since the engine's last completed step; None before the first
    up_s: float
    problems: dict[str, str]  # part -> its last error, while it fails
    failures: dict[str, int]  # part -> how often it failed since the start
    gauges: dict[str, int] = attrs.field(factory=dict)

    def to_wire(self) -> dict[str, Any]:
        wire = super().to_wire()
        gauges = wire.pop("gauges")
        return {**wire, **gauges}

    @classmethod
    def from_wire(cls: type[M], message: Any) -> M:
        if not isinstance(message, Mapping):
            return super().from_wire(message)
        named = {f.name for f in attrs.fields(EngineHeartbeat)} | ENVELOPE
        gauges = {k: v for k, v in message.items() if k not in named}
        bad = sorted(k for k, v in gauges.items() if not isinstance(v, int) or isinstance(v, bool))
        if bad:
            raise ValidationFailed([FieldError(k, "invalid_type", {"expected": "int"}) for k in bad])
        rest = {k: v for k, v in message.items() if k in named}
        return super().from_wire({**rest, "gauges": gauges})


@attrs.frozen
class OpenAlert(Message):
    """An alert (RT-06) as the live view carries it and an acknowledgement answers it."""

    name: ClassVar[str] = "alert"
    id: int | None
    rule_id: int
    kind: str  # AlertKind's value
    subject: str  # "queue:<id>" or "agent:<id>"
    severity: str  # Severity's value
    queue_id: int | None
    agent_id: int | None
    value: float  # the seconds observed, or the service level in percent
    limit: float
    detail: str  # the pause code of a long pause, the caller of a long call
    raised_at: datetime | None
    cleared_at: datetime | None
    acknowledged_at: datetime | None
    acknowledged_by: int | None

    @classmethod
    def of(cls, alert: Alert) -> OpenAlert:
        return cls(
            id=alert.id,
            rule_id=alert.rule_id,
            kind=alert.kind.value,
            subject=alert.subject,
            severity=alert.severity.value,
            queue_id=alert.queue_id,
            agent_id=alert.agent_id,
            value=float(alert.value),
            limit=float(alert.limit),
            detail=alert.detail,
            raised_at=alert.raised_at,
            cleared_at=alert.cleared_at,
            acknowledged_at=alert.acknowledged_at,
            acknowledged_by=alert.acknowledged_by,
        )


@attrs.frozen
class LiveView(Message):
    """The live contact centre (RT-01, RT-03..RT-06, WB-01) on ``kc.live``: what
    ``kc_domain.routing.live.snapshot`` makes, with the open alerts and the engine's heartbeat."""

    name: ClassVar[str] = "live_view"
    at: datetime
    queues: list[dict[str, Any]]  # one object per queue (docs/messages.md, "Queue")
    total: dict[str, Any]  # the sum over every queue (docs/messages.md, "Total")
    agents: list[dict[str, Any]]  # one object per agent (docs/messages.md, "Agent")
    # one object per dialling campaign (docs/messages.md, "Campaign"; ``dialler.dialler_view``)
    campaigns: list[dict[str, Any]] = attrs.field(factory=list)
    alerts: tuple[OpenAlert, ...] = ()  # the open ones, the most severe and oldest first
    engine: EngineHeartbeat | None = None

    @classmethod
    def of(
        cls,
        snapshot: Mapping[str, Any],
        alerts: tuple[OpenAlert, ...] = (),
        engine: EngineHeartbeat | None = None,
    ) -> LiveView:
        """The typed view of a ``snapshot`` (checked as if it came over the wire)."""
        return attrs.evolve(cls.from_wire(snapshot), alerts=alerts, engine=engine)


@attrs.frozen
class AgentView(Message):
    """One agent's desktop state (AG-*, IN-*) on ``kc.desktop`` and on her desktop's socket, every
    time it changes (``kc_domain.routing.live.agent_view``; docs/messages.md, "Agent's state")."""

    name: ClassVar[str] = "agent_view"
    agent: dict[str, Any]

    @property
    def agent_id(self) -> int | None:
        found = self.agent.get("agent_id")
        return found if isinstance(found, int) and not isinstance(found, bool) else None


@attrs.frozen
class PanelUpdate(Message):
    """The transfer panel's entries that changed (AG-12) on ``kc.panel``, then merged to each
    desktop: an agent ``{agent_id, name, state, since}`` or a line ``{device, state}``."""

    name: ClassVar[str] = "panel_update"
    panel_update: list[dict[str, Any]]


# -- the web to a page ----------------------------------------------------------------------------
@attrs.frozen
class DesktopState(Message):
    """The desktop's whole state, sent when its socket opens and on ``sync``."""

    name: ClassVar[str] = "desktop_state"
    agent: dict[str, Any]  # as in AgentView
    panel: list[dict[str, Any]]  # every entry of the transfer panel, as in PanelUpdate
    server_time: datetime  # the page's timers run by the server's clock


@attrs.frozen
class LiveFrame(Message):
    """The live view as one page may see it: a supervisor's (``supervisor_view``: the view's shape,
    narrowed to her sight) or a wallboard's (``WallboardView``'s fields)."""

    name: ClassVar[str] = "live"
    live: dict[str, Any]


@attrs.frozen
class WallboardView(Message):
    """What a wallboard shows of the live view (WB-01; ``wallboard_view``): counts only."""

    name: ClassVar[str] = "wallboard_view"
    at: datetime | None
    wallboard: dict[str, Any]  # id, name, layouts, rotate_s and its thresholds
    queues: list[dict[str, Any]]  # its queues, each with its figures and colour levels
    total: dict[str, Any]  # their sum, agents by state, free, busy, sl_target and colour levels


@attrs.frozen
class ErrorFrame(Message):
    """Something the page should show: the engine is away (no ``field``), or the page's message was
    refused (``field``: the first field that did not fit, ``code`` its reason); nothing changed."""

    name: ClassVar[str] = "error"
    error: str
    field: str | None = None
    code: str | None = None

    @classmethod
    def refusing(cls, error: ValidationFailed) -> ErrorFrame:
        first = error.errors[0] if error.errors else FieldError("type", "unknown_message")
        return cls(error=f"message refused: {error}", field=first.field, code=first.code)


# -- a page to the web ----------------------------------------------------------------------------
@attrs.frozen
class SyncRequest(Message):
    """Send the whole state again now (a page that has just reconnected). The pages send it as the
    text ``sync``; ``{"type": "sync", "v": 1}`` is the same."""

    name: ClassVar[str] = "sync"


SYNC_TEXT = "sync"
FROM_PAGES: dict[str, type[Message]] = {SyncRequest.name: SyncRequest}


def from_page(text: str | bytes) -> Message:
    """A message a page sent on its socket: ``sync``, or a JSON object of a type in FROM_PAGES;
    refused, naming the field, otherwise."""
    if text == SYNC_TEXT:
        return SyncRequest()
    try:
        message = json.loads(text)
    except ValueError:
        raise ValidationFailed([FieldError("type", "not_json")]) from None
    value = message.get("type") if isinstance(message, dict) else None
    kind = FROM_PAGES.get(value) if isinstance(value, str) else None
    if kind is None:
        raise ValidationFailed([FieldError("type", "unknown_message", {"value": str(value)[:64]})])
    return kind.from_wire(message)


NESTED = {c.__name__: c.from_wire for c in (OpenAlert, EngineHeartbeat)}
