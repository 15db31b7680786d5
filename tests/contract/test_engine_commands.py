"""The ``EngineCommands`` contract: the same typed replies from the engine in this process
(``MemoryEngineCommands``) and from its host over the bus (``EngineClient`` to ``EngineHost``)."""

from __future__ import annotations

from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest

from apps.engine.client import EngineClient
from apps.engine.host import COMMANDS_CHANNEL, EngineHost
from kc_adapters.memory.bus import MemoryBus
from kc_adapters.memory.engine import MemoryEngineCommands
from kc_adapters.memory.journal import MemoryJournal
from kc_domain.commanding.replies import Accepted, Refused
from kc_domain.errors import NotFound
from kc_domain.routing import commands as c
from kc_domain.routing.engine import RoutingEngine
from kc_ports.engine import EngineCommands
from tests.unit.routing.fakes import SALES, Harness, agent, queue

AGENT = 7


@pytest.fixture(params=["memory", "bus"])
def adapter(request: pytest.FixtureRequest) -> Iterator[tuple[EngineCommands, RoutingEngine]]:
    harness = Harness([queue(SALES)], [agent(AGENT, SALES)])
    if request.param == "memory":
        yield MemoryEngineCommands(harness.engine), harness.engine
        return
    bus = MemoryBus()
    host = EngineHost(harness.engine, MemoryJournal(), bus, harness.clock, ZoneInfo("Europe/Prague"))
    subscription = bus.subscribe(COMMANDS_CHANNEL, host.command)
    client = EngineClient(bus, timeout_s=5.0)
    try:
        yield client, harness.engine
    finally:
        client.close()
        subscription.close()


@pytest.mark.req("AG-01")
def test_a_command_is_carried_out_and_its_result_returned(
    adapter: tuple[EngineCommands, RoutingEngine],
) -> None:
    engine_commands, engine = adapter
    assert engine_commands.send(c.LogIn(AGENT)) == Accepted(None)
    view = engine_commands.send(c.DesktopView(AGENT))
    assert isinstance(view, Accepted) and view.result["state"] == engine.view_of(AGENT)["state"] == "paused"


@pytest.mark.req("AG-01")
def test_a_refusal_comes_back_typed_and_as_its_error(adapter: tuple[EngineCommands, RoutingEngine]) -> None:
    engine_commands, _engine = adapter
    gone = engine_commands.send(c.HangUp(AGENT, "no-such-call"))
    assert isinstance(gone, Refused) and gone.kind == "not_found"
    with pytest.raises(NotFound):
        gone.raise_error()
    early = engine_commands.send(c.Ready(AGENT))  # not logged in yet
    assert isinstance(early, Refused) and (early.kind, early.state) == ("refused", "logged_out")
