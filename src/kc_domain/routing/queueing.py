"""The queue: a call waits in its queue's heap, is offered to the best ready agent (or waits for
the caller's last agent, IN-13), overflows when its queue is closed, unstaffed or waited too long;
a free agent takes the best head of their queues. Handlers over ``RoutingState``."""

from __future__ import annotations

from datetime import datetime, timedelta

from kc_domain.organisation.model import OverflowKind
from kc_domain.routing import agents, calls, dialback, dialler, flow, menu, prompts
from kc_domain.routing import events as ev
from kc_domain.routing.agent import Agent, AgentState
from kc_domain.routing.call import Call, CallEnd, CallStage
from kc_domain.routing.config import QueueRouting
from kc_domain.routing.policy import Candidate, Decision, candidate, explain, shortlist
from kc_domain.routing.state import RoutingState

MAX_OVERFLOW_HOPS = 3
_WORKING = frozenset({AgentState.RINGING, AgentState.BUSY, AgentState.WRAP_UP})


def enqueue(s: RoutingState, call: Call, queue_id: int, rule: str, *, sticky: bool = True) -> None:
    now, queue = s.now(), s.queues[queue_id]
    call.queue(queue_id, now)
    s.emit(ev.CallQueued(now, call.call_id, queue_id, call.priority, rule))
    if not queue.hours.is_open(now, s.zone, s.holidays):
        return overflow(s, call, "closed")
    if queue.overflow_when_no_agents and not s.anyone_signed_in(queue_id):
        return overflow(s, call, "no_agents")
    call.max_wait_until = now + timedelta(seconds=queue.max_wait_s) if queue.max_wait_s else None
    if call.max_wait_until is not None:
        s.timers.arm("max_wait", call.call_id, call.max_wait_until)
    if sticky and try_sticky(s, call, queue, now):
        return
    if not offer_to_best_agent(s, call, now):
        s.push(call)
        flow.waiting_started(s, call)


def try_sticky(s: RoutingState, call: Call, queue: QueueRouting, now: datetime) -> bool:
    """IN-13: the agent who last spoke with this number gets the call if free, or is waited for."""
    agent = s.agents.get(s.last_agent.get(call.caller, -1))
    if agent is None or queue.queue_id not in agent.signed_in or agent.state == AgentState.LOGGED_OUT:
        return False
    if agent.can_take(queue.queue_id):
        offer(s, call, agent, "sticky", (candidate(agent, queue.queue_id, now),), "last agent of caller")
        return True
    if queue.sticky_wait_s <= 0 or agent.state not in _WORKING:
        return False  # a paused agent may not come back soon: do not keep the caller for them
    call.sticky_agent_id, call.sticky_until = agent.agent_id, now + timedelta(seconds=queue.sticky_wait_s)
    s.waiting_for.setdefault(agent.agent_id, []).append(call.call_id)
    s.timers.arm("sticky", call.call_id, call.sticky_until)
    return True


def best_ready(s: RoutingState, queue_id: int, now: datetime) -> Agent | None:
    queue = s.queues[queue_id]
    ready = [s.agents[a] for a in s.ready_in[queue_id]]
    top = shortlist(queue.strategy, ready, queue_id, now, s.last_served.get(queue_id, -1))
    return s.agents[top[0].agent_id] if top else None


def offer_to_best_agent(s: RoutingState, call: Call, now: datetime) -> bool:
    assert call.queue_id is not None
    queue = s.queues[call.queue_id]
    ready = [s.agents[a] for a in s.ready_in[queue.queue_id]]
    top = shortlist(queue.strategy, ready, queue.queue_id, now, s.last_served.get(queue.queue_id, -1))
    if not top:
        return False
    reason = explain(queue.strategy, top[0], len(ready) - 1)
    offer(s, call, s.agents[top[0].agent_id], queue.strategy.value, tuple(top), reason)
    return True


def became_ready(s: RoutingState, agent: Agent) -> None:
    """A free agent takes the call they were waited for, else the best head of their queues; unless
    a supervisor's pause or log-out waited for the agent to be free (e.g. the caller hung up while
    it rang)."""
    if agent.pending and agent.state == AgentState.READY and agents.work_over(s, agent):
        return
    for queue_id in agent.signed_in & agent.skills.keys():
        s.ready_in[queue_id].add(agent.agent_id)
    now = s.now()
    parked = s.waiting_for.pop(agent.agent_id, [])
    if parked:
        call = s.calls[parked.pop(0)]
        if parked:
            s.waiting_for[agent.agent_id] = parked
        s.timers.disarm("sticky", call.call_id)
        assert call.queue_id is not None
        cand = (candidate(agent, call.queue_id, now),)
        return offer(s, call, agent, "sticky", cand, "caller waited for the last agent")
    best: tuple[tuple[int, int, int, int], str] | None = None
    for queue_id in agent.signed_in & agent.skills.keys():
        head = s.head(queue_id)
        if head is not None:
            key = (
                agent.skills[queue_id].priority,
                head.priority,
                s.queues[queue_id].priority,
                head.seq,
            )
            best = min(best, (key, head.call_id)) if best else (key, head.call_id)
    head = s.calls[best[1]] if best is not None else None
    request = dialback.callback_before(s, agent, head, now) if len(s.callbacks) else None
    if request is not None:
        dialback.dial_request(s, request, agent)
        return
    if best is not None:
        call = s.calls[best[1]]
        assert call.queue_id is not None
        s.pop(call)
        reason = "agent became free: queue by the agent's priority, then call priority and age"
        offer(s, call, agent, "agent_ready", (candidate(agent, call.queue_id, now),), reason)
    else:
        dialler.pace_soon(s)  # nothing waits for her: a dialling campaign of her queues may call


