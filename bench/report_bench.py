"""Report speed (issue 7): every report over six months and over one day, cold and warm, on a
database filled by ``bench/report_data.py`` (never pass/fail; JSON out).

    .venv/bin/python bench/report_bench.py --url URL [--until 2026-11-22] [--months 6]

First the worker's roll-up of the finished days (``SqlJournal.roll_up``, timed: ``rollup_s``),
then each report over six months and over one rolled-up day, and over the same day read from its
calls (its roll-up removed: what a report on today or on a day changed since reads).

``cold`` is the first build in a fresh process and connection pool (the database's own cache may
still hold pages); ``warm`` the best of the builds after it (one for six months, three for a
day). A report's build is everything but the rendering: the filter, the SQL aggregate queries and
the tables. Targets: six months under 2 s on PostgreSQL and 5 s on SQLite, one day under 200 ms.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from apps.container import Container  # noqa: E402
from apps.settings import Settings  # noqa: E402
from apps.worker.reports import report_service, wording  # noqa: E402
from kc_adapters.persistence.journal import fill_report_columns  # noqa: E402
from kc_adapters.persistence.rollups import unroll  # noqa: E402
from kc_domain.reports.catalogue import REPORTS  # noqa: E402
from kc_domain.reports.figures import sl_thresholds  # noqa: E402
from kc_domain.reports.filters import ReportFilter  # noqa: E402


def _months_before(day: date, months: int) -> date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month + 1, min(day.day, 28))


def run(url: str, until: date, months: int, keys: list[str] | None = None) -> dict[str, Any]:
    env = {"KC_DATABASE_URL": url, "KC_BUS_URL": "memory://", "KC_SECRET_KEY": "r" * 40}
    container = Container(settings=Settings.from_env(env))
    started = time.perf_counter()
    with container.database().engine.begin() as connection:
        filled = fill_report_columns(connection)
    fill_s = time.perf_counter() - started
    started = time.perf_counter()
    thresholds = sl_thresholds(container.admin().list("queue"))
    rolled = container.journal().roll_up(thresholds, container.clock().now())
    rollup_s = time.perf_counter() - started
    reports, words = report_service(container), wording("cs")
    day = until - timedelta(days=1)
    periods = {
        "six_months": ReportFilter(_months_before(until, months), until),
        "one_day": ReportFilter(day, day),
        "one_day_from_calls": ReportFilter(day, day),
    }
    figures: dict[str, Any] = {}
    for name, wanted in periods.items():
        if name == "one_day_from_calls":
            with container.database().engine.begin() as connection:
                unroll(connection, [day])
        for key, report in REPORTS.items():
            if keys and key not in keys:
                continue
            timings = []
            for _ in range(2 if name == "six_months" else 4):
                start = time.perf_counter()
                reports.document(report, wanted, words)
                timings.append((time.perf_counter() - start) * 1000)
            figures.setdefault(name, {})[key] = {
                "cold_ms": round(timings[0], 1),
                "warm_ms": round(min(timings[1:]), 1),  # best of the runs after the first
            }
    container.journal().roll_up(thresholds, container.clock().now())  # the day again, as it was
    with container.database().engine.connect() as connection:
        import sqlalchemy as sa

        calls = connection.execute(sa.text("SELECT count(*) FROM interactions")).scalar()
    container.database().dispose()
    return {
        "database": url.split(":", 1)[0],
        "calls": calls,
        "filled_report_columns": filled,
        "fill_s": round(fill_s, 1),
        "rolled_up_days": rolled["days"],
        "rollup_s": round(rollup_s, 1),
        "periods": {k: [v.since.isoformat(), v.until.isoformat()] for k, v in periods.items()},
        "reports": figures,
        "targets_ms": {"six_months_postgresql": 2000, "six_months_sqlite": 5000, "one_day": 200},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="a database filled by bench/report_data.py")
    parser.add_argument("--until", type=date.fromisoformat, default=date(2026, 11, 22))
    parser.add_argument("--months", type=int, default=6)
    parser.add_argument("--reports", default="", help="comma-separated report keys (default: all)")
    args = parser.parse_args()
    keys = [k for k in args.reports.split(",") if k]
    print(json.dumps(run(args.url, args.until, args.months, keys), indent=2))


if __name__ == "__main__":
    main()
