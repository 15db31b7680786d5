"""What only the SQL adapter has: the mapping, the column types, engine set-up for each database."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import attrs
import pytest
import sqlalchemy as sa

from kc_adapters.persistence import Database, normalise_url, start_mappers
from kc_adapters.persistence.mapping import MAPPED
from kc_domain.identity.model import User
from kc_domain.identity.roles import Role
from kc_domain.organisation.model import PauseCode
from tests.databases import sqlite_url
from tests.integration.test_migrations import head

pytestmark = pytest.mark.req("GEN-03")


def test_start_mappers_may_be_called_again() -> None:
    start_mappers()
    start_mappers()

    assert all(sa.inspect(cls).local_table is table for cls, table in MAPPED.items())


@pytest.mark.parametrize("cls", list(MAPPED), ids=lambda c: c.__name__)
def test_every_field_of_every_entity_has_its_own_column_and_nothing_more(cls: type) -> None:
    # A field added to the domain without a column (and a migration) would silently not be stored.
    assert {f.name for f in attrs.fields(cls)} == set(MAPPED[cls].columns.keys())


def test_a_naive_datetime_is_refused_rather_than_guessed(tmp_path: Path) -> None:
    # A guessed zone would shift the instant; in the audit log it would also break the hash chain.
    naive = User("jana", "Jana Dvořáková", roles={Role.ADMIN}, locked_until=datetime(2025, 1, 1, 8, 0))
    with Database(sqlite_url(tmp_path)) as database:
        database.upgrade()
        with database.uow_factory()() as uow, pytest.raises(sa.exc.StatementError, match="naive datetime"):
            uow.users.add(naive)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://kc:tajne%40heslo@db:5432/kc", "postgresql+psycopg://kc:tajne%40heslo@db:5432/kc"),
        ("postgres://kc@db/kc", "postgresql+psycopg://kc@db/kc"),
        ("postgresql+psycopg://kc@db/kc", "postgresql+psycopg://kc@db/kc"),
        ("sqlite:///var/kc.sqlite3", "sqlite:///var/kc.sqlite3"),
    ],
)
def test_postgresql_urls_are_normalised_to_psycopg_3(given: str, expected: str) -> None:
    assert normalise_url(given).render_as_string(hide_password=False) == expected


def test_an_escaped_password_survives_normalisation() -> None:
    assert normalise_url("postgres://kc:tajne%40heslo@db/kc").password == "tajne@heslo"


def test_a_sqlite_file_gets_its_folder_foreign_keys_and_write_ahead_logging(tmp_path: Path) -> None:
    with Database(f"sqlite:///{tmp_path / 'var' / 'data' / 'kc.sqlite3'}") as database:
        database.upgrade()
        with database.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"

    assert (tmp_path / "var" / "data" / "kc.sqlite3").is_file()


def test_an_in_memory_sqlite_database_works_for_quick_experiments() -> None:
    with Database("sqlite://") as database:
        database.upgrade()
        factory = database.uow_factory()
        with factory() as uow:
            uow.pause_codes.add(PauseCode("OBED", "Oběd"))
            uow.commit()
        with factory() as uow:
            assert [p.name for p in uow.pause_codes.list()] == ["Oběd"]
        assert database.current_revision() == head()


def test_ping_passes_on_a_reachable_database_and_raises_on_an_unreachable_one(tmp_path: Path) -> None:
    with Database(sqlite_url(tmp_path)) as database:
        database.uow_factory().ping()

    with Database("postgresql://kc@127.0.0.1:1/kc") as nowhere, pytest.raises(sa.exc.OperationalError):
        nowhere.uow_factory().ping()  # nothing listens on port 1


def test_a_unique_key_taken_meanwhile_surfaces_as_the_domains_conflict(tmp_path: Path) -> None:
    from kc_domain.errors import Conflict

    with Database(sqlite_url(tmp_path)) as database:
        database.upgrade()
        factory = database.uow_factory()
        with factory() as uow:
            uow.users.add(User("novakova", "Marie Nováková", {Role.AGENT}))
            uow.commit()
        with factory() as uow, pytest.raises(Conflict):
            uow.users.add(User("novakova", "Jiná Nováková", {Role.AGENT}))
        with factory() as uow:
            assert [u.full_name for u in uow.users.list()] == ["Marie Nováková"]
