"""Callback requests worked by the engine (IN-09, IN-26, AG-17).

A request is a virtual contact in its queue: when an agent of the queue becomes free and the request
is due and earlier in line than the queue's first waiting call, the engine dials the customer from
that agent's phone (``originate``). An agent may also take a request (assign), dial it by hand, mark
it done or cancel it. The engine is the only writer of callback state; ``drain_callback_changes``
hands the requests changed since the last drain to the host, which stores them.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from kc_domain.callbacks.events import CallbackEvent
from kc_domain.callbacks.model import AttemptOutcome, CallbackRequest, CallbackSource, CallbackState
from kc_domain.errors import NotFound, ValidationFailed
from kc_domain.routing import dialler, queueing
from kc_domain.routing import events as ev
from kc_domain.routing.agent import DIALLABLE, Agent
from kc_domain.routing.call import Call, CallEnd, CallStage
from kc_domain.routing.state import RoutingState

OUTCOME_OF_CAUSE = {
    "busy": AttemptOutcome.BUSY,
    "failed": AttemptOutcome.FAILED,
    "congestion": AttemptOutcome.FAILED,
}
DIAL_RING_S = 20  # a manual call rings the agent's own phone this long before it is given up
SWEEP_S = 60  # every so often all queues are checked for due requests and free agents


def request_callback(
    s: RoutingState,
    caller: str,
    queue_id: int,
    preferred_at: datetime | None = None,
    note: str = "",
) -> str:
    """A callback entered by hand (an agent, the web or an API); returns the request's id (the
    id of the caller's open request in that queue when it was merged into it)."""
    if not s.takes_calls(queue_id):
        raise NotFound("queue", queue_id)
    now = s.now()
    s.seq += 1
    request = CallbackRequest.create(
        id=s.new_id(),
        caller=caller,
        queue_id=queue_id,
        created_at=now,
        seq=s.seq,
        source=CallbackSource.WEB,
        preferred_at=preferred_at,
        note=note,
    )
    kept = add_callback(s, request)
    dispatch_queue(s, queue_id, now)
    return kept.id


def assign_callback(s: RoutingState, callback_id: str, agent_id: int) -> None:
    s.active_agent(agent_id)
    request = s.callbacks.get(callback_id)
    callback_changed(s, request, request.assign(agent_id, s.now()))


def dial_callback(s: RoutingState, callback_id: str, agent_id: int) -> str:
    """The agent calls the customer back now; returns the outbound call's id."""
    agent = s.active_agent(agent_id)
    request = s.callbacks.get(callback_id)
    if agent.state not in DIALLABLE:
        raise ValidationFailed.one("agent_id", "agent_not_free", state=agent.state.value)
    return dial_request(s, request, agent, by_agent=True)


def callback_done(s: RoutingState, callback_id: str, agent_id: int, note: str = "") -> None:
    request = s.callbacks.get(callback_id)
    callback_changed(s, request, request.mark_done(agent_id, s.now(), note))


def cancel_callback(s: RoutingState, callback_id: str, agent_id: int, reason: str = "") -> None:
    request = s.callbacks.get(callback_id)
    callback_changed(s, request, request.cancel(reason or f"cancelled by {agent_id}", s.now()))


def drain_callback_changes(s: RoutingState) -> list[CallbackRequest]:
    """Requests changed since the last drain, for the host to store; final ones leave the book."""
    changed, s.changed_callbacks = list(s.changed_callbacks.values()), {}
    for request in changed:
        if not request.is_active and request.id in s.callbacks:
            s.callbacks.remove(request.id)
    return changed


def add_callback(s: RoutingState, request: CallbackRequest) -> CallbackRequest:
    added = s.callbacks.add(request)
    callback_changed(s, added.request, added.event)
    return added.request


def callback_changed(s: RoutingState, request: CallbackRequest, *events: CallbackEvent) -> None:
    for event in events:
        s.emit(event)
    s.changed_callbacks[request.id] = request
    s.arm_callback_due(request)


def on_callback(s: RoutingState, callback_id: str, now: datetime) -> None:
    if callback_id in s.callbacks:
        dispatch_queue(s, s.callbacks.get(callback_id).queue_id, now)


def callback_before(
    s: RoutingState, agent: Agent, head: Call | None, now: datetime
) -> CallbackRequest | None:
    """The due request the free agent should call before ``head`` (the best waiting call), if any."""
    queue_ids = [
        q for q in agent.signed_in & agent.skills.keys() if s.queues[q].hours.is_open(now, s.zone, s.holidays)
    ]
    request = s.callbacks.next_for(queue_ids, now)
    if request is None:
        return None
    if head is not None and (head.queued_at or head.arrived_at) < request.joined_at:
        return None  # the caller waiting on the line came first
    return request


