"""The live view of the contact centre: per queue and per agent, now and today (RT-01, RT-04,
RT-05, WB-01 read this), computed from the engine's state and today's events."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date, datetime, tzinfo
from typing import Any

import attrs

from kc_domain.metrics import service_level
from kc_domain.routing import dialler
from kc_domain.routing import events as ev
from kc_domain.routing.agent import Agent, AgentState
from kc_domain.routing.call import CallEnd
from kc_domain.routing.projection import Interaction, call_id_of, fold_interaction, missed_by
from kc_domain.routing.state import RoutingState

_LOST = {e.value for e in CallEnd if e.value.startswith("abandoned")}


@attrs.define
class Today:
    """A queue's calls today; the service level as ``kc_domain.metrics.service_level`` defines it."""

    offered: int = 0
    answered: int = 0
    answered_in_sl: int = 0
    lost: int = 0
    overflowed: int = 0
    wait_s: float = 0.0
    hours: dict[int, Counter[str]] = attrs.field(factory=dict)  # local hour -> offered, answered, lost

    def add(self, other: Today) -> None:
        self.offered += other.offered
        self.answered += other.answered
        self.answered_in_sl += other.answered_in_sl
        self.lost += other.lost
        self.overflowed += other.overflowed
        self.wait_s += other.wait_s
        for hour, counts in other.hours.items():
            self.hours.setdefault(hour, Counter()).update(counts)

    def plain(self) -> dict[str, Any]:
        return {
            "offered": self.offered,
            "answered": self.answered,
            "answered_in_sl": self.answered_in_sl,
            "lost": self.lost,
            "overflowed": self.overflowed,
            "service_level": service_level(self.answered_in_sl, self.answered + self.lost),
            "asa_s": round(self.wait_s / self.answered, 1) if self.answered else None,
            "hours": [
                {"hour": hour, "offered": c["offered"], "answered": c["answered"], "lost": c["lost"]}
                for hour, c in sorted(self.hours.items())
            ],
        }


@attrs.define
class LiveCounters:
    """Today's counters in the contact centre's time zone; they start again at local midnight. An
    agent's missed calls are counted as the journal's rows define them (``missed_by``): each live
    call is folded like its row until it ends."""

    zone: tzinfo
    thresholds: dict[int, int]  # queue id -> service-level threshold in seconds
    day: date | None = None
    queues: dict[int, Today] = attrs.field(factory=dict)
    agents: dict[int, Counter[str]] = attrs.field(factory=dict)
    calls: dict[str, Interaction] = attrs.field(factory=dict)  # the calls not ended yet

    def apply(self, events: Iterable[ev.Event]) -> None:
        for event in events:
            self._roll(event.at)
            self._fold(event)
            # a campaign's callee queued for an agent is not a caller of the queue: its service
            # level and offered calls are the callers' (the dialler's are in the campaign's view)
            row = self.calls.get(call_id_of(event) or "")
            outbound = row is not None and row.direction == "outbound"
            match event:
                case ev.CallQueued() if event.rule != "transfer" and not outbound:
                    self._count(event.queue_id, event.at, "offered").offered += 1
                case ev.CallAnswered() if outbound:
                    self.agents.setdefault(event.agent_id, Counter())["handled"] += 1
                case ev.CallAnswered():
                    today = self._count(event.queue_id, event.at, "answered")
                    today.answered += 1
                    today.wait_s += event.waited_s
                    if event.waited_s <= self.thresholds.get(event.queue_id, 20):
                        today.answered_in_sl += 1
                    self.agents.setdefault(event.agent_id, Counter())["handled"] += 1
                case ev.CallOverflowed():
                    self._queue(event.queue_id).overflowed += 1
                case ev.CallEnded() if event.stage in _LOST and event.queue_id is not None:
                    self._count(event.queue_id, event.at, "lost").lost += 1

    def _fold(self, event: ev.Event) -> None:
        call_id = call_id_of(event)
        if call_id is None:
            return
        row = self.calls.get(call_id)
        if row is None:
            if not isinstance(event, ev.CallArrived | ev.CallDialled):
                return  # after its end (a recording reported late), or begun before this engine
            row = self.calls[call_id] = Interaction(call_id)
        fold_interaction(row, event)
        if isinstance(event, ev.CallEnded):
            del self.calls[call_id]
            agent_id = missed_by(row)
            if agent_id is not None:
                self.agents.setdefault(agent_id, Counter())["missed"] += 1

    def _queue(self, queue_id: int) -> Today:
        return self.queues.setdefault(queue_id, Today())

    def _count(self, queue_id: int, at: datetime, what: str) -> Today:
        """The queue's day, with ``what`` counted in the local hour of ``at`` (the wallboard's chart)."""
        today = self._queue(queue_id)
        today.hours.setdefault(at.astimezone(self.zone).hour, Counter())[what] += 1
        return today

    def _roll(self, at: datetime) -> None:
        day = at.astimezone(self.zone).date()
        if day != self.day:
            self.day, self.queues, self.agents = day, {}, {}


