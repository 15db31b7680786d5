"""The rules every live WebSocket keeps (issue 16; docs/api.md, "Live WebSockets"), against a real
server: a socket ends soon after its session or permission does, a message bigger than a page ever
sends or a flood of them closes it, and a handshake from another site's page is refused.

The sockets here are opened by ``simple_websocket.Client`` with the session cookie of a user signed in
through the Flask test client (the same application, so the same secret key). That client sends the
Host header without the port, so "this server's own origin" is ``http://127.0.0.1`` for it; a browser
sends both with the port (the browser tests of the live pages connect through the same check).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

import attrs
import pytest
from dependency_injector import providers
from flask import Flask
from playwright.sync_api import expect
from simple_websocket import Client as SocketClient
from simple_websocket import ConnectionClosed

from apps.web import live
from kc_domain.audit.service import SYSTEM, AuditQuery
from tests.conftest import Client
from tests.e2e.conftest import user_id
from tests.e2e.test_admin_journey import sign_in

OWN_ORIGIN = "http://127.0.0.1"  # what simple_websocket's client sends as Host: no port
WS_HEADERS = {
    "Upgrade": "websocket",
    "Connection": "Upgrade",
    "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
    "Sec-WebSocket-Version": "13",
}


def cookie_of(app: Flask, username: str) -> tuple[Client, str]:
    """A browser signed in as ``username`` and its session cookie, to hand to a socket."""
    browser = Client(app.test_client())
    assert browser.login(username).status_code == 302
    cookie = browser.http.get_cookie("kc_session")
    assert cookie is not None
    return browser, f"kc_session={cookie.value}"


OPENED: list[SocketClient] = []


@pytest.fixture(autouse=True)
def _close_sockets() -> Iterator[None]:
    """Every socket a test opened is closed after it, as a browser closes its tab: the server's side
    then ends too, instead of serving a client that is gone until the test process exits."""
    yield
    while OPENED:
        with contextlib.suppress(Exception):
            OPENED.pop().close()


def connect(server: str, path: str, cookie: str = "", origin: str | None = OWN_ORIGIN) -> SocketClient:
    headers = {"Cookie": cookie} if cookie else {}
    if origin is not None:
        headers["Origin"] = origin
    socket = SocketClient.connect("ws" + server.removeprefix("http") + path, headers=headers)
    OPENED.append(socket)
    return socket


def handshake(server: str, path: str, headers: dict[str, str]) -> int:
    """The status of a WebSocket handshake (101: upgraded), the connection closed at once."""
    connection = http.client.HTTPConnection(server.removeprefix("http://"), timeout=10)
    try:
        connection.request("GET", path, headers={**WS_HEADERS, **headers})
        return connection.getresponse().status
    finally:
        connection.close()


def eventually(found: Callable[[], bool], within_s: float = 3) -> bool:
    deadline = time.monotonic() + within_s
    while not found() and time.monotonic() < deadline:
        time.sleep(0.05)
    return found()


def logged(caplog: pytest.LogCaptureFixture, text: str) -> Callable[[], bool]:
    return lambda: any(text in r.getMessage() for r in caplog.records)


def first_message(socket: SocketClient) -> str:
    message = socket.receive(timeout=30)
    assert isinstance(message, str), "the socket sends what it has at once"
    return message


def next_of(socket: SocketClient, types: set[str]) -> dict[str, Any]:
    """The next message of one of ``types`` (the live views pushed meanwhile are skipped)."""
    while (message := json.loads(first_message(socket)))["type"] not in types:
        pass
    found: dict[str, Any] = message
    return found


def close_code(socket: SocketClient, within_s: float) -> int | None:
    """The code the server closed ``socket`` with, or None when it is still open after ``within_s``
    (everything it sends meanwhile is read and dropped)."""
    deadline = time.monotonic() + within_s
    try:
        while time.monotonic() < deadline:
            socket.receive(timeout=0.2)
    except ConnectionClosed:
        return int(socket.close_reason)
    return None


def make_wallboard(container: Any) -> int:
    return int(container.admin().create(SYSTEM, "wallboard", {"name": "Nástěnka KKC"}).id)


def denials(container: Any) -> list[Any]:
    return container.audit().search(container.uow_factory(), AuditQuery(action="access.denied"), 20)


@pytest.mark.req("SEC-02")
def test_a_deactivated_users_sockets_end_within_the_recheck_interval(app, server, container, host):
    """The tester's case: the supervisor's view and a wallboard open, the desktop of an agent; the
    administrator deactivates them and every socket closes with "session ended", not 25 s later."""
    wallboard = make_wallboard(container)
    _, supervisor = cookie_of(app, "supervizor")
    _, agent = cookie_of(app, "novakova")
    sockets = [
        connect(server, "/supervisor/ws", supervisor),
        connect(server, f"/wallboard/{wallboard}/ws", supervisor),
        connect(server, "/desktop/ws", agent),
    ]
    for socket in sockets:
        first_message(socket)
    admin, _ = cookie_of(app, "admin")
    for username in ("supervizor", "novakova"):
        changed = admin.api("PATCH", f"/api/v1/user/{user_id(container, username)}", {"active": False})
        assert changed.status_code == 200
    started = time.monotonic()

    codes = [close_code(socket, live.RECHECK_S + 3) for socket in sockets]

    assert codes == [live.SESSION_ENDED.code] * 3
    assert time.monotonic() - started < live.RECHECK_S + 3


@pytest.mark.req("SEC-02")
def test_signing_out_in_another_browser_ends_the_socket(app, server, container, host):
    supervisor_browser, supervisor = cookie_of(app, "supervizor")
    _, agent = cookie_of(app, "horak")
    view = connect(server, "/supervisor/ws", supervisor)
    desk = connect(server, "/desktop/ws", agent)
    for socket in (view, desk):
        first_message(socket)
    supervisor_browser.post("/logout")  # in another browser: every session of his ends

    assert close_code(view, live.RECHECK_S + 3) == live.SESSION_ENDED.code
    assert close_code(desk, 1) is None  # another user's socket goes on


@pytest.mark.req("GEN-01")
def test_a_socket_closes_when_its_permission_is_taken_away(app, server, container, host):
    from kc_domain.identity.roles import Role

    _, supervisor = cookie_of(app, "supervizor")
    view = connect(server, "/supervisor/ws", supervisor)
    desk = connect(server, "/desktop/ws", supervisor)
    for socket in (view, desk):
        first_message(socket)
    container.admin().update(SYSTEM, "user", user_id(container, "supervizor"), {"roles": {Role.CALLBACK}})

    assert close_code(view, live.RECHECK_S + 3) == live.FORBIDDEN.code  # no longer a supervisor
    assert close_code(desk, 1) is None  # an agent still, by the group KKC


@pytest.mark.req("SEC-02")
def test_a_message_bigger_than_a_page_sends_closes_the_socket_and_is_logged(app, server, host, caplog):
    _, agent = cookie_of(app, "novakova")
    socket = connect(server, "/desktop/ws", agent)
    first_message(socket)
    caplog.set_level(logging.WARNING, logger="apps.web.live")

    socket.send("x" * (live.MAX_MESSAGE_BYTES * 16))

    assert close_code(socket, 5) == 1009  # "message too big"
    assert eventually(logged(caplog, "closed for abuse: message_too_big"))


@pytest.mark.req("SEC-02")
def test_a_flood_of_messages_closes_the_socket_and_a_few_syncs_are_answered(app, server, host, caplog):
    _, agent = cookie_of(app, "novakova")
    calm = connect(server, "/desktop/ws", agent)
    first_message(calm)
    for _ in range(3):
        calm.send("sync")
    assert '"agent"' in first_message(calm)  # a page's few syncs are answered
    flood = connect(server, "/desktop/ws", agent)
    first_message(flood)
    caplog.set_level(logging.WARNING, logger="apps.web.live")

    for _ in range(live.MAX_PENDING * 20):
        flood.send("sync")

    assert close_code(flood, 5) == live.TOO_MANY.code
    assert eventually(logged(caplog, "closed for abuse: too_many_messages"))
    assert close_code(calm, 0.5) is None


@pytest.mark.req("SEC-02")
def test_a_handshake_from_another_sites_page_is_refused_and_audited(app, server, container, host):
    _, supervisor = cookie_of(app, "supervizor")
    wallboard = make_wallboard(container)
    for path in ("/supervisor/ws", f"/wallboard/{wallboard}/ws", "/desktop/ws"):
        for origin in ("https://evil.example", "http://127.0.0.1:1", "https://127.0.0.1", "null"):
            status = handshake(server, path, {"Cookie": supervisor, "Host": "127.0.0.1", "Origin": origin})
            assert status == 403, (path, origin)
    port = server.rsplit(":", 1)[1]
    own = {"Cookie": supervisor, "Host": f"127.0.0.1:{port}", "Origin": f"http://127.0.0.1:{port}"}
    assert handshake(server, "/supervisor/ws", own) == 101  # as a browser sends them
    assert handshake(server, "/supervisor/ws", {"Cookie": supervisor}) == 101  # no browser, no Origin

    found = denials(container)
    assert found and found[-1].params["reason"] == "websocket_origin"
    assert found[-1].params["origin"] == "https://evil.example"
    assert found[-1].actor == "supervizor"


@pytest.fixture
def behind_proxy(container: Any) -> Any:
    """KC behind one reverse proxy (KC_TRUSTED_PROXIES=1), set before the application is made."""
    container.settings.override(providers.Object(attrs.evolve(container.settings(), trusted_proxies=1)))
    return container


@pytest.mark.req("SEC-02")
def test_behind_a_trusted_proxy_the_forwarded_origin_is_the_own_one(behind_proxy, app, server, host):
    _, supervisor = cookie_of(app, "supervizor")
    headers = {"Cookie": supervisor, "X-Forwarded-Proto": "https", "X-Forwarded-Host": "kc.example.cz"}

    assert handshake(server, "/supervisor/ws", {**headers, "Origin": "https://evil.example"}) == 403
    port = server.rsplit(":", 1)[1]  # the address the proxy reached KC at is not the page's origin
    assert handshake(server, "/supervisor/ws", {**headers, "Origin": f"http://127.0.0.1:{port}"}) == 403
    assert handshake(server, "/supervisor/ws", {**headers, "Origin": "https://kc.example.cz"}) == 101


@pytest.mark.e2e
@pytest.mark.req("SEC-02")
def test_the_supervisors_page_goes_to_the_sign_in_page_when_his_account_is_deactivated(
    page, app, container, running_host
):
    sign_in(page, "supervizor")
    page.goto("/supervisor/")
    expect(page.locator("#supervisor")).to_have_attribute("data-connected", "true")
    container.admin().update(SYSTEM, "user", user_id(container, "supervizor"), {"active": False})

    page.wait_for_url("**/login**", timeout=(live.RECHECK_S + 5) * 1000)
    expect(page.get_by_label("Uživatelské jméno")).to_be_visible()


@pytest.mark.req("SEC-04", "ADM-06")
def test_a_supervisor_limited_to_kkc_gets_only_its_queues_and_agents_and_a_lifted_limit_applies(
    app, server, container, host
):
    import json

    from tests.web.test_data_sight import limit_supervisor_to_kkc

    assist = next(q.id for q in container.admin().list("queue") if q.name == "Asistenční služba")
    novakova, prochazka = user_id(container, "novakova"), user_id(container, "prochazka")
    host.apply(lambda e: [(e.log_in(a), e.ready(a)) for a in (novakova, prochazka)])
    limit_supervisor_to_kkc(container)
    wallboard = make_wallboard(container)  # naming no queue: all of them, for a kiosk
    _, supervisor = cookie_of(app, "supervizor")
    view = connect(server, "/supervisor/ws", supervisor)
    board = connect(server, f"/wallboard/{wallboard}/ws", supervisor)

    shown = json.loads(first_message(view))["live"]
    assert assist not in {q["queue_id"] for q in shown["queues"]}
    assert {a["agent_id"] for a in shown["agents"]} >= {novakova}
    assert prochazka not in {a["agent_id"] for a in shown["agents"]}
    assert all(assist not in a["queues"] for a in shown["agents"])
    assert shown["total"]["waiting"] == sum(q["waiting"] for q in shown["queues"])
    assert assist not in {q["queue_id"] for q in json.loads(first_message(board))["live"]["queues"]}

    # the filter taken away: the next views, after the socket's re-check, show everything
    container.admin().update(SYSTEM, "user", user_id(container, "supervizor"), {"report_filter_ids": set()})

    def everything() -> bool:
        view.send("sync")
        agents = {a["agent_id"] for a in json.loads(first_message(view))["live"]["agents"]}
        return prochazka in agents

    assert eventually(everything, live.RECHECK_S + 3)


@pytest.mark.req("SEC-02")
@pytest.mark.parametrize("path", ["/desktop/ws", "/supervisor/ws"])
def test_a_message_that_does_not_fit_gets_an_error_naming_the_field_and_changes_nothing(
    app, server, host, path
):
    _, supervisor = cookie_of(app, "supervizor")  # an agent too (the group KKC): both sockets open
    socket = connect(server, path, supervisor)
    first_message(socket)

    answers = []
    for bad in ("hello", '{"type": "reload"}', '{"type": "sync", "v": 7}', '["sync"]'):
        socket.send(bad)
        answers.append(next_of(socket, {"error"}))

    assert [(a["type"], a["field"], a["code"]) for a in answers] == [
        ("error", "type", "not_json"),
        ("error", "type", "unknown_message"),
        ("error", "v", "unsupported_version"),
        ("error", "type", "unknown_message"),
    ]
    assert all(a["error"].startswith("message refused") for a in answers)
    socket.send('{"type": "sync", "v": 1}')  # the socket goes on, and a well-formed sync is answered
    assert next_of(socket, {"desktop_state", "live"})
    assert close_code(socket, 0.5) is None
