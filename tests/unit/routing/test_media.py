"""A second medium beside calls, under one agent capacity: a toy medium written only as its own
message types, handlers and timer (``work.Medium``), as an outbound attempt or a chat will be."""

from __future__ import annotations

from datetime import timedelta

import attrs
import pytest

from kc_domain.routing import commands as c
from kc_domain.routing.agent import Capacity
from kc_domain.routing.state import RoutingState
from kc_domain.routing.work import IllegalTransition, Medium, WorkItem, WorkStage

from .fakes import CLAIMS, SALES, Harness, agent, queue

TOY = "toy"
OFFER_S = 10


@attrs.frozen
class ToyArrived:
    item_id: str
    queue_id: int


@attrs.frozen
class ToyAccepted:
    item_id: str
    agent_id: int


@attrs.frozen
class ToyClosed:
    item_id: str


def _arrived(s: RoutingState, message: ToyArrived) -> None:
    s.items[message.item_id] = WorkItem(message.item_id, TOY, message.queue_id, s.now())
    _dispatch(s, message.queue_id)


def _dispatch(s: RoutingState, queue_id: int) -> None:
    """Waiting items of the queue, oldest first, to the most skilled agent with room for one."""
    waiting = sorted(
        (i for i in s.items.values() if i.queue_id == queue_id and i.stage == WorkStage.WAITING),
        key=lambda i: i.arrived_at,
    )
    for item in waiting:
        free = [a for a in s.skilled[queue_id] if queue_id in a.signed_in and a.free_for(TOY)]
        if not free:
            return
        best = max(free, key=lambda a: (a.skills[queue_id].level, -a.agent_id))
        item.offer(best.agent_id, s.now())
        best.take(TOY, item.item_id)
        s.timers.arm("toy_offer", item.item_id, s.now() + timedelta(seconds=OFFER_S))


def _accepted(s: RoutingState, message: ToyAccepted) -> None:
    s.items[message.item_id].accept(message.agent_id, s.now())
    s.timers.disarm("toy_offer", message.item_id)


def _closed(s: RoutingState, message: ToyClosed) -> None:
    item = s.items[message.item_id]
    if item.agent_id is not None:
        s.agents[item.agent_id].put_down(TOY, item.item_id)
    item.close("done", s.now())
    _dispatch(s, item.queue_id)


def _offer_expired(s: RoutingState, item_id: str, _now: object) -> None:
    item = s.items[item_id]
    if item.stage == WorkStage.OFFERED and item.agent_id is not None:
        s.agents[item.agent_id].put_down(TOY, item_id)
        item.decline()
        _dispatch(s, item.queue_id)


TOYS = Medium(
    TOY, {ToyArrived: _arrived, ToyAccepted: _accepted, ToyClosed: _closed}, {"toy_offer": _offer_expired}
)


def centre() -> Harness:
    novak, dvorak = agent(1, SALES, level=8), agent(2, SALES, level=5)
    novak.capacity = dvorak.capacity = Capacity({TOY: 2})
    return Harness(
        [queue(SALES), queue(CLAIMS, number="802")], [novak, dvorak, agent(3, CLAIMS)], media=(TOYS,)
    )


def held(h: Harness, agent_id: int) -> set[str]:
    return h.engine.agents[agent_id].holding.get(TOY, set())


def test_toy_items_go_to_agents_with_room_while_the_same_agents_take_calls():
    h = centre()
    h.ready(1, 2, 3)
    call = h.arrive()  # the best agent of the queue takes the call
    talker = h.answer(call)
    for n in range(1, 5):
        h.engine.handle(ToyArrived(f"t{n}", SALES))
    # the talking agent still has room for toys: capacity counts each medium on its own
    assert held(h, 1) | held(h, 2) == {"t1", "t2", "t3", "t4"}
    assert len(held(h, 1)) == len(held(h, 2)) == 2
    h.engine.handle(ToyArrived("t5", SALES))
    assert h.engine.items["t5"].stage == WorkStage.WAITING  # nobody has room: it waits
    h.engine.handle(ToyAccepted("t1", h.engine.items["t1"].agent_id or 0))
    h.engine.handle(ToyClosed("t1"))
    assert h.engine.items["t5"].stage == WorkStage.OFFERED  # the room freed takes the next one
    h.engine.call_ended(call)
    assert h.state(talker) in ("wrap_up", "ready")  # calls went on as always
    assert held(h, 3) == set()  # no skill in the queue, no capacity for toys: none for agent 3


def test_a_paused_or_logged_out_agent_gets_no_toy_and_an_offer_not_accepted_moves_on():
    h = centre()
    h.ready(1, 2)
    h.engine.pause(1, "OBED")
    h.engine.handle(ToyArrived("t1", SALES))
    assert h.engine.items["t1"].agent_id == 2
    h.advance(OFFER_S + 1)  # agent 2 did not accept: the offer is taken back
    assert h.engine.items["t1"].stage == WorkStage.OFFERED and held(h, 2) == {"t1"}  # offered again
    h.engine.log_out(2)
    h.engine.handle(ToyArrived("t2", SALES))
    assert h.engine.items["t2"].stage == WorkStage.WAITING


def test_a_call_rings_an_agent_who_holds_toys_and_a_toy_never_blocks_a_call():
    h = centre()
    h.ready(2)
    h.engine.handle(ToyArrived("t1", SALES))
    h.engine.handle(ToyArrived("t2", SALES))
    assert held(h, 2) == {"t1", "t2"}
    call = h.arrive()
    assert h.at(call) == 2 and h.state(2) == "ringing"


def test_an_engine_without_the_medium_refuses_its_messages_and_a_medium_cannot_take_a_calls_message():
    plain = Harness([queue(SALES)], [agent(1, SALES)])
    with pytest.raises(TypeError, match="no handler for ToyArrived"):
        plain.engine.handle(ToyArrived("t1", SALES))
    greedy = Medium("greedy", {c.Ready: lambda s, m: None})
    with pytest.raises(ValueError, match="Ready of medium 'greedy' already has a handler"):
        Harness([queue(SALES)], [agent(1, SALES)], media=(greedy,))


def test_a_work_item_moves_only_by_its_verbs():
    item = WorkItem("t1", TOY, SALES, centre().clock.now())
    now = item.arrived_at
    with pytest.raises(IllegalTransition):
        item.accept(1, now)  # not offered yet
    item.offer(1, now)
    with pytest.raises(IllegalTransition):
        item.accept(2, now)  # offered to someone else
    item.accept(1, now)
    with pytest.raises(IllegalTransition):
        item.decline()
    item.close("done", now)
    with pytest.raises(IllegalTransition):
        item.close("again", now)
    assert (item.stage, item.outcome) == (WorkStage.CLOSED, "done")
