"""The ACD engine: every waiting call and every agent, matched the moment either becomes available.

Inputs are the PBX's events (``call_arrived``, ``call_answered``, ``call_ended``...), agents'
commands (``ready``, ``pause``...) and the clock (``tick``). Outputs are commands to the PBX, domain
events in ``events`` and one ``Decision`` per offer. Single-threaded: the process that hosts the
engine serialises calls into it.
"""

from __future__ import annotations

import heapq
import logging
from collections import OrderedDict, deque
from collections.abc import Callable, Container, Iterable, Sequence
from datetime import date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from kc_domain.callbacks.model import CallbackRequest
from kc_domain.errors import NotFound, ValidationFailed
from kc_domain.ivr.model import Prompt
from kc_domain.organisation.model import OverflowKind
from kc_domain.routing import commands as cmd
from kc_domain.routing import events as ev
from kc_domain.routing import pbx_events as pbx
from kc_domain.routing import prompts
from kc_domain.routing.agent import Agent, AgentState
from kc_domain.routing.call import ABANDONED_AT, Call, CallEnd, CallStage
from kc_domain.routing.config import QueueRouting
from kc_domain.routing.desk import AgentDesk
from kc_domain.routing.dialback import CallbackDialler, uuid_ids
from kc_domain.routing.flow import CallFlow, IvrDirectory, LookupResult, no_lookup
from kc_domain.routing.handlers import HANDLERS
from kc_domain.routing.live import agent_view, device_entry, panel_view
from kc_domain.routing.policy import Decision, candidate, explain, shortlist
from kc_domain.routing.reconfigure import Reconfiguration
from kc_domain.routing.rules import CallerRule, apply_rules
from kc_domain.routing.supervise import Supervision
from kc_domain.routing.timers import Timers
from kc_domain.validation import INTERNAL_NUMBER

if TYPE_CHECKING:
    from kc_ports.system import Clock
    from kc_ports.telephony import CallControl

log = logging.getLogger(__name__)
MAX_OVERFLOW_HOPS = 3
DEFAULT_WRAP_UP_S = 30  # after a manual outbound call, which belongs to no queue
_WORKING = frozenset({AgentState.RINGING, AgentState.BUSY, AgentState.WRAP_UP})
PRAGUE = ZoneInfo("Europe/Prague")
IGNORED_KEPT = 100  # the newest dropped PBX events kept with their reasons (the rest only counted)
ENDED_KEPT = 50_000  # ids of ended calls remembered after they are forgotten (late recordings)
EARLY_HANGUP_S = 60  # a hang-up for an unknown call refuses that call's arrival for this long
LATE_EVENT_S = 1.0  # a PBX event older than this is handled at its own time (the time of record)
MAX_LATE_S = 300.0  # but never earlier than this before now (a PBX clock gone wrong)
REJECTED_EVERY = timedelta(seconds=60)  # how often the count of dropped PBX events is journaled


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


def _no_prompts(_dialled: str, _at: datetime) -> list[Prompt]:
    return []


