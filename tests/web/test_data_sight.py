"""Who sees which personal data, queues and agents (issue 16): agents find clients, they do not list
them, and reading a card is audited (SEC-03, SEC-04); a call's record follows the agent's groups and
queues (GEN-06); the report-access filters hold on every page and API that shows queues or agents
(ADM-06), not only under /reports."""

from __future__ import annotations

import array
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from dependency_injector import providers

from kc_adapters.recordings import FileRecordingStore
from kc_adapters.speech.audio import telephony_wav
from kc_adapters.system import FixedClock
from kc_domain.audit.model import Outcome
from kc_domain.audit.service import SYSTEM, AuditQuery
from kc_domain.routing import events as ev

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # 9:00 in Prague
NOW = T0 + timedelta(hours=2)
WAV = telephony_wav(array.array("h", [0]) * 8000)


def ids(container: Any, kind: str, attr: str) -> dict[str, int]:
    return {getattr(e, attr): e.id for e in container.admin().list(kind)}


def audited(container: Any, action: str) -> list[Any]:
    return container.audit().search(container.uow_factory(), AuditQuery(action=action), 100)


def answered(container: Any, call_id: str, queue: int, agent: int, caller: str = "+420777123456") -> None:
    container.journal().record(
        [
            ev.CallArrived(T0, call_id, caller, "+420261105555"),
            ev.CallQueued(T0, call_id, queue, 5),
            ev.CallAnswered(T0 + timedelta(seconds=8), call_id, queue, agent, 8.0),
            ev.CallEnded(T0 + timedelta(minutes=3), call_id, "completed", queue, agent, "normal"),
        ],
        [],
    )


@pytest.fixture
def world(container: Any, tmp_path: Path) -> dict[str, int]:
    """An AS call (Procházka in the AS queue) and a KKC call (Horák in the general queue), recorded."""
    clock = FixedClock(NOW)
    container.clock.override(providers.Object(clock))
    container.recording_store.override(providers.Object(FileRecordingStore(tmp_path / "recordings")))
    users, queues = ids(container, "user", "username"), ids(container, "queue", "name")
    answered(container, "as-call", queues["Asistenční služba"], users["prochazka"])
    answered(container, "kkc-call", queues["Obecná linka"], users["horak"])
    as_recording = container.recordings().receive("as-call", users["prochazka"], T0, 60, WAV)
    container.recordings().receive("kkc-call", users["horak"], T0, 60, WAV)
    return {
        **users,
        "as": queues["Asistenční služba"],
        "obecna": queues["Obecná linka"],
        "rec": as_recording.id,
    }


# -- 6: clients and calls -------------------------------------------------------------------------------
@pytest.mark.req("SEC-04", "SEC-03")
def test_an_agent_finds_clients_but_may_not_list_them_all(client, container, world):
    client.login("novakova")
    listing = client.get("/api/v1/clients?limit=200&offset=0")
    assert listing.status_code == 403
    denied = audited(container, "access.denied")[0]
    assert denied.actor == "novakova" and denied.params["path"] == "/api/v1/clients"
    assert client.get("/api/v1/clients?q=Nov").status_code == 200  # finding still works

    client.login("admin")  # the administrator holds the explicit right
    assert client.get("/api/v1/clients?limit=200&offset=0").get_json()["items"]


@pytest.mark.req("SEC-03", "SEC-04")
def test_reading_a_card_is_audited_once_per_reader_and_client(client, container, world):
    jana = container.clients().search("Svobodová")[0]
    client.login("novakova")
    for _ in range(3):
        assert client.get(f"/api/v1/clients/{jana.id}").status_code == 200
    assert client.get(f"/clients/?id={jana.id}").status_code == 200
    reads = [r for r in audited(container, "client.read") if r.actor == "novakova"]
    assert [(r.object_type, r.object_id, r.outcome) for r in reads] == [("client", str(jana.id), Outcome.OK)]

    client.login("horak")  # another reader: a record of his own
    client.get(f"/api/v1/clients/{jana.id}")
    assert sorted(r.actor for r in audited(container, "client.read")) == ["horak", "novakova"]


@pytest.mark.req("GEN-06", "SEC-04")
def test_an_agent_reads_calls_of_her_queues_and_group_only(client, container, world):
    client.login("novakova")  # KKC: her group's agent's call yes, an AS call no
    assert client.get("/api/v1/calls/kkc-call/record").status_code == 200
    refused = client.get("/api/v1/calls/as-call/record")
    assert refused.status_code == 403 and "Procházka" not in refused.get_data(as_text=True)
    denied = audited(container, "access.denied")[0]
    assert denied.actor == "novakova" and denied.params["path"] == "/api/v1/calls/as-call/record"

    client.login("kucerova")  # AS, with a skill in the general queue: both
    assert client.get("/api/v1/calls/kkc-call/record").status_code == 200
    assert client.get("/api/v1/calls/as-call/record").status_code == 200
    client.login("prochazka")  # AS, only the AS queue: his own call, not KKC's
    assert client.get("/api/v1/calls/as-call/record").status_code == 200
    assert client.get("/api/v1/calls/kkc-call/record").status_code == 403
    client.login("supervizor")  # no report-access filter: everything
    assert client.get("/api/v1/calls/as-call/record").status_code == 200


