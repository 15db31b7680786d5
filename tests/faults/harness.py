"""Real processes for the fault tests and the outage bench: ``kc engine --traffic`` as a child
process, and private PostgreSQL and Redis instances (own data directory, own port) that may be
stopped and started at will. The shared services (127.0.0.1:5432, 127.0.0.1:6379) are never used
here, let alone stopped. Whatever cannot be had fails loudly (``HarnessError``), never skips."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from apps.engine.health import HEALTH_CHANNEL

ROOT = Path(__file__).resolve().parents[2]


class HarnessError(RuntimeError):
    """A process or service the fault tests need could not be had."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until(condition: Callable[[], object], timeout: float, what: str, step: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise HarnessError(f"waited {timeout:.0f} s in vain for {what}")
        time.sleep(step)


def _stop_child(process: subprocess.Popen[bytes], timeout: float = 15) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


class EngineProcess:
    """``kc engine --traffic`` (``tests.faults.busy_engine``) run in ``workdir`` (its var/ there),
    each run logging to a file of its own (``engine-N.log``)."""

    def __init__(self, workdir: Path, env: dict[str, str]) -> None:
        self.workdir, self.env = workdir, env
        self.process: subprocess.Popen[bytes] | None = None
        self.runs = 0
        self.started_at = 0.0  # time.monotonic() of the last start

    def start(self) -> None:
        assert self.process is None or self.process.poll() is not None, "the engine runs already"
        self.runs += 1
        env = {k: v for k, v in os.environ.items() if not k.startswith("KC_")}
        env.update(self.env, PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
        with self.log_path().open("wb") as log:
            self.started_at = time.monotonic()
            self.process = subprocess.Popen(
                [sys.executable, "-m", "tests.faults.busy_engine"],
                cwd=self.workdir,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_until(lambda: "kc engine:" in self.log() or self.process.poll() is not None, 60, "the engine")
        if self.process.poll() is not None:
            raise HarnessError(f"the engine exited at its start:\n{self.log()}")

    def log_path(self, run: int | None = None) -> Path:
        return self.workdir / f"engine-{run or self.runs}.log"

    def log(self, run: int | None = None) -> str:
        path = self.log_path(run)
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def signal(self, number: int, timeout: float = 60) -> int:
        """Send the signal and wait for the process to end; its exit code."""
        assert self.process is not None
        self.process.send_signal(number)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired as error:
            self.process.kill()
            tail = self.log()[-3000:]
            message = f"the engine did not end within {timeout} s of signal {number}:\n{tail}"
            raise HarnessError(message) from error

    def close(self) -> None:
        """Kill the engine and whatever it started (its own session), if still there."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)


def _as_postgres(command: list[str]) -> list[str]:
    """initdb and postgres refuse to run as root: run them as the postgres user then."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _postgres_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]))
    if found:
        return found[-1]
    on_path = shutil.which(name)
    if on_path is None:
        raise HarnessError(f"PostgreSQL's {name} is not installed (bash scripts/ensure-services.sh)")
    return on_path


class PrivatePostgres:
    """A PostgreSQL server of its own: a new data directory (outside pytest's root-only temporary
    directory, which the postgres user could not enter), a free port, trust authentication."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="kc-faults-pg-"))
        self.data, self.port = self.root / "data", free_port()
        self.log_file = self.root / "server.log"
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        self._run([_postgres_bin("initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "-N"])

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} -c fsync=off"
        start = [_postgres_bin("pg_ctl"), "start", "-w", "-t", "60", "-D", str(self.data)]
        self._run([*start, "-l", str(self.log_file), "-o", options])

    def stop(self) -> None:
        self._run([_postgres_bin("pg_ctl"), "stop", "-w", "-m", "fast", "-D", str(self.data)])

    def running(self) -> bool:
        status = [_postgres_bin("pg_ctl"), "status", "-D", str(self.data)]
        return subprocess.run(_as_postgres(status), capture_output=True).returncode == 0

    def execute(self, statement: str) -> None:
        import psycopg

        server = f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres"
        with psycopg.connect(server, autocommit=True) as db:
            db.execute(statement)  # type: ignore[arg-type]

    def close(self) -> None:
        try:
            if self.running():
                self.stop()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def _run(self, command: list[str]) -> None:
        done = subprocess.run(_as_postgres(command), capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            log = self.log_file.read_text() if self.log_file.exists() else ""
            raise HarnessError(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}{log}")


class PrivateRedis:
    """A redis-server child process of its own (a free port, nothing saved), restartable on it."""

    def __init__(self, workdir: Path) -> None:
        if shutil.which("redis-server") is None:
            raise HarnessError("redis-server is not installed (bash scripts/ensure-services.sh)")
        self.workdir, self.port = workdir, free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", ""]
        command += ["--appendonly", "no", "--dir", str(self.workdir)]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(self._answers, 15, f"redis-server on port {self.port}")

    def stop(self) -> None:
        if self.process is not None:
            _stop_child(self.process)
            self.process = None

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as connection:
                connection.sendall(b"PING\r\n")
                return connection.recv(16).startswith(b"+PONG")
        except OSError:
            return False


class Heartbeats:
    """The engine's heartbeats (``kc.engine.health``) as they arrive on a bus, with the monotonic
    time each came."""

    def __init__(self, bus: Any) -> None:
        self.seen: list[tuple[float, dict[str, Any]]] = []
        self._subscription = bus.subscribe(HEALTH_CHANNEL, self._heard)

    def _heard(self, message: dict[str, Any]) -> None:
        self.seen.append((time.monotonic(), message))

    def since(self, moment: float) -> list[dict[str, Any]]:
        return [message for at, message in self.seen if at >= moment]

    def wait_for(
        self, condition: Callable[[dict[str, Any]], bool], after: float, timeout: float, what: str
    ) -> float:
        """Wait for a heartbeat after ``after`` that meets ``condition``; when it came."""
        found: list[float] = []

        def seen() -> bool:
            found[:] = [at for at, message in self.seen if at >= after and condition(message)][:1]
            return bool(found)

        try:
            wait_until(seen, timeout, what)
        except HarnessError as error:
            last = self.seen[-1] if self.seen else None
            raise HarnessError(f"{error}; the last heartbeat: {last}") from None
        return found[0]

    def close(self) -> None:
        self._subscription.close()
