"""Live freshness (WB-01, RT-04): from an event in the engine to the pixel on N wallboard pages and
BENCH_SUPERVISORS supervisor pages (default 20) open in one headless Chromium, while simulated
traffic keeps the engine busy (never pass/fail; JSON out).

    .venv/bin/python bench/wallboard_bench.py [PAGES]

Set-up: a fresh PostgreSQL database with the demo organisation and BENCH_AGENTS robot agents
(default 150; skills as in ``bench/desktop_bench.py``), the engine host in this process on the
Redis bus with the simulated PBX and live traffic (``apps/simulator/live_traffic.py``: callers in
real time, robots answering) on every queue but the probe queue, the engine's clock running from a
Monday 10:00 so that every queue is open; ``kc web`` (gunicorn) as a separate process; PAGES
kiosk pages (default 10) of one wallboard and the supervisor pages (signed in as ``supervizor``)
in one headless Chromium.

Probe: a call enters the assistance queue, which no robot serves (BENCH_EVENTS times, default 40);
its time is taken when the engine holds it; each page records (by a MutationObserver, not by
polling) when its "calls waiting" figure (on a supervisor page: the probe queue's) turned to 1.
The caller then hangs up and the pages are waited for to show 0 again. Figures: latency per page
and event, p50 and p95 (target p95 < 1 s).
Environment: BENCH_AGENTS, BENCH_EVENTS, BENCH_CALLS_PER_HOUR (traffic in all, default 3000),
BENCH_WALLBOARD_WORKERS (gunicorn workers, default 2), BENCH_SUPERVISORS, BENCH_REDIS.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dependency_injector import providers  # noqa: E402

from apps.container import Container  # noqa: E402
from apps.seed import DEMO_PASSWORD  # noqa: E402
from apps.settings import Settings  # noqa: E402
from apps.simulator.live_traffic import LiveTraffic, TrafficProfile  # noqa: E402
from bench.desktop_bench import NUMBER, REDIS, free_port, organisation, percentiles  # noqa: E402
from kc_adapters.simulated_pbx import SimulatedPbx  # noqa: E402
from kc_domain.audit.service import SYSTEM  # noqa: E402
from kc_domain.supervision.model import WallboardLayout  # noqa: E402
from kc_domain.supervision.wallboards import new_kiosk_token  # noqa: E402

AGENTS = int(os.environ.get("BENCH_AGENTS", "150"))
EVENTS = int(os.environ.get("BENCH_EVENTS", "40"))
CALLS_PER_HOUR = float(os.environ.get("BENCH_CALLS_PER_HOUR", "3000"))
WEB_WORKERS = int(os.environ.get("BENCH_WALLBOARD_WORKERS", "2"))
SUPERVISORS = int(os.environ.get("BENCH_SUPERVISORS", "20"))
CHROMIUM = "/usr/bin/chromium"

WATCH = """() => {
  window.__wb = [];
  const el = document.querySelector('[data-testid="wb-waiting"]');
  window.__waiting = () => el.textContent;
  new MutationObserver(() => window.__wb.push([el.textContent, Date.now()]))
    .observe(el, {childList: true, characterData: true, subtree: true});
}"""
# the supervisor's queue table is redrawn from each view: the probe queue's waiting cell is read
# after every change of the table
WATCH_SUPERVISOR = """(queueId) => {
  window.__wb = [];
  const rows = document.getElementById('queue-rows');
  window.__waiting = () => rows.querySelector(`[data-testid="queue-${queueId}-waiting"]`)?.textContent ?? '';
  new MutationObserver(() => window.__wb.push([window.__waiting(), Date.now()]))
    .observe(rows, {childList: true, characterData: true, subtree: true});
}"""


class FlowingClock:
    """Real time flowing from a Monday 10:00 in Prague: every demo queue is open."""

    def __init__(self) -> None:
        from datetime import UTC, datetime

        self.start, self.at = time.monotonic(), datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

    def now(self) -> Any:
        from datetime import timedelta

        return self.at + timedelta(seconds=time.monotonic() - self.start)


def wallboard(container: Container) -> str:
    """A wallboard of all queues with a kiosk token; the token."""
    token, digest = new_kiosk_token()
    made = container.admin().create(
        SYSTEM, "wallboard", {"name": "Bench", "layouts": frozenset({WallboardLayout.OVERVIEW})}
    )
    with container.uow_factory()() as uow:
        uow.wallboards.get(made.id).kiosk_token_hash = digest
        uow.commit()
    return token


def run(pages: int) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    from apps.cli.serve import start_engine
    from tests.databases import fresh_postgres_url

    url, drop = fresh_postgres_url()
    env = {"KC_DATABASE_URL": url, "KC_BUS_URL": REDIS, "KC_SECRET_KEY": "w" * 40}
    container = Container(settings=Settings.from_env(env))
    container.database().upgrade()
    made = organisation(container, AGENTS)
    admin = container.admin()
    probe_id = next(q.id for q in admin.list("queue") if q.number == NUMBER)
    for skill in admin.list("skill"):  # nobody serves the probe queue: its calls wait until hung up
        if skill.queue_id == probe_id:
            admin.delete(SYSTEM, "skill", skill.id)
    token = wallboard(container)
    clock = FlowingClock()
    container.clock.override(providers.Object(clock))
    pbx = SimulatedPbx(strict=False, record_commands=False, clock=clock)
    host = start_engine(container, pbx)
    probe = next(q.queue_id for q in host.engine.queues.values() if q.number == NUMBER)
    robots = frozenset(agent_id for _name, agent_id in made)
    others = [q for q in host.engine.queues if q != probe]
    profile = TrafficProfile(
        {q: CALLS_PER_HOUR / len(others) for q in others}, robots, ivr_calls_per_hour=0.0
    )
    stop = threading.Event()
    threading.Thread(target=host.run, args=(stop, 0.05), daemon=True).start()
    LiveTraffic(host, pbx, profile).start(stop)
    port = free_port()
    log = ROOT / "var" / "wallboard_bench_web.log"
    log.parent.mkdir(exist_ok=True)
    web = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/kc"),
            "web",
            "--port",
            str(port),
            "--workers",
            str(WEB_WORKERS),
            "--threads",
            str(pages + 20),
        ],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1).read()
                break
            except OSError:
                time.sleep(0.2)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
            )
            context = browser.new_context(  # the probes are evaluated scripts: CSP would refuse them
                viewport={"width": 1920, "height": 1080}, locale="cs-CZ", bypass_csp=True
            )
            screens = [context.new_page() for _ in range(pages)]
            for page in screens:
                page.goto(f"{base}/wallboard/kiosk/{token}")
                page.wait_for_function("document.getElementById('wallboard').dataset.updatedAt !== ''")
                page.evaluate(WATCH)
            desks = browser.new_context(
                viewport={"width": 1920, "height": 1080}, locale="cs-CZ", bypass_csp=True
            )
            supervisors = _supervisor_pages(desks, base, probe_id)
            time.sleep(5.0)  # the traffic warms up: agents busy, calls flowing
            latencies, missed = _probe(host, pbx, screens + supervisors)
            by_kind = {"wallboard": latencies[0], "supervisor": latencies[1]}
            in_calls = sum(1 for a in host.engine.agents.values() if a.state.value == "busy")
            browser.close()
        return {
            "pages": pages,
            "supervisor_pages": SUPERVISORS,
            "agents": AGENTS,
            "agents_on_calls_at_end": in_calls,
            "traffic_calls_per_hour": CALLS_PER_HOUR,
            "events": EVENTS,
            "web": f"kc web --workers {WEB_WORKERS} (gunicorn gthread)",
            "database": "postgresql",
            "bus": "redis",
            "engine_event_to_dom": percentiles(by_kind["wallboard"] + by_kind["supervisor"]),
            "wallboard_event_to_dom": percentiles(by_kind["wallboard"]),
            "supervisor_event_to_dom": percentiles(by_kind["supervisor"]),
            "missed": missed,
            "target_p95_ms": 1000,
        }
    finally:
        stop.set()
        web.terminate()
        try:
            web.wait(15)
        except subprocess.TimeoutExpired:
            web.kill()
        container.database().dispose()
        drop()


def _supervisor_pages(context: Any, base: str, probe_id: int) -> list[Any]:
    """SUPERVISORS pages of the supervisor's live view, signed in once (the context shares it)."""
    first = context.new_page()
    first.goto(f"{base}/login")
    first.get_by_label("Uživatelské jméno").fill("supervizor")
    first.get_by_label("Heslo").fill(DEMO_PASSWORD)
    first.get_by_role("button", name="Přihlásit").click()
    first.wait_for_url(f"{base}/")
    pages = [first] + [context.new_page() for _ in range(SUPERVISORS - 1)] if SUPERVISORS else []
    for page in pages:
        page.goto(f"{base}/supervisor/")
        page.wait_for_function("!!document.getElementById('supervisor').dataset.updatedAt")
        page.evaluate(WATCH_SUPERVISOR, probe_id)
        page.is_supervisor = True
    return pages


