"""Commands to the engine from web nodes: request/reply over the bus.

``send`` publishes a typed command (``kc_domain.routing.commands``) in its wire form on
``kc.engine.commands`` with the client's own reply channel as ``reply_to`` and a ``request_id``, and
waits for the engine host's answer carrying that id, returned typed (``Accepted`` or ``Refused``,
``kc_domain.commanding.replies``): the bus adapter of the ``EngineCommands`` port. The reply channel
is subscribed before the first command: the memory bus calls handlers inside ``publish``, so a reply
may arrive before it returns.
"""

from __future__ import annotations

import threading
import uuid
from typing import Any

from apps.engine.host import COMMANDS_CHANNEL
from kc_domain.commanding.replies import (
    UNAVAILABLE,
    EngineRefused,
    EngineUnavailable,
    Refused,
    Reply,
    reply_from_wire,
)
from kc_domain.routing.commands import Command, to_wire
from kc_ports.bus import EventBus, Subscription

REPLY_PREFIX = "kc.engine.reply."
__all__ = ["UNAVAILABLE", "EngineClient", "EngineRefused", "EngineUnavailable"]


class EngineClient:
    """One per process: its replies come on one channel of its own, matched by ``request_id``, so a
    command costs a publish and a wait, not a subscription (the subscription is made on first use,
    i.e. after a web server has forked its workers)."""

    def __init__(self, bus: EventBus, timeout_s: float = 2.0) -> None:
        self._bus, self._timeout_s = bus, timeout_s
        self._channel = f"{REPLY_PREFIX}{uuid.uuid4()}"
        self._waiting: dict[str, tuple[threading.Event, list[dict[str, Any]]]] = {}
        self._lock = threading.Lock()
        self._subscription: Subscription | None = None

    def send(self, command: Command) -> Reply:
        """The engine's typed reply, or ``Refused`` of kind ``unavailable`` after the timeout."""
        self._subscribe()
        request_id = uuid.uuid4().hex
        replies: list[dict[str, Any]] = []
        arrived = threading.Event()
        slot = (arrived, replies)
        with self._lock:
            self._waiting[request_id] = slot
        try:
            message = {**to_wire(command), "reply_to": self._channel, "request_id": request_id}
            self._bus.publish(COMMANDS_CHANNEL, message)
            if not arrived.wait(self._timeout_s):
                return Refused.of(EngineUnavailable())
        finally:
            with self._lock:
                self._waiting.pop(request_id, None)
        return reply_from_wire(replies[0])

    def close(self) -> None:
        with self._lock:
            subscription, self._subscription = self._subscription, None
        if subscription is not None:
            subscription.close()

    def _subscribe(self) -> None:
        with self._lock:
            if self._subscription is None:
                self._subscription = self._bus.subscribe(self._channel, self._receive)

    def _receive(self, message: dict[str, Any]) -> None:
        with self._lock:
            slot = self._waiting.get(str(message.get("request_id", "")))
        if slot is not None and not slot[0].is_set():
            slot[1].append(message)
            slot[0].set()