def dispatch_callbacks(s: RoutingState) -> None:
    """Every queue's due requests go to its free agents (the periodic sweep)."""
    now = s.now()
    s.next_sweep = now + timedelta(seconds=SWEEP_S)
    for queue_id in s.queues:
        dispatch_queue(s, queue_id, now)


def dispatch_queue(s: RoutingState, queue_id: int, now: datetime) -> None:
    """The queue's due requests are dialled by its free agents, in line order."""
    if not s.ready_in.get(queue_id) or queue_id not in s.queues:
        return
    if not s.queues[queue_id].hours.is_open(now, s.zone, s.holidays):
        return
    for request in s.callbacks.due(queue_id, now):
        agent = queueing.best_ready(s, queue_id, now)
        if agent is None:
            break
        dial_request(s, request, agent)


def dial_request(s: RoutingState, request: CallbackRequest, agent: Agent, *, by_agent: bool = False) -> str:
    now = s.now()
    started = request.start_dialling(agent.agent_id, now)  # refuses a request held by someone else
    callback_changed(s, request, started)
    return place_call(s, agent, request.caller, request.queue_id, request.id, by_agent=by_agent)


def place_call(
    s: RoutingState,
    agent: Agent,
    number: str,
    queue_id: int | None,
    callback_id: str = "",
    *,
    by_agent: bool = False,
    entry_id: int | None = None,
    caller_id: str = "",
    record: bool = True,
) -> str:
    """An outbound call from the agent's phone: it rings them first, then the PBX dials ``number``;
    ``by_agent``: she chose to make it (the dial pad, a callback she took), KC did not offer it;
    ``entry_id``: the campaign contact it calls, journaled on ``CallDialled`` (OUT-18), with the
    campaign's ``caller_id`` ("": the line's own) and its choice to ``record`` (OUT-17)."""
    now = s.now()
    s.seq += 1
    # a new id for every dial, unique for good (a counter of dials would repeat after a restart);
    # the call keeps its request in callback_id
    call_id = f"{'cb' if callback_id else 'out'}-{s.new_id()}"
    call = Call(call_id, number, number, now, s.seq, callback_id=callback_id, placed_by_agent=by_agent)
    call.recording = record
    call.dial(agent.agent_id, queue_id, now)
    s.calls[call_id] = call
    s.not_ready(agent)
    previous = agent.state
    agent.dial(call_id, now)
    s.agent_changed(agent, previous, now, call_id, "callback" if callback_id else "dial")
    s.emit(ev.CallDialled(now, call_id, number, queue_id, agent.agent_id, callback_id, entry_id))
    queue = s.queues.get(queue_id) if queue_id is not None else None  # gone: a callback by hand
    rona = queue.rona_timeout_s if queue is not None else DIAL_RING_S
    s.timers.arm("rona", call_id, now + timedelta(seconds=rona))
    if caller_id:
        s.pbx.originate(call_id, agent.agent_id, number, caller_id)
    else:
        s.pbx.originate(call_id, agent.agent_id, number)
    return call_id


def called_party_answered(s: RoutingState, call_id: str, machine: bool = False) -> None:
    call = s.calls.get(call_id)
    if call is not None and call.campaign_id is not None:
        return dialler.callee_answered(s, call, machine)
    if call is None or call.direction != "outbound" or call.stage != CallStage.ANSWERED or call.connected:
        return
    call.connect()
    s.emit(ev.CallConnected(s.now(), call_id))
    s.start_recording(call)


def outbound_ended(s: RoutingState, call: Call, cause: str) -> CallEnd:
    """The callback call ended: record the attempt (answered when the customer picked up)."""
    request = callback_of(s, call)
    if call.connected:
        outcome = AttemptOutcome.ANSWERED
    else:
        outcome = OUTCOME_OF_CAUSE.get(cause, AttemptOutcome.NO_ANSWER)
    if request is not None and request.state == CallbackState.DIALLING:
        assert call.agent_id is not None
        callback_changed(s, request, *request.record_attempt(outcome, call.agent_id, s.now()))
    return CallEnd.COMPLETED if call.connected else CallEnd.NOT_REACHED


def outbound_not_picked_up(s: RoutingState, call: Call, reason: str) -> None:
    """The agent's phone never went off-hook: the request goes back to its place, no attempt counted."""
    request = callback_of(s, call)
    if request is not None and request.state == CallbackState.DIALLING:
        callback_changed(s, request, request.release(s.now(), reason))
        dispatch_queue(s, request.queue_id, s.now())  # another free agent, if any


def callback_of(s: RoutingState, call: Call) -> CallbackRequest | None:
    return s.callbacks.get(call.callback_id) if call.callback_id in s.callbacks else None
