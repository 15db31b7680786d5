"""A person's command to the engine (``CommandService``): the domain's rules checked and the outcome
audited, the command sent only when it passes, the engine's reply typed."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest

from kc_adapters.memory.engine import MemoryEngineCommands
from kc_adapters.memory.persistence import MemoryUnitOfWork, MemoryUnitOfWorkFactory
from kc_domain.audit.model import Outcome
from kc_domain.audit.service import Actor, AuditTrail
from kc_domain.commanding.replies import (
    Accepted,
    EngineRefused,
    EngineUnavailable,
    Refused,
    reply_from_wire,
    reply_to_wire,
)
from kc_domain.commanding.service import Audited, CommandRequest, CommandService
from kc_domain.errors import FieldError, Forbidden, NotFound, ValidationFailed
from kc_domain.organisation.model import PauseCode, Queue
from kc_domain.routing import commands as c

from .routing.fakes import SALES, Harness, agent, queue
from .support import Store

AGENT = 7
NOVAKOVA = Actor("novakova", "10.0.0.7")
PAUSE = Audited("desk.pause", "call", implied=frozenset({"agent_id"}), request={"code": "STARE"})


class CountedUnits:
    """The memory store's units of work, counted: how many were begun, how many are open now."""

    def __init__(self, factory: MemoryUnitOfWorkFactory) -> None:
        self.factory, self.begun, self.open = factory, 0, 0

    @contextlib.contextmanager
    def __call__(self) -> Iterator[MemoryUnitOfWork]:
        self.begun, self.open = self.begun + 1, self.open + 1
        try:
            with self.factory() as uow:
                yield uow
        finally:
            self.open -= 1


class WatchedEngine(MemoryEngineCommands):
    """The engine in memory, noting how many units of work were open whenever it was asked."""

    def __init__(self, units: CountedUnits) -> None:
        super().__init__(Harness([queue(SALES)], [agent(AGENT, SALES)]).engine)
        self.units, self.open_when_asked = units, list[int]()

    def send(self, command: c.Command) -> Any:
        self.open_when_asked.append(self.units.open)
        return super().send(command)


@pytest.fixture
def units(uow_factory: MemoryUnitOfWorkFactory) -> CountedUnits:
    with uow_factory() as uow:
        uow.queues.add(Queue("Obecná linka"))  # id 1: SALES
        uow.queues.add(Queue("Stará linka", active=False))
        uow.pause_codes.add(PauseCode("OBED", "Oběd"))
        uow.pause_codes.add(PauseCode("STARE", "Zrušená", active=False))
        uow.commit()
    return CountedUnits(uow_factory)


@pytest.fixture
def engine(units: CountedUnits) -> WatchedEngine:
    return WatchedEngine(units)


@pytest.fixture
def service(units: CountedUnits, audit: AuditTrail, engine: WatchedEngine) -> CommandService:
    return CommandService(units, audit, engine)  # type: ignore[arg-type]  # a counted factory


def pause(code: str) -> CommandRequest:
    return CommandRequest(c.Pause, {"agent_id": AGENT, "code": code})


