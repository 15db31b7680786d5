"""A simulated day: wall time and peak memory of ``kc simulate scenarios/ozp-day.toml`` (and, with
--all, of ``scenarios/ozp-ivr-day.toml``: calls through an IVR tree, announcements, callbacks and
voicemail, in memory).

    .venv/bin/python bench/simulator_bench.py [SCENARIO] [--no-events] [--database URL]
    .venv/bin/python bench/simulator_bench.py --all      # memory, SQLite and PostgreSQL, one process each

Prints JSON (never pass/fail). The engine keeps every event in memory unless --no-events is given
(as ``kc simulate`` without --database does); with --database the events, decisions and
projections go to that database's journal. Targets of the ACD issue: a day in under 10 s in
memory, under 30 s with either database.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from apps.simulator.run import simulate
from apps.simulator.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]


def run_all() -> None:
    """Each mode in a process of its own, so that each peak memory figure is its own."""
    import subprocess
    import tempfile

    from tests.databases import fresh_postgres_url

    out: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        modes = {
            "memory": [],
            "memory_ivr_day": [str(ROOT / "scenarios" / "ozp-ivr-day.toml")],
            "sqlite": ["--database", f"sqlite:///{tmp}/sim.sqlite3"],
        }
        pg_url, drop = fresh_postgres_url()
        modes["postgresql"] = ["--database", pg_url]
        try:
            for mode, extra in modes.items():
                done = subprocess.run(
                    [sys.executable, __file__, *extra], capture_output=True, text=True, check=True
                )
                out[mode] = json.loads(done.stdout)
        finally:
            drop()
    print(json.dumps(out, indent=2, ensure_ascii=False))


def main() -> None:
    if "--all" in sys.argv:
        return run_all()
    argv = sys.argv[1:]
    database = argv[argv.index("--database") + 1] if "--database" in argv else ""
    args = [a for a in argv if not a.startswith("--") and a != database]
    record_events = "--no-events" not in sys.argv
    path = Path(args[0]) if args else ROOT / "scenarios" / "ozp-day.toml"
    scenario = load_scenario(path)
    journal = None
    if database:
        from kc_adapters.persistence import Database
        from kc_adapters.persistence.journal import SqlJournal

        db = Database(database)
        db.upgrade()
        journal = SqlJournal(db.engine)
    started = time.perf_counter()
    sim = simulate(scenario, record_events=record_events or journal is not None, journal=journal)
    run_s = time.perf_counter() - started
    kpis = sim.kpis()
    total_s = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    figures = {
        "scenario": str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path),
        "database": database.split("://")[0] if database else "none (memory)",
        "calls": len(sim.traces),
        "agents": len(sim.engine.agents),
        "events_recorded": len(sim.engine.events),
        "decisions": sum(len(d) for d in sim.engine.decisions.values()),
        "loop_events": sim.loop.processed,
        "simulate_s": round(run_s, 2),
        "simulate_and_kpis_s": round(total_s, 2),
        "us_per_call": round(run_s / max(1, len(sim.traces)) * 1e6, 1),
        "peak_rss_mib": round(peak_kib / 1024, 1),
        "answered": kpis["total"]["answered"],
        "abandon_rate": kpis["total"]["abandon_rate"],
    }
    if "ivr" in kpis:
        figures["ivr_entered"] = sum(tree["entered"] for tree in kpis["ivr"])
        figures["ivr_abandoned"] = sum(tree["left"]["abandoned"] for tree in kpis["ivr"])
        figures["callbacks_completed"] = kpis["callbacks"]["completed"]
        figures["voicemails"] = kpis["voicemail"]["left"]
    print(json.dumps(figures, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
