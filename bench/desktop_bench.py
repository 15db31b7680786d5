"""Agent desktop latency: 300 agents connected by WebSocket to one ``kc web`` (gunicorn), with the
engine on PostgreSQL and Redis (never pass/fail; JSON out).

    .venv/bin/python bench/desktop_bench.py [AGENTS]

Set-up: a fresh PostgreSQL database with the demo organisation and AGENTS agents (skills in two
queues each), the engine host in this process on the Redis bus (the benchmark plays the PBX),
``kc web --workers W --threads N`` as a separate process (W: BENCH_WEB_WORKERS, default 4), one
signed-in HTTP session plus one WebSocket per agent. Figures:

- action_echo_at_20_per_s: agents pause and become ready again (POST /api/v1/desktop/pause|ready)
  at 20 clicks a second in all, each timed until the agent's desktop WebSocket shows the new state;
- ready_echo_all_agents_at_once: every agent presses "Připraven" in the same instant (a stress
  case: 300 requests queue behind each other on 2 cores);
- call_offer_push: a call reaches the engine until the chosen agent's desktop shows it ringing
  (calls arriving at 20 per second);
- answer_echo: the agent answers from the page until the WebSocket shows them talking.

Target of the desktop issue: p95 under 200 ms.
"""

from __future__ import annotations

import asyncio
import base64
import http.cookiejar
import json
import os
import random
import re
import socket
import statistics
import struct
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


from apps.cli.serve import start_engine  # noqa: E402
from apps.container import Container  # noqa: E402
from apps.seed import DEMO_PASSWORD, seed  # noqa: E402
from apps.settings import Settings  # noqa: E402
from kc_adapters.simulated_pbx import SimulatedPbx  # noqa: E402
from kc_domain.audit.service import SYSTEM  # noqa: E402
from kc_domain.identity.model import User  # noqa: E402
from kc_domain.identity.roles import Role  # noqa: E402

REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/7")
WEB_WORKERS = int(os.environ.get("BENCH_WEB_WORKERS", "4"))
ACTIONS_PER_S = 20  # agents' clicks in all: 300 agents, one click every 15 s each
NUMBER = "+420261105559"  # the assistance line, open round the clock


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    if not ordered:
        return {"n": 0}
    return {
        "n": len(ordered),
        "p50_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 1),
        "max_ms": round(ordered[-1], 1),
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Desk:
    """One agent's browser: a cookie session, the CSRF token and the desktop WebSocket."""

    def __init__(self, base: str, username: str, agent_id: int) -> None:
        self.base, self.username, self.agent_id = base, username, agent_id
        self.cookies = http.cookiejar.CookieJar()
        self.http = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))
        self.token = ""
        self.views: list[tuple[float, dict[str, Any]]] = []
        self.changed = threading.Condition()

    def sign_in(self) -> None:
        page = self.http.open(f"{self.base}/login").read().decode()
        token = re.search(r'name="csrf-token" content="([^"]+)"', page)
        assert token is not None
        form = urllib.parse.urlencode(
            {"username": self.username, "password": DEMO_PASSWORD, "csrf_token": token.group(1)}
        ).encode()
        self.http.open(f"{self.base}/login", form).read()
        page = self.http.open(f"{self.base}/").read().decode()
        found = re.search(r'name="csrf-token" content="([^"]+)"', page)
        assert found is not None, f"{self.username} could not sign in"
        self.token = found.group(1)

    def cookie(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.cookies)

    def received(self, text: str) -> None:
        message = json.loads(text)
        if message.get("agent"):
            with self.changed:
                self.views.append((time.perf_counter(), message["agent"]))
                self.changed.notify_all()

    def command(self, name: str, **body: Any) -> int:
        request = urllib.request.Request(
            f"{self.base}/api/v1/desktop/{name}",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "X-CSRFToken": self.token},
            method="POST",
        )
        try:
            return int(self.http.open(request).status)
        except urllib.error.HTTPError as error:
            return int(error.code)

    def wait_for(
        self, since: float, test: Callable[[dict[str, Any]], bool], timeout: float = 10.0
    ) -> float | None:
        """Seconds from ``since`` to the first view after it that passes ``test``."""
        deadline = time.perf_counter() + timeout
        with self.changed:
            while True:
                for at, view in self.views:
                    if at >= since and test(view):
                        return at - since
                left = deadline - time.perf_counter()
                if left <= 0:
                    return None
                self.changed.wait(left)


