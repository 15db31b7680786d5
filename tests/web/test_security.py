"""Role checks on every route, CSRF, security headers (GEN-01, ADM-04)."""

from __future__ import annotations

import pytest

from kc_domain.audit.service import AuditQuery


def test_every_route_declares_who_may_use_it(app):
    unguarded = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if rule.endpoint != "static" and not hasattr(view, "kc_access"):
            unguarded.append(rule.rule)
    assert unguarded == []


@pytest.mark.req("GEN-01", "ADM-04", "SEC-03")
@pytest.mark.parametrize(
    "path",
    [
        "/admin/",
        "/admin/user/",
        "/admin/queue/new",
        "/admin/audit/",
        "/admin/audit/export.csv",
        "/api/v1/user",
    ],
)
def test_agent_opening_an_admin_url_gets_403_and_it_is_audited(client, container, path):
    client.login("novakova")
    assert client.get(path).status_code == 403
    denied = container.audit().search(container.uow_factory(), AuditQuery(action="access.denied"), 1)[0]
    assert denied.actor == "novakova" and denied.params["path"] == path and denied.outcome.value == "denied"


@pytest.mark.req("GEN-01")
def test_signed_out_visitor_is_sent_to_sign_in(client):
    response = client.get("/admin/queue/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_forms_without_csrf_token_are_refused(admin_client, container):
    response = admin_client.http.post("/admin/pause_code/new", data={"code": "X", "name": "Bez tokenu"})
    assert response.status_code == 400
    assert all(p.code != "X" for p in container.admin().list("pause_code"))


def test_security_headers_are_sent(client):
    headers = client.get("/login").headers
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Request-Id"]
    cookie = client.login("admin").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


@pytest.mark.req("GEN-01")
def test_wallboard_user_sees_no_administration(client):
    client.login("nastenka")
    page = client.get("/").get_data(as_text=True)
    assert "/admin/" not in page
    assert client.get("/admin/").status_code == 403
