"""The typed messages of the live pages (kc_domain.messages, docs/messages.md): every kind goes
over the wire and back unchanged, and a message that does not fit is refused naming the field."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from kc_domain.errors import ValidationFailed
from kc_domain.messages import (
    AgentView,
    DesktopState,
    EngineHeartbeat,
    ErrorFrame,
    LiveFrame,
    LiveView,
    Message,
    OpenAlert,
    PanelUpdate,
    SyncRequest,
    WallboardView,
    from_page,
)
from kc_domain.supervision.model import Alert, AlertKind, Severity

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
BEAT = EngineHeartbeat(
    at=NOW,
    step_age_s=0.2,
    up_s=10.0,
    problems={"bus": "OSError: down"},
    failures={"bus": 2},
    gauges={"bus_backlog": 3},
)
ALERT = OpenAlert.of(
    Alert(
        id=7,
        rule_id=1,
        kind=AlertKind.LONG_WAIT,
        subject="queue:1",
        severity=Severity.CRITICAL,
        queue_id=1,
        value=61.5,
        limit=60,
        raised_at=NOW,
    )
)
EXAMPLES: list[Message] = [
    LiveView(at=NOW, queues=[{"queue_id": 1}], total={"waiting": 0}, agents=[], alerts=(ALERT,), engine=BEAT),
    AgentView({"agent_id": 3, "state": "ready"}),
    PanelUpdate([{"agent_id": 3, "state": "ready"}, {"device": "2410", "state": "ringing"}]),
    BEAT,
    ALERT,
    DesktopState(agent={"agent_id": 3}, panel=[], server_time=NOW),
    LiveFrame({"queues": []}),
    WallboardView(at=NOW, wallboard={"id": 1}, queues=[], total={}),
    ErrorFrame("engine unavailable"),
    ErrorFrame("message refused: type: unknown_message", field="type", code="unknown_message"),
    SyncRequest(),
]


@pytest.mark.parametrize("message", EXAMPLES, ids=lambda m: m.name)
def test_every_message_goes_over_the_wire_and_back_unchanged(message: Message) -> None:
    wire = message.to_wire()
    assert wire["type"] == message.name and wire["v"] == message.version
    assert type(message).from_wire(wire) == message


def test_the_heartbeats_gauges_travel_as_keys_of_their_own() -> None:
    wire = BEAT.to_wire()
    assert wire["bus_backlog"] == 3 and "gauges" not in wire
    with pytest.raises(ValidationFailed) as refused:
        EngineHeartbeat.from_wire({**wire, "bus_backlog": "many"})
    assert [(e.field, e.code) for e in refused.value.errors] == [("bus_backlog", "invalid_type")]


def view(**changes: Any) -> dict[str, Any]:
    return {**LiveView(at=NOW, queues=[], total={}, agents=[]).to_wire(), **changes}


@pytest.mark.parametrize(
    ("wire", "field", "code"),
    [
        (view(type="panel_update"), "type", "unknown_message"),
        (view(v=2), "v", "unsupported_version"),
        ({k: v for k, v in view().items() if k != "queues"}, "queues", "required"),
        (view(at="yesterday"), "at", "invalid_type"),
        (view(queues={}), "queues", "invalid_type"),
        (view(extra=1), "extra", "unexpected_field"),
        (view(alerts=[{**ALERT.to_wire(), "rule_id": "1"}]), "alerts[0].rule_id", "invalid_type"),
        (view(engine={**BEAT.to_wire(), "up_s": None}), "engine.up_s", "invalid_type"),
        ([], "type", "invalid_type"),
    ],
)
def test_a_message_that_does_not_fit_is_refused_naming_the_field(wire: Any, field: str, code: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        LiveView.from_wire(wire)
    assert (refused.value.errors[0].field, refused.value.errors[0].code) == (field, code)


def test_a_page_sends_sync_as_text_or_as_json_and_nothing_else_is_taken() -> None:
    assert from_page("sync") == SyncRequest()
    assert from_page('{"type": "sync", "v": 1}') == SyncRequest()
    for text, field, code in [
        ("hello", "type", "not_json"),
        ('{"type": "reload"}', "type", "unknown_message"),
        ('{"type": ["sync"]}', "type", "unknown_message"),
        ('{"type": "sync", "agent_id": 3}', "agent_id", "unexpected_field"),
        ("[1]", "type", "unknown_message"),
    ]:
        with pytest.raises(ValidationFailed) as refused:
            from_page(text)
        frame = ErrorFrame.refusing(refused.value)
        assert (frame.field, frame.code) == (field, code), text
        assert frame.error.startswith("message refused")
