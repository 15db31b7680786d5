"""Alembic environment: run by ``Database.upgrade()`` with a connection in ``config.attributes``,
or by the ``alembic`` command with ``-x url=...`` (e.g. to write a new revision with --autogenerate)."""

from __future__ import annotations

from typing import Any, Literal

import sqlalchemy as sa
from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy.types import TypeDecorator

from kc_adapters.persistence.database import Database
from kc_adapters.persistence.tables import metadata

config = context.config
MIGRATION_LOCK = 0x4B43_0001  # an arbitrary, fixed advisory lock key: "KC", 1


def render_item(kind: str, obj: Any, autogen: AutogenContext) -> str | Literal[False]:
    """Autogenerate writes KC's column types as the plain types they store (JSON, DateTime, String),
    so a revision does not change meaning when kc_adapters.persistence.types changes later."""
    if kind == "type" and isinstance(obj, TypeDecorator) and obj.__module__.startswith("kc_adapters."):
        return f"sa.{obj.impl_instance!r}"
    return False


def run(connection: sa.Connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    context.configure(
        connection=connection,
        target_metadata=metadata,
        compare_type=True,
        render_item=render_item,
        render_as_batch=sqlite,  # SQLite alters tables by copying them
        transactional_ddl=True,  # also on SQLite: our engine emits BEGIN, so DDL rolls back on failure
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # Every KC node migrates on start; the lock makes the others wait, then find nothing to do.
            # (On SQLite the engine's BEGIN IMMEDIATE already does the same.)
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
        context.run_migrations()
        if sqlite:
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise RuntimeError(f"the migration left references to missing rows: {broken[:10]}")


def main() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        run(connection)
        return
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("give the database: alembic -x url=postgresql://... (or run kc's upgrade)")
    database = Database(url)
    try:
        with database.engine.connect() as own:
            run(own)
    finally:
        database.dispose()


main()
