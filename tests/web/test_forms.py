"""Forms report every problem at once, next to its field and in a list naming the fields, keep what
was typed, and speak of a conflict only when two changes really collided (design/ui.md, "Errors")."""

from __future__ import annotations

import re
from html import unescape

import pytest
from dependency_injector import providers

from kc_domain.audit.service import AuditQuery
from kc_domain.errors import Conflict
from tests.web.test_admin_pages import QUEUE_FORM

CONFLICT = "Někdo jiný ve stejné chvíli změnil stejná data"


def field_errors(html: str) -> dict[str, list[str]]:
    """The messages shown next to each control, by the control's id (``f-<field>``)."""
    found: dict[str, list[str]] = {}
    for block in re.findall(
        r'<div class="field field-[^"]*">(.*?)</div>\s*(?=<div class="field|<div class="actions)', html, re.S
    ):
        control = re.search(r'id="(f-[^"]+)"', block)
        messages = [unescape(m) for m in re.findall(r'class="field-error"[^>]*>([^<]*)<', block)]
        if control and messages:
            found[control.group(1)] = messages
    return found


def summary(html: str) -> list[str]:
    """The list of problems at the top of a form, as text."""
    listed = re.search(r'<ul id="(?:form|client-form)-error-list">(.*?)</ul>', html, re.S)
    assert listed, "no list of problems"
    return [
        re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", "", li))).strip()
        for li in re.findall(r"<li>(.*?)</li>", listed.group(1), re.S)
    ]


def value_of(html: str, control: str) -> str:
    found = re.search(rf'id="{control}" name="[^"]+" value="([^"]*)"', html)
    assert found, control
    return unescape(found.group(1))


def users(container):  # type: ignore[no-untyped-def]
    return {u.username: u for u in container.admin().list("user")}


@pytest.mark.req("ADM-10", "GEN-04")
def test_an_empty_skill_form_names_the_missing_agent_and_queue_and_is_no_conflict(admin_client, container):
    before = len(container.admin().list("skill"))
    response = admin_client.post(
        "/admin/skill/new", {"user_id": "", "queue_id": "", "level": "5", "priority": "5"}
    )
    html = response.get_data(as_text=True)

    assert response.status_code == 422
    assert CONFLICT not in html
    assert field_errors(html)["f-user_id"] == ["Toto pole je povinné."]
    assert field_errors(html)["f-queue_id"] == ["Toto pole je povinné."]
    assert summary(html) == ["Operátor: Toto pole je povinné.", "Fronta: Toto pole je povinné."]
    assert value_of(html, "f-level") == "5"
    assert len(container.admin().list("skill")) == before


@pytest.mark.req("ADM-10", "GEN-04")
def test_a_second_skill_of_an_agent_in_a_queue_names_both(admin_client, container):
    novakova = users(container)["novakova"]
    skill = next(s for s in container.admin().list("skill") if s.user_id == novakova.id)
    queue = container.admin().get("queue", skill.queue_id)

    response = admin_client.post(
        "/admin/skill/new",
        {"user_id": novakova.id, "queue_id": queue.id, "level": "3", "priority": "2"},
    )
    html = unescape(response.get_data(as_text=True))

    assert response.status_code == 422
    expected = f"Tato kombinace už existuje: Operátor „Marie Nováková (novakova)“, Fronta „{queue.name}“."
    assert field_errors(html)["f-queue_id"] == [expected]
    assert "„1“" not in html and f"„{queue.id}“" not in html


@pytest.mark.req("ADM-02", "GEN-04")
def test_an_agent_number_is_one_users_only(admin_client, container):
    form = {
        "username": "druha",
        "full_name": "Druhá Nováková",
        "roles": "agent",
        "agent_number": "2101",
        "language": "cs",
        "active": "on",
        "password": "Kontakt-2026-x",
    }
    response = admin_client.post("/admin/user/new", form)
    html = unescape(response.get_data(as_text=True))

    assert response.status_code == 422
    assert field_errors(html)["f-agent_number"] == ["Marie Nováková (novakova) už má „2101“."]
    assert value_of(html, "f-username") == "druha" and value_of(html, "f-full_name") == "Druhá Nováková"
    assert "druha" not in users(container)

    cerna = users(container)["cerna"]
    api = admin_client.api("PATCH", f"/api/v1/user/{cerna.id}", {"agent_number": "2101"})
    assert api.status_code == 422
    assert api.get_json()["errors"][0]["field"] == "agent_number"
    assert users(container)["cerna"].agent_number == "2103"

    admin_client.post("/admin/user/new", {**form, "agent_number": ""})  # no number: no clash
    admin_client.post("/admin/user/new", {**form, "username": "treti", "agent_number": ""})
    assert users(container)["druha"].agent_number == users(container)["treti"].agent_number == ""


