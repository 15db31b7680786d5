"""Fixtures shared by every tier: a wired KC on a fresh SQLite file, with the demo organisation."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from dependency_injector import providers
from flask import Flask
from flask.testing import FlaskClient

from apps.container import Container
from apps.seed import DEMO_PASSWORD, seed, seed_clients
from apps.settings import Settings
from kc_adapters.system import Argon2Hasher
from tests.asterisk_peer import AsteriskPeer, AsteriskUnavailable, start_asterisk

FAST_HASHER = Argon2Hasher(time_cost=1, memory_cost=1024)  # same algorithm, test-sized cost


def make_container(database_url: str, **env: str) -> Container:
    settings = Settings.from_env({"KC_DATABASE_URL": database_url, "KC_SECRET_KEY": "t" * 40, **env})
    container = Container(settings=settings)
    container.hasher.override(providers.Object(FAST_HASHER))
    container.database().upgrade()
    return container


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo organisation, migrated and seeded through the audited services once per session.

    A template database: every test that needs it gets its own copy (``container``), so no test
    sees another's writes and none pays for the migrations and the seeding again.
    """
    path = tmp_path_factory.mktemp("template") / "kc.sqlite3"
    container = make_container(f"sqlite:///{path}", KC_RECORDINGS_DIR=str(path.parent / "recordings"))
    seed(container.admin())
    seed_clients(container.uow_factory(), container.audit(), container.clock().now())
    container.database().dispose()
    return path


def copy_database(template: Path, target: Path) -> None:
    """A consistent copy of a SQLite database, its write-ahead log included (SQLite's backup API)."""
    with closing(sqlite3.connect(template)) as source, closing(sqlite3.connect(target)) as copy:
        source.backup(copy)


@pytest.fixture
def container(tmp_path: Path, demo_database: Path) -> Iterator[Container]:
    copy_database(demo_database, tmp_path / "kc.sqlite3")
    container = make_container(
        f"sqlite:///{tmp_path / 'kc.sqlite3'}", KC_RECORDINGS_DIR=str(tmp_path / "recordings")
    )
    yield container
    container.database().dispose()


@pytest.fixture
def app(container: Container) -> Flask:
    from apps.web import create_app

    app = create_app(container)
    app.config["TESTING"] = True
    return app


class Client:
    """A test client that behaves like a browser: keeps the cookie and sends the CSRF token."""

    def __init__(self, flask_client: FlaskClient) -> None:
        self.http = flask_client
        self._token = ""

    def token(self) -> str:
        if not self._token:
            page = self.http.get("/login", follow_redirects=True).get_data(as_text=True)
            self._token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        return self._token

    def login(self, username: str, password: str = DEMO_PASSWORD) -> Any:
        self._token = ""
        response = self.post("/login", {"username": username, "password": password})
        self._token = ""  # the session was renewed at sign-in
        return response

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.http.get(path, **kwargs)

    def post(self, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        return self.http.post(path, data={**(data or {}), "csrf_token": self.token()}, **kwargs)

    def api(self, method: str, path: str, body: Any = None) -> Any:
        return self.http.open(path, method=method, json=body, headers={"X-CSRFToken": self.token()})


@pytest.fixture
def client(app: Flask) -> Client:
    return Client(app.test_client())


@pytest.fixture
def admin_client(client: Client) -> Client:
    assert client.login("admin").status_code == 302
    return client


def started_asterisk(directory: Path) -> AsteriskPeer:
    """A started test Asterisk, or the test fails (never skips) with the reason."""
    try:
        return start_asterisk(directory)
    except AsteriskUnavailable as exc:
        pytest.fail(f"the test Asterisk is unavailable: {exc}", pytrace=False)


@pytest.fixture(scope="session")
def asterisk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AsteriskPeer]:
    """The test Asterisk (tests/asterisk_peer.py), one for the session, on free loopback ports, stopped
    at the end; here rather than in tests/telephony so that tests/contract can use it too."""
    peer = started_asterisk(tmp_path_factory.mktemp("asterisk"))
    yield peer
    peer.stop()
