"""An administrator's changes reach the running engine within one reload of its host (ADM-02,
ADM-10, GEN-03): a deactivated agent, a new skill and a new wrap-up, with no restart and with the
call in progress undisturbed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from apps.engine.build import build_engine, reload_configuration
from apps.engine.host import EngineHost
from kc_adapters.memory.bus import MemoryBus
from kc_adapters.simulated_pbx import SimulatedPbx
from kc_adapters.system import FixedClock
from kc_domain.audit.service import Actor

MONDAY_10 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # 10:00 in Prague, the queues are open
GENERAL_LINE = "+420261105555"  # "Obecná linka"


@pytest.fixture
def host(container):
    clock = FixedClock(MONDAY_10)
    engine = build_engine(container, SimulatedPbx(strict=False), clock)
    return EngineHost(
        engine,
        container.journal(),
        MemoryBus(),
        clock,
        ZoneInfo("Europe/Prague"),
        reload=reload_configuration(container),
    )


def a_reload_period_passes(host: EngineHost) -> None:
    """The host's step once ``reload_s`` has gone by (instead of waiting for it)."""
    host._reloaded -= host._reload_s + 1
    host.step()


def ids(container, kind: str, attribute: str) -> dict[str, int]:
    return {getattr(x, attribute): x.id for x in container.admin().list(kind)}


@pytest.mark.req("ADM-02", "ADM-10", "GEN-03")
def test_a_deactivated_agent_a_new_skill_and_a_new_wrap_up_apply_within_one_reload(host, container):
    users, queues = ids(container, "user", "username"), ids(container, "queue", "name")
    novakova, horak = users["novakova"], users["horak"]
    obecna, platby = queues["Obecná linka"], queues["Platby a dlužné pojistné"]
    for agent_id in (novakova, horak):
        assert host.command({"command": "log_in", "agent_id": agent_id}) == {"ok": True}
        assert host.command({"command": "ready", "agent_id": agent_id}) == {"ok": True}
    host.apply(lambda e: e.call_arrived("pbx-1", "+420777123456", GENERAL_LINE))
    assert host.engine.calls["pbx-1"].agent_id == novakova  # level 8 against 6
    host.apply(lambda e: e.call_answered("pbx-1", novakova))

    admin, actor = container.admin(), Actor("admin")
    admin.update(actor, "user", novakova, {"active": False})
    admin.create(actor, "skill", {"user_id": horak, "queue_id": platby, "level": 7, "priority": 1})
    admin.update(actor, "queue", obecna, {"wrap_up_s": 5})
    a_reload_period_passes(host)

    engine = host.engine
    assert engine.calls["pbx-1"].stage == "answered" and engine.agents[novakova].state.value == "busy"
    assert platby in engine.agents[horak].signed_in and engine.queues[obecna].wrap_up_s == 5
    host.engine.clock.advance(seconds=60)
    host.apply(lambda e: e.call_ended("pbx-1"))
    assert engine.agents[novakova].state.value == "logged_out"  # right after her call
    host.apply(lambda e: e.call_arrived("pbx-2", "+420777999888", GENERAL_LINE))
    assert engine.calls["pbx-2"].agent_id == horak
    host.apply(lambda e: e.call_answered("pbx-2", horak))
    host.engine.clock.advance(seconds=30)
    host.apply(lambda e: e.call_ended("pbx-2"))
    assert engine.agents[horak].wrap_up_until == host.engine.clock.now() + timedelta(seconds=5)

    refused = host.command({"command": "log_in", "agent_id": novakova})
    assert refused["ok"] is False and refused["kind"] == "not_found"
    states = container.journal().intervals(novakova, MONDAY_10, MONDAY_10 + timedelta(hours=1))
    assert states[-1].ended_at is not None  # journaled: no longer logged in, for her reports
    a_reload_period_passes(host)
    assert novakova not in engine.agents


def test_a_failed_read_keeps_the_configuration_the_engine_has(host, container, monkeypatch):
    before = dict(host.engine.queues)
    monkeypatch.setattr(container, "admin", lambda: (_ for _ in ()).throw(OSError("database gone")))
    a_reload_period_passes(host)  # logged; the calls go on
    assert host.engine.queues == before
