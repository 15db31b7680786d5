"""The supervisor's live view against the real engine host on the container's bus (issue 6): the
page and its state, actions on agents and calls (audited, refused with the field), alert
acknowledgement and the alert history; agents are refused."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from dependency_injector import providers

from apps.engine.build import build_engine
from apps.engine.host import COMMANDS_CHANNEL, EngineHost
from kc_adapters.memory.bus import MemoryBus
from kc_adapters.simulated_pbx import SimulatedPbx
from kc_adapters.system import FixedClock
from kc_domain.audit.model import Outcome
from kc_domain.audit.service import SYSTEM, AuditQuery

MONDAY_10 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # 10:00 in Prague, the queues are open
GENERAL_LINE = "+420261105555"
AS_LINE = "+420261105559"


@pytest.fixture
def host(container):
    bus = container.bus()
    assert isinstance(bus, MemoryBus)
    clock = FixedClock(MONDAY_10)
    container.clock.override(providers.Object(clock))
    pbx = SimulatedPbx(strict=False)
    host = EngineHost(
        build_engine(container, pbx, clock),
        container.journal(),
        bus,
        clock,
        ZoneInfo("Europe/Prague"),
        uow_factory=container.uow_factory(),
    )
    host.pbx = pbx  # type: ignore[attr-defined]
    subscription = bus.subscribe(COMMANDS_CHANNEL, host.command)
    yield host
    subscription.close()


def user_id(container, username):
    return next(u.id for u in container.admin().list("user") if u.username == username)


def audited(container, action):
    found = container.audit().search(container.uow_factory(), AuditQuery(action=action), 100)
    return sorted((r for r in found if r.action == action), key=lambda r: r.seq)


def talking(host, container):
    novakova = user_id(container, "novakova")
    host.apply(lambda e: (e.log_in(novakova), e.ready(novakova)))
    host.pbx.incoming("c1", "+420603123456", GENERAL_LINE)
    host.apply(lambda e: e.call_arrived("c1", "+420603123456", GENERAL_LINE))
    host.apply(lambda e: e.answer_call(novakova, "c1"))
    return novakova


@pytest.mark.req("RT-01", "RT-02", "RT-03")
def test_the_page_and_its_state_for_a_supervisor_and_a_refusal_for_an_agent(client, container, host):
    client.login("supervizor")
    page = client.http.get("/supervisor/")
    assert page.status_code == 200 and "supervisor.js" in page.get_data(as_text=True)
    state = client.api("GET", "/api/v1/supervisor/state").get_json()
    novakova = user_id(container, "novakova")
    assert state["agents"][str(novakova)] == {
        "number": "2101",
        "group_id": state["agents"][str(novakova)]["group_id"],
        "group": "KKC",
    }
    assert {"KKC", "AS"} <= {g["name"] for g in state["groups"]}
    assert state["links"]["agent_calls"].endswith("?agent={id}") and "queue_missed" in state["links"]
    assert state["me"] == user_id(container, "supervizor")

    client.login("novakova")
    assert client.http.get("/supervisor/").status_code == 403
    assert client.api("POST", "/api/v1/supervisor/force_log_out", {"agent_id": novakova}).status_code == 403


@pytest.mark.req("IN-17", "RT-07", "IN-05")
def test_whisper_reaches_the_pbx_and_is_audited_and_a_bad_mode_is_refused(client, container, host):
    talking(host, container)
    client.login("supervizor")
    supervisor = user_id(container, "supervizor")
    reply = client.api("POST", "/api/v1/supervisor/monitor", {"call_id": "c1", "mode": "whisper"})
    assert reply.status_code == 200
    assert host.pbx.state("c1").monitors == {supervisor: "whisper"}
    bad = client.api("POST", "/api/v1/supervisor/monitor", {"call_id": "c1", "mode": "shout"})
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "mode"
    gone = client.api("POST", "/api/v1/supervisor/monitor", {"call_id": "nope", "mode": "listen"})
    assert gone.status_code == 404
    assert client.api("POST", "/api/v1/supervisor/stop_monitor", {"call_id": "c1"}).status_code == 200
    assert host.pbx.state("c1").monitors == {}
    records = audited(container, "supervise.monitor")
    assert [r.outcome for r in records] == [Outcome.OK, Outcome.REJECTED, Outcome.REJECTED]


@pytest.mark.req("RT-01", "AG-03")
def test_pause_log_out_and_queue_sign_in_by_the_supervisor(client, container, host):
    novakova = talking(host, container)
    horak = user_id(container, "horak")
    host.apply(lambda e: (e.log_in(horak), e.ready(horak)))
    client.login("supervizor")
    busy = client.api("POST", "/api/v1/supervisor/force_pause", {"agent_id": novakova, "code": "PORADA"})
    assert busy.get_json()["result"] is True  # waits for her call
    assert host.engine.agents[novakova].state.value == "busy"
    host.apply(lambda e: e.call_ended("c1"))
    host.apply(lambda e: e.ready(novakova))
    assert host.engine.agents[novakova].pause_code == "PORADA"
    bad = client.api("POST", "/api/v1/supervisor/force_pause", {"agent_id": horak, "code": "NOPE"})
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "code"
    queues = {q.name: q.id for q in container.admin().list("queue")}
    out = client.api(
        "POST", "/api/v1/supervisor/sign_out", {"agent_id": horak, "queue_id": queues["Obecná linka"]}
    )
    assert out.status_code == 200 and queues["Obecná linka"] not in host.engine.agents[horak].signed_in
    assert (
        client.api("POST", "/api/v1/supervisor/force_log_out", {"agent_id": horak}).get_json()["result"]
        is False
    )
    assert host.engine.agents[horak].state.value == "logged_out"
    assert client.api("POST", "/api/v1/supervisor/force_log_out", {"agent_id": "x"}).status_code == 422
    assert len(audited(container, "supervise.force_pause")) == 2


@pytest.mark.req("RT-06")
def test_an_alert_is_acknowledged_from_the_api_and_listed_in_the_history(client, container, host):
    general = next(q.id for q in container.admin().list("queue") if q.name == "Obecná linka")
    container.admin().create(
        SYSTEM, "alert_rule", {"name": "Čekání", "kind": "long_wait", "queue_id": general, "limit": 20}
    )
    host.pbx.incoming("c2", "+420603999888", GENERAL_LINE)
    host.apply(lambda e: e.call_arrived("c2", "+420603999888", GENERAL_LINE))
    host.engine.clock.advance(seconds=45)
    (alert,) = host.live_view()["alerts"]
    client.login("supervizor")
    reply = client.api("POST", "/api/v1/supervisor/alert_ack", {"alert_id": alert["id"]})
    assert reply.status_code == 200 and reply.get_json()["result"]["acknowledged_by"] == user_id(
        container, "supervizor"
    )
    page = client.http.get("/supervisor/alerts?since=2026-11-23&until=2026-11-23").get_data(as_text=True)
    assert f'id="alert-{alert["id"]}"' in page and "Petr Svoboda" in page and "Čekání" in page
    bad = client.http.get("/supervisor/alerts?since=2026-11-30&until=2026-11-23")
    assert bad.status_code == 422


@pytest.mark.req("RT-02")
def test_a_supervisor_opens_an_agents_call_history_and_an_agent_cannot(client, container, host):
    novakova = user_id(container, "novakova")
    client.login("supervizor")
    page = client.http.get(f"/me/history?agent={novakova}")
    assert page.status_code == 200 and "Marie Nováková" in page.get_data(as_text=True)
    assert client.http.get("/me/history?agent=99999").status_code == 404
    client.login("horak")
    assert client.http.get(f"/me/history?agent={novakova}").status_code == 404


@pytest.mark.req("RT-06", "GEN-04")
def test_the_alert_history_writes_times_and_percentages_in_the_pages_language(client, container):
    from kc_domain.supervision.model import Alert, AlertKind

    general = next(q.id for q in container.admin().list("queue") if q.name == "Obecná linka")
    raised = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
    with container.uow_factory()() as uow:
        wait = uow.alerts.add(
            Alert(
                1,
                AlertKind.LONG_WAIT,
                f"queue:{general}",
                queue_id=general,
                value=61.0,
                limit=45.0,
                raised_at=raised,
            )
        )
        level = uow.alerts.add(
            Alert(
                2,
                AlertKind.LOW_SERVICE_LEVEL,
                f"queue:{general}",
                queue_id=general,
                value=66.7,
                limit=80.0,
                raised_at=raised,
            )
        )
        uow.commit()
    client.login("supervizor")
    page = client.http.get("/supervisor/alerts?since=2026-11-23&until=2026-11-23").get_data(as_text=True)

    def cells(alert_id: int) -> list[str]:
        row = page.split(f'id="alert-{alert_id}"', 1)[1].split("</tr>", 1)[0]
        return [cell.strip() for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]

    assert cells(wait.id)[4:6] == ["1:01", "0:45"]  # as the live view shows a wait, not "61.0 s"
    assert cells(level.id)[4:6] == ["66,7\u00a0%", "80,0\u00a0%"]
    client.post("/language", {"language": "en", "next": "/"})
    page = client.http.get("/supervisor/alerts?since=2026-11-23&until=2026-11-23").get_data(as_text=True)
    assert cells(level.id)[4:6] == ["66.7%", "80.0%"]


@pytest.mark.req("SEC-04", "ADM-06")
def test_a_supervisor_limited_to_kkc_sees_and_acts_on_kkc_queues_and_agents_only(client, container, host):
    from tests.web.test_data_sight import limit_supervisor_to_kkc

    queues = {q.name: q.id for q in container.admin().list("queue")}
    assist, general = queues["Asistenční služba"], queues["Obecná linka"]
    novakova, prochazka = talking(host, container), user_id(container, "prochazka")
    host.apply(lambda e: (e.log_in(prochazka), e.ready(prochazka)))
    host.pbx.incoming("as1", "+420603999888", AS_LINE)
    host.apply(lambda e: e.call_arrived("as1", "+420603999888", AS_LINE))
    host.apply(lambda e: e.answer_call(prochazka, "as1"))
    signed_in = set(host.engine.agents[prochazka].signed_in)
    assert assist in signed_in
    limit_supervisor_to_kkc(container)
    client.login("supervizor")

    state = client.api("GET", "/api/v1/supervisor/state").get_json()
    assert str(novakova) in state["agents"] and str(prochazka) not in state["agents"]
    assert general in {q["id"] for q in state["queues"]} and assist not in {q["id"] for q in state["queues"]}
    assert {g["name"] for g in state["groups"]} == {"KKC"}

    for command, body in [
        ("sign_out", {"agent_id": prochazka, "queue_id": assist}),
        ("force_log_out", {"agent_id": prochazka}),
        ("force_pause", {"agent_id": prochazka, "code": "PORADA"}),
        ("sign_in", {"agent_id": novakova, "queue_id": assist}),  # her, into a queue he may not see
        ("monitor", {"call_id": "as1", "mode": "barge"}),
    ]:
        assert client.api("POST", f"/api/v1/supervisor/{command}", body).status_code == 403, command
    assert set(host.engine.agents[prochazka].signed_in) == signed_in
    assert host.engine.agents[prochazka].state.value == "busy" and host.pbx.state("as1").monitors == {}
    assert assist not in host.engine.agents[novakova].signed_in
    denied = audited(container, "access.denied")  # repeats within a minute: one record, counted
    assert [(r.params["path"], r.outcome, r.actor) for r in denied] == [
        ("/api/v1/supervisor/sign_out", Outcome.DENIED, "supervizor")
    ]
    assert not audited(container, "supervise.sign_out")  # nothing reached the engine

    # within the sight everything works as before, a call of his agent included
    listen = client.api("POST", "/api/v1/supervisor/monitor", {"call_id": "c1", "mode": "listen"})
    assert listen.status_code == 200