def offer(
    s: RoutingState, call: Call, agent: Agent, rule: str, pool: tuple[Candidate, ...], reason: str
) -> None:
    now = s.now()
    assert call.queue_id is not None
    s.not_ready(agent)
    s.agent_changed(agent, agent.reserve(call.call_id, now), now, call.call_id)
    call.offer(agent.agent_id, now)
    s.last_served[call.queue_id] = agent.agent_id
    decision = Decision(call.call_id, now, call.queue_id, rule, agent.agent_id, pool, reason)
    s.decisions.setdefault(call.call_id, []).append(decision)
    s.new_decisions.append(decision)
    s.emit(ev.CallOffered(now, call.call_id, call.queue_id, agent.agent_id))
    s.timers.arm("rona", call.call_id, now + timedelta(seconds=s.queues[call.queue_id].rona_timeout_s))
    s.pbx.ring_agent(call.call_id, agent.agent_id)
    if call.campaign_id is not None:  # the dialler's callee is there: her phone answers by itself
        dialler.auto_answer(s, call)


def overflow(s: RoutingState, call: Call, reason: str) -> None:
    now = s.now()
    assert call.queue_id is not None
    target = s.queues[call.queue_id].overflow
    s.timers.disarm("max_wait", call.call_id)
    s.emit(ev.CallOverflowed(now, call.call_id, call.queue_id, reason, target.kind.value, target.target))
    s.timers.disarm("announce", call.call_id)
    if reason == "no_agents":
        flow.say(s, call, "no_agents", prompts.NO_AGENTS)  # IN-23
    routable = target.target.isdecimal() and s.takes_calls(int(target.target))
    if target.kind == OverflowKind.QUEUE and routable and call.overflow_hops < MAX_OVERFLOW_HOPS:
        call.overflow_hops += 1
        return enqueue(s, call, int(target.target), f"overflow:{reason}")
    if target.kind == OverflowKind.VOICEMAIL:
        return flow.to_voicemail(s, call, target.target, call.queue_id)
    tree = s.directory.by_name.get(target.target) if target.kind == OverflowKind.IVR else None
    if tree is not None and call.overflow_hops < MAX_OVERFLOW_HOPS:
        call.overflow_hops += 1
        return menu.start_ivr(s, call, tree)
    call_id = call.call_id
    if target.kind == OverflowKind.HANGUP or target.kind == OverflowKind.QUEUE:
        flow.then(s, call, lambda: s.pbx.hang_up(call_id, reason))
    else:
        flow.then(s, call, lambda: s.pbx.transfer(call_id, f"{target.kind.value}:{target.target}"))
    calls.end_call(s, call, CallEnd.OVERFLOWED, reason)


def on_max_wait(s: RoutingState, call_id: str, now: datetime) -> None:
    call = s.calls[call_id]
    if call.stage == CallStage.QUEUED:
        s.unpark_or_pop(call)
        overflow(s, call, "max_wait")


def on_sticky(s: RoutingState, call_id: str, now: datetime) -> None:
    call = s.calls[call_id]
    if call.stage == CallStage.QUEUED and call.sticky_agent_id is not None:
        s.unpark_or_pop(call)
        call.sticky_agent_id = None
        offer_to_best_agent(s, call, now) or s.push(call)


def release_parked(s: RoutingState, agent: Agent, queue_id: int | None = None) -> None:
    """Calls waiting for this agent stop waiting when the agent stops working (or that queue)."""
    now = s.now()
    for call_id in list(s.waiting_for.get(agent.agent_id, [])):
        call = s.calls[call_id]
        if queue_id is None or call.queue_id == queue_id:
            s.unpark_or_pop(call)
            call.sticky_agent_id = None
            offer_to_best_agent(s, call, now) or s.push(call)
    if not s.waiting_for.get(agent.agent_id, True):
        del s.waiting_for[agent.agent_id]


def overflow_if_nobody_left(s: RoutingState, queue_ids: set[int]) -> None:
    """IN-23: when the last agent leaves a queue that overflows without agents, so do its callers."""
    for queue_id in queue_ids:
        if s.queues[queue_id].overflow_when_no_agents and not s.anyone_signed_in(queue_id):
            for call in s.waiting(queue_id) + s.parked_in(queue_id):
                s.unpark_or_pop(call)
                overflow(s, call, "no_agents")
