"""The engine's heartbeat as a web node sees it (GEN-03): the newest message on
``kc.engine.health`` (``EngineHeartbeat``) and when it came, for ``/readyz``; one subscription per
process, made when the app is created and again later if the bus was away then. A message that
does not fit is logged and ignored (the previous heartbeat stays, and ages)."""

from __future__ import annotations

import contextlib
import threading
import time
from typing import Any

from flask import current_app
from flask.sansio.app import App

from apps.engine.health import HEALTH_CHANNEL, judge, read_heartbeat
from apps.web.services import services
from kc_domain.messages import EngineHeartbeat

KEY = "kc.engine_watch"


class EngineWatch:
    def __init__(self, bus: Any) -> None:
        self._bus = bus
        self._lock = threading.Lock()
        self._subscription: Any = None
        self._newest: EngineHeartbeat | None = None
        self._received: float | None = None

    def ensure_subscribed(self) -> None:
        """Subscribe unless subscribed already; raises when the bus cannot be reached."""
        with self._lock:
            if self._subscription is None:
                self._subscription = self._bus.subscribe(HEALTH_CHANNEL, self._heard)

    def _heard(self, message: Any) -> None:
        beat = read_heartbeat(message)
        if beat is not None:
            self._newest, self._received = beat, time.monotonic()

    def state(self) -> tuple[str, list[str], dict[str, Any] | None]:
        """``ok``, ``degraded`` or ``down``, the reasons in words, and the newest heartbeat."""
        age = None if self._received is None else time.monotonic() - self._received
        newest = self._newest
        state, reasons = judge(newest, age)
        return state, reasons, None if newest is None else newest.to_wire()


def init_app(app: App) -> None:
    watch = EngineWatch(services(app).bus())
    app.extensions[KEY] = watch
    with contextlib.suppress(Exception):  # the bus is away now: /readyz says so, subscribes later
        watch.ensure_subscribed()


def watch() -> EngineWatch:
    found: EngineWatch = current_app.extensions[KEY]
    return found
