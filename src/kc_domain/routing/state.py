"""The engine's state: every call, agent, queue index and timer, and the few primitives that every
handler uses on it (emit an event, ignore a PBX event, find a call or an agent, the queue heaps).

``RoutingEngine`` is this state with its handler table on top. Handlers live in modules by concern
(``calls``, ``queueing``, ``agents``, ``flow``, ``menu``, ``dialback``, ``desk``, ``supervise``,
``reconfigure``); each is a set of functions over a ``RoutingState``, readable on its own. The state
is written by one thread only: the process that hosts the engine serialises messages into it.
"""

from __future__ import annotations

import heapq
import logging
import uuid
from collections import OrderedDict, deque
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from datetime import date, datetime, tzinfo
from typing import TYPE_CHECKING, Any, ClassVar
from zoneinfo import ZoneInfo

from kc_domain.callbacks.model import CallbackRequest, CallbackState
from kc_domain.callbacks.queue import CallbackBook
from kc_domain.errors import NotFound
from kc_domain.ivr import interpreter
from kc_domain.ivr.model import Prompt
from kc_domain.routing import events as ev
from kc_domain.routing.agent import Agent, AgentState
from kc_domain.routing.call import Call
from kc_domain.routing.config import IvrDirectory, LookupResult, QueueRouting, no_lookup
from kc_domain.routing.policy import Decision
from kc_domain.routing.rules import CallerRule
from kc_domain.routing.timers import Timers
from kc_domain.routing.work import Medium, WorkItem, tables

if TYPE_CHECKING:  # the ports the engine is given (the domain never imports them at run time)
    from kc_domain.routing.dialler import Dialling, ReturnedContact
    from kc_ports.system import Clock
    from kc_ports.telephony import CallControl

log = logging.getLogger("kc_domain.routing.engine")
PRAGUE = ZoneInfo("Europe/Prague")
# states in which what the PBX refused before is over: a call is offered to her, she logged out
FRESH = frozenset({AgentState.RINGING, AgentState.LOGGED_OUT})
IGNORED_KEPT = 100  # the newest dropped PBX events kept with their reasons (the rest only counted)


def uuid_ids() -> str:
    return uuid.uuid4().hex


def _no_prompts(_dialled: str, _at: datetime) -> list[Prompt]:
    return []


class EventTime:
    """The engine's clock; while a late PBX event is handled, the event's own time (``pinned``), so
    that a hang-up reported 90 s late ends the talk when it really ended. Everything else of the
    wrapped clock (e.g. a test clock's ``advance``) passes through."""

    def __init__(self, clock: Clock) -> None:
        self.clock: Clock = clock
        self.pinned: datetime | None = None

    def now(self) -> datetime:
        return self.pinned or self.clock.now()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.clock, name)


