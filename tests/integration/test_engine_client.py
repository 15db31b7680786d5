"""Web nodes' commands to the engine: request/reply over the bus, on the memory bus and on Redis."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import redis

from apps.engine.client import REPLY_PREFIX, EngineClient
from apps.engine.host import COMMANDS_CHANNEL
from kc_adapters.memory.bus import MemoryBus
from kc_adapters.redis_bus import RedisBus
from kc_domain.commanding.replies import Accepted, EngineRefused, Refused
from kc_domain.errors import ValidationFailed
from kc_domain.routing import commands as c
from kc_ports.bus import EventBus
from tests.databases import redis_url

pytestmark = pytest.mark.req("IN-09", "AG-17")


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


class Responder:
    """A stand-in for the engine host: answers every command on the reply channel it names."""

    def __init__(self, bus: EventBus, reply: dict[str, Any] | None = None) -> None:
        self.bus, self.reply = bus, reply
        self.seen: list[dict[str, Any]] = []
        self.subscription = bus.subscribe(COMMANDS_CHANNEL, self.handle)

    def handle(self, message: dict[str, Any]) -> None:
        self.seen.append(message)
        if self.reply is not None:
            answer = {**self.reply, "request_id": message["request_id"]}
            if self.reply.get("ok"):
                answer["result"] = message["command"]  # which command this answers
            self.bus.publish(message["reply_to"], answer)


def test_a_command_goes_out_with_its_fields_the_clients_reply_channel_and_a_request_id(bus: EventBus) -> None:
    responder = Responder(bus, {"ok": True})
    client = EngineClient(bus, timeout_s=5.0)
    try:
        reply = client.send(c.AssignCallback("cb-1", 7))
        again = client.send(c.DialCallback("cb-1", 7))
    finally:
        responder.subscription.close()

    assert reply == Accepted("callback_assign")
    assert again == Accepted("callback_dial")
    first, second = responder.seen
    assert {k: v for k, v in first.items() if k not in ("reply_to", "request_id")} == {
        "command": "callback_assign",
        "v": c.WIRE_VERSION,
        "callback_id": "cb-1",
        "agent_id": 7,
    }
    assert first["reply_to"].startswith(REPLY_PREFIX) and first["reply_to"] == second["reply_to"]
    assert first["request_id"] != second["request_id"]


def test_replies_are_matched_to_their_requests_and_strays_ignored(bus: EventBus) -> None:
    client = EngineClient(bus, timeout_s=5.0)

    def answer_out_of_order(message: dict[str, Any]) -> None:
        bus.publish(message["reply_to"], {"ok": True, "request_id": "someone-else"})
        bus.publish(
            message["reply_to"],
            {"ok": True, "result": message["agent_id"], "request_id": message["request_id"]},
        )

    subscription = bus.subscribe(COMMANDS_CHANNEL, answer_out_of_order)
    try:
        results = [client.send(c.Ready(n)) for n in (1, 2, 3)]
    finally:
        subscription.close()
        client.close()
    assert results == [Accepted(1), Accepted(2), Accepted(3)]


def test_a_refusal_comes_back_as_the_engines_reply(bus: EventBus) -> None:
    refusal = {"ok": False, "error": "callback 'cb-9': cannot cancel when dialling", "state": "dialling"}
    responder = Responder(bus, refusal)
    try:
        reply = EngineClient(bus, timeout_s=5.0).send(c.CancelCallback("cb-9", 7, "x"))
    finally:
        responder.subscription.close()
    assert isinstance(reply, Refused) and reply.kind == "refused" and "cannot cancel" in reply.error
    with pytest.raises(EngineRefused) as raised:
        reply.raise_error()
    assert raised.value.state == "dialling"


def test_a_field_refused_by_the_engine_comes_back_named(bus: EventBus) -> None:
    errors = [{"field": "target", "code": "bad_number", "params": {"value": "+42"}}]
    responder = Responder(
        bus, {"ok": False, "error": "target: bad_number", "kind": "validation", "errors": errors}
    )
    try:
        reply = EngineClient(bus, timeout_s=5.0).send(c.BlindTransfer(7, "c1", "+42"))
    finally:
        responder.subscription.close()
    with pytest.raises(ValidationFailed) as raised:
        reply.result_or_raise()
    assert [(e.field, e.code, dict(e.params)) for e in raised.value.errors] == [
        ("target", "bad_number", {"value": "+42"})
    ]


def test_without_an_answer_the_engine_is_unavailable_after_the_timeout(bus: EventBus) -> None:
    silent = Responder(bus, None)
    started = time.monotonic()
    try:
        reply = EngineClient(bus, timeout_s=0.3).send(c.AssignCallback("cb-1", 7))
    finally:
        silent.subscription.close()
    assert reply == Refused("engine_unavailable", "unavailable")
    assert 0.25 <= time.monotonic() - started < 3.0
    assert len(silent.seen) == 1


def test_the_reply_subscription_is_closed_with_the_client(bus: EventBus) -> None:
    responder = Responder(bus, {"ok": True})
    client = EngineClient(bus, timeout_s=5.0)
    try:
        client.send(c.Ready(7))
    finally:
        responder.subscription.close()
        client.close()
    reply_to = responder.seen[0]["reply_to"]
    if isinstance(bus, MemoryBus):
        assert bus._handlers.get(reply_to) == []
    else:
        client = redis.Redis.from_url(redis_url())
        try:
            assert client.pubsub_numsub(reply_to) == [(reply_to.encode(), 0)]
        finally:
            client.close()


def test_a_reply_from_another_thread_is_awaited(bus: EventBus) -> None:
    def answer_later(message: dict[str, Any]) -> None:
        late = {"ok": True, "result": "late", "request_id": message["request_id"]}
        threading.Timer(0.1, bus.publish, (message["reply_to"], late)).start()

    subscription = bus.subscribe(COMMANDS_CHANNEL, answer_later)
    try:
        assert EngineClient(bus, timeout_s=5.0).send(c.Ready(7)) == Accepted("late")
    finally:
        subscription.close()
