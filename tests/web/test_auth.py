"""Signing in and out through the web shell (SEC-02 password part, SEC-03 audit of sign-ins)."""

from __future__ import annotations

import pytest

from kc_domain.audit.service import AuditQuery


def _audit(container, action):  # type: ignore[no-untyped-def]
    return container.audit().search(container.uow_factory(), AuditQuery(action=action), 50)


@pytest.mark.req("SEC-02", "SEC-03", "GEN-01")
def test_given_right_password_then_user_signs_in_and_it_is_audited(client, container):
    response = client.login("admin")
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    records = _audit(container, "auth.sign_in")
    assert records[0].actor == "admin" and records[0].outcome.value == "ok"


@pytest.mark.req("SEC-02", "SEC-03")
def test_given_wrong_password_then_sign_in_is_refused_in_czech_and_audited(client, container):
    response = client.login("admin", "spatne-heslo")
    assert response.status_code == 401
    assert "Nesprávné uživatelské jméno nebo heslo." in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # still signed out
    failed = _audit(container, "auth.sign_in")[0]
    assert failed.outcome.value == "failed" and failed.params == {"reason": "bad_credentials"}


@pytest.mark.req("SEC-02")
def test_given_repeated_failures_then_account_is_locked_even_for_the_right_password(client):
    for _ in range(5):
        client.login("novakova", "nope")
    response = client.login("novakova")
    assert response.status_code == 401
    assert "zablokován" in response.get_data(as_text=True)


@pytest.mark.req("SEC-03")
def test_sign_out_ends_the_session_and_is_audited(admin_client, container):
    response = admin_client.post("/logout")
    assert response.status_code == 302
    assert admin_client.get("/admin/").status_code == 302
    assert _audit(container, "auth.sign_out")[0].actor == "admin"


def test_sign_in_redirects_only_to_local_pages(client):
    response = client.post(
        "/login?next=https://evil.example/", {"username": "admin", "password": "Kontakt-2026"}
    )
    assert response.headers["Location"] == "/"
    client.post("/logout")
    client._token = ""  # signing out ends the session and its CSRF token
    response = client.post("/login?next=/admin/queue/", {"username": "admin", "password": "Kontakt-2026"})
    assert response.headers["Location"] == "/admin/queue/"


@pytest.mark.req("SEC-02")
def test_own_password_change_enforces_the_policy(admin_client, client):
    response = admin_client.post(
        "/password", {"current_password": "Kontakt-2026", "password": "kratke", "password_again": "kratke"}
    )
    assert response.status_code == 422
    assert "alespoň 12 znaků" in response.get_data(as_text=True)
    response = admin_client.post(
        "/password",
        {
            "current_password": "Kontakt-2026",
            "password": "Nove-Heslo-2027",
            "password_again": "Nove-Heslo-2027",
        },
    )
    assert response.status_code == 302
    admin_client.post("/logout")
    assert client.login("admin", "Nove-Heslo-2027").status_code == 302


def test_deactivated_user_loses_the_session_at_the_next_request(client, container, app):
    client.login("novakova")
    assert client.get("/").status_code == 200
    user = next(u for u in container.admin().list("user") if u.username == "novakova")
    from kc_domain.audit.service import Actor

    container.admin().update(Actor("admin"), "user", user.id, {"active": False})
    assert client.get("/").status_code == 302


def test_idle_session_expires(container):
    from apps.web import create_app
    from tests.conftest import Client

    app = create_app(container)
    app.config["KC_SESSION_IDLE_SECONDS"] = -1
    client = Client(app.test_client())
    client.login("admin")
    response = client.get("/")
    assert response.status_code == 302 and "expired=1" in response.headers["Location"]
    assert "po době nečinnosti" in client.get(response.headers["Location"]).get_data(as_text=True)


@pytest.mark.req("SEC-02")
def test_expired_password_must_be_changed_before_anything_else(tmp_path):
    from apps.seed import seed
    from apps.web import create_app
    from tests.conftest import Client, make_container

    container = make_container(f"sqlite:///{tmp_path / 'kc.sqlite3'}", KC_PASSWORD_MAX_AGE_DAYS="1")
    seed(container.admin())
    user = next(u for u in container.admin().list("user") if u.username == "horak")
    with container.uow_factory()() as uow:
        stored = uow.users.get(user.id)
        stored.password_changed_at = stored.password_changed_at.replace(year=2020)
        uow.commit()
    client = Client(create_app(container).test_client())
    assert client.login("horak").headers["Location"] == "/password"
    assert client.get("/").headers["Location"] == "/password"
    client.post(
        "/password",
        {
            "current_password": "Kontakt-2026",
            "password": "Nove-Heslo-2027",
            "password_again": "Nove-Heslo-2027",
        },
    )
    assert client.get("/").status_code == 200
    container.database().dispose()


# -- sessions end with sign-out, a password change and their absolute lifetime (issue 16) ---------


def _cookie(client):  # type: ignore[no-untyped-def]
    return client.http.get_cookie("kc_session").value


def _replay(app, cookie):  # type: ignore[no-untyped-def]
    """Another browser (or a thief) sending a copied session cookie."""
    other = app.test_client()
    other.set_cookie("kc_session", cookie)
    return other


@pytest.mark.req("SEC-02")
def test_a_session_cookie_copied_before_sign_out_is_refused_afterwards(app, client):
    client.login("cerna")
    assert client.get("/api/v1/me/calls").status_code == 200
    copied = _cookie(client)

    client.post("/logout")

    assert _replay(app, copied).get("/api/v1/me/calls").status_code == 401


