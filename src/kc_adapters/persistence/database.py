"""The database a KC deployment runs on: engine set-up for SQLite or PostgreSQL, and its migrations."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import StaticPool

from .uow import READ_ONLY, SqlUnitOfWorkFactory

MIGRATIONS = Path(__file__).with_name("migrations")

_SQLITE_BUSY_TIMEOUT_S = 30.0
# alembic keeps the running migration in module globals (alembic.context, alembic.op): one at a time
# per process. Between processes the database's own lock serialises them (see migrations/env.py).
_ALEMBIC = threading.Lock()


def normalise_url(url: str) -> URL:
    """``postgresql://`` and ``postgres://`` (as libpq and hosting panels write them) mean psycopg 3."""
    parsed = make_url(
        url.replace("postgres://", "postgresql://", 1) if url.startswith("postgres://") else url
    )
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


class Database:
    """Owns the engine. ``upgrade()`` brings the schema to the newest migration; call it on start."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = normalise_url(url)
        self.engine = _engine(self.url, echo=echo)

    def upgrade(self, revision: str = "head") -> None:
        self._alembic(command.upgrade, revision)

    def downgrade(self, revision: str) -> None:
        self._alembic(command.downgrade, revision)

    def current_revision(self) -> str | None:
        with self.engine.connect().execution_options(**{READ_ONLY: True}) as connection:
            return MigrationContext.configure(connection).get_current_revision()

    def uow_factory(self) -> SqlUnitOfWorkFactory:
        return SqlUnitOfWorkFactory(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.dispose()

    def _alembic(self, run: Any, revision: str) -> None:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        # env.py uses this connection, so no URL (with its password) goes through alembic's ini parser.
        with _ALEMBIC, self.engine.connect() as connection:
            config.attributes["connection"] = connection
            if self.url.get_backend_name() != "sqlite":
                run(config, revision)
                return
            # SQLite migrations rebuild tables (batch mode), which enforced foreign keys would break;
            # switch enforcement off around them (only possible outside a transaction). env.py checks
            # the references before it commits.
            raw = connection.connection.driver_connection
            assert isinstance(raw, sqlite3.Connection)
            raw.execute("PRAGMA foreign_keys = OFF")
            try:
                run(config, revision)
            finally:
                raw.execute("PRAGMA foreign_keys = ON")


def _engine(url: URL, *, echo: bool) -> sa.Engine:
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(url, echo=echo)
    return sa.create_engine(url, echo=echo, pool_pre_ping=True, connect_args={"connect_timeout": 10})


def _sqlite_engine(url: URL, *, echo: bool) -> sa.Engine:
    options: dict[str, Any] = {
        "echo": echo,
        # Web workers are threads; SQLAlchemy's pool, not sqlite3, makes sure a connection is used
        # by one thread at a time.
        "connect_args": {"check_same_thread": False, "timeout": _SQLITE_BUSY_TIMEOUT_S},
    }
    in_memory = url.database in (None, "", ":memory:")
    if in_memory:
        options["poolclass"] = StaticPool  # every checkout must see the one in-memory database
    else:
        Path(url.database or "").expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url, **options)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        # Leave transaction control to SQLAlchemy (the "begin" hook below); sqlite3's legacy mode
        # would not BEGIN before SELECTs, so reads in a unit would not be one consistent snapshot.
        dbapi_connection.isolation_level = None
        dbapi_connection.create_function("kc_casefold", 1, _casefold, deterministic=True)
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys = ON")
            if not in_memory:
                cursor.execute("PRAGMA journal_mode = WAL")  # readers do not block the writer
                cursor.execute("PRAGMA synchronous = NORMAL")  # durable enough with WAL, much faster
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        # IMMEDIATE takes the write lock up front, so units queue (busy timeout) instead of failing
        # with "database is locked" when two read-then-write units overlap: the domain reads
        # (uniqueness, the audit chain's last record) and then writes in the same unit.
        read_only = connection.get_execution_options().get(READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine


def _casefold(value: str | None) -> str | None:
    return None if value is None else value.casefold()
