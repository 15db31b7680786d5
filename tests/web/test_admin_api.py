"""The administration JSON API: same rules and audit as the forms (ADM-02..ADM-10)."""

from __future__ import annotations

import pytest

HOURS = {
    "weekly": {
        "mon": ["08:00-17:00"],
        "tue": ["08:00-17:00"],
        "wed": ["08:00-17:00"],
        "thu": ["08:00-17:00"],
        "fri": ["08:00-15:00"],
    },
    "exceptions": [{"day": "2026-12-24", "intervals": [], "note": "Štědrý den"}],
    "closed_on_holidays": True,
}


@pytest.mark.req("ADM-05", "ADM-11")
def test_queue_lifecycle_through_the_api(admin_client):
    created = admin_client.api(
        "POST",
        "/api/v1/queue",
        {"name": "Anglická linka", "number": "+420261105561", "hours": HOURS, "overflow": {"kind": "hangup"}},
    )
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["hours"]["weekly"]["fri"] == ["08:00-15:00"]
    queue_id = body["id"]
    changed = admin_client.api("PATCH", f"/api/v1/queue/{queue_id}", {"wrap_up_s": 60})
    assert changed.status_code == 200 and changed.get_json()["wrap_up_s"] == 60
    assert admin_client.api("GET", f"/api/v1/queue/{queue_id}").get_json()["name"] == "Anglická linka"
    assert admin_client.api("DELETE", f"/api/v1/queue/{queue_id}").status_code == 204
    assert admin_client.api("GET", f"/api/v1/queue/{queue_id}").status_code == 404


@pytest.mark.req("ADM-05")
def test_api_errors_name_the_field_and_the_reason(admin_client):
    bad = admin_client.api(
        "POST",
        "/api/v1/queue",
        {"name": "", "priority": "high", "colour": "red", "hours": {"weekly": {"mon": ["8-17"]}}},
    )
    assert bad.status_code == 422
    errors = {(e["field"], e["code"]) for e in bad.get_json()["errors"]}
    assert {("priority", "not_a_number"), ("colour", "unknown_field"), ("hours", "bad_interval")} <= errors
    assert admin_client.api("POST", "/api/v1/queue", ["not", "an", "object"]).status_code == 422


def test_api_never_returns_password_hashes(admin_client):
    users = admin_client.api("GET", "/api/v1/user").get_json()["items"]
    assert users and all("password_hash" not in u for u in users)


@pytest.mark.req("ADM-10")
def test_skill_level_out_of_range_is_refused(admin_client, container):
    user = next(u for u in container.admin().list("user") if u.username == "horak")
    queue = next(q for q in container.admin().list("queue") if q.name == "Asistenční služba")
    response = admin_client.api(
        "POST", "/api/v1/skill", {"user_id": user.id, "queue_id": queue.id, "level": 11}
    )
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["message"] == "Musí být mezi 1 a 10."


def test_api_without_session_is_401_and_without_csrf_is_400(client, admin_client):
    assert client.http.application.test_client().get("/api/v1/queue").status_code == 401
    response = admin_client.http.post("/api/v1/queue", json={"name": "Bez tokenu"})
    assert response.status_code == 400


@pytest.mark.req("GEN-01", "ADM-04")
def test_queue_manager_role_may_edit_queues_but_not_users(client):
    client.login("fronty")
    assert client.api("GET", "/api/v1/queue").status_code == 200
    assert client.api("GET", "/api/v1/user").status_code == 403
    assert client.api("POST", "/api/v1/user", {"username": "x"}).status_code == 403


def test_a_change_colliding_with_a_concurrent_one_is_a_409_in_czech(admin_client, container):
    from dependency_injector import providers

    from kc_domain.errors import Conflict

    real = container.admin()

    class CollidingAdmin:
        def __getattr__(self, name):  # type: ignore[no-untyped-def]
            return getattr(real, name)

        def create(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            raise Conflict("UNIQUE constraint failed: pause_codes.code")

    container.admin.override(providers.Object(CollidingAdmin()))
    response = admin_client.api("POST", "/api/v1/pause_code", {"code": "X", "name": "Souběh"})
    assert response.status_code == 409
    assert response.get_json()["error"].startswith("Někdo jiný ve stejné chvíli změnil stejná data")


@pytest.mark.req("INT-04")
def test_a_users_phone_endpoint_is_administered_with_the_account(admin_client):
    created = admin_client.api(
        "POST",
        "/api/v1/user",
        {
            "username": "vdolezal",
            "full_name": "Vít Doležal",
            "roles": ["agent"],
            "agent_number": "2301",
            "endpoint": "PJSIP/2301",
            "password": "Dlouhé-heslo-2026!",
        },
    )
    assert created.status_code == 201, created.get_json()
    user_id = created.get_json()["id"]
    assert admin_client.api("GET", f"/api/v1/user/{user_id}").get_json()["endpoint"] == "PJSIP/2301"
    bad = admin_client.api("PATCH", f"/api/v1/user/{user_id}", {"endpoint": "PJSIP/2301,Hangup"})
    assert bad.status_code == 422
    assert [(e["field"], e["code"]) for e in bad.get_json()["errors"]] == [("endpoint", "bad_endpoint")]
    assert admin_client.api("GET", f"/api/v1/user/{user_id}").get_json()["endpoint"] == "PJSIP/2301"