class RoutingEngine(CallFlow, CallbackDialler, AgentDesk, Supervision, Reconfiguration):
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
    ) -> None:
        """``ivr``: the active IVR trees by dialled number and name; ``general_prompts``: the general
        announcements (IN-20) for a dialled number at a time; ``lookup``: data for the IVR's lookup
        nodes (source, key); ``callbacks``: the open callback requests to continue with."""
        self._event_time = EventTime(clock)
        self._clock = self._event_time
        self._pbx, self._rules, self._zone = pbx, rules, zone
        self._holidays = holidays
        self._caller_status, self._record = caller_status, record_events
        self._record_internal = record_internal  # IN-21: keep recording calls passed to internal lines
        self.queues = {q.queue_id: q for q in queues}
        self._by_number = {q.number: q.queue_id for q in self.queues.values() if q.number}
        self.agents = {a.agent_id: a for a in agents}
        for a in self.agents.values():  # skills in queues not routed here (inactive ones) do not count
            a.skills = {q: s for q, s in a.skills.items() if q in self.queues}
            a.signed_in = a.signed_in & self.queues.keys()
        # agents by queue they are skilled in (changed by ``reconfigure`` only; signed_in is a subset)
        self._skilled = {q: [a for a in self.agents.values() if q in a.skills] for q in self.queues}
        self.calls: dict[str, Call] = {}
        self.events: list[ev.Event] = []
        self.decisions: dict[str, list[Decision]] = {}
        self._new_decisions: list[Decision] = []
        self.ignored: deque[tuple[datetime, str]] = deque(maxlen=IGNORED_KEPT)  # the newest dropped
        self.rejected = 0  # PBX events dropped since the start; journaled (PbxEventsRejected)
        self._rejected_journaled, self._rejected_at = 0, clock.now()
        self._ended_ids: OrderedDict[str, None] = OrderedDict()  # forgotten ended calls, newest last
        self._hung_up_early: dict[str, datetime] = {}  # unknown calls hung up: their arrival is refused
        self._seq = 0
        self._timers = Timers()
        self._heaps: dict[int, list[tuple[int, int, str]]] = {q: [] for q in self.queues}
        self._queued: dict[int, set[str]] = {q: set() for q in self.queues}
        self._ready: dict[int, set[int]] = {q: set() for q in self.queues}
        self._parked: dict[int, list[str]] = {}  # agent id -> calls waiting for that agent (IN-13)
        self._last_agent: dict[str, int] = {}  # caller number -> agent who last answered
        self._last_served: dict[int, int] = {}  # queue -> agent served last (round robin)
        self.devices: dict[str, str] = {}  # line or extension -> its state at the PBX (AG-12)
        self._device_changes: dict[str, str] = {}
        self._init_flow(ivr or IvrDirectory(), general_prompts, lookup)
        self._init_callbacks(callbacks, new_id)
        self._init_reconfigure()

    def handle(self, command: cmd.Command) -> Any:
        """Carry out one command (``kc_domain.routing.commands``) by the one handler table; returns
        the command's reply (a new id, a view) or None. Refusals are raised as domain errors."""
        return HANDLERS[type(command)](self, command)

    # == PBX events =================================================================================
    def on_pbx(self, event: pbx.PbxEvent) -> None:
        """Act on what the PBX reports; the same for a call handled at the desk phone or the web. A
        late event is handled at its own time (bounded: not before the call's last known moment,
        nor more than MAX_LATE_S ago)."""
        self._event_time.pinned = self._time_of_record(event)
        try:
            self._on_pbx(event)
        finally:
            self._event_time.pinned = None

    def _time_of_record(self, event: pbx.PbxEvent) -> datetime | None:
        now = self._clock.now()
        if (now - event.at).total_seconds() <= LATE_EVENT_S:
            return None
        call = self.calls.get(event.call_id)
        known = [now - timedelta(seconds=MAX_LATE_S)]
        if call is not None:
            known += [t for t in (call.arrived_at, call.queued_at, call.offered_at, call.answered_at) if t]
            known += [since for since, _agent in call.talkers]
        return max([event.at, *known])

    def _on_pbx(self, event: pbx.PbxEvent) -> None:
        match event:
            case pbx.CallReachedPbx():
                self.call_arrived(event.call_id, event.caller, event.dialled)
            case pbx.PhonePickedUp():
                self.call_answered(event.call_id, event.agent_id)
            case pbx.CallHungUpAtPbx():
                self.call_ended(event.call_id, event.cause)
            case pbx.CallHeldAtPbx():
                self.call_held(event.call_id, event.held)
            case pbx.CallTransferredAtPbx():
                self._transferred_at_pbx(event)
            case pbx.DigitsPressed():
                call = self.calls.get(event.call_id)
                if call is None or call.stage == CallStage.ENDED or not event.digits:
                    self._ignore(self._clock.now(), f"digits for {event.call_id} ignored: no live call")
                elif not self._flow_digits(call, event.digits):  # e.g. keyed in while talking
                    call.tags["digits"] = call.tags.get("digits", "") + event.digits
            case pbx.PromptFinished():
                self._prompt_finished(event.call_id)
            case pbx.VoicemailRecorded():
                self._voicemail_recorded(event.call_id, event.box, event.recording, event.duration_s)
            case pbx.CalledPartyAnswered():
                self._called_party_answered(event.call_id)
            case pbx.DeviceStateChanged():
                self._device_state(event)
            case pbx.RecordingReady():
                call = self.calls.get(event.call_id)
                if call is None and event.call_id not in self._ended_ids:
                    reason = f"recording of unknown call {event.call_id} ignored"
                    return self._ignore(self._clock.now(), reason)
                agent_id = call.talker_at(event.started_at) if call is not None else None
                self._emit(
                    ev.CallRecorded(
                        event.at, event.call_id, agent_id, event.recording, event.started_at, event.duration_s
                    )
                )
            case pbx.PhoneRinging():
                call = self.calls.get(event.call_id)
                if call is None or call.stage != CallStage.RINGING or call.agent_id != event.agent_id:
                    self._ignore(self._clock.now(), f"ringing of {event.call_id} at {event.agent_id} ignored")

    def _leaving_for(self, call: Call, target: str) -> None:
        """A call about to leave KC for a number: calls to external numbers stay recorded; to an
        internal line only when the contact centre wants that (IN-21)."""
        if (
            call.recording
            and call.agent_id is not None
            and not self._record_internal
            and INTERNAL_NUMBER.match(target)
        ):
            self._pbx.stop_recording(call.call_id)
            call.recording = False
            self._emit(ev.CallRecordingSwitched(self._clock.now(), call.call_id, call.agent_id, False))

    def _start_recording(self, call: Call) -> None:
        """Every agent's call is recorded from the moment it connects, unless the agent opted out
        (REC-01); the PBX reports each recorded stretch with ``RecordingReady``."""
        if call.recording:
            self._pbx.start_recording(call.call_id)

    def _device_state(self, event: pbx.DeviceStateChanged) -> None:
        if event.state not in pbx.DEVICE_STATES or not event.device:
            reason = f"state {event.state!r} of device {event.device!r} ignored"
            return self._ignore(self._clock.now(), reason)
        if self.devices.get(event.device) != event.state:
            self.devices[event.device] = self._device_changes[event.device] = event.state

    def _transferred_at_pbx(self, event: pbx.CallTransferredAtPbx) -> None:
        now = self._clock.now()
        call = self.calls.get(event.call_id)
        if call is None or call.stage != CallStage.ANSWERED:
            return self._ignore(now, f"transfer of {event.call_id} at the PBX ignored: not answered")
        self._emit(ev.CallTransferred(now, call.call_id, call.agent_id, "number", event.target))
        self._finish_answered(call, CallEnd.TRANSFERRED, f"transfer to {event.target}")

    def call_arrived(self, call_id: str, caller: str, dialled: str, queue_id: int | None = None) -> None:
        now = self._clock.now()
        if call_id in self.calls or call_id in self._ended_ids:
            return self._ignore(now, f"call {call_id} arrived twice")
        if call_id in self._hung_up_early:
            return self._ignore(now, f"call {call_id} arrived after its hang-up; not routed")
        self._seq += 1
        call = self.calls[call_id] = Call(call_id, caller, dialled, now, self._seq)
        self._emit(ev.CallArrived(now, call_id, caller, dialled))
        outcome = apply_rules(self._rules, caller, self._caller_status(caller))
        if outcome.block:
            self._pbx.hang_up(call_id, "rejected")
            return self._end(call, CallEnd.REJECTED, f"rule {outcome.rule}")
        if outcome.priority is not None:
            call.priority = outcome.priority
        self._route_new_call(call, outcome.queue_id or queue_id, outcome.rule)

    def call_answered(self, call_id: str, agent_id: int) -> None:
        now = self._clock.now()
        call = self.calls.get(call_id)
        if call is None or call.stage != CallStage.RINGING or call.agent_id != agent_id:
            state = "unknown" if call is None else f"{call.stage.value} at agent {call.agent_id}"
            return self._ignore(now, f"answer of {call_id} by agent {agent_id} ignored: call {state}")
        agent = self.agents[agent_id]
        previous = agent.answer(call_id, now)
        self._agent_changed(agent, previous, now, call_id)  # her busy interval names the call
        self._timers.disarm("rona", call_id)
        call.answer(agent_id, now)
        if call.direction == "outbound":  # the agent's phone is off-hook; the PBX dials the customer
            return
        self._timers.disarm("max_wait", call_id)
        if call.caller:  # a withheld number is nobody's in particular (IN-13)
            self._last_agent[call.caller] = agent_id
        assert call.queue_id is not None and call.queued_at is not None
        waited = (now - call.queued_at).total_seconds()
        self._emit(ev.CallAnswered(now, call_id, call.queue_id, agent_id, waited))
        self._start_recording(call)

    def call_ended(self, call_id: str, cause: str = "normal") -> None:
        """Either party hung up; before an answer that is an abandon at the call's stage."""
        now = self._clock.now()
        call = self.calls.get(call_id)
        if call is None and call_id not in self._ended_ids:
            self._hung_up_early[call_id] = now  # its arrival, delivered late, must not ring anyone
        if call is None or call.stage == CallStage.ENDED:
            return self._ignore(
                now, f"hang-up of {call_id} ignored: {'unknown' if call is None else 'ended'}"
            )
        if call.direction == "outbound":
            return self._outbound_call_ended(call, cause, now)
        if call.stage == CallStage.ANSWERED:
            return self._finish_answered(call, CallEnd.COMPLETED, cause)
        flow_end = self._flow_ended(call)
        if flow_end is not None:
            return self._end(call, flow_end, cause)
        if call.stage == CallStage.RINGING:
            self._release_offer(call, now)
        self._end(call, ABANDONED_AT[call.stage], cause)

    def _outbound_call_ended(self, call: Call, cause: str, now: datetime) -> None:
        if call.stage == CallStage.ANSWERED:
            return self._finish_answered(call, self._outbound_ended(call, cause), cause)
        if call.stage == CallStage.RINGING:
            self._release_offer(call, now)
            self._outbound_not_picked_up(call, "hung up before the agent picked up")
        self._end(call, CallEnd.NOT_REACHED, cause)

    def call_held(self, call_id: str, held: bool) -> None:
        now = self._clock.now()
        call = self.calls.get(call_id)
        if call is None or call.stage != CallStage.ANSWERED or call.held == held:
            return self._ignore(now, f"{'hold' if held else 'retrieve'} of {call_id} ignored")
        assert call.agent_id is not None
        call.held = held
        self._emit((ev.CallHeld if held else ev.CallRetrieved)(now, call_id, call.agent_id))

    def transfer(self, call_id: str, kind: str, target: str) -> None:
        """The agent's blind transfer (IN-16): to a queue re-queues the call, else the PBX takes it."""
        now = self._clock.now()
        call = self._call(call_id)
        if call.stage != CallStage.ANSWERED:
            raise ValidationFailed.one("call", "not_answered")
        if kind == "queue" and (not target.isdecimal() or not self.takes_calls(int(target))):
            raise NotFound("queue", target)
        self._emit(ev.CallTransferred(now, call_id, call.agent_id, kind, target))
        if kind == "queue":
            self._finish_answered(call, None, "transfer")
            call.start_over()
            return self._enqueue(call, int(target), "transfer", sticky=False)
        self._leaving_for(call, target)
        self._pbx.transfer(call_id, target)
        self._finish_answered(call, CallEnd.TRANSFERRED, f"transfer to {target}")

    # == agents' commands ===========================================================================
    def log_in(self, agent_id: int) -> None:
        agent, now = self._active_agent(agent_id), self._clock.now()
        self._agent_changed(agent, agent.log_in(now), now)
        self._emit(ev.AgentLoggedIn(now, agent_id))

    def log_out(self, agent_id: int) -> None:
        agent, now = self._agent(agent_id), self._clock.now()
        self._not_ready(agent)
        queues = set(agent.signed_in)
        self._agent_changed(agent, agent.log_out(now), now)
        self._emit(ev.AgentLoggedOut(now, agent_id))
        self._release_parked(agent)
        self._overflow_if_nobody_left(queues)

    def ready(self, agent_id: int) -> None:
        agent, now = self._agent(agent_id), self._clock.now()
        self._timers.disarm("wrap", str(agent_id))
        agent.resume_pause = ""  # she asks for calls: not back to the pause she dialled out from
        if agent.state == AgentState.WRAP_UP and self._work_over(agent):
            return  # a supervisor's pause or log-out waited for this
        self._agent_changed(agent, agent.make_ready(now), now)
        self._became_ready(agent)

    def pause(self, agent_id: int, code: str) -> None:
        agent, now = self._agent(agent_id), self._clock.now()
        self._not_ready(agent)
        self._timers.disarm("wrap", str(agent_id))
        old_code = agent.pause_code
        previous = agent.pause(code, now)
        recode = previous == AgentState.PAUSED and old_code != code
        self._agent_changed(agent, previous, now, reason="pause_code_changed" if recode else "")
        self._release_parked(agent)

    def extend_wrap_up(self, agent_id: int, seconds: int) -> None:
        agent, now = self._agent(agent_id), self._clock.now()
        agent.extend_wrap_up(seconds, now)
        assert agent.wrap_up_until is not None
        self._timers.arm("wrap", str(agent_id), agent.wrap_up_until)
        self._emit(ev.AgentWrapUpExtended(now, agent_id, agent.wrap_up_until))

    def sign_in(self, agent_id: int, queue_id: int, *, by_supervisor: bool = False) -> None:
        agent = self._agent_for_queue(agent_id, queue_id, by_supervisor)
        agent.signed_in.add(queue_id)
        self._emit(ev.AgentSignedIntoQueue(self._clock.now(), agent_id, queue_id))
        if agent.state == AgentState.READY:
            self._became_ready(agent)

    def sign_out(self, agent_id: int, queue_id: int, *, by_supervisor: bool = False) -> None:
        agent = self._agent_for_queue(agent_id, queue_id, by_supervisor)
        self._signed_out(agent, queue_id)
        self._release_parked(agent, queue_id)
        self._overflow_if_nobody_left({queue_id})

    def _signed_out(self, agent: Agent, queue_id: int) -> None:
        agent.signed_in.discard(queue_id)
        self._ready[queue_id].discard(agent.agent_id)
        self._emit(ev.AgentSignedOutOfQueue(self._clock.now(), agent.agent_id, queue_id))

    # == time =======================================================================================
    def next_due(self) -> datetime | None:
        return self._timers.next_due()

    def tick(self) -> None:
        """Act on every timer due now: ring-no-answer, wrap-up end, maximum wait, sticky wait, IVR
        timeouts, announcements, callback due times."""
        now = self._clock.now()
        while (due := self._timers.pop_due(now)) is not None:
            kind, key = due
            getattr(self, f"_on_{kind}")(key, now)
        if len(self.callbacks) and now >= self._next_sweep:
            self._dispatch_callbacks()  # a safety net; due times and free agents dispatch at once
        if self.rejected > self._rejected_journaled and now - self._rejected_at >= REJECTED_EVERY:
            count = self.rejected - self._rejected_journaled
            self._rejected_journaled, self._rejected_at = self.rejected, now
            self._emit(ev.PbxEventsRejected(now, count, self.ignored[-1][1] if self.ignored else ""))

    # == queries ====================================================================================
    def waiting(self, queue_id: int) -> list[Call]:
        return sorted((self.calls[c] for c in self._queued[queue_id]), key=Call.sort_key)

    def parked(self, queue_id: int) -> list[Call]:
        """Calls of the queue waiting for their caller's last agent (IN-13); they wait too."""
        found = [self.calls[c] for calls in self._parked.values() for c in calls]
        return [c for c in found if c.queue_id == queue_id]

    def ready_agents(self, queue_id: int) -> set[int]:
        return set(self._ready[queue_id])

    def view_of(self, agent_id: int) -> dict[str, Any]:
        """The agent desktop's live state of one agent (see ``live.agent_view``)."""
        self._agent(agent_id)
        return agent_view(self, agent_id, self._clock.now())

    def skilled_in(self, queue_id: int) -> list[int]:
        """The agents with a skill in the queue (whose desktops show its waiting callers)."""
        return [a.agent_id for a in self._skilled.get(queue_id, ())]

    def panel(self) -> list[dict[str, Any]]:
        """Every agent's and every monitored line's state for the transfer panel (``live.panel_view``)."""
        return panel_view(self)

    @property
    def devices_changed(self) -> bool:
        return bool(self._device_changes)

    def drain_device_changes(self) -> list[dict[str, Any]]:
        """The lines whose state changed since the last drain, as transfer-panel entries."""
        changed, self._device_changes = self._device_changes, {}
        return [device_entry(d, s) for d, s in sorted(changed.items())]

    def drain_events(self) -> list[ev.Event]:
        drained, self.events = self.events, []
        return drained

    def forget_ended(self, before: datetime) -> int:
        """Drop calls that ended before ``before`` (and their decisions) once they are journaled,
        so that a long-running engine does not grow; returns how many were dropped."""
        old = [c.call_id for c in self.calls.values() if c.ended_at is not None and c.ended_at < before]
        for call_id in old:
            del self.calls[call_id]
            self.decisions.pop(call_id, None)
            self._forget_flow(call_id)
            self._ended_ids[call_id] = None
        while len(self._ended_ids) > ENDED_KEPT:
            self._ended_ids.popitem(last=False)
        limit = self._clock.now() - timedelta(seconds=EARLY_HANGUP_S)
        self._hung_up_early = {c: t for c, t in self._hung_up_early.items() if t >= limit}
        return len(old)

    def drain_decisions(self) -> list[Decision]:
        """Decisions made since the last drain, for the journal."""
        drained, self._new_decisions = self._new_decisions, []
        return drained

    def opening(self, queue_id: int, now: datetime) -> tuple[bool, datetime | None]:
        """Whether the queue is open now by its hours and, when closed, when it opens next: what
        agents and supervisors see of a closed queue."""
        queue = self.queues[queue_id]
        if queue.hours.is_open(now, self._zone, self._holidays):
            return True, None
        return False, queue.hours.next_opening(now, self._zone, self._holidays)

    # == routing ====================================================================================
    def _enqueue(self, call: Call, queue_id: int, rule: str, *, sticky: bool = True) -> None:
        now, queue = self._clock.now(), self.queues[queue_id]
        call.queue(queue_id, now)
        self._emit(ev.CallQueued(now, call.call_id, queue_id, call.priority, rule))
        if not queue.hours.is_open(now, self._zone, self._holidays):
            return self._overflow(call, "closed")
        if queue.overflow_when_no_agents and not self._anyone_signed_in(queue_id):
            return self._overflow(call, "no_agents")
        call.max_wait_until = now + timedelta(seconds=queue.max_wait_s) if queue.max_wait_s else None
        if call.max_wait_until is not None:
            self._timers.arm("max_wait", call.call_id, call.max_wait_until)
        if sticky and self._try_sticky(call, queue, now):
            return
        if not self._offer_to_best_agent(call, now):
            self._push(call)
            self._waiting_started(call)

    def _try_sticky(self, call: Call, queue: QueueRouting, now: datetime) -> bool:
        """IN-13: the agent who last spoke with this number gets the call if free, or is waited for."""
        agent = self.agents.get(self._last_agent.get(call.caller, -1))
        if agent is None or queue.queue_id not in agent.signed_in or agent.state == AgentState.LOGGED_OUT:
            return False
        if agent.can_take(queue.queue_id):
            self._offer(
                call, agent, "sticky", (candidate(agent, queue.queue_id, now),), "last agent of caller"
            )
            return True
        if queue.sticky_wait_s <= 0 or agent.state not in _WORKING:
            return False  # a paused agent may not come back soon: do not keep the caller for them
        call.sticky_agent_id, call.sticky_until = agent.agent_id, now + timedelta(seconds=queue.sticky_wait_s)
        self._parked.setdefault(agent.agent_id, []).append(call.call_id)
        self._timers.arm("sticky", call.call_id, call.sticky_until)
        return True

    def _best_ready(self, queue_id: int, now: datetime) -> Agent | None:
        queue = self.queues[queue_id]
        ready = [self.agents[a] for a in self._ready[queue_id]]
        top = shortlist(queue.strategy, ready, queue_id, now, self._last_served.get(queue_id, -1))
        return self.agents[top[0].agent_id] if top else None

    def _offer_to_best_agent(self, call: Call, now: datetime) -> bool:
        assert call.queue_id is not None
        queue = self.queues[call.queue_id]
        ready = [self.agents[a] for a in self._ready[queue.queue_id]]
        top = shortlist(queue.strategy, ready, queue.queue_id, now, self._last_served.get(queue.queue_id, -1))
        if not top:
            return False
        reason = explain(queue.strategy, top[0], len(ready) - 1)
        self._offer(call, self.agents[top[0].agent_id], queue.strategy.value, tuple(top), reason)
        return True

    def _became_ready(self, agent: Agent) -> None:
        """A free agent takes the call they were waited for, else the best head of their queues; unless
        a supervisor's pause or log-out waited for the agent to be free (e.g. the caller hung up while
        it rang)."""
        if agent.pending and agent.state == AgentState.READY and self._work_over(agent):
            return
        for queue_id in agent.signed_in & agent.skills.keys():
            self._ready[queue_id].add(agent.agent_id)
        now = self._clock.now()
        parked = self._parked.pop(agent.agent_id, [])
        if parked:
            call = self.calls[parked.pop(0)]
            if parked:
                self._parked[agent.agent_id] = parked
            self._timers.disarm("sticky", call.call_id)
            assert call.queue_id is not None
            cand = (candidate(agent, call.queue_id, now),)
            return self._offer(call, agent, "sticky", cand, "caller waited for the last agent")
        best: tuple[tuple[int, int, int, int], str] | None = None
        for queue_id in agent.signed_in & agent.skills.keys():
            head = self._head(queue_id)
            if head is not None:
                key = (
                    agent.skills[queue_id].priority,
                    head.priority,
                    self.queues[queue_id].priority,
                    head.seq,
                )
                best = min(best, (key, head.call_id)) if best else (key, head.call_id)
        head = self.calls[best[1]] if best is not None else None
        request = self._callback_before(agent, head, now) if len(self.callbacks) else None
        if request is not None:
            self._dial(request, agent)
            return
        if best is not None:
            call = self.calls[best[1]]
            assert call.queue_id is not None
            self._pop(call)
            reason = "agent became free: queue by the agent's priority, then call priority and age"
            self._offer(call, agent, "agent_ready", (candidate(agent, call.queue_id, now),), reason)

    def _offer(self, call: Call, agent: Agent, rule: str, pool: tuple, reason: str) -> None:  # type: ignore[type-arg]
        now = self._clock.now()
        assert call.queue_id is not None
        self._not_ready(agent)
        self._agent_changed(agent, agent.reserve(call.call_id, now), now, call.call_id)
        call.offer(agent.agent_id, now)
        self._last_served[call.queue_id] = agent.agent_id
        decision = Decision(call.call_id, now, call.queue_id, rule, agent.agent_id, pool, reason)
        self.decisions.setdefault(call.call_id, []).append(decision)
        self._new_decisions.append(decision)
        self._emit(ev.CallOffered(now, call.call_id, call.queue_id, agent.agent_id))
        self._timers.arm(
            "rona", call.call_id, now + timedelta(seconds=self.queues[call.queue_id].rona_timeout_s)
        )
        self._pbx.ring_agent(call.call_id, agent.agent_id)

    def _overflow(self, call: Call, reason: str) -> None:
        now = self._clock.now()
        assert call.queue_id is not None
        target = self.queues[call.queue_id].overflow
        self._timers.disarm("max_wait", call.call_id)
        self._emit(
            ev.CallOverflowed(now, call.call_id, call.queue_id, reason, target.kind.value, target.target)
        )
        self._timers.disarm("announce", call.call_id)
        if reason == "no_agents":
            self._say(call, "no_agents", prompts.NO_AGENTS)  # IN-23
        routable = target.target.isdecimal() and self.takes_calls(int(target.target))
        if target.kind == OverflowKind.QUEUE and routable and call.overflow_hops < MAX_OVERFLOW_HOPS:
            call.overflow_hops += 1
            return self._enqueue(call, int(target.target), f"overflow:{reason}")
        if target.kind == OverflowKind.VOICEMAIL:
            return self._to_voicemail(call, target.target, call.queue_id)
        tree = self._directory.by_name.get(target.target) if target.kind == OverflowKind.IVR else None
        if tree is not None and call.overflow_hops < MAX_OVERFLOW_HOPS:
            call.overflow_hops += 1
            return self._start_ivr(call, tree)
        call_id = call.call_id
        if target.kind == OverflowKind.HANGUP or target.kind == OverflowKind.QUEUE:
            self._then(call, lambda: self._pbx.hang_up(call_id, reason))
        else:
            self._then(call, lambda: self._pbx.transfer(call_id, f"{target.kind.value}:{target.target}"))
        self._end(call, CallEnd.OVERFLOWED, reason)

    # == timers =====================================================================================
    def _on_rona(self, call_id: str, now: datetime) -> None:
        call = self.calls[call_id]
        agent = self.agents[call.agent_id] if call.agent_id is not None else None
        if call.stage != CallStage.RINGING or agent is None:
            return
        if call.direction == "outbound":
            return self._outbound_rang_out(call, agent, now)
        self._pbx.cancel_ring(call_id, agent.agent_id)
        self._emit(ev.CallRingNoAnswer(now, call_id, agent.agent_id))
        self._agent_changed(agent, agent.ring_no_answer(now), now, call_id, "ring_no_answer")
        call.ring_no_answer()
        if call.max_wait_until is not None and now >= call.max_wait_until:
            return self._overflow(call, "max_wait")  # the limit passed while it rang
        self._offer_to_best_agent(call, now) or self._push(call)

    def _outbound_rang_out(self, call: Call, agent: Agent, now: datetime) -> None:
        """The agent's phone rang for an outbound call and she did not pick up: KC gives it up. A
        call she placed herself leaves her where she was (her pause stays hers); a callback KC
        dialled for her as a free agent was offered like an inbound call, and missing it pauses her
        (ring-no-answer) so that the next one does not ring at an empty desk."""
        self._pbx.hang_up(call.call_id, "agent_no_answer")
        if call.placed_by_agent:
            self._agent_changed(agent, agent.dial_not_picked_up(now), now, call.call_id, "dial_not_picked_up")
        else:
            self._agent_changed(agent, agent.ring_no_answer(now), now, call.call_id, "ring_no_answer")
        self._outbound_not_picked_up(call, "the agent did not pick up")
        self._end(call, CallEnd.NOT_REACHED, "agent did not answer")
        if agent.state == AgentState.READY:
            self._became_ready(agent)

    def _on_wrap(self, agent_id: str, now: datetime) -> None:
        agent = self.agents[int(agent_id)]
        if agent.state == AgentState.WRAP_UP and not self._work_over(agent):
            self._agent_changed(agent, agent.make_ready(now), now, reason="wrap_up_over")
            self._became_ready(agent)

    def _on_max_wait(self, call_id: str, now: datetime) -> None:
        call = self.calls[call_id]
        if call.stage == CallStage.QUEUED:
            self._unpark_or_pop(call)
            self._overflow(call, "max_wait")

    def _on_sticky(self, call_id: str, now: datetime) -> None:
        call = self.calls[call_id]
        if call.stage == CallStage.QUEUED and call.sticky_agent_id is not None:
            self._unpark_or_pop(call)
            call.sticky_agent_id = None
            self._offer_to_best_agent(call, now) or self._push(call)

    def _release_parked(self, agent: Agent, queue_id: int | None = None) -> None:
        """Calls waiting for this agent stop waiting when the agent stops working (or that queue)."""
        now = self._clock.now()
        for call_id in list(self._parked.get(agent.agent_id, [])):
            call = self.calls[call_id]
            if queue_id is None or call.queue_id == queue_id:
                self._unpark_or_pop(call)
                call.sticky_agent_id = None
                self._offer_to_best_agent(call, now) or self._push(call)
        if not self._parked.get(agent.agent_id, True):
            del self._parked[agent.agent_id]

    def _overflow_if_nobody_left(self, queue_ids: set[int]) -> None:
        """IN-23: when the last agent leaves a queue that overflows without agents, so do its callers."""
        for queue_id in queue_ids:
            if self.queues[queue_id].overflow_when_no_agents and not self._anyone_signed_in(queue_id):
                for call in self.waiting(queue_id) + self.parked(queue_id):
                    self._unpark_or_pop(call)
                    self._overflow(call, "no_agents")

    # == bookkeeping ================================================================================
    def _push(self, call: Call) -> bool:
        assert call.queue_id is not None
        self._queued[call.queue_id].add(call.call_id)
        heapq.heappush(self._heaps[call.queue_id], (call.priority, call.seq, call.call_id))
        return True

    def _head(self, queue_id: int) -> Call | None:
        heap, queued = self._heaps[queue_id], self._queued[queue_id]
        while heap and heap[0][2] not in queued:
            heapq.heappop(heap)  # left behind by an abandon, overflow or re-queue elsewhere
        return self.calls[heap[0][2]] if heap else None

    def _pop(self, call: Call) -> None:
        assert call.queue_id is not None
        self._queued[call.queue_id].discard(call.call_id)

    def _unpark_or_pop(self, call: Call) -> None:
        if call.sticky_agent_id is not None:
            parked = self._parked.get(call.sticky_agent_id, [])
            if call.call_id in parked:
                parked.remove(call.call_id)
            self._timers.disarm("sticky", call.call_id)
        if call.queue_id is not None:
            self._pop(call)

    def _release_offer(self, call: Call, now: datetime) -> None:
        agent = self.agents[call.agent_id] if call.agent_id is not None else None
        self._timers.disarm("rona", call.call_id)
        if agent is not None and agent.state == AgentState.RINGING and agent.call_id == call.call_id:
            self._pbx.cancel_ring(call.call_id, agent.agent_id)
            self._ring_released(agent, call, now)

    def _ring_released(self, agent: Agent, call: Call, now: datetime) -> None:
        """The agent's phone stopped ringing before she picked up: the caller went, or she hung up a
        call she placed herself, which takes her back to the pause she dialled out from."""
        if call.placed_by_agent:
            self._agent_changed(agent, agent.dial_not_picked_up(now), now, call.call_id, "dial_cancelled")
        else:
            self._agent_changed(agent, agent.release(now), now, call.call_id, "caller_gone")
        if agent.state == AgentState.READY:
            self._became_ready(agent)

    def _finish_answered(self, call: Call, end: CallEnd | None, cause: str) -> None:
        now = self._clock.now()
        agent = self.agents[call.agent_id] if call.agent_id is not None else None
        if end is not None and call.consult_agent_id is not None:
            self._release_consulted(call)  # a conference or an open consultation ends with the call
        if agent is not None and agent.state == AgentState.BUSY and agent.call_id == call.call_id:
            queue = self.queues.get(call.queue_id) if call.queue_id is not None else None
            wrap_up_s = queue.wrap_up_s if queue is not None else DEFAULT_WRAP_UP_S
            if agent.agent_id in self._retired:
                wrap_up_s = 0  # removed by the administration: logged out as soon as the call ends
            if queue is not None and call.answered_at is not None and call.direction == "inbound":
                self._handled(queue.queue_id, (now - call.answered_at).total_seconds() + wrap_up_s)
            self._agent_changed(agent, agent.finish_call(now, wrap_up_s), now, call.call_id)
            if agent.wrap_up_until is not None:  # in wrap-up until then
                self._timers.arm("wrap", str(agent.agent_id), agent.wrap_up_until)
            elif not self._work_over(agent):
                self._became_ready(agent)
        if end is not None:
            self._end(call, end, cause)
        elif call.recording:  # the call goes on with another agent (a transfer): their stretch ends
            self._pbx.stop_recording(call.call_id)  # the next agent's starts when they talk (REC-02)

    def _end(self, call: Call, end: CallEnd, cause: str) -> None:
        now = self._clock.now()
        self._unpark_or_pop(call)
        for kind in ("rona", "max_wait", "sticky", "ivr", "announce", "keyin"):
            self._timers.disarm(kind, call.call_id)
        call.finish(end, now)
        self._emit(ev.CallEnded(now, call.call_id, end.value, call.queue_id, call.agent_id, cause))

    def _not_ready(self, agent: Agent) -> None:
        for queue_id in agent.signed_in:
            self._ready[queue_id].discard(agent.agent_id)

    def _agent_changed(
        self, agent: Agent, previous: AgentState, now: datetime, call_id: str = "", reason: str = ""
    ) -> None:
        if agent.state != previous or reason:
            self._emit(
                ev.AgentStateChanged(
                    now, agent.agent_id, agent.state.value, previous.value, agent.pause_code, call_id, reason
                )
            )

    def _anyone_signed_in(self, queue_id: int) -> bool:
        return any(
            queue_id in a.signed_in and a.state != AgentState.LOGGED_OUT for a in self._skilled[queue_id]
        )

    def _emit(self, event: ev.Event) -> None:
        if self._record:
            self.events.append(event)

    def _ignore(self, now: datetime, reason: str) -> None:
        log.info("ignored PBX event: %s", reason)
        self.ignored.append((now, reason))
        self.rejected += 1

    def _call(self, call_id: str) -> Call:
        call = self.calls.get(call_id)
        if call is None:
            raise NotFound("call", call_id)
        return call

    def _agent(self, agent_id: int) -> Agent:
        agent = self.agents.get(agent_id)
        if agent is None:
            raise NotFound("agent", agent_id)
        return agent

    def _agent_for_queue(self, agent_id: int, queue_id: int, by_supervisor: bool) -> Agent:
        agent = self._agent(agent_id)
        if queue_id not in self.queues:
            raise NotFound("queue", queue_id)
        if queue_id not in agent.skills:
            raise ValidationFailed.one("queue_id", "no_skill_in_queue")
        if queue_id in agent.locked_queues and not by_supervisor:
            raise ValidationFailed.one("queue_id", "sign_in_locked")
        return agent
