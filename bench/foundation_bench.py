"""Foundation benchmarks: print JSON figures (never pass/fail).

Measures, on a fresh SQLite file (and PostgreSQL when reachable):
- sign-in latency with the production argon2 cost,
- admin list page and API latency with a 150-agent organisation,
- audit append latency and chain verification throughput over 100 000 records.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from apps.container import Container
from apps.seed import DEMO_PASSWORD, seed
from apps.settings import Settings
from kc_domain.audit.model import AuditEntry, seal
from kc_domain.audit.service import SYSTEM
from kc_domain.identity.model import User
from kc_domain.identity.roles import Role


def timed(fn: Callable[[], object], repeat: int) -> dict[str, float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return {
        "n": repeat,
        "p50_ms": round(statistics.median(samples), 2),
        "p95_ms": round(samples[int(0.95 * (len(samples) - 1))], 2),
        "max_ms": round(samples[-1], 2),
    }


def organisation(container: Container) -> None:
    admin = container.admin()
    seed(admin)
    queues = [q.id for q in admin.list("queue")]
    for n in range(45):
        queues.append(admin.create(SYSTEM, "queue", {"name": f"Fronta {n:02d}", "number": f"{3000 + n}"}).id)
    # one hash reused: hashing 150 passwords at production cost would dominate the set-up time
    password_hash = container.hasher().hash(DEMO_PASSWORD)
    with container.uow_factory()() as uow:
        for n in range(150):
            uow.users.add(
                User(
                    f"agent{n:03d}",
                    f"Operátor {n:03d}",
                    {Role.AGENT},
                    agent_number=f"{4000 + n}",
                    password_hash=password_hash,
                )
            )
        uow.commit()
    users = [u.id for u in admin.list("user")]
    for i, user_id in enumerate(users[-150:]):
        for queue_id in queues[i % 10 : i % 10 + 3]:
            admin.create(SYSTEM, "skill", {"user_id": user_id, "queue_id": queue_id, "level": 5})


def web_figures(container: Container) -> dict[str, object]:
    from apps.web import create_app

    app = create_app(container)
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    figures: dict[str, object] = {}
    figures["sign_in_argon2"] = timed(
        lambda: client.post("/login", data={"username": "admin", "password": DEMO_PASSWORD}), 20
    )
    for path in ("/admin/user/", "/admin/queue/", "/admin/skill/", "/api/v1/user", "/admin/audit/"):
        client.get(path)
        figures[f"GET {path}"] = timed(lambda path=path: client.get(path), 30)
    counter = iter(range(10**6))
    figures["POST /api/v1/pause_code"] = timed(
        lambda: client.post(
            "/api/v1/pause_code", json={"code": f"B{next(counter)}", "name": f"Bench {next(counter)}"}
        ),
        50,
    )
    return figures


def audit_figures(container: Container, records: int) -> dict[str, object]:
    factory = container.uow_factory()
    clock = container.clock()
    figures: dict[str, object] = {
        "append_one": timed(
            lambda: container.audit().record_alone(factory, SYSTEM, "bench.append", params={"x": 1}), 200
        )
    }
    start = time.perf_counter()
    with factory() as uow:
        previous, anchor = uow.audit.last(), uow.audit.anchor()
        for n in range(records):
            previous = seal(
                AuditEntry(clock.now(), "bench", "bench.bulk", "queue", str(n), {"n": n}), previous, anchor
            )
            uow.audit.append(previous)
        uow.commit()
    figures["bulk_insert_records_per_s"] = round(records / (time.perf_counter() - start))
    start = time.perf_counter()
    problems = container.audit().verify(factory)
    elapsed = time.perf_counter() - start
    figures["verify"] = {
        "records": records,
        "seconds": round(elapsed, 2),
        "records_per_s": round(records / elapsed),
        "problems": len(problems),
    }
    return figures


def run(database_url: str, records: int) -> dict[str, object]:
    settings = Settings.from_env({"KC_DATABASE_URL": database_url, "KC_SECRET_KEY": "b" * 40})
    container = Container(settings=settings)
    container.database().upgrade()
    organisation(container)
    result = {"web": web_figures(container), "audit": audit_figures(container, records)}
    container.database().dispose()
    return result


def main() -> None:
    records = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory() as tmp:
        out: dict[str, object] = {"sqlite": run(f"sqlite:///{tmp}/bench.sqlite3", records)}
    try:
        from tests.databases import fresh_postgres_url

        url, drop = fresh_postgres_url()
        try:
            out["postgresql"] = run(url, records)
        finally:
            drop()
    except Exception as error:  # the benchmark reports what it could measure
        out["postgresql"] = {"error": str(error)}
    print(json.dumps(out, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
