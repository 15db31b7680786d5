"""Words, not codes, ids or exception texts (design/ui.md, "Words and numbers"; GEN-04): pause names
in the agents' report, agents by name among the missed calls, a clear page for a user who is not an
agent, a broken IVR file explained in Czech, the audit log's outcomes worded."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from dependency_injector import providers

from kc_adapters.system import FixedClock
from kc_domain.routing import events as ev

MONDAY = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)  # 8:00 in Prague
PERIOD = "since=2026-11-23&until=2026-11-23"


def user(container, username: str):  # type: ignore[no-untyped-def]
    return next(u for u in container.admin().list("user") if u.username == username)


def text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


@pytest.mark.req("GEN-04", "REP-16")
def test_the_agent_activity_report_heads_its_pauses_by_their_names(client, container):
    container.clock.override(providers.Object(FixedClock(MONDAY + timedelta(days=3))))
    horak = user(container, "horak").id

    def change(minutes: float, state: str, previous: str, code: str = "") -> ev.Event:
        return ev.AgentStateChanged(MONDAY + timedelta(minutes=minutes), horak, state, previous, code)

    container.journal().record(
        [
            change(0, "paused", "logged_out", "LOGIN"),
            change(5, "ready", "paused"),
            change(30, "paused", "ready", "RONA"),
            change(32, "ready", "paused"),
            change(60, "paused", "ready", "PRESTAVKA"),
            change(75, "paused", "paused", "ADMIN"),
            change(100, "ready", "paused"),
            change(120, "logged_out", "ready"),
        ],
        [],
    )
    client.login("supervizor")
    document = client.api("GET", f"/api/v1/reports/agent_activity?{PERIOD}").get_json()
    pauses = document["tables"][1]
    assert [c["label"] for c in pauses["columns"]] == [
        "Operátor",
        "Administrativa",
        "Nepřijatý hovor",
        "Po přihlášení",
        "Přestávka",
    ]
    page = client.http.get(f"/reports/agent_activity?{PERIOD}").get_data(as_text=True)
    for code in ("ADMIN", "LOGIN", "PRESTAVKA", "RONA"):
        assert not re.search(rf"\b{code}\b", text(page)), code


@pytest.mark.req("GEN-04", "IN-26")
def test_missed_calls_name_the_agent_rung(client, container):
    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    container.clock.override(providers.Object(FixedClock(now)))
    general = next(q.id for q in container.admin().list("queue") if q.name == "Obecná linka")
    novakova = user(container, "novakova").id
    at = now - timedelta(hours=1)
    container.journal().record(
        [
            ev.CallArrived(at, "m1", "+420601000001", "+420261105555"),
            ev.CallQueued(at, "m1", general, 5),
            ev.CallOffered(at + timedelta(seconds=10), "m1", general, novakova),
            ev.CallEnded(at + timedelta(seconds=30), "m1", "abandoned_ringing", general, None, "caller"),
        ],
        [],
    )
    client.login("horak")
    html = client.get("/calls/missed").get_data(as_text=True)
    (row,) = re.findall(r"<tr>\s*<td>.*?</tr>", html, re.S)
    cells = [text(c) for c in re.findall(r"<td>(.*?)</td>", row, re.S)]
    assert cells[1:3] == ["+420601000001", "Obecná linka"]
    assert cells[-1] == "Marie Nováková"  # the agent rung, by name (not her id)


@pytest.mark.req("GEN-04", "GEN-01")
def test_a_user_who_is_not_an_agent_hears_so_in_czech_on_the_desktop(client, container):
    client.login("admin")  # may open everything, but takes no calls
    response = client.get("/desktop/")
    page = text(response.get_data(as_text=True))
    assert response.status_code == 200
    assert "Nejste operátor" in page and "požádejte administrátora" in page
    assert "not found" not in page and 'id="desktop"' not in response.get_data(as_text=True)

    client.login("novakova")  # an agent gets her desktop
    assert 'id="desktop"' in client.get("/desktop/").get_data(as_text=True)


@pytest.mark.req("GEN-04", "IN-06")
@pytest.mark.parametrize(
    ("definition", "expected"),
    [
        (
            '{name: "hlavni"}',
            "Toto není platný JSON: název klíče musí být ve dvojitých uvozovkách (řádek 1, sloupec 2).",
        ),
        ('{\n  "name": "hlavni",\n  "start": "a"\n  "nodes": []\n}', "chybí čárka (řádek 4, sloupec 3)"),
        ("name: hlavni\nnodes: [\n", "Toto není platný YAML: zkontrolujte odsazení a dvojtečky (řádek 3"),
    ],
)
def test_a_broken_ivr_file_is_explained_in_czech_with_line_and_column(admin_client, definition, expected):
    response = admin_client.post("/ivr/import", {"definition": definition})
    page = text(response.get_data(as_text=True))
    assert response.status_code == 422
    assert expected in page
    assert not re.search(r"Expecting|while parsing|enclosed|delimiter|definition:", page)


@pytest.mark.req("GEN-04", "SEC-03")
def test_the_audit_log_words_its_outcomes(admin_client):
    admin_client.post("/admin/queue/new", {"name": ""})  # a refused change
    page = admin_client.get("/admin/audit/").get_data(as_text=True)
    options = re.findall(r'<option value="(\w+)"\s*>([^<]+)</option>', page)
    assert options == [
        ("ok", "Provedeno"),
        ("rejected", "Odmítnuto: neplatné zadání"),
        ("denied", "Odmítnuto: chybí oprávnění"),
        ("failed", "Nezdařilo se (např. chybné heslo)"),
    ]
    cells = re.findall(r"<td>(Provedeno|Odmítnuto: neplatné zadání|ok|rejected)</td>", page)
    assert "Odmítnuto: neplatné zadání" in cells and "Provedeno" in cells
    assert "rejected" not in cells and "ok" not in cells
    filtered = admin_client.get("/admin/audit/?outcome=rejected").get_data(as_text=True)
    assert '<option value="rejected" selected>' in filtered


@pytest.mark.req("GEN-04", "ADM-05")
def test_what_keeps_a_queue_from_being_deleted_is_named_in_words(admin_client, container):
    queue = next(q for q in container.admin().list("queue") if q.name == "Obecná linka")
    page = text(
        admin_client.post(f"/admin/queue/{queue.id}/delete", follow_redirects=True).get_data(as_text=True)
    )
    assert "Obecná linka nelze smazat" in page, page
    assert "Dovednost Marie Nováková (novakova) – Obecná linka" in page
    assert not re.search(r"\b(?:skill|queue|user|wallboard):", page)
    assert queue.id in {q.id for q in container.admin().list("queue")}
