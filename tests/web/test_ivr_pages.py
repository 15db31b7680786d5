"""IVR tree pages and API: import, validation errors in Czech, activation, export, numbers (IN-06, ADM-11)."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from kc_domain.audit.service import SYSTEM, AuditQuery
from kc_domain.ivr.model import tree_from_plain


def definition(container: Any, name: str = "hlavni") -> dict[str, Any]:
    queue_id = container.admin().list("queue")[0].id
    return {
        "name": name,
        "version": 1,
        "start": "uvod",
        "nodes": [
            {
                "type": "menu",
                "id": "uvod",
                "prompt": {"text": "Pro klienty stiskněte 1"},
                "choices": {"1": "fronta"},
            },
            {"type": "route_to_queue", "id": "fronta", "queue_ids": [queue_id]},
        ],
    }


@pytest.mark.req("IN-06", "ADM-11", "SEC-03")
def test_import_activate_export_round_trip_through_the_pages(admin_client, container):
    plain = definition(container)
    response = admin_client.post("/ivr/import", {"definition": json.dumps(plain)})
    assert response.status_code == 302 and response.headers["Location"].endswith("/ivr/hlavni")
    upload = {"definition": "", "file": (io.BytesIO(json.dumps(plain).encode()), "hlavni.json")}
    assert admin_client.post("/ivr/import", upload, content_type="multipart/form-data").status_code == 302
    assert [v.version for v in container.ivr().versions("hlavni")] == [1, 2]

    page = admin_client.get("/ivr/hlavni").get_data(as_text=True)
    assert "uvod (menu)" in page and "choices[1] → fronta (route_to_queue)" in page
    assert admin_client.post("/ivr/hlavni/2/activate").status_code == 302
    assert container.ivr().active("hlavni").version == 2
    assert "aktivní" in admin_client.get("/ivr/hlavni").get_data(as_text=True)

    exported = admin_client.get("/ivr/hlavni/2/export.json")
    assert exported.headers["Content-Disposition"].startswith("attachment")
    data = json.loads(exported.get_data(as_text=True))
    assert data["version"] == 2 and data["nodes"][0]["choices"] == {"1": "fronta"}
    assert admin_client.post("/ivr/import", {"definition": json.dumps(data)}).status_code == 302
    assert container.ivr().export("hlavni", 3)["nodes"] == data["nodes"]
    record = container.audit().search(container.uow_factory(), AuditQuery(action="ivr.activate"), 1)[0]
    assert record.actor == "admin" and record.params["version"] == 2


@pytest.mark.req("IN-06", "ADM-11")
def test_a_broken_definition_is_explained_in_czech_with_paths_and_nothing_is_saved(admin_client, container):
    broken = definition(container)
    broken["nodes"][0]["choices"] = {"X": "fronta"}
    broken["nodes"][1]["queue_ids"] = [999]
    response = admin_client.post("/ivr/import", {"definition": json.dumps(broken)})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "nodes[0].choices" in page and "není klávesa telefonu" in page
    assert "nodes[1].queue_ids" in page and "Fronta 999 neexistuje" in page
    bad_json = admin_client.post("/ivr/import", {"definition": "{nedokončeno"})
    assert bad_json.status_code == 422 and "Toto není platný JSON" in bad_json.get_data(as_text=True)
    assert container.ivr().names() == []
    rejected = container.audit().search(container.uow_factory(), AuditQuery(action="ivr.save"), 1)[0]
    assert rejected.outcome.value == "rejected"


@pytest.mark.req("IN-06")
def test_a_dialled_number_is_mapped_to_a_tree_and_listed(admin_client, container):
    container.ivr().save(SYSTEM, definition(container))
    response = admin_client.post("/ivr/numbers", {"number": "+420261105555", "tree_name": "hlavni"})
    assert response.status_code == 302
    page = admin_client.get("/ivr/").get_data(as_text=True)
    assert "+420261105555" in page and "hlavni" in page
    bad = admin_client.post("/ivr/numbers", {"number": "12 34", "tree_name": "hlavni"})
    assert bad.status_code == 422 and "Interní číslo má 2 až 8 číslic" in bad.get_data(as_text=True)
    assert admin_client.post("/ivr/numbers/delete", {"number": "+420261105555"}).status_code == 302
    assert container.ivr().numbers() == []


@pytest.mark.req("IN-06", "IN-24")
def test_the_json_api_imports_activates_and_exports_the_active_version(admin_client, container):
    plain = definition(container)
    created = admin_client.api("POST", "/api/v1/ivr/hlavni", plain)
    assert created.status_code == 201 and created.get_json()["version"] == 1
    assert admin_client.api("GET", "/api/v1/ivr/hlavni").status_code == 404
    activated = admin_client.api("POST", "/api/v1/ivr/hlavni/1/activate")
    assert activated.get_json() == {"name": "hlavni", "version": 1, "active": True}
    exported = admin_client.api("GET", "/api/v1/ivr/hlavni").get_json()
    assert tree_from_plain(exported) == tree_from_plain(plain)  # defaults filled in, same tree
    invalid = admin_client.api("POST", "/api/v1/ivr/hlavni", {**plain, "start": "nikde"})
    assert invalid.status_code == 422
    errors = invalid.get_json()["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [
        ("start", "unknown_node"),
        ("nodes[0]", "unreachable"),
        ("nodes[1]", "unreachable"),
    ]
    assert [v.version for v in container.ivr().versions("hlavni")] == [1]


@pytest.mark.req("SEC-03")
@pytest.mark.parametrize("path", ["/ivr/", "/api/v1/ivr/hlavni"])
def test_an_agent_gets_403_on_the_ivr_pages(client, container, path):
    client.login("novakova")
    assert client.get(path).status_code == 403
    assert client.post("/ivr/import", {"definition": "{}"}).status_code == 403
    denied = container.audit().search(container.uow_factory(), AuditQuery(action="access.denied"), 1)[0]
    assert denied.actor == "novakova"


def ivr_audit_sizes(container: Any) -> list[int]:
    found = container.audit().search(container.uow_factory(), AuditQuery(action="ivr."), 100)
    return [len(json.dumps(r.params)) + len(r.object_id) for r in found]


@pytest.mark.req("IN-06", "SEC-03")
def test_yaml_with_anchors_and_aliases_is_refused_and_the_audit_row_stays_small(client, container):
    assert client.login("fronty").status_code == 302
    bomb = "\n".join(
        ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
        + [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]" for n in range(1, 7)]
        + ["name: *a6", "start: *a6", "nodes: *a6"]
    )
    response = client.post("/ivr/import", {"definition": bomb})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "odkazy (aliasy)" in page
    upload = {"file": (io.BytesIO(bomb.encode()), "bomba.yaml")}
    assert client.post("/ivr/import", upload, content_type="multipart/form-data").status_code == 422
    assert all(size < 4000 for size in ivr_audit_sizes(container))


@pytest.mark.req("IN-06", "GEN-01")
def test_an_oversized_definition_is_refused(admin_client):
    text = "name: velky\n# " + "x" * 600_000 + "\n"
    response = admin_client.post("/ivr/import", {"definition": text})
    assert response.status_code == 422
    assert "příliš velký" in response.get_data(as_text=True)


@pytest.mark.req("IN-06", "GEN-01")
@pytest.mark.parametrize("text", ["[" * 50_000 + "]" * 50_000, "- " * 50_000 + "x", "[" * 50_000])
def test_too_deeply_nested_definitions_are_refused(admin_client, text):
    response = admin_client.post("/ivr/import", {"definition": text})
    assert response.status_code == 422
    assert "příliš hluboko vnořen" in response.get_data(as_text=True)


@pytest.mark.req("IN-06", "GEN-01")
def test_a_too_deep_json_body_is_refused_with_a_422(admin_client):
    body = '{"nodes": ' + "[" * 50_000 + "]" * 50_000 + "}"
    response = admin_client.http.post(
        "/api/v1/ivr/x",
        data=body,
        content_type="application/json",
        headers={"X-CSRFToken": admin_client.token()},
    )
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["code"] == "too_deep"
    assert "příliš hluboko vnořen" in response.get_json()["errors"][0]["message"]
