"""Commands to the engine from web nodes: request/reply over the bus.

``send`` subscribes to a reply channel of its own, publishes the command on ``kc.engine.commands``
with that channel as ``reply_to`` and waits for the engine host's answer (``{"ok": True, ...}`` or
``{"ok": False, "error": ...}``). Subscribing first matters: the memory bus calls handlers inside
``publish``, so the reply may arrive before ``publish`` returns.
"""

from __future__ import annotations

import threading
import uuid
from typing import Any

from apps.engine.host import COMMANDS_CHANNEL
from kc_domain.errors import DomainError, FieldError, Forbidden, NotFound, ValidationFailed
from kc_ports.bus import EventBus

REPLY_PREFIX = "kc.engine.reply."
UNAVAILABLE = "engine_unavailable"


class EngineClient:
    def __init__(self, bus: EventBus, timeout_s: float = 2.0) -> None:
        self._bus, self._timeout_s = bus, timeout_s

    def send(self, command: str, **fields: Any) -> dict[str, Any]:
        """The engine's reply, or ``{"ok": False, "error": "engine_unavailable"}`` after the timeout."""
        reply_to = f"{REPLY_PREFIX}{uuid.uuid4()}"
        replies: list[dict[str, Any]] = []
        arrived = threading.Event()

        def receive(message: dict[str, Any]) -> None:
            if not arrived.is_set():
                replies.append(message)
                arrived.set()

        subscription = self._bus.subscribe(reply_to, receive)
        try:
            self._bus.publish(COMMANDS_CHANNEL, {"command": command, **fields, "reply_to": reply_to})
            if not arrived.wait(self._timeout_s):
                return {"ok": False, "error": UNAVAILABLE}
        finally:
            subscription.close()
        return dict(replies[0])


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
    raise EngineRefused(str(reply.get("error", "refused")))


class EngineUnavailable(DomainError):
    """The routing engine did not answer in time; nothing was changed."""

    def __init__(self) -> None:
        super().__init__(UNAVAILABLE)


class EngineRefused(DomainError):
    """The engine refused the command in the current state (e.g. a pause during a call)."""
