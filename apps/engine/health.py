"""How the engine host is doing, told to operators (GEN-03): the age of its last completed step,
the parts that fail now (with their last error), how often each failed, and the journal's backlog.

The host publishes this on ``kc.engine.health`` every second (its heartbeat, the message
``kc_domain.messages.EngineHeartbeat``); web nodes keep the
newest one (``apps.web.engine_watch``) for ``/readyz`` and the supervisor's page, and
``kc check-config`` reads it too. A failing part is logged with its cause the first time, then
once every ``LOG_EVERY_S`` while it goes on failing, and once when it works again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from datetime import datetime
from typing import Any

from kc_domain.errors import ValidationFailed
from kc_domain.messages import EngineHeartbeat

log = logging.getLogger("kc.engine")
HEALTH_CHANNEL = "kc.engine.health"
HEARTBEAT_EVERY_S = 1.0
STALE_AFTER_S = 10.0  # a heartbeat older than this: the engine is not working
LOG_EVERY_S = 30.0

# the parts of a step, as operators read them
PARTS = {
    "engine": "routing (the engine's step)",
    "journal": "the journal (database)",
    "wal": "the journal's local write-ahead file",
    "bus": "the event bus",
    "callbacks": "saving callback requests (database)",
    "alerts": "alerts (database)",
    "reload": "reading the configuration (database)",
    "recordings": "storing call recordings",
    "voicemail": "storing voicemail",
    "commands": "receiving commands from the pages (bus)",
    "upkeep": "upkeep (recordings waiting in the spool)",
    "pbx": "the connection to the PBX (no new call reaches KC)",
    "presence": "the presence of phones and lines (PBX manager connection)",
    "dialler": "the campaigns' dialler (reading and writing the contact lists, database)",
}
DOWN_PARTS = frozenset({"engine", "pbx"})  # without these no call is routed: the engine is down


class EngineHealth:
    """Thread-safe: parts of the host report from their own threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.started = time.monotonic()
        self.last_step: float | None = None
        self.failures: Counter[str] = Counter()
        self.problems: dict[str, str] = {}  # part -> its last error, while it fails
        self.gauges: dict[str, int] = {}
        self._logged: dict[str, float] = {}
        self.version = 0  # moves when a part begins or stops failing: the live view goes out anew

    def stepped(self) -> None:
        self.last_step = time.monotonic()

    def ok(self, part: str) -> None:
        with self._lock:
            error = self.problems.pop(part, None)
            self._logged.pop(part, None)
            if error is not None:
                self.version += 1
        if error is not None:
            log.warning("%s works again (after %d failures)", PARTS.get(part, part), self.failures[part])

    def failed(self, part: str, error: BaseException) -> None:
        """Count the failure and keep it as the part's problem; log it (with the traceback) the
        first time and then at most every LOG_EVERY_S."""
        now = time.monotonic()
        with self._lock:
            self.failures[part] += 1
            if part not in self.problems:
                self.version += 1
            self.problems[part] = f"{type(error).__name__}: {error}"[:300]
            first = part not in self._logged
            due = first or now - self._logged[part] >= LOG_EVERY_S
            if due:
                self._logged[part] = now
            count = self.failures[part]
        if first:
            log.error("%s failed; the engine goes on without it", PARTS.get(part, part), exc_info=error)
        elif due:
            log.error("%s still failing (%d failures): %s", PARTS.get(part, part), count, error)

    def gauge(self, name: str, value: int) -> None:
        self.gauges[name] = value

    def step_age_s(self) -> float | None:
        return None if self.last_step is None else time.monotonic() - self.last_step

    def heartbeat(self, now: datetime) -> EngineHeartbeat:
        """The heartbeat's message."""
        age = self.step_age_s()
        with self._lock:
            return EngineHeartbeat(
                at=now,
                step_age_s=None if age is None else round(age, 3),
                up_s=round(time.monotonic() - self.started, 1),
                problems=dict(self.problems),
                failures=dict(self.failures),
                gauges=dict(self.gauges),
            )

    def plain(self, now: datetime) -> dict[str, Any]:
        """The heartbeat's wire form, as published on HEALTH_CHANNEL."""
        return self.heartbeat(now).to_wire()


STOP_WAIT_S = 20.0  # how long a stop waits for each of the host's threads


def joined(thread: threading.Thread, name: str, timeout: float = STOP_WAIT_S) -> bool:
    """Wait for a thread of the host at a stop, at most ``timeout``; a thread still busy then (e.g.
    a service that hangs) is named in the log and left behind (they are daemons), so that a stop
    always ends: what the journal has not got stays in its write-ahead file."""
    thread.join(timeout)
    if thread.is_alive():
        log.error("stopping: %s did not finish within %.0f s; left behind", name, timeout)
        return False
    return True


def judge(heartbeat: EngineHeartbeat | None, received_age_s: float | None) -> tuple[str, list[str]]:
    """A heartbeat as operators read it: ``ok``, ``degraded`` (working, some part failing: calls
    are still routed) or ``down`` (no heartbeat, a stale one, the engine's step failing, or the
    connection to the PBX lost), with the reasons in words."""
    if heartbeat is None or received_age_s is None:
        return "down", ["no heartbeat from the engine"]
    if received_age_s > STALE_AFTER_S:
        return "down", [f"the engine's last heartbeat is {received_age_s:.0f} s old"]
    step_age = heartbeat.step_age_s
    if step_age is None or step_age > STALE_AFTER_S:
        return "down", ["the engine has not completed a step for over 10 s"]
    problems = heartbeat.problems
    reasons = [f"{PARTS.get(part, part)}: {error}" for part, error in sorted(problems.items())]
    if DOWN_PARTS & problems.keys():
        return "down", reasons
    return ("degraded", reasons) if reasons else ("ok", [])


def read_heartbeat(message: Any) -> EngineHeartbeat | None:
    """A heartbeat read off the bus; one that does not fit is logged and taken as none."""
    try:
        return EngineHeartbeat.from_wire(message)
    except ValidationFailed as error:
        log.warning("a heartbeat that does not fit was ignored: %s", error)
        return None
