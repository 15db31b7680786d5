"""Callback requests worked by the engine (IN-09, IN-26, AG-17): a part of ``RoutingEngine`` (a mixin).

A request is a virtual contact in its queue: when an agent of the queue becomes free and the request
is due and earlier in line than the queue's first waiting call, the engine dials the customer from
that agent's phone (``originate``). An agent may also take a request (assign), dial it by hand, mark
it done or cancel it. The engine is the only writer of callback state; ``drain_callback_changes``
hands the requests changed since the last drain to the host, which stores them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Container, Iterable
from datetime import date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

from kc_domain.callbacks.events import CallbackEvent
from kc_domain.callbacks.model import AttemptOutcome, CallbackRequest, CallbackSource, CallbackState
from kc_domain.callbacks.queue import CallbackBook
from kc_domain.errors import NotFound, ValidationFailed
from kc_domain.routing import events as ev
from kc_domain.routing.agent import DIALLABLE, Agent, AgentState
from kc_domain.routing.call import Call, CallEnd, CallStage
from kc_domain.routing.config import QueueRouting

if TYPE_CHECKING:
    from kc_domain.routing.timers import Timers
    from kc_ports.system import Clock
    from kc_ports.telephony import CallControl

OUTCOME_OF_CAUSE = {
    "busy": AttemptOutcome.BUSY,
    "failed": AttemptOutcome.FAILED,
    "congestion": AttemptOutcome.FAILED,
}
DIAL_RING_S = 20  # a manual call rings the agent's own phone this long before it is given up
SWEEP_S = 60  # every so often all queues are checked for due requests and free agents


def uuid_ids() -> str:
    return uuid.uuid4().hex


class CallbackDialler:
    if TYPE_CHECKING:  # provided by RoutingEngine
        _clock: Clock
        _pbx: CallControl
        _zone: tzinfo
        _holidays: Container[date]
        _timers: Timers
        _seq: int
        _ready: dict[int, set[int]]
        queues: dict[int, QueueRouting]
        agents: dict[int, Agent]
        calls: dict[str, Call]

        def _start_recording(self, call: Call) -> None: ...

        def _emit(self, event: ev.Event) -> None: ...
        def _not_ready(self, agent: Agent) -> None: ...
        def _agent(self, agent_id: int) -> Agent: ...
        def _active_agent(self, agent_id: int) -> Agent: ...
        def takes_calls(self, queue_id: int | None) -> bool: ...
        def _agent_changed(
            self, agent: Agent, previous: AgentState, now: datetime, call_id: str = "", reason: str = ""
        ) -> None: ...
        def _best_ready(self, queue_id: int, now: datetime) -> Agent | None: ...

    def _init_callbacks(self, requests: Iterable[CallbackRequest], new_id: Callable[[], str]) -> None:
        self.callbacks = CallbackBook(r for r in requests if r.is_active)
        self._new_id = new_id
        self._changed_callbacks: dict[str, CallbackRequest] = {}
        self._next_sweep = self._clock.now()  # the first tick looks at every queue
        for request in self.callbacks.open_list():
            if request.state != CallbackState.OPEN:  # the engine stopped while it was being worked
                request.state, request.agent_id = CallbackState.OPEN, None
                self._changed_callbacks[request.id] = request
            self._arm_due(request)

    # == commands ===================================================================================
    def request_callback(
        self,
        caller: str,
        queue_id: int,
        preferred_at: datetime | None = None,
        note: str = "",
    ) -> str:
        """A callback entered by hand (an agent, the web or an API); returns the request's id (the
        id of the caller's open request in that queue when it was merged into it)."""
        if not self.takes_calls(queue_id):
            raise NotFound("queue", queue_id)
        now = self._clock.now()
        self._seq += 1
        request = CallbackRequest.create(
            id=self._new_id(),
            caller=caller,
            queue_id=queue_id,
            created_at=now,
            seq=self._seq,
            source=CallbackSource.WEB,
            preferred_at=preferred_at,
            note=note,
        )
        kept = self._add_callback(request)
        self._dispatch_queue(queue_id, now)
        return kept.id

    def assign_callback(self, callback_id: str, agent_id: int) -> None:
        self._active_agent(agent_id)
        request = self.callbacks.get(callback_id)
        self._callback_changed(request, request.assign(agent_id, self._clock.now()))

    def dial_callback(self, callback_id: str, agent_id: int) -> str:
        """The agent calls the customer back now; returns the outbound call's id."""
        agent = self._active_agent(agent_id)
        request = self.callbacks.get(callback_id)
        if agent.state not in DIALLABLE:
            raise ValidationFailed.one("agent_id", "agent_not_free", state=agent.state.value)
        return self._dial(request, agent, by_agent=True)

    def callback_done(self, callback_id: str, agent_id: int, note: str = "") -> None:
        request = self.callbacks.get(callback_id)
        self._callback_changed(request, request.mark_done(agent_id, self._clock.now(), note))

    def cancel_callback(self, callback_id: str, agent_id: int, reason: str = "") -> None:
        request = self.callbacks.get(callback_id)
        self._callback_changed(
            request, request.cancel(reason or f"cancelled by {agent_id}", self._clock.now())
        )

    def drain_callback_changes(self) -> list[CallbackRequest]:
        """Requests changed since the last drain, for the host to store; final ones leave the book."""
        changed, self._changed_callbacks = list(self._changed_callbacks.values()), {}
        for request in changed:
            if not request.is_active and request.id in self.callbacks:
                self.callbacks.remove(request.id)
        return changed

    # == the engine's side ==========================================================================
    def _add_callback(self, request: CallbackRequest) -> CallbackRequest:
        added = self.callbacks.add(request)
        self._callback_changed(added.request, added.event)
        return added.request

    def _callback_changed(self, request: CallbackRequest, *events: CallbackEvent) -> None:
        for event in events:
            self._emit(event)
        self._changed_callbacks[request.id] = request
        self._arm_due(request)

    def _arm_due(self, request: CallbackRequest) -> None:
        """A request due later (preferred or retry time) wakes its queue then."""
        due = request.due_at
        if request.state == CallbackState.OPEN and due is not None and due > self._clock.now():
            self._timers.arm("callback", request.id, due)
        else:
            self._timers.disarm("callback", request.id)

    def _on_callback(self, callback_id: str, now: datetime) -> None:
        if callback_id in self.callbacks:
            self._dispatch_queue(self.callbacks.get(callback_id).queue_id, now)

    def _callback_before(self, agent: Agent, head: Call | None, now: datetime) -> CallbackRequest | None:
        """The due request the free agent should call before ``head`` (the best waiting call), if any."""
        queue_ids = [
            q
            for q in agent.signed_in & agent.skills.keys()
            if self.queues[q].hours.is_open(now, self._zone, self._holidays)
        ]
        request = self.callbacks.next_for(queue_ids, now)
        if request is None:
            return None
        if head is not None and (head.queued_at or head.arrived_at) < request.joined_at:
            return None  # the caller waiting on the line came first
        return request

    def _dispatch_callbacks(self) -> None:
        """Every queue's due requests go to its free agents (the periodic sweep)."""
        now = self._clock.now()
        self._next_sweep = now + timedelta(seconds=SWEEP_S)
        for queue_id in self.queues:
            self._dispatch_queue(queue_id, now)

    def _dispatch_queue(self, queue_id: int, now: datetime) -> None:
        """The queue's due requests are dialled by its free agents, in line order."""
        if not self._ready.get(queue_id) or queue_id not in self.queues:
            return
        if not self.queues[queue_id].hours.is_open(now, self._zone, self._holidays):
            return
        for request in self.callbacks.due(queue_id, now):
            agent = self._best_ready(queue_id, now)
            if agent is None:
                break
            self._dial(request, agent)

    def _dial(self, request: CallbackRequest, agent: Agent, *, by_agent: bool = False) -> str:
        now = self._clock.now()
        started = request.start_dialling(agent.agent_id, now)  # refuses a request held by someone else
        self._callback_changed(request, started)
        return self._place_call(agent, request.caller, request.queue_id, request.id, by_agent=by_agent)

    def _place_call(
        self,
        agent: Agent,
        number: str,
        queue_id: int | None,
        callback_id: str = "",
        *,
        by_agent: bool = False,
    ) -> str:
        """An outbound call from the agent's phone: it rings them first, then the PBX dials ``number``;
        ``by_agent``: she chose to make it (the dial pad, a callback she took), KC did not offer it."""
        now = self._clock.now()
        self._seq += 1
        # a new id for every dial, unique for good (a counter of dials would repeat after a restart);
        # the call keeps its request in callback_id
        call_id = f"{'cb' if callback_id else 'out'}-{self._new_id()}"
        call = Call(
            call_id, number, number, now, self._seq, callback_id=callback_id, placed_by_agent=by_agent
        )
        call.dial(agent.agent_id, queue_id, now)
        self.calls[call_id] = call
        self._not_ready(agent)
        previous = agent.state
        agent.dial(call_id, now)
        self._agent_changed(agent, previous, now, call_id, "callback" if callback_id else "dial")
        self._emit(ev.CallDialled(now, call_id, number, queue_id, agent.agent_id, callback_id))
        queue = self.queues.get(queue_id) if queue_id is not None else None  # gone: a callback by hand
        rona = queue.rona_timeout_s if queue is not None else DIAL_RING_S
        self._timers.arm("rona", call_id, now + timedelta(seconds=rona))
        self._pbx.originate(call_id, agent.agent_id, number)
        return call_id

    def _called_party_answered(self, call_id: str) -> None:
        call = self.calls.get(call_id)
        if call is None or call.direction != "outbound" or call.stage != CallStage.ANSWERED or call.connected:
            return
        call.connect()
        self._emit(ev.CallConnected(self._clock.now(), call_id))
        self._start_recording(call)

    def _outbound_ended(self, call: Call, cause: str) -> CallEnd:
        """The callback call ended: record the attempt (answered when the customer picked up)."""
        request = self._callback_of(call)
        if call.connected:
            outcome = AttemptOutcome.ANSWERED
        else:
            outcome = OUTCOME_OF_CAUSE.get(cause, AttemptOutcome.NO_ANSWER)
        if request is not None and request.state == CallbackState.DIALLING:
            assert call.agent_id is not None
            self._callback_changed(
                request, *request.record_attempt(outcome, call.agent_id, self._clock.now())
            )
        return CallEnd.COMPLETED if call.connected else CallEnd.NOT_REACHED

    def _outbound_not_picked_up(self, call: Call, reason: str) -> None:
        """The agent's phone never went off-hook: the request goes back to its place, no attempt counted."""
        request = self._callback_of(call)
        if request is not None and request.state == CallbackState.DIALLING:
            self._callback_changed(request, request.release(self._clock.now(), reason))
            self._dispatch_queue(request.queue_id, self._clock.now())  # another free agent, if any

    def _callback_of(self, call: Call) -> CallbackRequest | None:
        return self.callbacks.get(call.callback_id) if call.callback_id in self.callbacks else None
