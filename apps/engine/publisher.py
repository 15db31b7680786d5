"""The bus, never in the engine's way (GEN-03): ``publish`` only queues the message; a thread of
its own sends them in order. A failed send is counted and dropped (live state is published again
and again; the journal, not the bus, keeps what happened), and when the bus answers again after a
failure ``on_recovered`` runs, so that the host sends every desktop's state anew. Beyond ``limit``
waiting messages the oldest are dropped, so an outage never fills the memory.

Not started (tests, tools), it sends at once in the caller's thread, with the same guard."""

from __future__ import annotations

import collections
import threading
from collections.abc import Callable
from typing import Any

from apps.engine.health import EngineHealth, joined
from kc_ports.bus import EventBus

LIMIT = 20_000


class Publisher:
    def __init__(self, bus: EventBus, health: EngineHealth, limit: int = LIMIT) -> None:
        self._bus, self._health = bus, health
        self._waiting: collections.deque[tuple[str, dict[str, Any]]] = collections.deque(maxlen=limit)
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None
        self._failing = False
        self.dropped = 0
        self.on_recovered: Callable[[], None] = lambda: None

    def publish(self, channel: str, message: dict[str, Any]) -> None:
        if self._thread is None:
            self._send(channel, message)
            return
        with self._wake:
            if len(self._waiting) == self._waiting.maxlen:
                self.dropped += 1
            self._waiting.append((channel, message))
            self._wake.notify()

    def start(self, stop: threading.Event) -> None:
        self._thread = threading.Thread(target=self._run, args=(stop,), name="kc-publish", daemon=True)
        self._thread.start()

    def join(self) -> None:
        if self._thread is not None:
            with self._wake:
                self._wake.notify()
            joined(self._thread, "sending messages (the bus)")
            self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None

    def backlog(self) -> int:
        return len(self._waiting)

    def _run(self, stop: threading.Event) -> None:
        while True:
            with self._wake:
                while not self._waiting and not stop.is_set():
                    self._wake.wait(0.5)
                if not self._waiting:
                    return  # stopped, everything sent
                channel, message = self._waiting.popleft()
            self._send(channel, message)

    def _send(self, channel: str, message: dict[str, Any]) -> None:
        try:
            self._bus.publish(channel, message)
        except Exception as error:  # the bus is away: counted, shown, dropped
            self._failing = True
            self._health.failed("bus", error)
            return
        if self._failing:
            self._failing = False
            self._health.ok("bus")
            self.on_recovered()
