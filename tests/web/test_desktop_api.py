"""The agent desktop's commands against the real engine host on the container's bus (AG-01, AG-03,
AG-10, AG-11, AG-16, IN-05, IN-15, IN-16, REC-01): the agent acts only on their own behalf and
their own calls, bad input is explained field by field, and every action is audited."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from apps.engine.build import build_engine
from apps.engine.desktops import DESKTOP_CHANNEL, PANEL_CHANNEL
from apps.engine.host import COMMANDS_CHANNEL, EngineHost
from kc_adapters.memory.bus import MemoryBus
from kc_adapters.simulated_pbx import SimulatedPbx
from kc_adapters.system import FixedClock
from kc_domain.audit.model import Outcome
from kc_domain.audit.service import SYSTEM, AuditQuery

MONDAY_10 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # 10:00 in Prague, the queues are open
GENERAL_LINE = "+420261105555"


@pytest.fixture
def host(container):
    bus = container.bus()
    assert isinstance(bus, MemoryBus)
    clock = FixedClock(MONDAY_10)
    pbx = SimulatedPbx(strict=False, clock=clock)
    host = EngineHost(
        build_engine(container, pbx, clock), container.journal(), bus, clock, ZoneInfo("Europe/Prague")
    )
    subscription = bus.subscribe(COMMANDS_CHANNEL, host.command)
    host.pbx = pbx  # type: ignore[attr-defined]
    yield host
    subscription.close()


def user_id(container, username):
    return next(u.id for u in container.admin().list("user") if u.username == username)


def desk(client, command, **body):
    return client.api("POST", f"/api/v1/desktop/{command}", body)


def ring(host, call_id="c1", caller="+420603123456"):
    host.pbx.incoming(call_id, caller, GENERAL_LINE)
    host.apply(lambda engine: engine.call_arrived(call_id, caller, GENERAL_LINE))
    return call_id


@pytest.mark.req("AG-01", "AG-03", "AG-10", "AG-16", "IN-05")
def test_an_agent_works_a_call_from_the_desktop_and_every_step_is_audited(client, container, host):
    novakova = user_id(container, "novakova")
    pushed: list[dict] = []
    container.bus().subscribe(
        DESKTOP_CHANNEL, lambda m: pushed.append(m) if m["agent"]["agent_id"] == novakova else None
    )
    client.login("novakova")
    assert desk(client, "log_in").status_code == 200
    state = client.api("GET", "/api/v1/desktop/state").get_json()
    assert state["agent"]["state"] == "paused" and state["agent"]["pause_code"] == "LOGIN"
    assert {q["name"] for q in state["agent"]["queues"]} == {"Obecná linka", "Platby a dlužné pojistné"}
    assert (
        state["pause_codes"]
        and state["categories"]
        and any(p["agent_id"] == novakova for p in state["panel"])
    )
    platby = next(q["queue_id"] for q in state["agent"]["queues"] if q["name"].startswith("Platby"))
    assert desk(client, "sign_out", queue_id=platby).status_code == 200
    assert desk(client, "ready").status_code == 200
    call = ring(host)
    view = pushed[-1]["agent"]
    assert view["state"] == "ringing" and view["call"]["caller"] == "+420603123456"
    assert view["call"]["queue"] == "Obecná linka" and view["call"]["dialled"] == GENERAL_LINE
    assert desk(client, "answer", call_id=call).status_code == 200
    assert desk(client, "hold", call_id=call, held=True).status_code == 200
    assert pushed[-1]["agent"]["call"]["held"] is True
    assert desk(client, "hold", call_id=call, held=False).status_code == 200
    assert desk(client, "recording", call_id=call, record=False).status_code == 200
    assert desk(client, "hang_up", call_id=call).status_code == 200
    assert pushed[-1]["agent"]["state"] == "wrap_up" and pushed[-1]["agent"]["last_call_id"] == call
    assert desk(client, "pause", code="LUNCH").status_code == 422  # AG-10: only administered codes
    assert desk(client, "pause", code="OBED").status_code == 200
    assert pushed[-1]["agent"]["state"] == "paused" and pushed[-1]["agent"]["pause_code"] == "OBED"
    actions = [r.action for r in container.audit().search(container.uow_factory(), AuditQuery(), 50)]
    for action in ("desk.log_in", "desk.ready", "desk.answer", "desk.hold", "desk.recording", "desk.hang_up"):
        assert action in actions


@pytest.mark.req("IN-15", "IN-16", "AG-12")
def test_consultation_and_transfer_to_another_agent_and_the_panel(client, container, host):
    horak = user_id(container, "horak")
    panel: list[dict] = []
    container.bus().subscribe(PANEL_CHANNEL, panel.append)
    host.apply(lambda engine: (engine.log_in(horak), engine.ready(horak)))
    client.login("novakova")
    desk(client, "log_in")
    desk(client, "ready")
    host.apply(lambda engine: engine.pause(horak, "ADMIN"))
    call = ring(host)
    desk(client, "answer", call_id=call)
    host.apply(lambda engine: engine.ready(horak))
    assert desk(client, "consult", call_id=call, target=f"agent:{horak}").status_code == 200
    assert {p["agent_id"]: p["state"] for p in panel[-1]["panel_update"]}[horak] == "busy"
    assert desk(client, "transfer", call_id=call, target="queue:1").status_code == 422  # consultation open
    assert desk(client, "complete_transfer", call_id=call).status_code == 200
    assert host.engine.calls[call].agent_id == horak


@pytest.mark.req("IN-16", "AG-01")
def test_bad_input_and_someone_elses_call_are_refused_and_audited(client, container, host):
    horak = user_id(container, "horak")
    host.apply(lambda engine: (engine.log_in(horak), engine.ready(horak)))
    call = ring(host)
    host.apply(lambda engine: engine.call_answered(call, horak))
    client.login("novakova")
    desk(client, "log_in")
    refused = desk(client, "hang_up", call_id=call)
    assert refused.status_code == 403
    assert host.engine.calls[call].stage.value == "answered"
    record = container.audit().search(container.uow_factory(), AuditQuery(action="desk.hang_up"), 1)[0]
    assert record.outcome == Outcome.REJECTED and record.object_id == call
    client.login("horak")
    bad = desk(client, "transfer", call_id=call, target="+42")
    assert bad.status_code == 422
    assert bad.get_json()["errors"][0]["field"] == "target"
    assert desk(client, "hold", call_id=call, held="yes").status_code == 422
    assert desk(client, "dial", number="").status_code == 422
    assert desk(client, "fly").status_code == 404
    assert desk(client, "answer", call_id="nope").status_code == 404
    assert host.engine.calls[call].stage.value == "answered"


@pytest.mark.req("AG-11")
def test_a_manual_call_from_the_dial_pad(client, container, host):
    client.login("novakova")
    desk(client, "log_in")
    placed = desk(client, "dial", number="+420 603 555 666")
    assert placed.status_code == 200
    call_id = placed.get_json()["result"]
    assert host.pbx.state(call_id).dialled == "+420603555666"


def test_the_desktop_needs_the_agent_permission(client):
    client.login("nastenka")
    assert client.get("/desktop/").status_code == 403
    assert desk(client, "ready").status_code == 403


@pytest.mark.req("IN-15", "AG-12")
def test_supervisors_are_offered_by_extension_and_consulted_by_number(client, container, host):
    client.login("novakova")
    desk(client, "log_in")
    state = client.api("GET", "/api/v1/desktop/state").get_json()
    assert {"name": "Petr Svoboda", "number": "2001"}.items() <= state["supervisors"][0].items()
    desk(client, "ready")
    call = ring(host)
    desk(client, "answer", call_id=call)
    assert desk(client, "consult", call_id=call, target="2001").status_code == 200
    assert host.pbx.state(call).consulting == "2001"
    assert desk(client, "end_consultation", call_id=call).status_code == 200
    assert not host.engine.calls[call].held


@pytest.mark.req("OUT-17")
def test_a_campaign_contact_is_dialled_with_the_campaigns_number_and_recording_choice(
    client, container, host
):
    from tests.web.test_campaign_pages import campaign, contacts, queue_id

    quiet = campaign(container, queue_id(container), mode="preview", caller_id="+420261100901", record=False)
    contacts(container, quiet, "603123456")
    (entry,) = container.campaigns().entries(quiet)
    officer = campaign(
        container, queue_id(container), mode="preview", name="Referent", officer_caller_id=True
    )
    contacts(container, officer, "777000111")
    (own,) = container.campaigns().entries(officer)
    client.login("novakova")
    desk(client, "log_in")
    placed = desk(client, "dial", number=entry.phone, entry_id=entry.id, caller_id="+420999", record=True)
    assert placed.status_code == 200, placed.get_json()
    call_id = placed.get_json()["result"]
    assert host.pbx.state(call_id).caller == "+420261100901"  # the campaign's, not what the page said
    assert host.engine.calls[call_id].recording is False  # the campaign records nothing
    host.apply(lambda engine: engine.hang_up_call(user_id(container, "novakova"), call_id))
    placed = desk(client, "dial", number=own.phone, entry_id=own.id)
    second = placed.get_json()["result"]
    assert host.pbx.state(second).caller == "" and host.engine.calls[second].recording  # the line's own
    host.apply(lambda engine: engine.hang_up_call(user_id(container, "novakova"), second))
    me = user_id(container, "novakova")
    container.admin().update(SYSTEM, "user", me, {"direct_number": "+420261100777"})
    third = desk(client, "dial", number=own.phone, entry_id=own.id).get_json()["result"]
    assert host.pbx.state(third).caller == "+420261100777"  # the officer's own direct number
    unknown = desk(client, "dial", number=own.phone, entry_id=999_999)
    assert unknown.status_code == 404