@pytest.mark.req("AG-10", "AG-01")
def test_given_a_retired_pause_code_when_the_agent_pauses_then_it_is_refused_audited_and_nothing_is_sent(
    service: CommandService, engine: WatchedEngine, units: CountedUnits, store: Store
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        service.carry_out(NOVAKOVA, pause("STARE"), PAUSE)

    assert [(e.field, e.code) for e in refused.value.errors] == [("code", "invalid_choice")]
    assert engine.sent == []
    (record,) = store.records()
    assert (record.action, record.actor, record.outcome) == ("desk.pause", "novakova", Outcome.REJECTED)
    assert record.params["code"] == "STARE" and "code: invalid_choice" in record.params["error"]
    assert units.begun == 1  # the check and its audit record: one unit of work


@pytest.mark.req("AG-10", "AG-01")
def test_an_accepted_command_is_audited_ok_with_its_values_but_not_the_signed_in_users_id(
    service: CommandService, engine: WatchedEngine, store: Store
) -> None:
    service.carry_out(NOVAKOVA, CommandRequest(c.LogIn, {"agent_id": AGENT}), Audited("desk.log_in", "call"))
    reply = service.carry_out(NOVAKOVA, pause("OBED"), PAUSE)

    assert reply == Accepted(None)
    assert engine.sent == [c.LogIn(AGENT), c.Pause(AGENT, "OBED")]
    assert engine.engine.agents[AGENT].pause_code == "OBED"
    record = store.records()[-1]
    assert (record.action, record.outcome, record.params) == ("desk.pause", Outcome.OK, {"code": "OBED"})
    assert engine.open_when_asked == [0, 0]  # no unit of work waits on the engine


@pytest.mark.req("AG-11")
def test_a_new_objects_id_from_the_reply_names_the_audited_object(
    service: CommandService, engine: WatchedEngine, store: Store
) -> None:
    engine.engine.log_in(AGENT)
    dial = CommandRequest(c.Dial, {"agent_id": AGENT, "number": "+420603555666"})
    reply = service.carry_out(NOVAKOVA, dial, Audited("desk.dial", "call", implied=frozenset({"agent_id"})))

    assert isinstance(reply, Accepted) and isinstance(reply.result, str)
    assert store.records()[-1].object_id == reply.result


@pytest.mark.req("AG-01")
def test_the_engines_refusal_is_returned_and_audited_rejected_with_its_reason(
    service: CommandService, store: Store
) -> None:
    reply = service.carry_out(
        NOVAKOVA,
        CommandRequest(c.HangUp, {"agent_id": AGENT, "call_id": "c9"}),
        Audited("desk.hang_up", "call", "c9", request={"call_id": "c9"}),
    )

    assert isinstance(reply, Refused) and reply.kind == "not_found"
    record = store.records()[-1]
    assert (record.object_id, record.outcome, record.params["call_id"]) == ("c9", Outcome.REJECTED, "c9")
    assert record.params["error"] == reply.error
    with pytest.raises(NotFound):
        reply.result_or_raise()


@pytest.mark.req("IN-09")
def test_without_the_engine_the_command_is_audited_failed(
    service: CommandService, engine: WatchedEngine, store: Store
) -> None:
    engine.answering = False
    reply = service.carry_out(
        NOVAKOVA, CommandRequest(c.Ready, {"agent_id": AGENT}), Audited("desk.ready", "call")
    )

    assert reply == Refused("engine_unavailable", "unavailable")
    assert store.records()[-1].outcome == Outcome.FAILED
    with pytest.raises(EngineUnavailable):
        reply.raise_error()


@pytest.mark.req("IN-09")
def test_a_callback_for_a_retired_queue_is_refused_with_every_other_bad_field_and_nothing_is_sent(
    service: CommandService, engine: WatchedEngine, store: Store
) -> None:
    unreadable = (FieldError("caller", "bad_external_number"),)
    request = CommandRequest(c.RequestCallback, {"queue_id": 2, "agent_id": AGENT}, unreadable)
    with pytest.raises(ValidationFailed) as refused:
        service.carry_out(NOVAKOVA, request, Audited("callback.request", "callback"))

    assert [(e.field, e.code) for e in refused.value.errors] == [
        ("caller", "bad_external_number"),
        ("queue_id", "unknown_reference"),
    ]
    assert engine.sent == [] and store.records()[-1].outcome == Outcome.REJECTED


@pytest.mark.parametrize(
    ("error", "raised"),
    [
        (ValidationFailed([FieldError("target", "bad_number", {"value": "+42"})]), ValidationFailed),
        (Forbidden("call c1 is not yours"), Forbidden),
        (NotFound("call", "c1"), NotFound),
        (EngineRefused("cannot pause while busy", "busy"), EngineRefused),
        (EngineUnavailable(), EngineUnavailable),
    ],
)
def test_a_refusal_survives_the_wire_and_turns_back_into_its_error(error: Exception, raised: type) -> None:
    refusal = Refused.of(error)
    assert reply_from_wire(reply_to_wire(refusal)) == refusal
    with pytest.raises(raised):
        refusal.raise_error()


def test_a_reply_without_a_kind_is_a_refusal_in_the_present_state() -> None:
    reply = reply_from_wire({"ok": False, "error": "cannot cancel when done", "state": "done"})
    assert reply == Refused("cannot cancel when done", "refused", state="done")
    assert reply_from_wire({"ok": True, "result": "cb-1"}) == Accepted("cb-1")
