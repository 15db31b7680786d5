"""Every command the engine's host answers on the bus: the routing engine's (``kc_domain.routing.
commands``) and the two the host answers itself, outside the engine (the live view, an alert's
acknowledgement). ``from_wire`` checks a message of either kind and refuses one that does not fit,
naming the field."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import attrs

from kc_domain.errors import FieldError, ValidationFailed
from kc_domain.routing import commands
from kc_domain.routing.commands import Command


@attrs.frozen
class AskLiveView(Command):
    """The live view now, for a supervisor's page or a wallboard just opened (RT-01)."""

    name: ClassVar[str] = "live"


@attrs.frozen
class AcknowledgeAlert(Command):
    """A supervisor acknowledges an open alert (RT-06); the reply is the alert as it is now."""

    name: ClassVar[str] = "alert_ack"
    supervisor_id: int
    alert_id: int


HOST_COMMANDS: dict[str, type[Command]] = {c.name: c for c in (AskLiveView, AcknowledgeAlert)}
ENVELOPE = frozenset({"command", "v", "request_id", "reply_to"})


def from_wire(message: Mapping[str, Any]) -> Command:
    """The typed command of a bus message; ``ValidationFailed`` naming the field when it does not fit."""
    kind = HOST_COMMANDS.get(str(message.get("command")))
    if kind is None:
        return commands.from_wire(message)
    version = message.get("v", commands.WIRE_VERSION)
    if version != commands.WIRE_VERSION:
        raise ValidationFailed([FieldError("v", "unsupported_version", {"value": str(version)[:16]})])
    known = {f.name for f in attrs.fields(kind)}
    unexpected = sorted(set(message) - ENVELOPE - known)
    if unexpected:
        params = {"command": kind.name}
        raise ValidationFailed([FieldError(f, "unexpected_field", params) for f in unexpected])
    for field in sorted(known):  # the host's commands carry ids only
        value = message.get(field)
        if not isinstance(value, int) or isinstance(value, bool):
            code = "required" if field not in message else "invalid_type"
            raise ValidationFailed([FieldError(field, code, {"command": kind.name})])
    return kind(**{f: message[f] for f in known})
