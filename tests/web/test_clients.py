"""The customer database on the web (IN-11, CDB-02, CDB-03, CHAT-05, AG-18, AG-19): the JSON API the
desktop identifies callers with, the client card page, the admin of card fields, access control and
the audit of every change. The demo clients come from apps.seed.seed_clients (tests/conftest.py)."""

from __future__ import annotations

from typing import Any

import pytest
from dependency_injector import providers

from kc_domain.audit.model import Outcome
from kc_domain.audit.service import AuditQuery

pytestmark = pytest.mark.req("IN-11", "CDB-02", "CDB-03", "SEC-03")

FAMILY = "+420603111222"
TEMPLATE = "https://icis.ozp.example/klient/{icis_id}"


def audit_records(container: Any, action: str = "client.") -> list[Any]:
    """The audited changes (reads of a card, ``client.read``, are left out)."""
    found = container.audit().search(container.uow_factory(), AuditQuery(action=action), 40)
    return [r for r in found if r.action != "client.read"][:20]


def with_icis(container: Any) -> None:
    settings = container.settings().with_overrides(icis_url_template=TEMPLATE)
    container.settings.override(providers.Object(settings))


def find(client: Any, text: str) -> dict[str, Any]:
    (item,) = client.get(f"/api/v1/clients?q={text}").get_json()["items"]
    return item  # type: ignore[no-any-return]


@pytest.fixture
def agent(client: Any) -> Any:
    assert client.login("novakova").status_code == 302
    return client


@pytest.mark.req("CHAT-05", "AG-18")
def test_a_family_number_lists_both_clients_with_masked_identifiers_and_icis_links(agent, container):
    with_icis(container)

    for writing in ("%2B420603111222", "603111222", "00420603111222", "%2B420%20603%20111%20222"):
        response = agent.get(f"/api/v1/clients?phone={writing}")
        assert response.status_code == 200
        items = response.get_json()["items"]
        assert [i["name"] for i in items] == ["Petr Svoboda", "Ing. Jana Svobodová"]
    assert [i["identifier"] for i in items] == ["••••••3190", "••••••4123"]
    assert [i["city"] for i in items] == ["Praha 4", "Praha 4"]
    assert [i["kind"] for i in items] == ["insured", "insured"]
    assert items[1]["icis_link"] == "https://icis.ozp.example/klient/K-1004321"
    assert {f["key"] for f in items[0]["list_fields"]} == {"obec", "stav_pojisteni", "vip"}
    assert agent.get("/api/v1/clients?phone=%2B420777000000").get_json()["items"] == []


def test_search_finds_clients_by_name_without_accents_company_and_identifier(agent):
    assert [i["name"] for i in agent.get("/api/v1/clients?q=svobodova").get_json()["items"]] == [
        "Ing. Jana Svobodová",
        "Jitka Svobodová",
    ]
    assert find(agent, "strojirny")["kind"] == "employer"
    assert find(agent, "785314%2F4123")["name"] == "Ing. Jana Svobodová"
    assert agent.get("/api/v1/clients?q=").get_json()["items"] == []


@pytest.mark.req("CHAT-05", "AG-18")
def test_the_card_has_every_active_field_in_order_and_an_icis_link_only_with_an_icis_record(agent, container):
    with_icis(container)
    known, unknown = find(agent, "svobodova%20jana"), find(agent, "vesely")

    card = agent.get(f"/api/v1/clients/{known['id']}").get_json()
    other = agent.get(f"/api/v1/clients/{unknown['id']}").get_json()

    assert len(card["fields"]) >= 15
    assert card["fields"][0] == {
        "key": "datum_narozeni",
        "label": "Datum narození",
        "type": "date",
        "choices": [],
        "required": False,
        "value": "1978-03-14",
    }
    by_key = {f["key"]: f for f in card["fields"]}
    assert by_key["stav_pojisteni"]["choices"] == ["aktivní", "ukončené", "dlužník"]
    assert by_key["vip"]["value"] == "false"
    assert (card["identifier"], card["icis_id"], card["version"]) == ("7853144123", "K-1004321", 1)
    assert card["phones"] == [FAMILY, "+420731222333"]
    assert card["icis_link"] == "https://icis.ozp.example/klient/K-1004321"
    assert (other["icis_id"], other["icis_link"]) == ("", None)


@pytest.mark.req("CHAT-05", "AG-18")
def test_without_a_configured_template_there_are_no_icis_links(agent):
    assert find(agent, "svobodova%20jana")["icis_link"] is None


