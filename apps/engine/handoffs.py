"""Events whose data leaves the engine for a service (a voicemail, a call's recording)."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

from apps.engine.health import EngineHealth, joined
from kc_domain.routing import events as ev

log = logging.getLogger("kc.engine")


class Handoffs:
    """Events whose data leaves the engine for a service (a voicemail, a call's recording), handed
    over in order by a thread of their own, so that audio and disks never hold up a call. Not
    started (tests, tools): at once. A failed handover is logged and shown as the part's problem."""

    def __init__(
        self, handlers: dict[type[ev.Event], tuple[str, Callable[[Any], None]]], health: EngineHealth
    ):
        self._handlers, self._health = handlers, health
        self._queue: queue.Queue[ev.Event] = queue.Queue()
        self._thread: threading.Thread | None = None

    def put(self, events: list[ev.Event]) -> None:
        for event in events:
            if type(event) in self._handlers:
                if self._thread is None:
                    self._hand_over(event)
                else:
                    self._queue.put(event)

    def start(self, stop: threading.Event) -> None:
        self._thread = threading.Thread(target=self._run, args=(stop,), name="kc-handoff", daemon=True)
        self._thread.start()

    def join(self) -> None:
        if self._thread is not None:
            joined(self._thread, "handing over recordings and voicemail")
            self._thread = None

    def backlog(self) -> int:
        return self._queue.qsize()

    def _run(self, stop: threading.Event) -> None:
        while not (stop.is_set() and self._queue.empty()):
            try:
                self._hand_over(self._queue.get(timeout=0.2))
            except queue.Empty:
                continue

    def _hand_over(self, event: ev.Event) -> None:
        part, handler = self._handlers[type(event)]
        try:
            handler(event)
            self._health.ok(part)
        except Exception as error:  # e.g. bad audio or a full disk: the calls go on
            log.error("%s of call %s could not be stored", event.name, getattr(event, "call_id", ""))
            self._health.failed(part, error)
