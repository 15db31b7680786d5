"""Direct read access for external tools (REP-05): the report views on SQLite and PostgreSQL, and
the read-only PostgreSQL role of scripts/pg_report_reader.sql, which reads them and nothing else."""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa

from kc_adapters.persistence.database import Database
from kc_adapters.persistence.journal import SqlJournal
from tests.contract.test_report_figures import DAY
from tests.databases import fresh_postgres_url

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "pg_report_reader.sql"


def _calls(engine: sa.Engine) -> dict[str, tuple]:
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT call_id, end_stage, caller_wait_s, local_weekday FROM report_calls")
        )
        return {r.call_id: (r.end_stage, r.caller_wait_s, r.local_weekday) for r in rows}


@pytest.mark.req("REP-05")
def test_the_report_views_on_sqlite(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'kc.sqlite3'}")
    database.upgrade()
    SqlJournal(database.engine).record(DAY, [])
    calls = _calls(database.engine)
    assert calls["c1"] == ("completed", 8.0, 0) and calls["c8"][0] == "called_back"
    with database.engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM report_agent_states")).scalar() == 0
    database.dispose()


@pytest.mark.req("REP-05")
@pytest.mark.postgres
def test_a_read_only_role_reads_the_views_and_nothing_else():
    url, drop = fresh_postgres_url()
    database = Database(url)
    reader = f"kc_reader_{uuid.uuid4().hex[:8]}"
    try:
        database.upgrade()
        SqlJournal(database.engine).record(DAY, [])
        plain = database.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        subprocess.run(
            [
                "psql",
                plain,
                "-v",
                f"reader={reader}",
                "-v",
                "password=Reader-Secret-2026",
                "-v",
                "ON_ERROR_STOP=1",
                "-q",
                "-f",
                str(SCRIPT),
            ],
            check=True,
            capture_output=True,
        )
        conninfo = psycopg.conninfo.make_conninfo(plain, user=reader, password="Reader-Secret-2026")
        with psycopg.connect(conninfo) as connection:
            count = connection.execute("SELECT count(*) FROM report_calls").fetchone()
            assert count is not None and count[0] == 8
        with psycopg.connect(conninfo) as connection, pytest.raises(psycopg.errors.InsufficientPrivilege):
            connection.execute("SELECT * FROM users")
        with psycopg.connect(conninfo) as connection, pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            connection.execute("CREATE TEMPORARY TABLE x (a int)")
    finally:
        database.dispose()
        with psycopg.connect(
            database.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        ) as c:
            c.autocommit = True
            c.execute(f'DROP OWNED BY "{reader}"')
            c.execute(f'DROP ROLE "{reader}"')
        drop()