def test_a_caller_not_in_the_list_is_entered_by_hand_and_the_entry_audited(agent, container):
    response = agent.api(
        "POST",
        "/api/v1/clients",
        {
            "first_name": "Karolína",
            "surname": "Nová",
            "phones": ["604 555 666"],
            "values": {"obec": "Kutná Hora", "preferovany_kanal": "SMS", "vip": False},
        },
    )

    assert response.status_code == 201
    created = response.get_json()
    assert (created["name"], created["phones"], created["version"]) == ("Karolína Nová", ["+420604555666"], 1)
    assert [i["id"] for i in agent.get("/api/v1/clients?phone=604555666").get_json()["items"]] == [
        created["id"]
    ]
    record = audit_records(container)[0]
    assert (record.actor, record.action, record.object_id) == (
        "novakova",
        "client.create",
        str(created["id"]),
    )


@pytest.mark.req("AG-19")
def test_an_edit_during_a_call_is_saved_and_audited_with_before_and_after(agent, container):
    jana = find(agent, "svobodova%20jana")

    response = agent.api(
        "PATCH",
        f"/api/v1/clients/{jana['id']}",
        {"version": 1, "email": "jana@svobodovi.cz", "values": {"obec": "Praha 5", "vip": True}},
    )

    assert response.status_code == 200
    card = response.get_json()
    assert (card["email"], card["version"]) == ("jana@svobodovi.cz", 2)
    assert {f["key"]: f["value"] for f in card["fields"]}["obec"] == "Praha 5"
    record = audit_records(container)[0]
    assert (record.actor, record.action, record.outcome) == ("novakova", "client.update", Outcome.OK)
    assert record.params["before"]["email"] == "jana.svobodova@seznam.cz"
    assert record.params["after"]["values"]["vip"] == "true"


@pytest.mark.req("AG-19")
def test_an_edit_with_errors_gets_every_error_and_keeps_nothing(agent, container):
    jana = find(agent, "svobodova%20jana")

    response = agent.api(
        "PATCH",
        f"/api/v1/clients/{jana['id']}",
        {
            "version": 1,
            "surname": "",
            "email": "bez-zavinace",
            "phones": ["123"],
            "values": {"datum_narozeni": "zítra", "stav_pojisteni": "skvělý", "obec": "Brno"},
        },
    )

    assert response.status_code == 422
    assert {(e["field"], e["code"]) for e in response.get_json()["errors"]} == {
        ("surname", "required"),
        ("email", "bad_email"),
        ("phones", "bad_external_number"),
        ("values.datum_narozeni", "bad_date"),
        ("values.stav_pojisteni", "invalid_choice"),
    }
    assert all(e["message"] for e in response.get_json()["errors"])
    card = agent.get(f"/api/v1/clients/{jana['id']}").get_json()
    assert (card["surname"], card["version"]) == ("Svobodová", 1)
    assert {f["key"]: f["value"] for f in card["fields"]}["obec"] == "Praha 4"
    assert audit_records(container)[0].outcome == Outcome.REJECTED


@pytest.mark.req("AG-19")
def test_an_edit_of_a_card_changed_meanwhile_is_a_conflict(agent):
    jana = find(agent, "svobodova%20jana")
    assert (
        agent.api("PATCH", f"/api/v1/clients/{jana['id']}", {"version": 1, "title": "Mgr."}).status_code
        == 200
    )

    stale = agent.api("PATCH", f"/api/v1/clients/{jana['id']}", {"version": 1, "title": "Ph.D."})
    missing = agent.api("PATCH", f"/api/v1/clients/{jana['id']}", {"title": "Ph.D."})

    assert stale.status_code == 409
    assert missing.status_code == 422
    assert agent.get(f"/api/v1/clients/{jana['id']}").get_json()["title"] == "Mgr."


def test_a_wallboard_account_may_not_read_or_change_clients(client, container):
    assert client.login("nastenka").status_code == 302
    before = len(audit_records(container, "client.create"))

    assert client.get(f"/api/v1/clients?phone={FAMILY}").status_code == 403
    assert client.get("/api/v1/clients/1").status_code == 403
    assert client.api("POST", "/api/v1/clients", {"surname": "Nová"}).status_code == 403
    assert client.api("PATCH", "/api/v1/clients/1", {"version": 1, "title": "x"}).status_code == 403
    assert client.get("/clients/").status_code == 403
    assert len(audit_records(container, "client.create")) == before


def test_the_page_identifies_by_number_and_shows_an_accessible_editable_card(agent, container):
    with_icis(container)
    jana = find(agent, "svobodova%20jana")

    page = agent.get(f"/clients/?phone=603111222&id={jana['id']}").get_data(as_text=True)

    assert 'id="client-results"' in page
    assert "Petr Svoboda" in page and "Ing. Jana Svobodová" in page
    assert "7853144123" not in page.split('id="client-card"')[0]  # masked in the list
    assert 'for="client-f-datum_narozeni"' in page and 'id="client-f-datum_narozeni"' in page
    assert 'data-dial="+420603111222"' in page
    assert 'href="https://icis.ozp.example/klient/K-1004321"' in page
    assert "<script>" not in page and "style=" not in page  # CSP: no inline code