def snapshot(engine: RoutingState, counters: LiveCounters, now: datetime) -> dict[str, Any]:
    """JSON-safe live state for the supervisor's view and the wallboards (RT-01, RT-03, RT-04,
    RT-05, WB-01): each queue with its waiting calls, longest wait, open callbacks, agents by state
    and today's counts by hour; the total over all queues; each agent with their state, call and
    today's handled and missed calls. A consumer showing some queues sums their entries itself."""
    callbacks = Counter(r.queue_id for r in engine.callbacks.open_list())
    queues = []
    total = Today()
    total_states: Counter[str] = Counter()
    total_waiting, total_longest = 0, 0.0
    for queue_id, queue in sorted(engine.queues.items()):
        waiting = engine.waiting(queue_id) + engine.parked_in(queue_id)
        states = Counter(
            a.state.value
            for a in engine.agents.values()
            if queue_id in a.signed_in and a.state != AgentState.LOGGED_OUT
        )
        longest = max(((now - c.queued_at).total_seconds() for c in waiting if c.queued_at), default=0.0)
        today = counters.queues.get(queue_id, Today())
        total.add(today)
        total_waiting, total_longest = total_waiting + len(waiting), max(total_longest, longest)
        queues.append(
            {
                "queue_id": queue_id,
                "name": queue.name,
                **opening(engine, queue_id, now),
                "waiting": len(waiting),
                "longest_wait_s": round(longest, 1),
                "callbacks_waiting": callbacks.get(queue_id, 0),
                "sl_threshold_s": queue.sl_threshold_s,
                "sl_target": queue.sl_target_percent / 100,
                "agents": dict(states),
                "today": today.plain(),
            }
        )
    working = [a for a in engine.agents.values() if a.state != AgentState.LOGGED_OUT]
    total_states.update(a.state.value for a in working if a.signed_in)
    agents = [
        {
            "agent_id": a.agent_id,
            "name": a.name,
            "state": a.state.value,
            "pause_code": a.pause_code,
            "since": a.since.isoformat() if a.since else None,
            "call_id": a.call_id,
            "call": _agent_call(engine, a.call_id),
            "queues": sorted(a.signed_in),
            "wrap_up_until": a.wrap_up_until.isoformat() if a.wrap_up_until else None,
            "today": dict(counters.agents.get(a.agent_id, Counter())),
        }
        for a in sorted(engine.agents.values(), key=lambda a: a.agent_id)
    ]
    summary = {
        "waiting": total_waiting,
        "longest_wait_s": round(total_longest, 1),
        "callbacks_waiting": sum(callbacks.values()),
        "agents": dict(total_states),
        "today": total.plain(),
    }
    campaigns = dialler.dialler_view(engine, now)  # the dialling campaigns (RT-03, RT-05)
    return {
        "at": now.isoformat(),
        "queues": queues,
        "total": summary,
        "agents": agents,
        "campaigns": campaigns,
    }


def opening(engine: RoutingState, queue_id: int, now: datetime) -> dict[str, Any]:
    """``open`` by the queue's hours now, and ``opens_at`` (ISO, or None) when it is closed."""
    is_open, opens_at = engine.opening(queue_id, now)
    return {"open": is_open, "opens_at": opens_at.isoformat() if opens_at else None}


def _agent_call(engine: RoutingState, call_id: str) -> dict[str, Any] | None:
    """What a supervisor sees of an agent's call: who, which queue, since when, who listens."""
    call = engine.calls.get(call_id) if call_id else None
    if call is None:
        return None
    return {
        "call_id": call.call_id,
        "caller": call.caller,
        "direction": call.direction,
        "queue_id": call.queue_id,
        "stage": call.stage.value,
        "answered_at": call.answered_at.isoformat() if call.answered_at else None,
        "held": call.held,
        "monitors": {str(k): v for k, v in sorted(call.monitors.items())},
    }


