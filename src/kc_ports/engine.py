"""Commands to the routing engine, wherever it runs (its host over the bus, or in this process)."""

from __future__ import annotations

from typing import Protocol

from kc_domain.commanding.replies import Reply
from kc_domain.routing.commands import Command


class EngineCommands(Protocol):
    def send(self, command: Command) -> Reply:
        """The engine's typed reply to ``command``; ``Refused`` of kind ``unavailable`` when it does not
        answer in time (nothing was changed then)."""
