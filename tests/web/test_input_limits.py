"""Input beyond what KC can hold is a refusal naming the field, never a 500 (GEN-01): whole numbers
beyond the database's INTEGER in query arguments, path ids and JSON bodies; too deeply nested JSON."""

from __future__ import annotations

import pytest

HUGE = "99999999999999999999999"


@pytest.mark.req("GEN-01")
@pytest.mark.parametrize(
    ("user", "path", "field", "label"),
    [
        ("novakova", f"/clients/?id={HUGE}", "id", "Identifikátor"),
        ("supervizor", f"/calls/missed?queue={HUGE}", "queue", "Fronta"),
        ("admin", f"/admin/audit/?page={HUGE}", "page", "Stránka"),
        ("admin", f"/admin/audit/?page={'9' * 5000}", "page", "Stránka"),
        ("supervizor", f"/recordings/?agent={HUGE}", "agent", "Operátor"),
    ],
)
def test_a_huge_number_in_a_query_argument_is_a_422_naming_it(client, user, path, field, label):
    assert client.login(user).status_code == 302
    response = client.get(path)
    assert response.status_code == 422, path
    html = response.get_data(as_text=True)
    # the error page names the parameter in words, a page with the form marks the field
    assert f"<li>{label}:" in html or f'name="{field}"' in html


@pytest.mark.req("GEN-01")
def test_a_huge_number_in_the_json_api_names_the_field(client):
    assert client.login("novakova").status_code == 302
    response = client.get(f"/api/v1/clients?q=Nov&limit={HUGE}")
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "limit"
    assert response.get_json()["errors"][0]["code"] == "out_of_range"


@pytest.mark.req("GEN-01")
@pytest.mark.parametrize("path", [f"/recordings/{HUGE}", f"/api/v1/clients/{HUGE}"])
def test_a_huge_id_in_the_path_is_not_found(client, path):
    assert client.login("admin").status_code == 302
    assert client.get(path).status_code == 404


@pytest.mark.req("GEN-01")
def test_a_huge_number_in_an_admin_form_is_a_field_error(client):
    assert client.login("admin").status_code == 302
    response = client.api("POST", "/api/v1/queue", {"name": "Obří", "priority": int(HUGE)})
    assert response.status_code == 422
    assert {"field": "priority", "code": "out_of_range"}.items() <= response.get_json()["errors"][0].items()


@pytest.mark.req("GEN-01")
def test_a_too_deep_json_body_is_a_422_in_any_api(client):
    assert client.login("novakova").status_code == 302
    body = '{"name": ' + "[" * 50_000 + "]" * 50_000 + "}"
    response = client.http.post(
        "/api/v1/clients", data=body, content_type="application/json", headers={"X-CSRFToken": client.token()}
    )
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["code"] == "too_deep"


@pytest.mark.req("GEN-01")
def test_a_huge_queue_in_the_callback_list_falls_back_to_all_queues(client):
    assert client.login("supervizor").status_code == 302
    assert client.get(f"/callbacks/?queue={HUGE}").status_code == 200
    assert client.get(f"/api/v1/callbacks/missed?queue={HUGE}").status_code == 422
