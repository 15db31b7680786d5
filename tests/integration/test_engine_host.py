"""The engine process on the seeded organisation: commands in, journal and live view out."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from apps.cli import main
from apps.engine.build import build_engine
from apps.engine.desktops import DESKTOP_CHANNEL
from apps.engine.host import LIVE_CHANNEL, EngineHost
from apps.engine.telephony import PbxInbox
from kc_adapters.memory.bus import MemoryBus
from kc_adapters.simulated_pbx import SimulatedPbx
from kc_adapters.system import FixedClock
from kc_domain.messages import AgentView
from kc_domain.routing import events as ev

MONDAY_10 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # 10:00 in Prague, the queues are open


@pytest.fixture
def host(container):
    clock, bus = FixedClock(MONDAY_10), MemoryBus()
    engine = build_engine(container, SimulatedPbx(strict=False), clock)
    return EngineHost(engine, container.journal(), bus, clock, ZoneInfo("Europe/Prague"))


def _user(container, username):
    return next(u for u in container.admin().list("user") if u.username == username)


@pytest.mark.req("IN-01", "IN-03", "ADM-10")
def test_engine_is_built_from_the_administered_queues_agents_and_skills(host, container):
    novakova = _user(container, "novakova")
    agent = host.engine.agents[novakova.id]
    queues = {q.name: q.id for q in container.admin().list("queue")}
    assert agent.skills[queues["Obecná linka"]].level == 8
    assert set(agent.skills) == {queues["Obecná linka"], queues["Platby a dlužné pojistné"]}
    assert _user(container, "admin").id not in host.engine.agents  # no agent desktop permission


@pytest.mark.req("IN-04", "IN-26", "IN-22")
def test_commands_and_a_call_end_up_in_the_journal_and_the_live_view(host, container):
    novakova = _user(container, "novakova").id
    seen: list[dict] = []
    host._bus.subscribe(LIVE_CHANNEL, seen.append)
    assert host.command({"command": "log_in", "agent_id": novakova}) == {"ok": True}
    assert host.command({"command": "ready", "agent_id": novakova}) == {"ok": True}
    host.apply(lambda e: e.call_arrived("pbx-1", "+420777123456", "+420261105555"))
    host.engine.clock.advance(seconds=4)
    host.apply(lambda e: e.call_answered("pbx-1", novakova))
    host.engine.clock.advance(seconds=120)
    host.apply(lambda e: e.call_ended("pbx-1"))
    host.apply(lambda e: e.call_arrived("pbx-2", "+420777999888", "+420261105555"))
    host.engine.clock.advance(seconds=30)
    host.apply(lambda e: e.call_ended("pbx-2"))
    host.publish(force=True)

    journal = container.journal()
    row = journal.interaction("pbx-1")
    assert (
        row is not None and row.agent_id == novakova and row.talk_s == 120.0 and row.end_stage == "completed"
    )
    assert journal.decisions_for("pbx-1")[0].chosen == novakova
    missed = journal.missed_calls(MONDAY_10, datetime(2026, 11, 24, tzinfo=UTC))
    assert [m.call_id for m in missed] == ["pbx-2"]
    queue = next(q for q in seen[-1]["queues"] if q["name"] == "Obecná linka")
    assert queue["today"]["answered"] == 1 and queue["today"]["lost"] == 1 and queue["waiting"] == 0


def test_bad_commands_get_a_clear_answer_and_change_nothing(host, container):
    novakova = _user(container, "novakova").id

    def refused(message):
        reply = host.command(message)
        assert reply["ok"] is False and reply["kind"] == "validation"
        return [(e["field"], e["code"]) for e in reply["errors"]]

    assert refused({"command": "dance"}) == [("command", "unknown_command")]
    assert refused({"command": "pause", "agent_id": novakova}) == [("code", "required")]
    assert refused({"command": "pause", "agent_id": str(novakova), "code": "OBED"}) == [
        ("agent_id", "invalid_type")
    ]
    assert refused({"command": "ready", "agent_id": novakova, "code": "OBED"}) == [
        ("code", "unexpected_field")
    ]
    assert refused({"command": "alert_ack", "alert_id": "1", "supervisor_id": novakova}) == [
        ("alert_id", "invalid_type")
    ]
    assert refused({"command": "live", "v": 2}) == [("v", "unsupported_version")]
    assert (
        "cannot become ready while logged_out"
        in host.command({"command": "ready", "agent_id": novakova})["error"]
    )
    assert "agent 999999" in host.command({"command": "ready", "agent_id": 999999})["error"]
    assert host.engine.agents[novakova].state.value == "logged_out"


@pytest.mark.req("IN-04")
def test_kc_explain_prints_the_decision_and_its_candidates(host, container, monkeypatch):
    for username in ("novakova", "horak", "cerna"):
        agent_id = _user(container, username).id
        host.command({"command": "log_in", "agent_id": agent_id})
        host.command({"command": "ready", "agent_id": agent_id})
    host.apply(lambda e: e.call_arrived("pbx-9", "+420777123456", "+420261105555"))
    monkeypatch.setenv("KC_DATABASE_URL", container.settings().database_url)
    result = CliRunner().invoke(main, ["explain", "pbx-9"])
    assert result.exit_code == 0, result.output
    assert "rule skill_first" in result.output and "best of 3 ready agent(s)" in result.output
    assert "* agent" in result.output and "CallOffered" in result.output
    assert CliRunner().invoke(main, ["explain", "nope"]).exit_code == 1


@pytest.mark.req("IN-02")
def test_administered_caller_rules_reach_the_engine(host, container):
    vip, spam = "+420602111222", "+420900123456"  # seeded: VIP priority 1, a blocked number
    host.apply(lambda e: e.call_arrived("v1", vip, "+420261105555"))
    host.apply(lambda e: e.call_arrived("s1", spam, "+420261105555"))
    assert host.engine.calls["v1"].priority == 1
    assert host.engine.calls["s1"].end is not None and host.engine.calls["s1"].end.value == "rejected"


@pytest.mark.req("AG-12")
def test_a_lines_presence_reaches_the_panel_without_a_journal_entry(host, container):
    from apps.engine.desktops import PANEL_CHANNEL
    from kc_domain.messages import PanelUpdate
    from kc_domain.routing import pbx_events as pbx

    seen: list[dict] = []
    host._bus.subscribe(PANEL_CHANNEL, seen.append)
    host.apply(lambda e: e.on_pbx(pbx.DeviceStateChanged(MONDAY_10, "", "2410", "ringing")))
    host.apply(lambda e: e.on_pbx(pbx.DeviceStateChanged(MONDAY_10, "", "2410", "ringing")))  # no change
    assert [PanelUpdate.from_wire(m) for m in seen] == [PanelUpdate([{"device": "2410", "state": "ringing"}])]
    assert host.command({"command": "panel"})["result"][-1] == {"device": "2410", "state": "ringing"}


@pytest.mark.req("RT-06")
def test_an_alert_is_raised_shown_acknowledged_and_cleared_and_kept(container):
    from kc_domain.audit.service import SYSTEM

    clock, bus = FixedClock(MONDAY_10), MemoryBus()
    general = next(q.id for q in container.admin().list("queue") if q.name == "Obecná linka")
    container.admin().create(
        SYSTEM, "alert_rule", {"name": "Dlouhé čekání", "kind": "long_wait", "queue_id": general, "limit": 30}
    )
    engine = build_engine(container, SimulatedPbx(strict=False), clock)
    host = EngineHost(
        engine,
        container.journal(),
        bus,
        clock,
        ZoneInfo("Europe/Prague"),
        uow_factory=container.uow_factory(),
    )
    seen: list[dict] = []
    bus.subscribe(LIVE_CHANNEL, seen.append)
    host.apply(lambda e: e.call_arrived("pbx-1", "+420777123456", "+420261105555"))
    clock.advance(seconds=30)
    host.publish(force=True)
    assert seen[-1]["alerts"] == []  # exactly at the limit: not yet
    clock.advance(seconds=5)
    host.publish(force=True)
    (alert,) = seen[-1]["alerts"]
    assert (alert["kind"], alert["subject"], alert["value"]) == ("long_wait", f"queue:{general}", 35.0)

    supervisor = _user(container, "supervizor").id
    reply = host.command({"command": "alert_ack", "alert_id": alert["id"], "supervisor_id": supervisor})
    assert reply["ok"] and reply["result"]["acknowledged_by"] == supervisor
    assert seen[-1]["alerts"][0]["acknowledged_by"] == supervisor  # still open, now acknowledged
    assert (
        host.command({"command": "alert_ack", "alert_id": 999, "supervisor_id": supervisor})["kind"]
        == "not_found"
    )

    host.apply(lambda e: e.call_ended("pbx-1", "caller_abandoned"))
    host.publish(force=True)
    assert seen[-1]["alerts"] == []
    with container.uow_factory()() as uow:
        (stored,) = uow.alerts.list()
    assert stored.cleared_at == clock.now() and stored.acknowledged_by == supervisor


@pytest.mark.req("INT-04", "AG-01")
def test_a_ring_the_pbx_refuses_is_journaled_said_on_the_agents_desktop_and_the_call_goes_on(container):
    """As in ``kc engine``: the PBX's events, the refusal too, reach the engine through the inbox."""
    clock, bus = FixedClock(MONDAY_10), MemoryBus()
    pbx = SimulatedPbx(strict=False, clock=clock)
    host = EngineHost(
        build_engine(container, pbx, clock), container.journal(), bus, clock, ZoneInfo("Europe/Prague")
    )
    novakova, horak = _user(container, "novakova").id, _user(container, "horak").id
    views: list[dict] = []
    bus.subscribe(DESKTOP_CHANNEL, lambda message: views.append(AgentView.from_wire(message).agent))
    for agent_id in (novakova, horak):  # Nováková is the more skilled: she is rung first
        host.command({"command": "log_in", "agent_id": agent_id})
        host.command({"command": "ready", "agent_id": agent_id})
    inbox = PbxInbox(host)
    pbx.listen(inbox.put)
    inbox.start()
    try:
        pbx.refuse("ring_agent", "Allocation failed")
        pbx.incoming("pbx-7", "+420777123456", "+420261105555")
        deadline = time.monotonic() + 5
        while pbx.state("pbx-7").agent_id != horak:
            assert time.monotonic() < deadline, f"the call did not go on to Horák: {pbx.rejected}"
            time.sleep(0.02)
    finally:
        inbox.close()

    (refused,) = [e for e in container.journal().events_for("pbx-7") if isinstance(e, ev.PbxCommandRefused)]
    assert (refused.agent_id, refused.command, refused.reason) == (
        novakova,
        "ring_agent",
        "Allocation failed",
    )
    hers = [v for v in views if v["agent_id"] == novakova]
    assert hers[-1]["state"] == "paused" and hers[-1]["pause_code"] == "RONA"
    assert (
        hers[-1]["refusal"]["command"] == "ring_agent"
        and hers[-1]["refusal"]["reason"] == "Allocation failed"
    )
    his = [v for v in views if v["agent_id"] == horak]
    assert (
        his[-1]["state"] == "ringing" and his[-1]["call"]["call_id"] == "pbx-7" and his[-1]["refusal"] is None
    )
