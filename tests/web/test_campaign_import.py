"""Importing a campaign's contacts from a file through the supervisor's pages and the API (OUT-06),
contacts linked to known clients (CDB-02): import structures administered as JSON with their
problems in words; a preview with counts and every problem by row and column; the confirm adds
exactly the previewed contacts, all or none; agents are refused."""

from __future__ import annotations

import io
import json
import re
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from kc_domain.audit.service import Actor, AuditQuery
from tests.web.test_campaign_pages import campaign, contacts, queue_id

pytestmark = pytest.mark.req("OUT-06")

SUPERVISOR = Actor("supervizor", "192.0.2.1")
CSV_STRUCTURE = {
    "name": "Prevence – CSV z Excelu",
    "encoding": "windows-1250",
    "columns": [
        {"field": "phone", "header": "Telefon"},
        {"field": "full_name", "header": "Jméno"},
        {"field": "birth_number", "header": "Rodné číslo"},
    ],
}
XLSX_STRUCTURE = {
    "name": "Prevence – Excel",
    "file_type": "xlsx",
    "columns": [{"field": "phone", "header": "Telefon"}, {"field": "full_name", "header": "Jméno"}],
}
CZECH_CSV = "Telefon;Jméno;Rodné číslo\n603 123 456;Jiří Dvořák;\n+420 777 000 111;Růžena Šťastná;\n"


@pytest.fixture
def supervisor(client, app, tmp_path: Path):
    app.config["KC_IMPORT_DIR"] = str(tmp_path / "imports")
    assert client.login("supervizor").status_code == 302
    return client


def structure(container, definition: dict[str, Any]) -> int:
    return int(container.import_structures().create(SUPERVISOR, definition).id)


def new_campaign(container) -> int:
    return campaign(container, queue_id(container))


