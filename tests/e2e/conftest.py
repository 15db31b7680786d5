"""A real KC web server on a free loopback port and a headless Debian Chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from dependency_injector import providers
from werkzeug.serving import make_server

from apps.engine.build import build_engine
from apps.engine.dialling import DiallerFeed
from apps.engine.host import COMMANDS_CHANNEL, EngineHost
from kc_adapters.memory.bus import MemoryBus
from kc_adapters.simulated_pbx import SimulatedPbx

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def server(app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(5)


@pytest.fixture(scope="session")
def browser():  # type: ignore[no-untyped-def]
    if not (os.access(CHROMIUM, os.X_OK) or shutil.which("chromium")):
        pytest.fail(
            f"Chromium is required for the browser tests: install the Debian package 'chromium' ({CHROMIUM})"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, server):  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=server, viewport={"width": 1366, "height": 900}, locale="cs-CZ")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def screenshot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


# -- the engine host behind the pages -------------------------------------------------------------
MONDAY_10 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # 10:00 in Prague, the queues are open
GENERAL_LINE = "+420261105555"
LIVE_MS = 2_000  # the target is within a second (bench/ measures it); room for a loaded test machine


class FlowingClock:
    """Real time flowing from a Monday 10:00 in Prague (the queues are open); ``advance`` jumps."""

    def __init__(self, at: datetime) -> None:
        self.start, self.offset = time.monotonic(), at

    def now(self) -> datetime:
        return self.offset + timedelta(seconds=time.monotonic() - self.start)

    def advance(self, **delta: float) -> None:
        self.offset += timedelta(**delta)


@pytest.fixture
def host(container):  # type: ignore[no-untyped-def]
    bus = container.bus()
    assert isinstance(bus, MemoryBus)
    clock = FlowingClock(MONDAY_10)
    pbx = SimulatedPbx(strict=False, clock=clock)
    container.clock.override(providers.Object(clock))  # the web and the engine share one time
    host = EngineHost(
        build_engine(container, pbx, clock),
        container.journal(),
        bus,
        clock,
        ZoneInfo("Europe/Prague"),
        uow_factory=container.uow_factory(),  # callback requests stored, as in ``kc engine``
        dialler=(feed := DiallerFeed(container.dialler_list())),  # the campaigns' dialler: fed by a test
    )
    subscription = bus.subscribe(COMMANDS_CHANNEL, host.command)
    host.pbx = pbx  # type: ignore[attr-defined]
    host.clock = clock  # type: ignore[attr-defined]
    host.dialler = feed  # type: ignore[attr-defined]
    yield host
    subscription.close()


def user_id(container, username: str) -> int:  # type: ignore[no-untyped-def]
    return next(u.id for u in container.admin().list("user") if u.username == username)


def ring(host, call_id: str = "c1", caller: str = "+420603123456") -> str:  # type: ignore[no-untyped-def]
    host.pbx.incoming(call_id, caller, GENERAL_LINE)
    host.apply(lambda engine: engine.call_arrived(call_id, caller, GENERAL_LINE))
    return call_id


@pytest.fixture
def running_host(host):  # type: ignore[no-untyped-def]
    """The host stepping and publishing the live view every 50 ms, as ``kc engine`` does."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(0.05):
            host.step()
            host.publish()

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    yield host
    stop.set()
    thread.join(timeout=2)
