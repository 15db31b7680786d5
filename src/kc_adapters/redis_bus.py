"""The event bus over Redis pub/sub: commands to the engine, live state back to every web node.

Messages are JSON objects. Each subscription has its own pub/sub connection and listener thread,
so closing one never disturbs another and no connection is shared between threads; handlers run in
that listener thread, one message at a time, in publish order. Pub/sub is fire-and-forget: a node
that is not subscribed (or is reconnecting) when a message is published never sees it, which suits
live state that is re-published continuously.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import redis

log = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], None]

_POLL_S = 0.1  # how long a listener blocks before it looks at its stop flag again
_RETRY_S = 1.0  # pause before reading again after the connection to Redis failed
_CONFIRM_S = 10.0  # how long subscribe() waits for Redis to confirm the subscription


class RedisSubscription:
    def __init__(
        self,
        client: redis.Redis,
        channel: str,
        handler: Handler,
        on_close: Callable[[RedisSubscription], None] = lambda _: None,
    ) -> None:
        self._channel, self._handler, self._on_close = channel, handler, on_close
        self._pubsub = client.pubsub()
        self._stop = threading.Event()
        try:
            self._pubsub.subscribe(channel)
            self._await_confirmation()
        except BaseException:
            self._pubsub.close()
            raise
        self._thread = threading.Thread(target=self._listen, name=f"kc-bus:{channel}", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop receiving; once this returns (outside a handler) the handler is not called again."""
        self._stop.set()
        self._on_close(self)
        if threading.current_thread() is not self._thread:  # a handler may close its own subscription
            self._thread.join()

    def _await_confirmation(self) -> None:
        # Redis registers a subscription asynchronously; wait for its reply so that anything
        # published after subscribe() returns is delivered ("from now on" in the EventBus port).
        deadline = time.monotonic() + _CONFIRM_S
        while (remaining := deadline - time.monotonic()) > 0:
            message = self._pubsub.get_message(timeout=remaining)
            if message is not None and message["type"] == "subscribe":
                return
        raise redis.TimeoutError(f"Redis did not confirm the subscription to {self._channel!r}")

    def _listen(self) -> None:
        try:
            while not self._stop.is_set():
                try:
                    message = self._pubsub.get_message(timeout=_POLL_S)
                except redis.RedisError as error:
                    # redis-py reconnects and re-subscribes on the next read; keep trying until closed.
                    log.warning("bus channel %s: lost Redis (%s); retrying", self._channel, error)
                    self._stop.wait(_RETRY_S)
                    continue
                if message is not None and message["type"] == "message" and not self._stop.is_set():
                    self._deliver(message["data"])
        finally:
            self._pubsub.close()

    def _deliver(self, data: bytes) -> None:
        try:
            payload = json.loads(data)
        except ValueError:
            log.error("bus channel %s: dropped a message that is not JSON: %.200r", self._channel, data)
            return
        try:
            self._handler(payload)
        except Exception:
            # One bad message must not silence the channel for this node.
            log.exception("bus channel %s: handler failed", self._channel)


class RedisBus:
    """``RedisBus("redis://127.0.0.1:6379/0")``; ``close()`` ends every subscription and connection."""

    def __init__(self, url: str) -> None:
        # Timeouts so that a hung server fails ping() and publish() instead of blocking a request;
        # the health check finds a silently dead pub/sub connection, which reads alone would not.
        self._client = redis.Redis.from_url(
            url, socket_connect_timeout=5, socket_timeout=10, health_check_interval=30
        )
        self._subscriptions: list[RedisSubscription] = []
        self._lock = threading.Lock()

    def publish(self, channel: str, message: dict[str, Any]) -> None:
        self._client.publish(channel, json.dumps(message, ensure_ascii=False, separators=(",", ":")))

    def subscribe(self, channel: str, handler: Handler) -> RedisSubscription:
        subscription = RedisSubscription(self._client, channel, handler, on_close=self._forget)
        with self._lock:
            self._subscriptions.append(subscription)
        return subscription

    def ping(self) -> None:
        self._client.ping()

    def close(self) -> None:
        with self._lock:
            subscriptions, self._subscriptions = self._subscriptions, []
        for subscription in subscriptions:
            subscription.close()
        self._client.close()

    def _forget(self, subscription: RedisSubscription) -> None:
        with self._lock:
            if subscription in self._subscriptions:
                self._subscriptions.remove(subscription)