def upload(client, campaign_id: int, structure_id: int, data: bytes, filename: str = "kontakty.csv") -> Any:
    return client.post(
        f"/campaigns/{campaign_id}/import",
        {"structure_id": str(structure_id), "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def text(response: Any) -> str:
    return unescape(response.get_data(as_text=True))


def listed(container, campaign_id: int) -> list[tuple[str, str, int | None]]:
    entries = container.campaigns().entries(campaign_id, limit=100, offset=0)
    return sorted((e.phone, e.name, e.client_id) for e in entries)


def known_client(container) -> tuple[int, str]:
    with container.uow_factory()() as uow:
        phones = {p for c in uow.clients.list(200) for p in c.phones}
        owners = uow.clients.ids_by_phones(phones)
        phone = min(p for p, ids in owners.items() if len(ids) == 1)  # not a family phone
        return next(iter(owners[phone])), phone


# -- structures ----------------------------------------------------------------------------------
def test_a_structure_is_saved_edited_and_deleted_with_its_problems_named_by_field(supervisor, container):
    response = supervisor.post(
        "/campaigns/structures/new",
        {"definition": json.dumps({"name": "", "delimiter": "#", "columns": [{"field": "full_name"}]})},
    )
    assert response.status_code == 422
    html = text(response)
    problems = re.search(r'<ul id="structure-errors">(.*?)</ul>', html, re.S).group(1)
    assert "Název: Toto pole je povinné." in problems and "Oddělovač: " in problems
    assert "Sloupce: Struktura potřebuje sloupec s telefonním číslem." in problems
    response = supervisor.post("/campaigns/structures/new", {"definition": json.dumps(CSV_STRUCTURE)})
    assert response.status_code == 302
    stored = container.import_structures().structures()
    assert [s.name for s in stored] == [CSV_STRUCTURE["name"]]
    structure_id = stored[0].id
    assert CSV_STRUCTURE["name"] in text(supervisor.get("/campaigns/structures/"))
    changed = {
        **CSV_STRUCTURE,
        "columns": [{"field": "phone", "column": "A"}, {"field": "phone", "column": "B"}],
    }
    response = supervisor.post(f"/campaigns/structures/{structure_id}", {"definition": json.dumps(changed)})
    assert response.status_code == 422 and "Sloupec 2 › pole" in text(response)
    assert supervisor.post(f"/campaigns/structures/{structure_id}/delete").status_code == 302
    assert container.import_structures().structures() == []
    actions = [r.action for r in container.audit().search(container.uow_factory(), AuditQuery(), 50)]
    assert {"import_structure.create", "import_structure.update", "import_structure.delete"} <= set(actions)


# -- the pages -----------------------------------------------------------------------------------
@pytest.mark.req("OUT-06", "CDB-02")
def test_a_windows_1250_csv_with_czech_names_is_previewed_and_imported_linked_to_clients(
    supervisor, container
):
    client_id, client_phone = known_client(container)
    campaign_id, structure_id = new_campaign(container), structure(container, CSV_STRUCTURE)
    data = (CZECH_CSV + f"{client_phone};Známý Klient;\n").encode("cp1250")

    response = upload(supervisor, campaign_id, structure_id, data)
    assert response.status_code == 200
    html = text(response)
    assert "Jiří Dvořák" in html and "Růžena Šťastná" in html
    counts = {
        k: re.search(rf'id="count-{k}">([^<]*)<', html).group(1)
        for k in ("read", "accepted", "rejected", "linked")
    }
    assert counts == {"read": "3", "accepted": "3", "rejected": "0", "linked": "1"}
    assert listed(container, campaign_id) == []  # nothing before the confirm

    name = re.search(r'name="upload" value="([0-9a-f]{64})"', html).group(1)
    kept = Path(supervisor.http.application.config["KC_IMPORT_DIR"]) / f"{name}.upload"
    assert kept.read_bytes() == data
    response = supervisor.post(
        f"/campaigns/{campaign_id}/import/confirm", {"structure_id": str(structure_id), "upload": name}
    )
    assert response.status_code == 302
    assert listed(container, campaign_id) == sorted(
        [
            ("+420603123456", "Jiří Dvořák", None),
            ("+420777000111", "Růžena Šťastná", None),
            (client_phone, "Známý Klient", client_id),
        ]
    )
    assert not kept.exists()


def test_a_wrong_encoding_is_refused_naming_the_likely_one(supervisor, container):
    campaign_id = new_campaign(container)
    structure_id = structure(container, {**CSV_STRUCTURE, "encoding": "utf-8"})
    response = upload(supervisor, campaign_id, structure_id, CZECH_CSV.encode("cp1250"))
    assert response.status_code == 422
    html = text(response)
    assert "nelze přečíst v kódování utf-8" in html and "windows-1250" in html
    assert listed(container, campaign_id) == []
    assert list(Path(supervisor.http.application.config["KC_IMPORT_DIR"]).glob("*.upload")) == []


def xlsx(*rows: list[Any]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_excel_formula_is_refused_naming_the_cell(supervisor, container):
    campaign_id, structure_id = new_campaign(container), structure(container, XLSX_STRUCTURE)
    data = xlsx(["Telefon", "Jméno"], ["603123456", "Jan Novák"], ["=A2", "Eva Nová"])
    response = upload(supervisor, campaign_id, structure_id, data, "kontakty.xlsx")
    assert response.status_code == 422
    assert "Buňka A3 obsahuje vzorec =A2" in text(response)
    assert listed(container, campaign_id) == []


def test_duplicates_are_shown_and_a_refused_confirm_changes_nothing(supervisor, container):
    campaign_id, structure_id = new_campaign(container), structure(container, CSV_STRUCTURE)
    contacts(container, campaign_id, "777000111")
    before = listed(container, campaign_id)
    data = (CZECH_CSV + "603123456;Jiří znovu;\n").encode("cp1250")
    html = text(upload(supervisor, campaign_id, structure_id, data))
    assert re.search(r'id="count-duplicates">1<', html) and re.search(r'id="count-listed">1<', html)
    assert "Řádek 4, sloupec A (Telefon): Číslo +420603123456 už je na řádku 2." in html
    assert "Číslo „+420777000111“ už je na seznamu" in html or "+420777000111" in html
    name = re.search(r'name="upload" value="([0-9a-f]{64})"', html).group(1)

    form = {"structure_id": str(structure_id), "upload": name}
    response = supervisor.post(f"/campaigns/{campaign_id}/import/confirm", form)
    assert response.status_code == 422 and listed(container, campaign_id) == before
    response = supervisor.post(f"/campaigns/{campaign_id}/import/confirm", {**form, "skip_rejected": "1"})
    assert response.status_code == 302
    assert listed(container, campaign_id) == sorted([*before, ("+420603123456", "Jiří Dvořák", None)])


def test_an_agent_is_refused(client, container, app, tmp_path):
    app.config["KC_IMPORT_DIR"] = str(tmp_path / "imports")
    campaign_id, structure_id = new_campaign(container), structure(container, CSV_STRUCTURE)
    client.login("novakova")
    assert client.get(f"/campaigns/{campaign_id}/import").status_code == 403
    assert upload(client, campaign_id, structure_id, CZECH_CSV.encode("cp1250")).status_code == 403
    assert client.get("/campaigns/structures/").status_code == 403
    response = client.http.post(
        f"/api/v1/campaigns/{campaign_id}/import",
        data={"structure_id": str(structure_id), "file": (io.BytesIO(b"x"), "a.csv")},
        headers={"X-CSRFToken": client.token()},
    )
    assert response.status_code == 403 and listed(container, campaign_id) == []


# -- the API -------------------------------------------------------------------------------------
def api_post(client, path: str, structure_id: int, data: bytes, **form: str) -> Any:
    body = {"structure_id": str(structure_id), "file": (io.BytesIO(data), "kontakty.csv"), **form}
    return client.http.post(path, data=body, headers={"X-CSRFToken": client.token()})


def test_the_api_previews_and_imports_all_or_none(supervisor, container):
    campaign_id, structure_id = new_campaign(container), structure(container, CSV_STRUCTURE)
    data = (CZECH_CSV + "12;Špatné číslo;\n").encode("cp1250")
    preview = api_post(supervisor, f"/api/v1/campaigns/{campaign_id}/import/preview", structure_id, data)
    assert preview.status_code == 200
    body = preview.get_json()
    assert body["counts"] == {
        "read": 3,
        "accepted": 2,
        "rejected": 1,
        "duplicates": 0,
        "already_listed": 0,
        "linked": 0,
    }
    assert [c["name"] for c in body["contacts"]] == ["Jiří Dvořák", "Růžena Šťastná"]
    assert [(p["code"], p["row"], p["column"]) for p in body["problems"]] == [("bad_phone", 4, "A")]

    refused = api_post(supervisor, f"/api/v1/campaigns/{campaign_id}/import", structure_id, data)
    assert refused.status_code == 422 and refused.get_json()["errors"][0]["code"] == "bad_phone"
    assert listed(container, campaign_id) == []
    done = api_post(
        supervisor, f"/api/v1/campaigns/{campaign_id}/import", structure_id, data, skip_rejected="true"
    )
    assert done.status_code == 201 and done.get_json()["added"] == 2
    assert [p for p, _n, _c in listed(container, campaign_id)] == ["+420603123456", "+420777000111"]
    assert list(Path(supervisor.http.application.config["KC_IMPORT_DIR"]).glob("*.upload")) == []


def test_a_missing_column_and_the_contacts_details_are_said_in_words(supervisor, container):
    campaign_id, structure_id = new_campaign(container), structure(container, CSV_STRUCTURE)
    response = upload(
        supervisor, campaign_id, structure_id, "Telefon;Rodné číslo\n603123456;\n".encode("cp1250")
    )
    assert response.status_code == 422 and "Chybí sloupec „Jméno“." in text(response)
    data = "Telefon;Jméno;Rodné číslo\n603123456;Jan Novák;045403/1237\n".encode("cp1250")
    html = text(upload(supervisor, campaign_id, structure_id, data))
    assert "Rodné číslo: 0454031237" in html and "birth_number" not in html