def call_view(engine: RoutingState, call_id: str, now: datetime) -> dict[str, Any] | None:
    """What the agent desktop shows of a live call: who calls, which number they dialled, the queue,
    what they chose in the IVR, how long they waited, and the call's state (AG-01, IN-25)."""
    call = engine.calls.get(call_id)
    if call is None:
        return None
    queue = engine.queues.get(call.queue_id) if call.queue_id is not None else None
    waited = None
    if call.queued_at is not None:
        waited = ((call.answered_at or now) - call.queued_at).total_seconds()
    return {
        "call_id": call.call_id,
        "direction": call.direction,
        "caller": call.caller,
        "dialled": call.dialled,
        "queue_id": call.queue_id,
        "queue": queue.name if queue is not None else "",
        "stage": call.stage.value,
        "agent_id": call.agent_id,
        "tags": {k: v for k, v in sorted(call.tags.items()) if not k.startswith("callback_")},
        "ivr_path": list(call.ivr_path),
        "arrived_at": call.arrived_at.isoformat(),
        "answered_at": call.answered_at.isoformat() if call.answered_at else None,
        "waited_s": round(waited, 1) if waited is not None else None,
        "held": call.held,
        "consulting": call.consulting,
        "conference": call.conference,
        "recording": call.recording,
        "callback_id": call.callback_id,
        "campaign_id": call.campaign_id,  # a campaign's dialler put the callee through (``dialler``)
        "connected": call.connected,
        # a supervisor coaching or joining; silent listening is not shown to the agent (RT-07)
        "monitors": {str(s): m for s, m in sorted(call.monitors.items()) if m != "listen"},
    }


def live_interaction(view: Mapping[str, Any]) -> Interaction:
    """A live call as ``call_view`` shows it, as the journal's row of it will read once written."""
    answered = view.get("answered_at")
    return Interaction(
        str(view["call_id"]),
        caller=str(view.get("caller") or ""),
        dialled=str(view.get("dialled") or ""),
        direction=str(view.get("direction") or "inbound"),
        queue_id=view.get("queue_id"),
        agent_id=view.get("agent_id"),
        arrived_at=datetime.fromisoformat(str(view["arrived_at"])),
        answered_at=datetime.fromisoformat(str(answered)) if answered else None,
    )


def agent_view(engine: RoutingState, agent_id: int, now: datetime) -> dict[str, Any]:
    """The agent desktop's live state: the agent's state, their call, their queues with the number
    of callers waiting (AG-16) and whether they may sign in or out of each (AG-03)."""
    agent = engine.agents[agent_id]
    queues = [
        {
            "queue_id": queue_id,
            "name": engine.queues[queue_id].name,
            "signed_in": queue_id in agent.signed_in,
            "locked": queue_id in agent.locked_queues,
            "waiting": len(engine.waiting(queue_id)) + len(engine.parked_in(queue_id)),
            **opening(engine, queue_id, now),
        }
        for queue_id in sorted(agent.skills, key=lambda q: (engine.queues[q].name, q))
    ]
    call_id = agent.call_id or next(
        (c.call_id for c in engine.calls.values() if c.consult_agent_id == agent_id and c.end is None), ""
    )
    return {
        "agent_id": agent_id,
        "name": agent.name,
        "state": agent.state.value,
        "pause_code": agent.pause_code,
        "since": agent.since.isoformat() if agent.since else None,
        "wrap_up_until": agent.wrap_up_until.isoformat() if agent.wrap_up_until else None,
        "last_call_id": agent.last_call_id,
        "device": agent.device,
        "queues": queues,
        "call": call_view(engine, call_id, now) if call_id else None,
        "refusal": refusal_view(engine.refusals.get(agent_id)),
    }


def refusal_view(refusal: ev.PbxCommandRefused | None) -> dict[str, Any] | None:
    """What the PBX refused that the agent is told of (``refused.tell``), or None."""
    if refusal is None:
        return None
    said = {name: getattr(refusal, name) for name in ("command", "reason", "call_id")}
    return said | {"at": refusal.at.isoformat()}


def panel_entry(agent: Agent) -> dict[str, Any]:
    """One agent in the transfer panel (AG-12)."""
    return {
        "agent_id": agent.agent_id,
        "name": agent.name,
        "state": agent.state.value,
        "since": agent.since.isoformat() if agent.since else None,
    }


def device_entry(device: str, state: str) -> dict[str, Any]:
    """A line or a supervisor's extension in the transfer panel, as the PBX reports it (AG-12)."""
    return {"device": device, "state": state}


def panel_view(engine: RoutingState) -> list[dict[str, Any]]:
    """Every agent's live state for the transfer panel (AG-12), by name, then the monitored lines."""
    agents = sorted(engine.agents.values(), key=lambda a: (a.name, a.agent_id))
    return [panel_entry(a) for a in agents] + [device_entry(d, s) for d, s in sorted(engine.devices.items())]
