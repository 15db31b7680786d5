"""Real back-ends for the tests: a SQLite file, a throw-away PostgreSQL database, the Redis server.

PostgreSQL and Redis must be running (``scripts/ensure-services.sh``; CI starts them). A test that
needs one and cannot reach it fails with the reason: a skipped back-end would pass silently.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
import redis
from psycopg import sql
from sqlalchemy.engine import URL

POSTGRES_ADMIN = os.environ.get(
    "KC_TEST_POSTGRES", "host=127.0.0.1 port=5432 user=postgres dbname=postgres connect_timeout=5"
)
REDIS_URL = os.environ.get("KC_TEST_REDIS", "redis://127.0.0.1:6379/0")


def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'kc.sqlite3'}"


def _admin() -> psycopg.Connection:
    try:
        return psycopg.connect(POSTGRES_ADMIN, autocommit=True)
    except psycopg.OperationalError as error:
        pytest.fail(
            f"PostgreSQL is not reachable ({POSTGRES_ADMIN}): {error}\n"
            "Start it (bash scripts/ensure-services.sh) or point KC_TEST_POSTGRES at a server.",
            pytrace=False,
        )


def fresh_postgres_url() -> tuple[str, Callable[[], None]]:
    """A new, empty database (kc_test_<random>): its SQLAlchemy URL and the function that drops it."""
    name = f"kc_test_{uuid.uuid4().hex[:12]}"
    with _admin() as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        info = admin.info
        url = URL.create(
            "postgresql+psycopg",
            username=info.user,
            password=info.password or None,
            host=info.host,
            port=info.port,
            database=name,
        )

    def drop() -> None:
        with _admin() as admin:
            # FORCE: a connection a failed test left open must not keep the database alive.
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    return url.render_as_string(hide_password=False), drop


def redis_url() -> str:
    """The Redis server's URL, after checking it answers."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=5)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.fail(
            f"Redis is not reachable at {REDIS_URL}: {error}\n"
            "Start it (bash scripts/ensure-services.sh) or point KC_TEST_REDIS at a server.",
            pytrace=False,
        )
    finally:
        client.close()
    return REDIS_URL
