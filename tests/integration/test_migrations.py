"""The migrations build exactly the schema the code describes, on SQLite and on PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from kc_adapters.persistence import Database
from kc_adapters.persistence.database import MIGRATIONS
from kc_adapters.persistence.tables import metadata
from kc_domain.audit.model import GENESIS
from tests.databases import fresh_postgres_url, sqlite_url

pytestmark = pytest.mark.req("GEN-03", "SEC-03")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """An empty database, not yet migrated."""
    url, drop = (sqlite_url(tmp_path), lambda: None) if request.param == "sqlite" else fresh_postgres_url()
    database = Database(url)
    try:
        yield database
    finally:
        database.dispose()
        drop()


def differences(database: Database, target: sa.MetaData = metadata) -> list[Any]:
    """What alembic's autogenerate would still change: tables, columns, types, nullability, keys,
    indexes, unique constraints. Empty means the migrations and ``target`` agree."""
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, target))


def kinds(diffs: list[Any]) -> set[str]:
    # Changes to one column come as a list of tuples, everything else as one tuple.
    return {change[0] for d in diffs for change in (d if isinstance(d, list) else [d])}


def head() -> str | None:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config).get_current_head()


def test_given_an_empty_database_when_upgraded_then_the_schema_matches_the_code(database: Database) -> None:
    assert database.current_revision() is None

    database.upgrade()

    assert database.current_revision() == head() == "0029"
    assert differences(database) == []


def test_the_comparison_would_notice_a_schema_that_drifted(database: Database) -> None:
    # Guards the test above against passing vacuously (e.g. if type comparison were switched off).
    database.upgrade()
    with database.engine.begin() as connection:
        connection.execute(sa.text("DROP INDEX ix_audit_log_at"))
        connection.execute(sa.text("CREATE TABLE stray (id INTEGER PRIMARY KEY)"))
    wider = sa.MetaData()
    for table in metadata.sorted_tables:
        table.to_metadata(wider)
    wider.tables["pause_codes"].c.code.type = sa.String(40)
    wider.tables["users"].c.email.nullable = True

    assert kinds(differences(database)) == {"add_index", "remove_table"}
    assert kinds(differences(database, wider)) == {
        "add_index",
        "remove_table",
        "modify_type",
        "modify_nullable",
    }


def test_upgrading_twice_changes_nothing_and_keeps_the_data(database: Database) -> None:
    database.upgrade()
    with database.engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO pause_codes (code, name, kind, max_duration_min, active) "
                "VALUES ('OBED', 'Oběd', 'private', 30, true)"
            )
        )

    database.upgrade()

    assert database.current_revision() == head()
    assert differences(database) == []
    with database.engine.connect() as connection:
        assert connection.execute(sa.text("SELECT name FROM pause_codes")).scalars().all() == ["Oběd"]


def test_the_initial_migration_seeds_the_audit_anchor_at_genesis(database: Database) -> None:
    database.upgrade()

    with database.uow_factory()() as uow:
        assert uow.audit.anchor() == (0, GENESIS)


def test_foreign_keys_are_enforced_at_run_time(database: Database) -> None:
    # The admin service refuses dangling references itself; the database is the second line.
    database.upgrade()

    with pytest.raises(sa.exc.IntegrityError), database.engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO users (username, full_name, roles, email, agent_number, group_id, active,"
                " language, password_hash, failed_logins, report_filter_ids)"
                " VALUES ('jana', 'Jana Dvořáková', '[]', '', '', 999, true, 'cs', '', 0, '[]')"
            )
        )


def test_downgrading_to_base_removes_every_table_and_upgrade_rebuilds_them(database: Database) -> None:
    database.upgrade()

    database.downgrade("base")
    with database.engine.connect() as connection:
        left = set(sa.inspect(connection).get_table_names()) - {"alembic_version"}
    database.upgrade()

    assert left == set()
    assert differences(database) == []


def test_nodes_starting_together_may_all_upgrade_at_once(database: Database) -> None:
    # In a redundant deployment every node runs upgrade() on start; they must not trip over each other.
    script = "import sys; from kc_adapters.persistence import Database; Database(sys.argv[1]).upgrade()"
    url = database.url.render_as_string(hide_password=False)
    nodes = [subprocess.Popen([sys.executable, "-c", script, url], stderr=subprocess.PIPE) for _ in range(3)]
    failures = [node.stderr.read() for node in nodes if node.wait(timeout=120) != 0]  # type: ignore[union-attr]
    for node in nodes:
        node.stderr.close()  # type: ignore[union-attr]

    assert failures == []
    assert database.current_revision() == head()
    assert differences(database) == []


def _user(connection: Any, username: str, agent_number: str) -> None:
    connection.execute(
        sa.text(
            "INSERT INTO users (username, full_name, roles, email, agent_number, group_id, active,"
            " language, password_hash, failed_logins, report_filter_ids)"
            " VALUES (:username, :username, '[]', '', :number, NULL, true, 'cs', '', 0, '[]')"
        ),
        {"username": username, "number": agent_number},
    )


@pytest.mark.req("ADM-02")
def test_an_agent_number_belongs_to_one_user_in_the_database_too(database: Database) -> None:
    database.upgrade()
    with database.engine.begin() as connection:
        _user(connection, "novakova", "2101")
        _user(connection, "admin", "")
        _user(connection, "fronty", "")  # many users without a number

    with pytest.raises(sa.exc.IntegrityError), database.engine.begin() as connection:
        _user(connection, "druha", "2101")


@pytest.mark.req("ADM-02")
def test_a_database_with_a_shared_agent_number_is_not_migrated_and_hears_which(database: Database) -> None:
    database.upgrade("0019")
    with database.engine.begin() as connection:
        _user(connection, "novakova", "2101")
        _user(connection, "druha", "2101")

    with pytest.raises(RuntimeError, match=r"2101: druha, novakova"):
        database.upgrade()

    assert database.current_revision() == "0019"
