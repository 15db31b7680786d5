"""Typed commands: one handler per command type, a wire form that refuses what does not fit."""

from __future__ import annotations

from datetime import UTC, datetime

import attrs
import pytest

from kc_domain.errors import ValidationFailed
from kc_domain.routing import commands as c
from kc_domain.routing import pbx_events as pbx
from kc_domain.routing.handlers import HANDLERS

from .fakes import SALES, Harness, agent, queue


def test_every_command_type_has_exactly_one_handler():
    kinds = {
        k for k in vars(c).values() if isinstance(k, type) and issubclass(k, c.Command) and k is not c.Command
    }
    reported = {k for k in vars(pbx).values() if isinstance(k, type) and issubclass(k, pbx.PbxEvent)}
    assert kinds | (reported - {pbx.PbxEvent}) == set(HANDLERS)
    assert set(c.WIRE_COMMANDS.values()) == kinds - set(c.HOST_ONLY)


@pytest.mark.req("IN-04")
def test_a_command_sent_as_a_message_does_what_the_method_did():
    h = Harness([queue(SALES)], [agent(1, SALES)])
    h.engine.handle(c.LogIn(1))
    h.engine.handle(c.from_wire({"command": "ready", "v": 1, "agent_id": 1}))
    assert h.state(1) == "ready"
    call = h.arrive()
    assert h.pbx.rings() == [(call, 1)]
    view = h.engine.handle(c.DesktopView(1))
    assert view["state"] == "ringing"


@pytest.mark.parametrize(
    ("message", "field", "code"),
    [
        ({"command": "launch"}, "command", "unknown_command"),
        ({"command": 3}, "command", "unknown_command"),
        ({"command": "ready"}, "agent_id", "required"),
        ({"command": "ready", "agent_id": "1"}, "agent_id", "invalid_type"),
        ({"command": "ready", "agent_id": True}, "agent_id", "invalid_type"),
        ({"command": "hold", "agent_id": 1, "call_id": "x", "held": "yes"}, "held", "invalid_type"),
        ({"command": "ready", "agent_id": 1, "queue_id": 2}, "queue_id", "unexpected_field"),
        ({"command": "ready", "agent_id": 1, "v": 2}, "v", "unsupported_version"),
        (
            {"command": "callback_request", "caller": "1", "queue_id": 1, "preferred_at": "soon"},
            "preferred_at",
            "invalid_type",
        ),
    ],
)
def test_a_wire_command_that_does_not_fit_is_refused_naming_the_field(message, field, code):
    with pytest.raises(ValidationFailed) as refused:
        c.from_wire(message)
    assert [(e.field, e.code) for e in refused.value.errors] == [(field, code)]


def test_every_wire_command_survives_its_round_trip():
    samples = {int: 7, str: "x", bool: True, "datetime | None": datetime(2026, 3, 2, 8, tzinfo=UTC)}
    for kind in c.WIRE_COMMANDS.values():
        values = {}
        for f in attrs.fields(kind):
            values[f.name] = samples.get(
                f.type, samples.get({"int": int, "str": str, "bool": bool}.get(f.type, f.type))
            )
        command = kind(**values)
        assert c.from_wire(c.to_wire(command)) == command


def test_the_host_only_commands_never_travel():
    with pytest.raises(TypeError):
        c.to_wire(c.Reconfigure((), (), ()))
