"""The fault tests' real surroundings: the demo centre in a SQLite file or in a database of a
private PostgreSQL server, a private Redis, and ``kc engine --traffic`` as a child process that
every test's teardown kills, whatever happened."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from apps.container import Container
from apps.seed import seed, seed_clients
from tests.conftest import copy_database, make_container
from tests.faults.checks import open_round_the_clock
from tests.faults.harness import EngineProcess, HarnessError, PrivatePostgres, PrivateRedis

TEMPLATE = "kc_faults_template"


@pytest.fixture(scope="session")
def open_centre(demo_database: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeded demo centre (SQLite), open round the clock with a short wrap-up."""
    path = tmp_path_factory.mktemp("faults") / "kc.sqlite3"
    copy_database(demo_database, path)
    container = make_container(f"sqlite:///{path}")
    open_round_the_clock(container)
    container.database().dispose()
    return path


@pytest.fixture(scope="session")
def private_postgres() -> Iterator[PrivatePostgres]:
    """A PostgreSQL server of the fault tests' own, with the open demo centre as a template."""
    try:
        server = PrivatePostgres()
    except HarnessError as error:
        pytest.fail(str(error), pytrace=False)
    try:
        server.start()
        server.execute(f"CREATE DATABASE {TEMPLATE}")
        container = make_container(server.url(TEMPLATE))
        seed(container.admin())
        seed_clients(container.uow_factory(), container.audit(), container.clock().now())
        open_round_the_clock(container)
        container.database().dispose()
        yield server
    finally:
        server.close()


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path)
    try:
        server.start()
        yield server
    finally:
        server.stop()


def database_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A copy of the open centre for one test: a SQLite file, or a database on the private server."""
    if backend == "sqlite":
        path = tmp_path / "kc.sqlite3"
        copy_database(request.getfixturevalue("open_centre"), path)
        return f"sqlite:///{path}"
    server: PrivatePostgres = request.getfixturevalue("private_postgres")
    name = f"kc_faults_{uuid.uuid4().hex[:10]}"
    server.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
    return server.url(name)


@pytest.fixture
def engines(tmp_path: Path) -> Iterator[Callable[..., EngineProcess]]:
    """Makes engine processes working in ``tmp_path``; kills whichever still runs at the end."""
    made: list[EngineProcess] = []

    def make(url: str, bus_url: str = "memory://") -> EngineProcess:
        env = {"KC_DATABASE_URL": url, "KC_BUS_URL": bus_url, "KC_SECRET_KEY": "f" * 40}
        made.append(EngineProcess(tmp_path, env))
        return made[-1]

    yield make
    for engine in made:
        engine.close()


@pytest.fixture
def containers() -> Iterator[Callable[..., Container]]:
    """Makes the tests' own view of a database (and bus); their connections closed at the end."""
    made: list[Container] = []

    def make(url: str, bus_url: str = "memory://") -> Container:
        made.append(make_container(url, KC_BUS_URL=bus_url))
        return made[-1]

    yield make
    for container in made:
        container.bus().close()  # its subscriptions too (e.g. a web app's heartbeat watch)
        container.database().dispose()
