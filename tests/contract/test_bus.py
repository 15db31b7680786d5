"""The event bus contract, run on the in-process bus and on Redis pub/sub alike."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis

from kc_adapters.memory.bus import MemoryBus
from kc_adapters.redis_bus import RedisBus
from kc_ports.bus import EventBus
from tests.databases import redis_url

pytestmark = pytest.mark.req("GEN-03")  # several web nodes share live state through the bus

MESSAGE = {"queue": "Platby a dlužné pojistné", "waiting": 3, "agents": [{"id": 7, "stav": "hovor"}]}


@pytest.fixture(params=["memory", "redis"])
def bus(request: pytest.FixtureRequest) -> Iterator[EventBus]:
    if request.param == "memory":
        yield MemoryBus()
        return
    redis_bus = RedisBus(redis_url())
    try:
        yield redis_bus
    finally:
        redis_bus.close()


@pytest.fixture
def channel() -> str:
    # Redis pub/sub is server-wide: a unique name keeps parallel runs and other tests apart.
    return f"kc.test.{uuid.uuid4().hex}"


class Inbox:
    """Collects what a handler receives; ``wait`` polls with a deadline instead of sleeping blindly."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def __call__(self, message: dict[str, Any]) -> None:
        with self._lock:
            self.messages.append(message)

    def wait(self, count: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        wait_until(lambda: len(self.messages) >= count, timeout)
        with self._lock:
            return list(self.messages)


def wait_until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s")
        time.sleep(0.005)


def test_a_published_message_reaches_every_subscriber_of_its_channel(bus: EventBus, channel: str) -> None:
    first, second = Inbox(), Inbox()
    bus.subscribe(channel, first)
    bus.subscribe(channel, second)

    bus.publish(channel, MESSAGE)

    assert first.wait(1) == [MESSAGE]
    assert second.wait(1) == [MESSAGE]


def test_subscribers_of_other_channels_do_not_receive_it(bus: EventBus, channel: str) -> None:
    mine, other = Inbox(), Inbox()
    bus.subscribe(channel, mine)
    bus.subscribe(channel + ".jinam", other)

    bus.publish(channel, MESSAGE)
    bus.publish(channel + ".jinam", {"marker": "konec"})

    # The marker comes after the message on the same server, so by now the message would be there.
    assert other.wait(1) == [{"marker": "konec"}]
    assert mine.wait(1) == [MESSAGE]


def test_messages_arrive_in_the_order_they_were_published(bus: EventBus, channel: str) -> None:
    inbox = Inbox()
    bus.subscribe(channel, inbox)

    for n in range(50):
        bus.publish(channel, {"n": n})

    assert inbox.wait(50) == [{"n": n} for n in range(50)]


def test_once_a_subscription_is_closed_its_handler_is_not_called_again(bus: EventBus, channel: str) -> None:
    closed, still_open = Inbox(), Inbox()
    subscription = bus.subscribe(channel, closed)
    bus.subscribe(channel, still_open)
    bus.publish(channel, {"n": 1})
    closed.wait(1)

    subscription.close()
    bus.publish(channel, {"n": 2})

    assert still_open.wait(2) == [{"n": 1}, {"n": 2}]
    assert closed.messages == [{"n": 1}]


def test_a_handler_may_close_its_own_subscription(bus: EventBus, channel: str) -> None:
    received: list[dict[str, Any]] = []
    later = Inbox()

    def once(message: dict[str, Any]) -> None:
        received.append(message)
        subscription.close()

    subscription = bus.subscribe(channel, once)
    bus.subscribe(channel, later)
    bus.publish(channel, {"n": 1})
    later.wait(1)
    bus.publish(channel, {"n": 2})

    later.wait(2)
    assert received == [{"n": 1}]


def test_ping_succeeds_when_the_bus_is_reachable(bus: EventBus) -> None:
    bus.ping()


def test_redis_ping_fails_when_the_server_cannot_be_reached() -> None:
    unreachable = RedisBus("redis://127.0.0.1:1/0")  # nothing listens on port 1
    try:
        with pytest.raises(Exception, match=r"(?i)connect"):
            unreachable.ping()
    finally:
        unreachable.close()


def test_on_redis_a_failing_handler_is_logged_and_later_messages_still_arrive(
    channel: str, caplog: pytest.LogCaptureFixture
) -> None:
    redis_bus = RedisBus(redis_url())
    inbox = Inbox()

    def fussy(message: dict[str, Any]) -> None:
        if message["n"] == 1:
            raise ValueError("neplatná zpráva")
        inbox(message)

    try:
        redis_bus.subscribe(channel, fussy)
        with caplog.at_level(logging.ERROR, logger="kc_adapters.redis_bus"):
            redis_bus.publish(channel, {"n": 1})
            redis_bus.publish(channel, {"n": 2})
            assert inbox.wait(1) == [{"n": 2}]
    finally:
        redis_bus.close()
    assert "handler failed" in caplog.text


def test_on_redis_a_subscription_survives_a_dropped_connection(channel: str) -> None:
    # Redis restarts or a failover cut the pub/sub connection; the node must resubscribe by itself.
    redis_bus, inbox = RedisBus(redis_url()), Inbox()
    try:
        subscription = redis_bus.subscribe(channel, inbox)
        host, port = subscription._pubsub.connection._sock.getsockname()[:2]  # (this test's own link)
        killer = redis.Redis.from_url(redis_url())
        try:
            killer.execute_command("CLIENT", "KILL", "ADDR", f"{host}:{port}")
        finally:
            killer.close()

        # Messages published while it reconnects are lost (pub/sub); keep publishing until one arrives.
        deadline = time.monotonic() + 10
        while not inbox.messages and time.monotonic() < deadline:
            redis_bus.publish(channel, {"after": "reconnect"})
            time.sleep(0.05)
    finally:
        redis_bus.close()
    assert inbox.messages and inbox.messages[0] == {"after": "reconnect"}
