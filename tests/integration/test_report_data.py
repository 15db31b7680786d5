"""The report benchmark's history generator (bench/report_data.py) writes a consistent history: the
reports are checked against it, so its calls, agent intervals and contact records must agree."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bench.report_data import ZONE, generate, prepare
from kc_adapters.persistence.tables import interactions, queues
from kc_adapters.system import CzechHolidays
from kc_domain.routing.call import CallEnd
from kc_domain.routing.projection import LOST

pytestmark = pytest.mark.req("REP-01")

LOST_STAGES = tuple(sorted(e.value for e in LOST))
END = date(2026, 11, 23)
SECONDS = "(julianday({b}) - julianday({a})) * 86400"  # from column a to column b


@pytest.fixture(scope="module")
def history(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[sqlite3.Connection, dict[str, Any], str]]:
    path = Path(tmp_path_factory.mktemp("report_data")) / "kc.sqlite3"
    url = f"sqlite:///{path}"
    prepare(url, 10)
    counts = generate(url, days=14, agents=10, calls=3000, seed=7, end=END, log=lambda _text: None)
    db = sqlite3.connect(path)
    yield db, counts, url
    db.close()


def one(db: sqlite3.Connection, query: str, *params: Any) -> Any:
    return db.execute(query, params).fetchone()[0]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_counts_match_the_rows(history: tuple[sqlite3.Connection, dict[str, Any], str]) -> None:
    db, counts, _url = history
    assert 2700 <= counts["calls"] <= 3300
    assert counts["calls"] == one(db, "SELECT count(*) FROM interactions")
    assert counts["intervals"] == one(db, "SELECT count(*) FROM agent_state_intervals")
    assert counts["records"] == one(db, "SELECT count(*) FROM contact_records")
    first, last = db.execute("SELECT min(arrived_at), max(arrived_at) FROM interactions").fetchone()
    assert at(first).astimezone(ZONE).date() >= date(2026, 11, 9)
    assert at(last).astimezone(ZONE).date() < END
    outbound = one(db, "SELECT count(*) FROM interactions WHERE direction = 'outbound'")
    assert 0.02 <= outbound / counts["calls"] <= 0.08


def test_end_stages_and_lost_calls(history: tuple[sqlite3.Connection, dict[str, Any], str]) -> None:
    db, _counts, _url = history
    stages = {row[0] for row in db.execute("SELECT DISTINCT end_stage FROM interactions")}
    assert stages <= {e.value for e in CallEnd}
    assert set(LOST_STAGES) <= stages  # every kind of loss occurs
    marks = ", ".join("?" * len(LOST_STAGES))
    lost = one(db, f"SELECT count(*) FROM interactions WHERE end_stage IN ({marks})", *LOST_STAGES)
    inbound = one(db, "SELECT count(*) FROM interactions WHERE direction = 'inbound'")
    assert 0.06 <= lost / inbound <= 0.14
    answered_lost = (
        f"SELECT count(*) FROM interactions WHERE end_stage IN ({marks}) AND answered_at IS NOT NULL"
    )
    assert one(db, answered_lost, *LOST_STAGES) == 0
    short = f"SELECT count(*) FROM interactions WHERE end_stage = 'abandoned_in_queue' AND {SECONDS} < 5"
    assert one(db, short.format(a="queued_at", b="ended_at")) > 0
    # answered calls: an agent, a talk time, a wait from queue entry to answer (inbound)
    assert (
        one(db, "SELECT count(*) FROM interactions WHERE answered_at IS NOT NULL AND agent_id IS NULL") == 0
    )
    bad_talk = (
        f"SELECT count(*) FROM interactions WHERE answered_at IS NOT NULL AND abs(talk_s - {SECONDS}) > 0.01"
    )
    assert one(db, bad_talk.format(a="answered_at", b="ended_at")) == 0
    bad_wait = (
        "SELECT count(*) FROM interactions WHERE direction = 'inbound' AND answered_at IS NOT NULL "
        f"AND (waited_s IS NULL OR abs(waited_s - {SECONDS}) > 1)"
    )
    assert one(db, bad_wait.format(a="queued_at", b="answered_at")) == 0
    transferred = one(db, "SELECT count(*) FROM interactions WHERE end_stage = 'transferred'")
    answered = one(db, "SELECT count(*) FROM interactions WHERE answered_at IS NOT NULL")
    assert 0.02 <= transferred / answered <= 0.08


def test_agent_intervals_are_consistent(history: tuple[sqlite3.Connection, dict[str, Any], str]) -> None:
    db, _counts, _url = history
    states = {row[0] for row in db.execute("SELECT DISTINCT state FROM agent_state_intervals")}
    assert states == {"ready", "ringing", "busy", "wrap_up", "paused"}
    assert one(db, "SELECT count(*) FROM agent_state_intervals WHERE NOT started_at < ended_at") == 0
    # no agent is in two states at once: each interval starts when or after the previous one ends
    overlaps = """
        SELECT count(*) FROM (
            SELECT started_at, lag(ended_at) OVER (PARTITION BY agent_id ORDER BY started_at, id) AS before
            FROM agent_state_intervals
        ) WHERE before > started_at"""
    assert one(db, overlaps) == 0
    # every answered call has its busy interval, exactly from answer to end, with the call's agent
    matched = """
        SELECT count(*) FROM interactions i JOIN agent_state_intervals s
          ON s.call_id = i.call_id AND s.state = 'busy' AND s.agent_id = i.agent_id
         AND s.started_at = i.answered_at AND s.ended_at = i.ended_at
        WHERE i.answered_at IS NOT NULL"""
    answered = one(db, "SELECT count(*) FROM interactions WHERE answered_at IS NOT NULL")
    assert one(db, matched) == answered
    assert one(db, "SELECT count(*) FROM agent_state_intervals WHERE state = 'busy'") == answered
    # ringing from the offer; wrap-up right after the call
    rings = """
        SELECT count(*) FROM interactions i JOIN agent_state_intervals s
          ON s.call_id = i.call_id AND s.state = 'ringing' AND s.started_at = i.offered_at
        WHERE i.offered_at IS NOT NULL"""
    assert one(db, rings) == one(db, "SELECT count(*) FROM interactions WHERE offered_at IS NOT NULL")
    wraps = """
        SELECT count(*) FROM interactions i JOIN agent_state_intervals s
          ON s.call_id = i.call_id AND s.state = 'wrap_up' AND s.started_at = i.ended_at
        WHERE i.answered_at IS NOT NULL"""
    assert one(db, wraps) == answered
    codes = {row[0] for row in db.execute("SELECT DISTINCT pause_code FROM agent_state_intervals")}
    assert {"", "OBED", "PRESTAVKA"} <= codes
    assert (
        one(db, "SELECT count(*) FROM agent_state_intervals WHERE state = 'paused' AND pause_code = ''") == 0
    )


def test_calls_only_while_the_queue_is_open(history: tuple[sqlite3.Connection, dict[str, Any], str]) -> None:
    db, _counts, url = history
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        hours = {r.id: r.hours for r in connection.execute(sa.select(queues.c.id, queues.c.hours))}
    engine.dispose()
    holidays = CzechHolidays()
    always = {q for q, h in hours.items() if h.is_open(at("2026-11-15 02:00:00"), ZONE, holidays)}
    assert len(always) == 1  # the assistance line, open round the clock
    checked = 0
    for queue_id, arrived in db.execute(
        "SELECT queue_id, arrived_at FROM interactions WHERE queue_id IS NOT NULL"
    ):
        assert hours[queue_id].is_open(at(arrived), ZONE, holidays), (queue_id, arrived)
        checked += 1
    assert checked > 2000
    night = (
        f"SELECT count(*) FROM interactions WHERE queue_id = {next(iter(always))} "
        "AND strftime('%H', arrived_at) IN ('00', '01', '02', '03')"
    )
    assert one(db, night) > 0
    # 17 November is a public holiday: only the assistance line
    holiday = (
        "SELECT DISTINCT queue_id FROM interactions "
        "WHERE arrived_at BETWEEN '2026-11-17 00:00' AND '2026-11-17 22:00'"
    )
    assert {row[0] for row in db.execute(holiday)} <= always | {None}


def test_contact_records(history: tuple[sqlite3.Connection, dict[str, Any], str]) -> None:
    db, _counts, _url = history
    answered = one(db, "SELECT count(*) FROM interactions WHERE answered_at IS NOT NULL")
    records = one(db, "SELECT count(*) FROM contact_records")
    assert 0.68 <= records / answered <= 0.82
    orphan = """
        SELECT count(*) FROM contact_records r LEFT JOIN interactions i ON i.call_id = r.call_id
        WHERE i.answered_at IS NULL OR i.agent_id <> r.agent_id OR r.updated_at < i.ended_at"""
    assert one(db, orphan) == 0
    wrong_kind = """
        SELECT count(*) FROM contact_records r LEFT JOIN call_categories c ON c.id = r.category_id
        WHERE c.kind IS NULL OR c.kind <> 'call' OR r.client_id IS NOT NULL OR r.version <> 1"""
    assert one(db, wrong_kind) == 0


def test_the_stored_values_read_back_through_the_schema(
    history: tuple[sqlite3.Connection, dict[str, Any], str],
) -> None:
    """The rows are what UTCDateTime and the projections would have stored: they read back as aware UTC."""
    _db, _counts, url = history
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        row = connection.execute(
            sa.select(interactions).where(interactions.c.answered_at.is_not(None)).limit(1)
        ).one()
    engine.dispose()
    assert row.answered_at.tzinfo is UTC
    assert row.talk_s == (row.ended_at - row.answered_at).total_seconds()


@pytest.mark.req("REP-06")
def test_the_report_columns_are_written_with_each_call(
    history: tuple[sqlite3.Connection, dict[str, Any], str],
) -> None:
    db, _counts, _url = history
    assert one(db, "SELECT count(*) FROM interactions WHERE local_day IS NULL OR local_minute IS NULL") == 0
    assert (
        one(db, "SELECT count(*) FROM interactions WHERE answered_at IS NOT NULL AND caller_wait_s IS NULL")
        == 0
    )
    assert (
        one(
            db,
            "SELECT count(*) FROM interactions WHERE local_weekday = 6 AND local_day NOT LIKE '____-__-__'",
        )
        == 0
    )


@pytest.mark.req("REP-09")
def test_the_ivr_walks_agree_with_the_calls(history: tuple[sqlite3.Connection, dict[str, Any], str]) -> None:
    db, counts, _url = history
    assert counts["ivr_node_days"] > 0
    walked = one(
        db,
        "SELECT count(*) FROM interactions"
        " WHERE direction = 'inbound' AND end_stage <> 'abandoned_before_ivr'",
    )
    assert one(db, "SELECT sum(calls) FROM ivr_node_days WHERE node IN ('otevreno', 'uvod')") == walked
    hung_up = one(db, "SELECT count(*) FROM interactions WHERE end_stage = 'abandoned_in_ivr'")
    assert one(db, "SELECT sum(abandons) FROM ivr_node_days") == hung_up
    assert one(db, "SELECT sum(count) FROM ivr_choice_days") == one(
        db, "SELECT sum(calls) FROM ivr_node_days WHERE node LIKE 'fronta_%'"
    )
