"""Commands to the engine from web nodes: request/reply over the bus.

``send`` publishes the command on ``kc.engine.commands`` with the client's own reply channel as
``reply_to`` and a ``request_id``, and waits for the engine host's answer (``{"ok": True, ...}`` or
``{"ok": False, "error": ...}``) carrying that id. The reply channel is subscribed before the first
command: the memory bus calls handlers inside ``publish``, so a reply may arrive before it returns.
"""

from __future__ import annotations

import threading
import uuid
from typing import Any

from apps.engine.host import COMMANDS_CHANNEL
from kc_domain.errors import DomainError, FieldError, Forbidden, NotFound, ValidationFailed
from kc_ports.bus import EventBus, Subscription

REPLY_PREFIX = "kc.engine.reply."
UNAVAILABLE = "engine_unavailable"


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

    def send(self, command: str, **fields: Any) -> dict[str, Any]:
        """The engine's reply, or ``{"ok": False, "error": "engine_unavailable"}`` after the timeout."""
        self._subscribe()
        request_id = uuid.uuid4().hex
        arrived, replies = slot = (threading.Event(), [])
        with self._lock:
            self._waiting[request_id] = slot
        try:
            message = {"command": command, **fields, "reply_to": self._channel, "request_id": request_id}
            self._bus.publish(COMMANDS_CHANNEL, message)
            if not arrived.wait(self._timeout_s):
                return {"ok": False, "error": UNAVAILABLE}
        finally:
            with self._lock:
                self._waiting.pop(request_id, None)
        reply = dict(replies[0])
        reply.pop("request_id", None)
        return reply

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


def raise_refusal(reply: dict[str, Any]) -> None:
    """Turn a refused command back into the domain error the engine raised, so that the web's
    error handlers explain it like any other (422 with every field, 403, 404, 409)."""
    if reply.get("ok"):
        return
    kind = reply.get("kind")
    if kind == "validation":
        raise ValidationFailed(
            [
                FieldError(str(e["field"]), str(e["code"]), dict(e.get("params") or {}))
                for e in reply["errors"]
            ]
        )
    if kind == "forbidden":
        raise Forbidden(str(reply.get("error", "")))
    if kind == "not_found":
        raise NotFound(str(reply.get("object", "object")), reply.get("key", ""))
    if reply.get("error") == UNAVAILABLE:
        raise EngineUnavailable()
    raise EngineRefused(str(reply.get("error", "refused")), reply.get("state"))


class EngineUnavailable(DomainError):
    """The routing engine did not answer in time; nothing was changed."""

    def __init__(self) -> None:
        super().__init__(UNAVAILABLE)


class EngineRefused(DomainError):
    """The engine refused the command in the current state (e.g. a pause during a call); ``state``
    is that state when the engine said it (``busy``, ``dialling``), for the page to name it. The
    message is the engine's own text, for the log."""

    def __init__(self, message: str, state: str | None = None) -> None:
        super().__init__(message)
        self.state = state
