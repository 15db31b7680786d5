"""The event bus that carries commands to the engine and live state back to web nodes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol


class Subscription(Protocol):
    def close(self) -> None:
        """Stop receiving messages."""


class EventBus(Protocol):
    def publish(self, channel: str, message: dict[str, Any]) -> None:
        """Send a JSON-safe message to every subscriber of ``channel``."""

    def subscribe(self, channel: str, handler: Callable[[dict[str, Any]], None]) -> Subscription:
        """Call ``handler`` for each message published on ``channel`` from now on."""

    def ping(self) -> None:
        """Raise if the bus cannot be reached (readiness check)."""
