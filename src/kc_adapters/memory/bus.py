"""An in-process event bus (kc demo, tests): handlers run synchronously in the publisher's thread."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


class MemorySubscription:
    def __init__(self, bus: MemoryBus, channel: str, handler: Callable[[dict[str, Any]], None]) -> None:
        self._bus, self._channel, self._handler = bus, channel, handler

    def close(self) -> None:
        self._bus._remove(self._channel, self._handler)


class MemoryBus:
    def __init__(self) -> None:
        self._handlers: dict[str, list[Callable[[dict[str, Any]], None]]] = {}
        self._lock = threading.Lock()

    def publish(self, channel: str, message: dict[str, Any]) -> None:
        with self._lock:
            handlers = list(self._handlers.get(channel, ()))
        for handler in handlers:
            handler(message)

    def subscribe(self, channel: str, handler: Callable[[dict[str, Any]], None]) -> MemorySubscription:
        with self._lock:
            self._handlers.setdefault(channel, []).append(handler)
        return MemorySubscription(self, channel, handler)

    def ping(self) -> None:
        return None

    def close(self) -> None:
        """End every subscription, as ``RedisBus.close`` does."""
        with self._lock:
            self._handlers.clear()

    def _remove(self, channel: str, handler: Callable[[dict[str, Any]], None]) -> None:
        with self._lock:
            if handler in self._handlers.get(channel, []):
                self._handlers[channel].remove(handler)