def _probe(host: Any, pbx: SimulatedPbx, screens: list[Any]) -> tuple[tuple[list[float], list[float]], int]:
    """Each event: a call reaches the engine; every page's time until it showed it (ms), for the
    wallboards and for the supervisors' pages."""
    latencies: tuple[list[float], list[float]] = ([], [])
    missed = 0
    for n in range(EVENTS):
        call_id = f"probe-{n}"
        pbx.incoming(call_id, f"+420604{n:06d}", NUMBER)  # the traffic feeds it to the engine
        while call_id not in host.engine.calls:
            time.sleep(0.0005)
        applied_ms = time.time() * 1000
        for page in screens:
            found = f"window.__wb.find(([t, at]) => t === '1' && at >= {applied_ms - 50})"
            try:
                page.wait_for_function(f"() => !!({found})", timeout=5000)
                seen = page.evaluate(f"() => ({found})[1]")
                latencies[1 if getattr(page, "is_supervisor", False) else 0].append(
                    max(0.0, seen - applied_ms)
                )
            except Exception:  # not within 5 s: counted, not timed
                missed += 1
        pbx.end(call_id, "caller_abandoned")
        for page in screens:
            try:
                page.wait_for_function("() => window.__waiting() === '0'", timeout=10_000)
            except Exception:  # a page that did not catch up: counted, the probe goes on
                missed += 1
        time.sleep(0.3)
    return latencies, missed


def main() -> None:
    import faulthandler

    faulthandler.dump_traceback_later(600, exit=True)
    pages = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    print(json.dumps(run(pages), indent=2))


if __name__ == "__main__":
    main()
