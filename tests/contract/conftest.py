"""Every persistence back-end behind one fixture, so one suite proves they behave alike."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kc_adapters.memory.journal import MemoryJournal
from kc_adapters.memory.persistence import MemoryUnitOfWorkFactory
from kc_adapters.persistence import Database
from kc_adapters.persistence.journal import SqlJournal
from kc_ports.journal import ContactJournal
from kc_ports.persistence import UnitOfWorkFactory
from tests.databases import fresh_postgres_url, sqlite_url

BACKENDS = ["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def open_database(backend: str, tmp_path: Path) -> tuple[Database, Callable[[], None]]:
    """A migrated, empty database (``upgrade()`` runs, so the migrations are what is tested)."""
    if backend == "sqlite":
        url, drop = sqlite_url(tmp_path), lambda: None
    else:
        url, drop = fresh_postgres_url()
    database = Database(url)
    try:
        database.upgrade()
    except BaseException:
        database.dispose()
        drop()
        raise
    return database, drop


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def uow_factory(backend: str, tmp_path: Path) -> Iterator[UnitOfWorkFactory]:
    if backend == "memory":
        yield MemoryUnitOfWorkFactory()
        return
    database, drop = open_database(backend, tmp_path)
    try:
        yield database.uow_factory()
    finally:
        database.dispose()
        drop()


@pytest.fixture
def journal(backend: str, tmp_path: Path) -> Iterator[ContactJournal]:
    if backend == "memory":
        yield MemoryJournal()
        return
    database, drop = open_database(backend, tmp_path)
    try:
        yield SqlJournal(database.engine)
    finally:
        database.dispose()
        drop()
