"""The routing engine asked in this process, for tests, the simulator and tools: each command is
carried out at once by ``RoutingEngine.handle`` and answered as the engine's host would answer it."""

from __future__ import annotations

from kc_domain.commanding.replies import Accepted, EngineUnavailable, Refused, Reply
from kc_domain.errors import DomainError
from kc_domain.routing.commands import Command
from kc_domain.routing.engine import RoutingEngine


class MemoryEngineCommands:
    """``EngineCommands`` over an engine in memory; keeps what it was sent. ``answering`` False: the
    engine is away (every command is refused as unavailable, and not carried out)."""

    def __init__(self, engine: RoutingEngine) -> None:
        self.engine = engine
        self.sent: list[Command] = []
        self.answering = True

    def send(self, command: Command) -> Reply:
        self.sent.append(command)
        if not self.answering:
            return Refused.of(EngineUnavailable())
        try:
            return Accepted(self.engine.handle(command))
        except DomainError as error:
            return Refused.of(error)