def test_the_page_saves_the_card_from_its_form_and_shows_errors_without_saving(agent):
    jana = find(agent, "svobodova%20jana")
    page = agent.get(f"/clients/?id={jana['id']}").get_data(as_text=True)
    assert 'name="values.obec" value="Praha 4"' in page
    form = {
        "version": "1",
        "kind": "insured",
        "identifier": "7853144123",
        "icis_id": "K-1004321",
        "title": "Ing.",
        "first_name": "Jana",
        "surname": "Svobodová",
        "company": "",
        "email": "jana.svobodova@seznam.cz",
        "phones": "+420603111222\n731 222 333",
        "values.obec": "Praha 5",
        "values.stav_pojisteni": "aktivní",
        "values.vip": "true",
    }

    bad = agent.post(f"/clients/{jana['id']}", {**form, "values.datum_narozeni": "zítra"})
    good = agent.post(f"/clients/{jana['id']}", form)

    assert bad.status_code == 422
    assert 'id="client-form-error"' in bad.get_data(as_text=True)
    assert good.status_code == 302
    card = agent.get(f"/api/v1/clients/{jana['id']}").get_json()
    values = {f["key"]: f["value"] for f in card["fields"]}
    assert (values["obec"], values["vip"], values["datum_narozeni"], card["version"]) == (
        "Praha 5",
        "true",
        "",
        2,
    )


def test_a_new_client_is_entered_on_the_page(agent):
    assert agent.get("/clients/new?phone=604555666").status_code == 200

    response = agent.post(
        "/clients/new", {"kind": "insured", "first_name": "Ivo", "surname": "Malý", "phones": "604555666"}
    )

    assert response.status_code == 302
    assert [i["name"] for i in agent.get("/api/v1/clients?phone=604555666").get_json()["items"]] == [
        "Ivo Malý"
    ]


def test_the_administrator_defines_card_fields_through_the_generic_admin(admin_client, client):
    created = admin_client.api(
        "POST",
        "/api/v1/client_field",
        {
            "key": "pojistovna_drive",
            "label": "Předchozí pojišťovna",
            "type": "choice",
            "choices": ["VZP", "ČPZP"],
        },
    )
    assert created.status_code == 201
    assert created.get_json()["choices"] == ["VZP", "ČPZP"]
    assert admin_client.get("/admin/client_field/").status_code == 200
    refused = admin_client.api(
        "POST", "/api/v1/client_field", {"key": "Špatně", "label": "", "type": "choice"}
    )
    assert {(e["field"], e["code"]) for e in refused.get_json()["errors"]} == {
        ("key", "bad_field_key"),
        ("label", "required"),
        ("choices", "empty"),
    }

    client.login("novakova")
    jana = find(client, "svobodova%20jana")
    keys = [f["key"] for f in client.get(f"/api/v1/clients/{jana['id']}").get_json()["fields"]]
    assert "pojistovna_drive" in keys
    assert client.get("/api/v1/client_field").status_code == 403


def test_the_admin_form_keeps_the_order_of_choices_with_spaces(admin_client, container):
    assert admin_client.get("/admin/client_field/new").status_code == 200

    response = admin_client.post(
        "/admin/client_field/new",
        {
            "key": "kanal_odpovedi",
            "label": "Kanál odpovědi",
            "type": "choice",
            "choices": "telefon\r\ndatová schránka\r\n\r\ne-mail",
            "position": "5",
            "active": "on",
        },
    )

    assert response.status_code == 302
    (field,) = [f for f in container.clients().fields() if f.key == "kanal_odpovedi"]
    assert field.choices == ("telefon", "datová schránka", "e-mail")
    page = admin_client.get(f"/admin/client_field/{field.id}").get_data(as_text=True)
    assert "telefon\ndatová schránka\ne-mail" in page


def test_the_demo_has_a_realistic_card_and_thirty_clients_seeded_once(container):
    from apps.seed import seed_clients
    from kc_domain.ivr.validation import is_valid_ico, is_valid_insurance_number

    clients = container.clients()
    everyone = clients.list(100)

    assert len(clients.fields()) >= 15
    assert len(everyone) == 30
    assert len(clients.by_phone(FAMILY)) == 2
    assert sum(1 for c in everyone if not c.icis_id) >= 3
    for c in everyone:
        if c.identifier:
            valid = is_valid_ico if c.kind.value in ("employer", "provider") else is_valid_insurance_number
            assert valid(c.identifier) or is_valid_ico(c.identifier), c.name
    assert seed_clients(container.uow_factory(), container.audit(), container.clock().now()) == 0