class RoutingState:
    # the calls' handler tables (``handlers.HANDLERS``, ``TIMERS``), given by ``RoutingEngine``
    BASE_HANDLERS: ClassVar[Mapping[type, Callable[..., Any]]] = {}
    BASE_TIMERS: ClassVar[Mapping[str, Callable[..., None]]] = {}

    def __init__(
        self,
        clock: Clock,
        queues: Iterable[QueueRouting],
        agents: Iterable[Agent],
        pbx: CallControl,
        *,
        rules: Sequence[CallerRule] = (),
        holidays: Container[date] = frozenset(),
        zone: tzinfo = PRAGUE,
        caller_status: Callable[[str], Iterable[str]] = lambda _number: (),
        record_events: bool = True,
        ivr: IvrDirectory | None = None,
        general_prompts: Callable[[str, datetime], list[Prompt]] = _no_prompts,
        lookup: Callable[[str, str], LookupResult] = no_lookup,
        callbacks: Iterable[CallbackRequest] = (),
        new_id: Callable[[], str] = uuid_ids,
        record_internal: bool = True,
        media: Sequence[Medium] = (),
    ) -> None:
        """``ivr``: the active IVR trees by dialled number and name; ``general_prompts``: the general
        announcements (IN-20) for a dialled number at a time; ``lookup``: data for the IVR's lookup
        nodes (source, key); ``callbacks``: the open callback requests to continue with; ``media``:
        media beside calls whose messages this engine handles too (``work.Medium``)."""
        self.clock = EventTime(clock)
        self.pbx, self.rules, self.zone = pbx, tuple(rules), zone
        self.holidays = holidays
        self.caller_status, self.record = caller_status, record_events
        self.record_internal = record_internal  # IN-21: keep recording calls passed to internal lines
        self.queues = {q.queue_id: q for q in queues}
        self.by_number = {q.number: q.queue_id for q in self.queues.values() if q.number}
        self.agents = {a.agent_id: a for a in agents}
        for a in self.agents.values():  # skills in queues not routed here (inactive ones) do not count
            a.skills = {q: s for q, s in a.skills.items() if q in self.queues}
            a.signed_in = a.signed_in & self.queues.keys()
        # agents by queue they are skilled in (changed by ``reconfigure`` only; signed_in is a subset)
        self.skilled = {q: [a for a in self.agents.values() if q in a.skills] for q in self.queues}
        self.calls: dict[str, Call] = {}
        self.events: list[ev.Event] = []
        self.decisions: dict[str, list[Decision]] = {}
        self.new_decisions: list[Decision] = []
        self.ignored: deque[tuple[datetime, str]] = deque(maxlen=IGNORED_KEPT)  # the newest dropped
        self.rejected = 0  # PBX events dropped since the start; journaled (PbxEventsRejected)
        self.rejected_journaled, self.rejected_at = 0, clock.now()
        self.ended_ids: OrderedDict[str, None] = OrderedDict()  # forgotten ended calls, newest last
        self.hung_up_early: dict[str, datetime] = {}  # unknown calls hung up: their arrival is refused
        self.seq = 0
        self.timers = Timers()
        self.heaps: dict[int, list[tuple[int, int, str]]] = {q: [] for q in self.queues}
        self.queued: dict[int, set[str]] = {q: set() for q in self.queues}
        self.ready_in: dict[int, set[int]] = {q: set() for q in self.queues}  # queue -> ready agents
        self.waiting_for: dict[int, list[str]] = {}  # agent id -> calls waiting for that agent (IN-13)
        self.last_agent: dict[str, int] = {}  # caller number -> agent who last answered
        self.last_served: dict[int, int] = {}  # queue -> agent served last (round robin)
        self.devices: dict[str, str] = {}  # line or extension -> its state at the PBX (AG-12)
        # agent id -> the PBX's newest refusal she is told of, until her next call (``refused``)
        self.refusals: dict[int, ev.PbxCommandRefused] = {}
        self.device_changes: dict[str, str] = {}
        # the caller's way through prompts and IVR trees (flow, menu)
        self.directory, self.general_prompts, self.lookup = ivr or IvrDirectory(), general_prompts, lookup
        self.sessions: dict[str, interpreter.IvrSession] = {}
        self.jumps: dict[str, int] = {}
        self.after_prompts: dict[str, Callable[[], None]] = {}
        self.handle_s: dict[int, float] = {}  # queue -> moving average of talk + wrap-up
        # callback requests (dialback)
        self.callbacks = CallbackBook(r for r in callbacks if r.is_active)
        self.new_id = new_id
        self.changed_callbacks: dict[str, CallbackRequest] = {}
        self.next_sweep = self.clock.now()  # the first tick looks at every queue
        # work items of media beside calls (``work``), and the engine's handler tables (``handlers``)
        self.items: dict[str, WorkItem] = {}
        # the dialler's running campaigns, and contacts it gives back undialled (``dialler``)
        self.dialling: dict[int, Dialling] = {}
        self.returned: list[ReturnedContact] = []
        self.handlers, self.timer_handlers = tables(self.BASE_HANDLERS, self.BASE_TIMERS, media)
        # live administration (reconfigure)
        self.closing: set[int] = set()  # queues taking no new calls, left until their calls are over
        self.retired: set[int] = set()  # agents no longer administered, left until logged out
        for request in self.callbacks.open_list():  # one being worked when the engine stopped:
            if request.state != CallbackState.OPEN:  # back to its place
                request.state, request.agent_id = CallbackState.OPEN, None
                self.changed_callbacks[request.id] = request
            self.arm_callback_due(request)

    def now(self) -> datetime:
        return self.clock.now()

    def arm_callback_due(self, request: CallbackRequest) -> None:
        """A request due later (preferred or retry time) wakes its queue then."""
        due = request.due_at
        if request.state == CallbackState.OPEN and due is not None and due > self.now():
            self.timers.arm("callback", request.id, due)
        else:
            self.timers.disarm("callback", request.id)

    def opening(self, queue_id: int, now: datetime) -> tuple[bool, datetime | None]:
        """Whether the queue is open now by its hours and, when closed, when it opens next: what
        agents and supervisors see of a closed queue."""
        queue = self.queues[queue_id]
        if queue.hours.is_open(now, self.zone, self.holidays):
            return True, None
        return False, queue.hours.next_opening(now, self.zone, self.holidays)

    def start_recording(self, call: Call) -> None:
        """Every agent's call is recorded from the moment it connects, unless the agent opted out
        (REC-01); the PBX reports each recorded stretch with ``RecordingReady``."""
        if call.recording:
            self.pbx.start_recording(call.call_id)

    def waiting(self, queue_id: int) -> list[Call]:
        return sorted((self.calls[c] for c in self.queued[queue_id]), key=Call.sort_key)

    def parked_in(self, queue_id: int) -> list[Call]:
        """Calls of the queue waiting for their caller's last agent (IN-13); they wait too."""
        found = [self.calls[c] for calls in self.waiting_for.values() for c in calls]
        return [c for c in found if c.queue_id == queue_id]

    def push(self, call: Call) -> bool:
        assert call.queue_id is not None
        self.queued[call.queue_id].add(call.call_id)
        heapq.heappush(self.heaps[call.queue_id], (call.priority, call.seq, call.call_id))
        return True

    def head(self, queue_id: int) -> Call | None:
        heap, queued = self.heaps[queue_id], self.queued[queue_id]
        while heap and heap[0][2] not in queued:
            heapq.heappop(heap)  # left behind by an abandon, overflow or re-queue elsewhere
        return self.calls[heap[0][2]] if heap else None

    def pop(self, call: Call) -> None:
        assert call.queue_id is not None
        self.queued[call.queue_id].discard(call.call_id)

    def unpark_or_pop(self, call: Call) -> None:
        if call.sticky_agent_id is not None:
            parked = self.waiting_for.get(call.sticky_agent_id, [])
            if call.call_id in parked:
                parked.remove(call.call_id)
            self.timers.disarm("sticky", call.call_id)
        if call.queue_id is not None:
            self.pop(call)

    def not_ready(self, agent: Agent) -> None:
        for queue_id in agent.signed_in:
            self.ready_in[queue_id].discard(agent.agent_id)

    def agent_changed(
        self, agent: Agent, previous: AgentState, now: datetime, call_id: str = "", reason: str = ""
    ) -> None:
        if agent.state != previous or reason:
            self.emit(
                ev.AgentStateChanged(
                    now, agent.agent_id, agent.state.value, previous.value, agent.pause_code, call_id, reason
                )
            )
        told = self.refusals.get(agent.agent_id)
        if told is not None and (agent.state in FRESH or agent.call_id not in ("", told.call_id)):
            del self.refusals[agent.agent_id]  # her next call starts with nothing of the last one

    def anyone_signed_in(self, queue_id: int) -> bool:
        return any(
            queue_id in a.signed_in and a.state != AgentState.LOGGED_OUT for a in self.skilled[queue_id]
        )

    def emit(self, event: ev.Event) -> None:
        if self.record:
            self.events.append(event)

    def ignore(self, now: datetime, reason: str) -> None:
        log.info("ignored PBX event: %s", reason)
        self.ignored.append((now, reason))
        self.rejected += 1

    def find_call(self, call_id: str) -> Call:
        call = self.calls.get(call_id)
        if call is None:
            raise NotFound("call", call_id)
        return call

    def find_agent(self, agent_id: int) -> Agent:
        agent = self.agents.get(agent_id)
        if agent is None:
            raise NotFound("agent", agent_id)
        return agent

    def staffed(self, queue_id: int) -> int:
        """Agents signed in to the queue and working (not paused, not logged out)."""
        return sum(
            1
            for a in self.skilled[queue_id]
            if queue_id in a.signed_in and a.state not in (AgentState.LOGGED_OUT, AgentState.PAUSED)
        )

    def takes_calls(self, queue_id: int | None) -> bool:
        """Whether new calls may enter the queue (it is known and not being closed)."""
        return queue_id in self.queues and queue_id not in self.closing

    def active_agent(self, agent_id: int) -> Agent:
        """The agent, refused when the administration removed her (she may finish, not start, work)."""
        if agent_id in self.retired:
            raise NotFound("agent", agent_id)
        return self.find_agent(agent_id)
