"""Wallboard pages (WB-01): the list, the screen, who may see them, and the kiosk token that opens
a screen without a sign-in (issued once, stored as a hash, revoked, every use audited)."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

import pytest

from kc_domain.audit.service import SYSTEM, AuditQuery
from kc_domain.supervision.model import WallboardLayout

pytestmark = pytest.mark.req("WB-01")


def make_wallboard(container: Any, name: str = "Nástěnka KKC", **values: Any) -> int:
    fields: dict[str, Any] = {
        "name": name,
        "layouts": frozenset({WallboardLayout.OVERVIEW, WallboardLayout.QUEUES}),
        "rotate_s": 15,
        **values,
    }
    created = container.admin().create(SYSTEM, "wallboard", fields)
    return int(created.id)


def stored(container: Any, wallboard_id: int) -> Any:
    with container.uow_factory()() as uow:
        return uow.wallboards.get(wallboard_id)


def records(container: Any, action: str) -> list[Any]:
    return container.audit().search(container.uow_factory(), AuditQuery(action=action), 50)


WS_HEADERS = {
    "Upgrade": "websocket",
    "Connection": "Upgrade",
    "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
    "Sec-WebSocket-Version": "13",
}


def handshake(client: Any, path: str) -> int:
    """The status of a WebSocket handshake refused before the upgrade (the checks come first)."""
    http = getattr(client, "http", client)
    return int(http.get(path, headers=WS_HEADERS).status_code)


def issue(client: Any, wallboard_id: int) -> str:
    response = client.post(f"/wallboard/{wallboard_id}/kiosk-token")
    assert response.status_code == 200
    found = re.search(r"/wallboard/kiosk/([A-Za-z0-9_-]+)", response.get_data(as_text=True))
    assert found is not None
    return found.group(1)


def test_the_list_shows_active_wallboards_and_kiosk_actions_only_to_managers(client, container):
    shown = make_wallboard(container)
    hidden = make_wallboard(container, "Vypnutá", active=False)
    client.login("nastenka")
    page = client.get("/wallboard/").get_data(as_text=True)
    assert "Nástěnka KKC" in page and f'href="/wallboard/{shown}"' in page
    assert "Vypnutá" not in page and f"/wallboard/{hidden}" not in page
    assert "kiosk-token" not in page
    client.login("supervizor")
    page = client.get("/wallboard/").get_data(as_text=True)
    assert f'action="/wallboard/{shown}/kiosk-token"' in page
    assert f"/wallboard/{shown}/kiosk-token/revoke" not in page  # no token yet


def test_the_screen_and_its_socket(client, container):
    wallboard_id = make_wallboard(container)
    inactive = make_wallboard(container, "Vypnutá", active=False)
    client.login("nastenka")
    response = client.get(f"/wallboard/{wallboard_id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f'data-socket-url="/wallboard/{wallboard_id}/ws"' in page
    assert 'data-testid="wb-waiting"' in page and 'data-testid="wb-sl"' in page
    config = json.loads(re.search(r'id="wallboard-config">(.*?)</script>', page).group(1))  # type: ignore[union-attr]
    assert config["layouts"] == ["overview", "queues"] and config["rotate_s"] == 15
    i18n = json.loads(re.search(r'id="wallboard-i18n">(.*?)</script>', page).group(1))  # type: ignore[union-attr]
    assert i18n["layout.overview"]  # translated texts for the script
    assert "<script>" not in page  # CSP: only JSON data blocks and the module
    assert client.get(f"/wallboard/{inactive}").status_code == 404
    assert client.get("/wallboard/999999").status_code == 404
    assert client.get("/wallboard/abc").status_code == 404
    assert handshake(client, "/wallboard/999999/ws") == 404  # refused before the handshake


def test_an_agent_is_refused_and_a_stranger_must_sign_in(client, container):
    wallboard_id = make_wallboard(container)
    assert client.get("/wallboard/").status_code == 302  # to the sign-in page
    client.login("novakova")
    assert client.get("/wallboard/").status_code == 403
    assert client.get(f"/wallboard/{wallboard_id}").status_code == 403
    assert handshake(client, f"/wallboard/{wallboard_id}/ws") == 403
    assert client.post(f"/wallboard/{wallboard_id}/kiosk-token").status_code == 403
    client.login("nastenka")  # may look, not manage
    assert client.post(f"/wallboard/{wallboard_id}/kiosk-token").status_code == 403
    assert client.post(f"/wallboard/{wallboard_id}/kiosk-token/revoke").status_code == 403
    assert stored(container, wallboard_id).kiosk_token_hash == ""


def test_a_kiosk_token_is_shown_once_stored_as_a_hash_opens_the_screen_and_is_revoked(app, client, container):
    wallboard_id = make_wallboard(container)
    client.login("supervizor")
    token = issue(client, wallboard_id)
    wallboard = stored(container, wallboard_id)
    assert wallboard.kiosk_token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert wallboard.kiosk_token_issued_at is not None
    listing = client.get("/wallboard/").get_data(as_text=True)
    assert token not in listing  # shown once only
    assert f"/wallboard/{wallboard_id}/kiosk-token/revoke" in listing
    (issued,) = records(container, "wallboard.kiosk_token_issued")
    assert issued.actor == "supervizor" and issued.object_id == str(wallboard_id)
    assert token not in json.dumps(issued.params)

    kiosk = app.test_client()  # a screen nobody signed in on
    response = kiosk.get(f"/wallboard/kiosk/{token}")
    assert response.status_code == 200
    assert f'data-socket-url="/wallboard/kiosk/{token}/ws"' in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    (opened,) = records(container, "wallboard.kiosk_opened")
    assert opened.object_id == str(wallboard_id) and opened.outcome.value == "ok"

    second = issue(client, wallboard_id)  # a new token replaces the old one
    assert kiosk.get(f"/wallboard/kiosk/{token}").status_code == 404
    assert kiosk.get(f"/wallboard/kiosk/{second}").status_code == 200

    response = client.post(f"/wallboard/{wallboard_id}/kiosk-token/revoke")
    assert response.status_code == 302
    assert stored(container, wallboard_id).kiosk_token_hash == ""
    assert kiosk.get(f"/wallboard/kiosk/{second}").status_code == 404
    assert handshake(kiosk, f"/wallboard/kiosk/{second}/ws") == 404
    (revoked,) = records(container, "wallboard.kiosk_token_revoked")
    assert revoked.actor == "supervizor" and revoked.params["had_token"] is True


def test_a_token_of_an_inactive_wallboard_opens_nothing(app, client, container):
    wallboard_id = make_wallboard(container)
    client.login("supervizor")
    token = issue(client, wallboard_id)
    container.admin().update(SYSTEM, "wallboard", wallboard_id, {"active": False})
    assert app.test_client().get(f"/wallboard/kiosk/{token}").status_code == 404


def test_a_bad_kiosk_token_is_a_404_and_audited_without_the_token(app, container):
    make_wallboard(container)
    kiosk = app.test_client()
    bad = "NotAToken-" + "x" * 30
    response = kiosk.get(f"/wallboard/kiosk/{bad}")
    assert response.status_code == 404
    assert handshake(kiosk, f"/wallboard/kiosk/{bad}/ws") == 404
    denied = records(container, "wallboard.kiosk_denied")
    assert len(denied) == 2
    assert {r.outcome.value for r in denied} == {"denied"}
    assert all(bad not in json.dumps(r.params) and bad not in r.object_id for r in denied)
    assert records(container, "wallboard.kiosk_opened") == []


@pytest.mark.req("SEC-03", "WB-01")
def test_the_demo_server_logs_no_kiosk_token_and_shows_no_server_banner(client, container, app, caplog):
    import logging
    import threading
    import urllib.request

    from apps.cli.serve import demo_server

    client.login("admin")
    wallboard_id = container.admin().list("wallboard")[0].id
    token = issue(client, wallboard_id)
    server = demo_server(app, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/wallboard/kiosk/{token}"
        with caplog.at_level(logging.INFO), urllib.request.urlopen(url) as answer:
            banner = answer.headers["Server"]
    finally:
        server.shutdown()
        thread.join(5)
    assert "Werkzeug" not in banner and "Python" not in banner
    lines = [r.getMessage() for r in caplog.records]
    assert any("/wallboard/kiosk/<token> 200" in line for line in lines), lines
    assert not any(token in line for line in lines)
