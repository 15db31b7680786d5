"""The engine under busy traffic while its PostgreSQL or its Redis is stopped for 20 s (GEN-03,
IN-04): calls are answered all along, the heartbeat (and /readyz) shows the problem and its end,
and once the service is back the journal has every call, nothing twice, nothing open. The servers
are private ones (tests.faults.harness), never the shared ones."""

from __future__ import annotations

import signal
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from apps.engine.outbox import read_wal
from tests.faults.checks import PRAGUE, answered_between, calls_since, journal_problems, missing_events
from tests.faults.conftest import database_url
from tests.faults.harness import Heartbeats, wait_until

OUTAGE_S = 20.0
WARM_S = 4.0  # of traffic before the outage
AFTER_S = 8.0  # of traffic after it


def caught_up(beat: dict) -> bool:
    """The journal writes as fast as the engine works (under busy traffic a batch or so is always
    on its way) and nothing fails to write it."""
    return beat.get("journal_backlog", 99) <= 1 and "journal" not in beat["problems"]


def engine_at_work(url: str, bus_url: str, request, engines, containers) -> tuple:
    """The journal of ``url``, the engine's heartbeats (closed at the end), the time before the
    engine started, and the engine, once at work."""
    container = containers(url, bus_url)
    beats = Heartbeats(container.bus())
    request.addfinalizer(beats.close)
    since = datetime.now(PRAGUE)
    engine = engines(url, bus_url)
    engine.start()
    beats.wait_for(caught_up, engine.started_at, 30, "a heartbeat of an engine at work")
    return container, beats, since, engine


@pytest.mark.req("GEN-03", "IN-04")
def test_given_busy_traffic_when_postgresql_is_away_20_s_then_calls_are_answered_and_the_journal_is_complete(
    tmp_path, request, engines, containers, private_postgres, private_redis
):
    url = database_url("postgresql", tmp_path, request)
    container, beats, since, engine = engine_at_work(url, private_redis.url, request, engines, containers)
    journal = container.journal()
    time.sleep(WARM_S)
    private_postgres.stop()
    down_at, down = datetime.now(UTC), time.monotonic()
    beats.wait_for(lambda b: "journal" in b["problems"], down, 15, "the journal's problem shown")
    time.sleep(max(0.0, down + OUTAGE_S - time.monotonic()))
    waiting = read_wal(tmp_path / "var" / "engine" / "journal.wal")  # what the database missed
    up_at = datetime.now(UTC)
    private_postgres.start()
    beats.wait_for(caught_up, time.monotonic(), 30, "the journal caught up after the outage")
    time.sleep(AFTER_S)
    assert engine.signal(signal.SIGTERM) == 0, engine.log()
    assert "kc engine: stopped" in engine.log() and "not written" not in engine.log()
    assert answered_between(journal, since, down_at, up_at), "no call was answered during the outage"
    arrived = [r for r in calls_since(journal, since) if r.arrived_at and down_at <= r.arrived_at <= up_at]
    assert arrived and [r.call_id for r in arrived if r.queued_at is None] == []  # routed all the same
    numbers = [number for number, _events, _decisions in waiting]
    assert numbers and numbers == list(range(numbers[0], numbers[-1] + 1))  # in order, none missing
    assert journal.recorded_through() >= numbers[-1]
    assert missing_events(journal, waiting) == []
    assert journal_problems(journal, since) == []


def readiness(client) -> tuple[int, dict]:
    response = client.get("/readyz")
    return response.status_code, response.get_json()


@pytest.mark.req("GEN-03", "IN-04")
def test_given_busy_traffic_when_redis_is_away_20_s_then_calls_are_answered_and_readyz_shows_it(
    tmp_path: Path, request, engines, containers, private_redis
):
    from apps.web import create_app

    url = database_url("sqlite", tmp_path, request)
    container, beats, since, engine = engine_at_work(url, private_redis.url, request, engines, containers)
    journal, client = container.journal(), create_app(container).test_client()
    wait_until(lambda: readiness(client)[0] == 200, 10, "/readyz ready before the outage")
    time.sleep(WARM_S)
    private_redis.stop()
    down_at, down = datetime.now(UTC), time.monotonic()
    status, body = readiness(client)
    assert status == 503 and body["checks"]["bus"] == "unavailable"
    time.sleep(max(0.0, down + OUTAGE_S - time.monotonic()))
    up_at = datetime.now(UTC)
    private_redis.start()
    back = beats.wait_for(
        lambda b: "bus" not in b["problems"] and b["failures"].get("bus", 0) > 0,
        time.monotonic(),
        30,
        "a heartbeat counting the bus's failures, with no problem left",
    )
    wait_until(lambda: readiness(client)[0] == 200, 15, "/readyz ready after the outage")
    time.sleep(max(0.0, back + AFTER_S - time.monotonic()))
    assert engine.signal(signal.SIGTERM) == 0, engine.log()
    assert "the event bus failed" in engine.log() and "the event bus works again" in engine.log()
    assert answered_between(journal, since, down_at, up_at), "no call was answered during the outage"
    assert journal_problems(journal, since) == []