class Browsers:
    """All agents' WebSockets in one asyncio loop on a thread of its own: 300 browsers must not
    cost 600 Python threads in the benchmark, which shares the machine's two cores with the server.
    A minimal RFC 6455 client: the handshake, unmasked server text frames, pings answered."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.tasks: list[Any] = []

    def connect(self, desk: Desk) -> None:
        future = asyncio.run_coroutine_threadsafe(self._open(desk), self.loop)
        self.tasks.append(future.result(10))

    async def _open(self, desk: Desk) -> Any:
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        key = base64.b64encode(os.urandom(16)).decode()
        writer.write(
            (
                f"GET /desktop/ws HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                f"Cookie: {desk.cookie()}\r\n\r\n"
            ).encode()
        )
        status = await reader.readuntil(b"\r\n\r\n")
        assert b" 101 " in status.split(b"\r\n", 1)[0], status[:80]
        return self.loop.create_task(self._read(desk, reader, writer))

    async def _read(self, desk: Desk, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                first, second = await reader.readexactly(2)
                opcode, length = first & 0x0F, second & 0x7F
                if length == 126:
                    length = struct.unpack("!H", await reader.readexactly(2))[0]
                elif length == 127:
                    length = struct.unpack("!Q", await reader.readexactly(8))[0]
                payload = await reader.readexactly(length)
                if opcode == 1:
                    desk.received(payload.decode())
                elif opcode == 9:  # ping: answer with a masked pong
                    mask = os.urandom(4)
                    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
                    writer.write(bytes([0x8A, 0x80 | len(payload)]) + mask + masked)
                elif opcode == 8:
                    return
        except (asyncio.IncompleteReadError, ConnectionError):
            return
        finally:
            writer.close()

    def close(self) -> None:
        for task in self.tasks:
            self.loop.call_soon_threadsafe(task.cancel)
        self.loop.call_soon_threadsafe(self.loop.stop)


def organisation(container: Container, agents: int) -> list[tuple[str, int]]:
    admin = container.admin()
    seed(admin)
    queues = [q.id for q in admin.list("queue")]
    password_hash = container.hasher().hash(DEMO_PASSWORD)
    with container.uow_factory()() as uow:
        for n in range(agents):
            uow.users.add(
                User(f"desk{n:03d}", f"Operátor {n:03d}", {Role.AGENT}, password_hash=password_hash)
            )
        uow.commit()
    made = [(u.username, u.id) for u in admin.list("user") if u.username.startswith("desk")]
    assistance = next(q.id for q in admin.list("queue") if q.number == NUMBER)
    others = [q for q in queues if q != assistance]
    for i, (_name, user_id) in enumerate(made):
        for queue_id in (assistance, others[i % len(others)]):
            admin.create(SYSTEM, "skill", {"user_id": user_id, "queue_id": queue_id, "level": 5})
    return made


def run(agents: int) -> dict[str, Any]:
    from tests.databases import fresh_postgres_url

    url, drop = fresh_postgres_url()
    env = {"KC_DATABASE_URL": url, "KC_BUS_URL": REDIS, "KC_SECRET_KEY": "d" * 40}
    container = Container(settings=Settings.from_env(env))
    container.database().upgrade()
    made = organisation(container, agents)
    pbx = SimulatedPbx(strict=False, record_commands=False)
    host = start_engine(container, pbx)
    stop = threading.Event()
    threading.Thread(target=host.run, args=(stop, 0.05), daemon=True).start()
    port = free_port()
    log = ROOT / "var" / "desktop_bench_web.log"
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
            str(agents // WEB_WORKERS + 60),
        ],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
    )
    base = f"http://127.0.0.1:{port}"
    desks: list[Desk] = []
    browsers: Browsers | None = None
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1).read()
                break
            except OSError:
                time.sleep(0.2)
        desks = [Desk(base, name, agent_id) for name, agent_id in made]
        with ThreadPoolExecutor(16) as pool:
            list(pool.map(Desk.sign_in, desks))
        browsers = Browsers(port)
        for desk in desks:
            browsers.connect(desk)
        time.sleep(1.0)
        for desk in desks:
            desk.command("log_in")
        time.sleep(1.0)
        burst = _all_at_once(desks, "ready", lambda v: v["state"] == "ready")
        steady = _steady(desks, ACTIONS_PER_S, duration_s=20.0)
        offers, answers = _calls(host, pbx, {d.agent_id: d for d in desks})
        return {
            "agents": agents,
            "web": f"kc web --workers {WEB_WORKERS} (gunicorn gthread)",
            "database": "postgresql",
            "bus": "redis",
            f"action_echo_at_{ACTIONS_PER_S}_per_s": percentiles(steady),
            "ready_echo_all_agents_at_once": percentiles(burst),
            "call_offer_push": percentiles(offers),
            "answer_echo": percentiles(answers),
        }
    finally:
        if browsers is not None:
            browsers.close()
        stop.set()
        web.terminate()
        try:
            web.wait(15)
        except subprocess.TimeoutExpired:  # sockets still open: gunicorn waits for them
            web.kill()
        container.database().dispose()
        drop()


def _steady(desks: list[Desk], rate: float, duration_s: float) -> list[float]:
    """Agents pause and become ready again at ``rate`` actions per second in all (Poisson), as
    300 people at work would; each action timed until its desktop shows the new state."""
    rng = random.Random(11)
    plan, at = [], 0.0
    while at < duration_s:
        at += rng.expovariate(rate)
        plan.append((at, rng.choice(desks)))
    busy: set[int] = set()
    lock = threading.Lock()

    def act(desk: Desk) -> float | None:
        with lock:
            if desk.agent_id in busy:
                return None  # this agent's previous action is still under way
            busy.add(desk.agent_id)
        try:
            state = desk.views[-1][1]["state"] if desk.views else ""
            started = time.perf_counter()
            if state == "ready":
                desk.command("pause", code="ADMIN")
                return desk.wait_for(started, lambda v: v["state"] == "paused")
            desk.command("ready")
            return desk.wait_for(started, lambda v: v["state"] == "ready")
        finally:
            with lock:
                busy.discard(desk.agent_id)

    begin = time.perf_counter()
    with ThreadPoolExecutor(64) as pool:
        futures = []
        for when, desk in plan:
            delay = begin + when - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            futures.append(pool.submit(act, desk))
        found = [f.result() for f in futures]
    return [1000 * f for f in found if f is not None]


def _all_at_once(desks: list[Desk], command: str, test: Callable[[dict[str, Any]], bool]) -> list[float]:
    def one(desk: Desk) -> float | None:
        started = time.perf_counter()
        desk.command(command)
        return desk.wait_for(started, test)

    with ThreadPoolExecutor(64) as pool:
        found = list(pool.map(one, desks))
    return [1000 * f for f in found if f is not None]


def _calls(host: Any, pbx: SimulatedPbx, desks: dict[int, Desk]) -> tuple[list[float], list[float]]:
    offers, answers = [], []
    for n in range(min(100, len(desks))):
        call_id = f"bench-{n}"
        started = time.perf_counter()
        pbx.incoming(call_id, f"+420603{n:06d}", NUMBER)
        host.apply(lambda engine, c=call_id: engine.call_arrived(c, f"+420603{int(c[6:]):06d}", NUMBER))
        agent_id = host.engine.calls[call_id].agent_id
        if agent_id is None or agent_id not in desks:
            continue
        desk = desks[agent_id]
        seen = desk.wait_for(
            started, lambda v, c=call_id: v["state"] == "ringing" and (v["call"] or {}).get("call_id") == c
        )
        if seen is not None:
            offers.append(1000 * seen)
        clicked = time.perf_counter()
        desk.command("answer", call_id=call_id)
        talking = desk.wait_for(clicked, lambda v: v["state"] == "busy")
        if talking is not None:
            answers.append(1000 * talking)
        time.sleep(0.05)
    return offers, answers


def main() -> None:
    import faulthandler

    faulthandler.dump_traceback_later(600, exit=True)  # a hung run says where it hangs
    agents = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    print(json.dumps(run(agents), indent=2))


if __name__ == "__main__":
    main()