def limit_supervisor_to_kkc(container: Any) -> None:
    admin = container.admin()
    kkc = next(f for f in admin.list("report_filter") if f.name.startswith("KKC"))
    supervisor = next(u for u in admin.list("user") if u.username == "supervizor")
    admin.update(SYSTEM, "user", supervisor.id, {"report_filter_ids": {kkc.id}})


@pytest.mark.req("ADM-06", "GEN-06")
def test_a_supervisor_limited_to_kkc_reads_no_as_call(client, container, world):
    limit_supervisor_to_kkc(container)
    client.login("supervizor")
    assert client.get("/api/v1/calls/kkc-call/record").status_code == 200
    assert client.get("/api/v1/calls/as-call/record").status_code == 403


# -- 10: the report-access filters everywhere ---------------------------------------------------------
def lost(container: Any, call_id: str, queue: int, caller: str) -> None:
    container.journal().record(
        [
            ev.CallArrived(NOW - timedelta(hours=1), call_id, caller, "+420261105555"),
            ev.CallQueued(NOW - timedelta(hours=1), call_id, queue, 5),
            ev.CallEnded(NOW - timedelta(minutes=59), call_id, "abandoned_in_queue", queue, None, "caller"),
        ],
        [],
    )


@pytest.mark.req("ADM-06", "GEN-06")
def test_a_supervisor_limited_to_kkc_gets_403_for_as_queues_and_agents_on_every_page(
    client, container, world
):
    limit_supervisor_to_kkc(container)
    lost(container, "as-lost", world["as"], "+420601000001")
    lost(container, "kkc-lost", world["obecna"], "+420601000002")
    client.login("supervizor")
    day = "day=2026-11-23"
    refused = [
        f"/recordings/?queue={world['as']}",
        f"/recordings/?agent={world['prochazka']}",
        f"/me/history?agent={world['prochazka']}",
        f"/calls/missed?queue={world['as']}&{day}",
        f"/api/v1/callbacks/missed?queue={world['as']}",
        f"/evaluations/report?agent={world['prochazka']}",
        f"/api/v1/evaluations/report?agent={world['prochazka']}",
        f"/evaluations/?agent={world['prochazka']}",
    ]
    for path in refused:
        assert client.get(path).status_code == 403, path
    denied = {r.params["path"] for r in audited(container, "access.denied") if r.actor == "supervizor"}
    assert {p.split("?")[0] for p in refused} <= denied

    # the same pages without a filter show the KKC data and leave the AS data out
    assert client.get(f"/recordings/?queue={world['obecna']}").status_code == 200
    recorded = client.get("/recordings/?since=2026-11-23&until=2026-11-23").get_data(as_text=True)
    assert "(2102)</small></td>" in recorded and "(2201)</small></td>" not in recorded  # Horák, Procházka
    assert "Jan Procházka" not in recorded  # nor offered as a filter
    assert client.get(f"/recordings/{world['rec']}").status_code == 403
    assert client.get(f"/me/history?agent={world['horak']}").status_code == 200
    missed = client.get(f"/calls/missed?{day}").get_data(as_text=True)
    assert "+420601000002" in missed and "+420601000001" not in missed
    assert f'<option value="{world["as"]}"' not in missed  # nor offered as a filter
    callers = client.get("/api/v1/callbacks/missed").get_json()["items"]
    assert {c["call_id"] for c in callers} == {"kkc-lost"}


@pytest.mark.req("ADM-06", "GEN-06")
def test_an_agent_reads_figures_of_her_own_queues_only(client, container, world):
    client.login("novakova")  # skills in the general and the payments queue
    assert client.get(f"/api/v1/me/stats?queue={world['obecna']}").status_code == 200
    assert client.get(f"/api/v1/me/stats?queue={world['as']}").status_code == 403
    assert client.get("/api/v1/me/stats").status_code == 200


@pytest.mark.req("SEC-04", "ADM-06")
def test_a_supervisor_limited_to_kkc_gets_no_audio_of_an_as_recording_nor_acts_on_it(
    client, container, world
):
    limit_supervisor_to_kkc(container)
    client.login("supervizor")
    rec = world["rec"]  # Procházka's call in the AS queue
    refused = [
        ("GET", f"/recordings/{rec}/audio"),
        ("GET", f"/recordings/{rec}/download.wav"),
        ("GET", f"/recordings/{rec}/download.mp3"),
        ("POST", f"/recordings/{rec}/hold"),
        ("POST", f"/recordings/{rec}/evaluations"),
        ("POST", f"/recordings/{rec}/evaluations/1"),
    ]
    for method, path in refused:
        form = {"hold": "on", "reason": "spor"}
        response = client.get(path) if method == "GET" else client.post(path, form)
        assert response.status_code == 403, path  # as the recording's page answers
    assert container.recordings().get(rec).legal_hold is False
    assert not audited(container, "recording.listen") and not audited(container, "recording.download")
    denied = {r.params["path"] for r in audited(container, "access.denied") if r.actor == "supervizor"}
    assert f"/recordings/{rec}/audio" in denied

    kkc = rec + 1  # Horák's call in the general queue, within the sight
    assert container.recordings().get(kkc).call_id == "kkc-call"
    assert client.get(f"/recordings/{kkc}/audio").status_code == 200
