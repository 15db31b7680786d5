"""The engine through outages under load (GEN-03, IN-04; never pass/fail; JSON out).

    .venv/bin/python bench/outage_bench.py [CALLS_PER_HOUR_PER_QUEUE]

``kc engine --traffic`` runs as a child process (``tests.faults.busy_engine``: the demo's traffic
made busier, default 3600 calls an hour on each of the five queues, 4 s calls) against private
servers of its own (never the shared ones):

- postgresql_outage / redis_outage: the server stopped 20 s. ``answered_during``: calls an agent
  answered meanwhile; ``arrived_during`` and ``arrived_during_not_routed``: calls that arrived
  meanwhile and how many of them never reached a queue or the IVR; ``first_answer_after_s``: from
  the server's return to the first call answered after it; ``back_s``: to the first heartbeat
  showing the part working again (the journal's backlog down to a batch or less, for PostgreSQL);
  ``events_lost``: call events written ahead to the journal's file during the outage that the
  journal lacks afterwards; ``journal_problems``: what is wrong in the journal after the stop
  (``tests.faults.checks``; none);
- kill_9: ``kc engine`` killed with dozens of calls open and started again: ``ready_s`` until
  it says it runs, ``first_offer_s`` until the first call is offered to an agent (from the
  journal), ``reconciled`` whether the start closed what the killed one left open.
"""

from __future__ import annotations

import json
import signal
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from apps.container import Container
from apps.engine.outbox import read_wal
from apps.seed import seed, seed_clients
from tests.conftest import make_container
from tests.faults.checks import (
    PRAGUE,
    answered_between,
    calls_since,
    journal_problems,
    missing_events,
    open_round_the_clock,
)
from tests.faults.harness import EngineProcess, Heartbeats, PrivatePostgres, PrivateRedis

OUTAGE_S, WARM_S, AFTER_S = 20.0, 6.0, 12.0


def centre(url: str, bus_url: str = "memory://") -> Container:
    container = make_container(url, KC_BUS_URL=bus_url)
    seed(container.admin())
    seed_clients(container.uow_factory(), container.audit(), container.clock().now())
    open_round_the_clock(container)
    return container


def working(beat: dict) -> bool:
    return beat.get("journal_backlog", 99) <= 1 and not ({"journal", "bus"} & set(beat["problems"]))


def outage(workdir: Path, url: str, redis: PrivateRedis, service: Any, traffic: dict) -> dict:
    container = centre(url, redis.url)
    journal, beats = container.journal(), Heartbeats(container.bus())
    engine = EngineProcess(workdir, engine_env(url, redis.url, traffic))
    since = datetime.now(PRAGUE)
    try:
        engine.start()
        beats.wait_for(working, engine.started_at, 60, "an engine at work")
        time.sleep(WARM_S)
        service.stop()
        down_at = datetime.now(UTC)
        time.sleep(OUTAGE_S)
        waiting = read_wal(workdir / "var" / "engine" / "journal.wal")
        service.start()
        up_at, up = datetime.now(UTC), time.monotonic()
        back = beats.wait_for(working, up, 60, "the engine working again")
        time.sleep(AFTER_S)
        engine.signal(signal.SIGTERM)
    finally:
        beats.close()
        engine.close()
    rows = calls_since(journal, since)
    arrived = [r for r in rows if r.arrived_at and down_at <= r.arrived_at <= up_at]
    after = sorted(r.answered_at for r in rows if r.answered_at and r.answered_at > up_at)
    result = {
        "outage_s": OUTAGE_S,
        "calls": len(rows),
        "answered_during": len(answered_between(journal, since, down_at, up_at)),
        "arrived_during": len(arrived),
        "arrived_during_not_routed": sum(
            r.queued_at is None and r.end_stage == "abandoned_before_ivr" for r in arrived
        ),
        "first_answer_after_s": round((after[0] - up_at).total_seconds(), 2) if after else None,
        "back_s": round(back - up, 2),
        "batches_written_ahead": len(waiting),
        "events_lost": len(missing_events(journal, waiting)),
        "journal_problems": journal_problems(journal, since)[:5],
    }
    container.database().dispose()
    return result


def kill_9(workdir: Path, traffic: dict) -> dict:
    url = f"sqlite:///{workdir / 'kc.sqlite3'}"
    container = centre(url)
    journal = container.journal()
    engine = EngineProcess(workdir, engine_env(url, "memory://", traffic))
    try:
        since = datetime.now(PRAGUE)
        engine.start()
        time.sleep(WARM_S + 4)
        open_calls = len(journal.open_calls())
        engine.signal(signal.SIGKILL)
        restarted_at = datetime.now(UTC)
        begun = time.monotonic()
        engine.start()
        ready = time.monotonic() - begun
        deadline = time.monotonic() + 60
        offered = []
        while not offered and time.monotonic() < deadline:
            rows = calls_since(journal, restarted_at)
            offered = sorted(r.offered_at for r in rows if r.offered_at and r.offered_at > restarted_at)
            time.sleep(0.2)
        engine.signal(signal.SIGTERM)
    finally:
        engine.close()
    result = {
        "open_calls_at_the_kill": open_calls,
        "ready_s": round(ready, 2),
        "first_offer_s": round((offered[0] - restarted_at).total_seconds(), 2) if offered else None,
        "reconciled": "reconciled:" in engine.log().split("kc engine:", 1)[0],
        "journal_problems": journal_problems(journal, since)[:5],
    }
    container.database().dispose()
    return result


def engine_env(url: str, bus_url: str, traffic: dict) -> dict[str, str]:
    return {"KC_DATABASE_URL": url, "KC_BUS_URL": bus_url, "FAULTS_TRAFFIC": json.dumps(traffic)}


def main() -> None:
    rate = float(sys.argv[1]) if len(sys.argv) > 1 else 3600.0
    traffic = {"calls_per_hour": rate}
    results: dict = {"calls_per_hour_per_queue": rate, "queues": 5}
    with tempfile.TemporaryDirectory(prefix="kc-outage-bench-") as tmp:
        root = Path(tmp)
        for name in ("pg", "redis", "kill"):
            (root / name).mkdir()
        postgres, redis = PrivatePostgres(), PrivateRedis(root)
        try:
            postgres.start()
            redis.start()
            postgres.execute("CREATE DATABASE kc_bench")
            results["postgresql_outage"] = outage(
                root / "pg", postgres.url("kc_bench"), redis, postgres, traffic
            )
            sqlite = f"sqlite:///{root / 'redis' / 'kc.sqlite3'}"
            results["redis_outage"] = outage(root / "redis", sqlite, redis, redis, traffic)
            results["kill_9"] = kill_9(root / "kill", traffic)
        finally:
            redis.stop()
            postgres.close()
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