@pytest.mark.req("SEC-02")
def test_signing_out_ends_every_session_of_the_user(app, client):
    from tests.conftest import Client

    second = Client(app.test_client())
    second.login("cerna")
    client.login("cerna")
    assert second.get("/api/v1/me/calls").status_code == 200

    client.post("/logout")

    assert second.get("/api/v1/me/calls").status_code == 401
    page = second.get("/me/history", follow_redirects=True).get_data(as_text=True)
    assert "Vaše přihlášení bylo ukončeno" in page  # the other browser is told why, at the sign-in
    client._token = ""
    assert client.login("cerna").status_code == 302  # signing in again works
    assert client.get("/api/v1/me/calls").status_code == 200


@pytest.mark.req("SEC-02")
def test_changing_the_password_ends_the_other_sessions_but_keeps_this_one(app, client):
    from tests.conftest import Client

    second = Client(app.test_client())
    second.login("cerna")
    client.login("cerna")
    copied = _cookie(client)

    response = client.post(
        "/password",
        {
            "current_password": "Kontakt-2026",
            "password": "Nove-Heslo-2027",
            "password_again": "Nove-Heslo-2027",
        },
    )

    assert response.status_code == 302
    assert client.get("/api/v1/me/calls").status_code == 200
    assert second.get("/api/v1/me/calls").status_code == 401
    assert _replay(app, copied).get("/api/v1/me/calls").status_code == 401


@pytest.mark.req("SEC-02", "ADM-02")
def test_an_administrator_setting_a_password_ends_the_users_sessions(client, container):
    from kc_domain.audit.service import Actor

    client.login("cerna")
    user = next(u for u in container.admin().list("user") if u.username == "cerna")

    container.admin().update(Actor("admin"), "user", user.id, {}, password="Nove-Heslo-2027")

    assert client.get("/api/v1/me/calls").status_code == 401


@pytest.mark.req("SEC-02", "ADM-02")
def test_a_copied_cookie_does_not_come_back_to_life_when_the_user_is_reactivated(app, client, container):
    from kc_domain.audit.service import Actor

    client.login("cerna")
    copied = _cookie(client)
    user = next(u for u in container.admin().list("user") if u.username == "cerna")

    container.admin().update(Actor("admin"), "user", user.id, {"active": False})
    container.admin().update(Actor("admin"), "user", user.id, {"active": True})

    assert _replay(app, copied).get("/api/v1/me/calls").status_code == 401


@pytest.mark.req("GEN-01", "ADM-02")
def test_a_role_change_applies_to_a_running_session_at_once(client, container):
    from kc_domain.audit.service import Actor
    from kc_domain.identity.roles import Role

    client.login("cerna")
    assert client.get("/api/v1/me/calls").status_code == 200
    user = next(u for u in container.admin().list("user") if u.username == "cerna")

    container.admin().update(Actor("admin"), "user", user.id, {"roles": {Role.WALLBOARD}, "group_id": None})

    assert client.get("/api/v1/me/calls").status_code == 403


@pytest.mark.req("SEC-02")
def test_a_session_ends_after_its_absolute_lifetime_even_when_used(app, client, monkeypatch):
    import apps.web.security as security

    signed_in_at = security.now_s()
    monkeypatch.setattr(security, "now_s", lambda: signed_in_at)
    client.login("cerna")
    lifetime = app.config["KC_SESSION_MAX_SECONDS"]
    assert lifetime == 12 * 3600  # the default, KC_SESSION_MAX_HOURS=12
    for elapsed in range(0, lifetime, 4 * 3600):  # used every four hours: never idle
        monkeypatch.setattr(security, "now_s", lambda at=signed_in_at + elapsed: at)
        assert client.get("/api/v1/me/calls").status_code == 200

    monkeypatch.setattr(security, "now_s", lambda: signed_in_at + lifetime + 1)

    response = client.get("/")
    assert response.status_code == 302 and "expired=2" in response.headers["Location"]
    assert "nejdelší povolené doby" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert client.get("/api/v1/me/calls").status_code == 401


# -- the own password page is no password oracle; sign-in answers tell nothing (issue 16) --------


@pytest.mark.req("SEC-02", "SEC-03")
def test_wrong_current_passwords_lock_the_account_and_are_audited(app, client, container):
    from tests.conftest import Client

    client.login("cerna")
    answers = []
    for _ in range(5):  # KC_LOGIN_MAX_FAILURES
        response = client.post(
            "/password",
            {
                "current_password": "hadam-heslo",
                "password": "Nove-Heslo-2027",
                "password_again": "Nove-Heslo-2027",
            },
        )
        assert response.status_code == 422
        answers.append("zablokován" in response.get_data(as_text=True))

    assert answers == [False, False, False, False, True]
    refusal = _audit(container, "auth.change_password")[-1]
    assert (refusal.actor, refusal.outcome.value, refusal.params) == (
        "cerna",
        "failed",
        {"reason": "wrong_password"},
    )
    other = Client(app.test_client())
    assert "zablokován" in other.login("cerna").get_data(as_text=True)  # the right password: locked
    response = client.post(
        "/password",
        {
            "current_password": "Kontakt-2026",
            "password": "Nove-Heslo-2027",
            "password_again": "Nove-Heslo-2027",
        },
    )
    assert response.status_code == 422 and "zablokován" in response.get_data(as_text=True)


@pytest.mark.req("SEC-02")
def test_a_locked_account_and_an_unknown_name_get_the_same_answer(client):
    def answers(username):  # type: ignore[no-untyped-def]
        found = []
        for _ in range(6):
            response = client.login(username, "spatne-heslo")
            found.append((response.status_code, response.get_data(as_text=True).count("zablokován")))
        return found

    assert answers("cerna") == answers("nikdo-takovy") == [(401, 0)] * 5 + [(401, 1)]
