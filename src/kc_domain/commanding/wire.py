"""Every command the engine's host answers on the bus: the routing engine's (``kc_domain.routing.
commands``) and the two the host answers itself, outside the engine (the live view, an alert's
acknowledgement). ``from_wire`` checks a message of either kind and refuses one that does not fit,
naming the field."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import attrs

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
ALL_COMMANDS: dict[str, type[Command]] = {**commands.WIRE_COMMANDS, **HOST_COMMANDS}


def from_wire(message: Mapping[str, Any]) -> Command:
    """The typed command of a bus message, the engine's or the host's; ``ValidationFailed`` naming
    the field when it does not fit (``kc_domain.routing.commands.from_wire``)."""
    return commands.from_wire(message, ALL_COMMANDS)
