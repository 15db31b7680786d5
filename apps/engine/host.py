"""Runs the engine: one lock around it, a journal write and a live publication after each step.

Web nodes send agents' commands on the bus channel ``kc.engine.commands``; the live view goes out
on ``kc.live`` whenever something changed, at most once a second, and at least every 5 seconds.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from kc_domain.errors import DomainError
from kc_domain.routing.engine import RoutingEngine
from kc_domain.routing.live import LiveCounters, snapshot
from kc_ports.bus import EventBus
from kc_ports.journal import ContactJournal
from kc_ports.system import Clock

log = logging.getLogger("kc.engine")
COMMANDS_CHANNEL, LIVE_CHANNEL = "kc.engine.commands", "kc.live"

# command name -> (engine method, the message fields it takes, in order)
COMMANDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "log_in": ("log_in", ("agent_id",)),
    "log_out": ("log_out", ("agent_id",)),
    "ready": ("ready", ("agent_id",)),
    "pause": ("pause", ("agent_id", "code")),
    "extend_wrap_up": ("extend_wrap_up", ("agent_id", "seconds")),
    "sign_in": ("sign_in", ("agent_id", "queue_id")),
    "sign_out": ("sign_out", ("agent_id", "queue_id")),
    "transfer": ("transfer", ("call_id", "kind", "target")),
}


class EngineHost:
    def __init__(
        self, engine: RoutingEngine, journal: ContactJournal, bus: EventBus, clock: Clock, zone: ZoneInfo
    ) -> None:
        self.engine, self._journal, self._bus, self._clock = engine, journal, bus, clock
        thresholds = {q.queue_id: q.sl_threshold_s for q in engine.queues.values()}
        self.counters = LiveCounters(zone, thresholds)
        self.lock = threading.RLock()
        self._changed, self._published, self._pruned = True, 0.0, time.monotonic()

    def run(self, stop: threading.Event, period_s: float = 0.2) -> None:
        """Tick the engine and publish until ``stop`` is set."""
        subscription = self._bus.subscribe(COMMANDS_CHANNEL, self.command)
        try:
            while not stop.is_set():
                self.step()
                stop.wait(period_s)
        finally:
            subscription.close()

    def step(self) -> None:
        with self.lock:
            self.engine.tick()
            self.flush()
            if time.monotonic() - self._pruned > 60:
                self.engine.forget_ended(self._clock.now() - timedelta(minutes=10))  # journaled already
                self._pruned = time.monotonic()
        self.publish()

    def apply(self, action: Callable[[RoutingEngine], Any]) -> Any:
        """Run something against the engine (a PBX event, a command) and journal what it caused."""
        with self.lock:
            result = action(self.engine)
            self.flush()
        return result

    def command(self, message: dict[str, Any]) -> dict[str, Any]:
        """An agent's or supervisor's command as a message; the reply says ok or why not."""
        name = str(message.get("command", ""))
        if name not in COMMANDS:
            return {"ok": False, "error": f"unknown command {name!r}; known: {', '.join(sorted(COMMANDS))}"}
        method, fields = COMMANDS[name]
        missing = [f for f in fields if f not in message]
        if missing:
            return {"ok": False, "error": f"{name}: missing {', '.join(missing)}"}
        try:
            self.apply(lambda engine: getattr(engine, method)(*(message[f] for f in fields)))
        except (DomainError, TypeError, ValueError) as error:
            log.info("command %s refused: %s", name, error)
            return {"ok": False, "error": str(error)}
        return {"ok": True}

    def flush(self) -> None:
        events, decisions = self.engine.drain_events(), self.engine.drain_decisions()
        if events or decisions:
            self._journal.record(events, decisions)
            self.counters.apply(events)
            self._changed = True

    def publish(self, force: bool = False) -> None:
        elapsed = time.monotonic() - self._published
        if force or (self._changed and elapsed >= 1.0) or elapsed >= 5.0:
            with self.lock:
                view = snapshot(self.engine, self.counters, self._clock.now())
                self._changed = False
            self._published = time.monotonic()
            self._bus.publish(LIVE_CHANNEL, view)
