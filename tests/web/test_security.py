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


# -- repeated refusals do not flood the audit log; one address cannot lock out everyone (issue 16) --


def _records(container, action):  # type: ignore[no-untyped-def]
    return container.audit().search(container.uow_factory(), AuditQuery(action=action), 500)


@pytest.mark.req("SEC-03")
def test_a_flood_of_bad_kiosk_tokens_makes_one_audit_record_and_then_one_count(client, container):
    for n in range(100):
        assert client.get(f"/wallboard/kiosk/guess-{n}").status_code == 404

    assert len(_records(container, "wallboard.kiosk_denied")) == 1
    container.audit().flush_denials(container.uow_factory(), everything=True)  # as after the minute
    newest, first = _records(container, "wallboard.kiosk_denied")
    assert (newest.actor, newest.outcome.value, newest.params["repeated"]) == ("kiosk", "denied", 99)
    assert first.params == {"websocket": False}
    assert container.audit().verify(container.uow_factory()) == []


@pytest.mark.req("SEC-02", "SEC-03")
def test_one_address_guessing_many_names_is_throttled_and_audited_as_counts(app, client, container):
    from tests.conftest import Client

    for n in range(32):  # KC_LOGIN_SOURCE_MAX_FAILURES is 30
        client.login(f"jmeno{n}", "spatne-heslo")

    assert client.login("cerna", "spatne-heslo").status_code == 401  # a guess at her account...
    response = client.login("cerna")  # ...and then not even the right password, from this address
    assert response.status_code == 401
    assert "Příliš mnoho neúspěšných přihlášení" in response.get_data(as_text=True)
    colleague = Client(app.test_client())  # the same address (an office behind one NAT)
    assert colleague.login("horak").status_code == 302  # nobody guessed his account
    other_browser = app.test_client()
    other_browser.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    elsewhere = Client(other_browser)
    assert elsewhere.login("cerna").status_code == 302
    assert [
        r.params["reason"] for r in _records(container, "auth.sign_in") if r.outcome.value == "failed"
    ] == [
        "throttled",
        "bad_credentials",
    ]
    container.audit().flush_denials(container.uow_factory(), everything=True)
    counts = {r.params["reason"]: r.params["repeated"] for r in _records(container, "auth.sign_in")[:2]}
    assert counts == {"bad_credentials": 29, "throttled": 3}