@pytest.mark.req("ADM-05", "GEN-04")
def test_the_queue_form_reports_times_overlaps_and_numbers_at_once_and_keeps_the_input(
    admin_client, container
):
    form = {
        **QUEUE_FORM,
        "hours_mon": "8-",  # not a time range
        "hours_tue": "08:00-12:00, 10:00-13:00",  # overlapping
        "sl_threshold_s": "0",  # out of range
        "priority": "vysoká",  # not a number
        "callback_key": "1",
        "voicemail_key": "1",  # the same key twice
    }
    response = admin_client.post("/admin/queue/new", form)
    html = unescape(response.get_data(as_text=True))

    assert response.status_code == 422
    errors = field_errors(html)
    assert errors["f-priority"] == ["Musí být celé číslo."]
    assert errors["f-sl_threshold_s"] == ["Musí být mezi 1 a 3600."]
    assert errors["f-voicemail_key"] == ["Klávesy pro zpětné volání a pro vzkaz se musí lišit."]
    assert "„8-“ není časový úsek ve tvaru 08:00-17:00." in html
    assert "08:00-12:00 a 10:00-13:00 se překrývají." in html
    listed = summary(html)
    assert len(listed) == 5
    assert listed[0].startswith("Limit úrovně služeb (s): ")
    assert any(item.startswith("Provozní doba – Pondělí: ") for item in listed)
    assert any(item.startswith("Provozní doba – Úterý: ") for item in listed)
    assert value_of(html, "f-priority") == "vysoká" and value_of(html, "f-hours_mon") == "8-"
    assert "Prevence a fond prevence" not in {q.name for q in container.admin().list("queue")}
    record = container.audit().search(container.uow_factory(), AuditQuery(action="queue.create"), 1)[0]
    assert record.outcome.value == "rejected"


@pytest.mark.req("ADM-05", "GEN-04")
def test_a_real_conflict_says_so_and_keeps_the_form(admin_client, container):
    real = container.admin()

    class CollidingAdmin:
        def __getattr__(self, name):  # type: ignore[no-untyped-def]
            return getattr(real, name)

        def create(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            raise Conflict("UNIQUE constraint failed: queues.name")

    container.admin.override(providers.Object(CollidingAdmin()))
    response = admin_client.post("/admin/queue/new", QUEUE_FORM)
    html = unescape(response.get_data(as_text=True))

    assert response.status_code == 409
    assert CONFLICT in html and "Vaše zadání je níže" in html
    assert value_of(html, "f-name") == "Prevence a fond prevence"


@pytest.mark.req("ADM-10", "GEN-04")
def test_a_saved_skill_is_named_by_its_agent_and_queue(admin_client, container):
    cerna = users(container)["cerna"]
    taken = {s.queue_id for s in container.admin().list("skill") if s.user_id == cerna.id}
    queue = next(q for q in container.admin().list("queue") if q.id not in taken)

    saved = admin_client.post(
        "/admin/skill/new",
        {"user_id": cerna.id, "queue_id": queue.id, "level": "4", "priority": "5"},
        follow_redirects=True,
    )
    html = unescape(saved.get_data(as_text=True))

    assert f"Uloženo: Lucie Černá (cerna) – {queue.name}" in html
    assert not re.search(r"Uloženo: #\d", html)
    skill = next(
        s for s in container.admin().list("skill") if s.user_id == cerna.id and s.queue_id == queue.id
    )
    edit = unescape(admin_client.get(f"/admin/skill/{skill.id}").get_data(as_text=True))
    assert f"<h1>Dovednost: Lucie Černá (cerna) – {queue.name}</h1>" in edit


@pytest.mark.req("CDB-03", "GEN-04")
def test_the_new_client_form_names_each_field_in_its_list_of_problems(client, container):
    client.login("novakova")
    response = client.post(
        "/clients/new", {"kind": "insured", "first_name": "Jana", "email": "jana@", "phones": ""}
    )
    html = unescape(response.get_data(as_text=True))

    assert response.status_code == 422
    assert summary(html) == ["Příjmení: Toto pole je povinné.", "E-mail: Neplatná e-mailová adresa."]
    assert 'href="#client-surname"' in html
    assert re.search(r'id="client-first_name" name="first_name" value="Jana"', html)
