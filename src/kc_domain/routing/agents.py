"""The agent's work state (AG-01, AG-02): log in and out, ready, pause, wrap-up, sign in to and
out of queues; a supervisor's pending pause or log-out carried out when the work is over."""

from __future__ import annotations

from datetime import datetime

from kc_domain.errors import NotFound, ValidationFailed
from kc_domain.routing import events as ev
from kc_domain.routing import queueing
from kc_domain.routing.agent import Agent, AgentState
from kc_domain.routing.state import RoutingState


def log_in(s: RoutingState, agent_id: int) -> None:
    agent, now = s.active_agent(agent_id), s.now()
    s.agent_changed(agent, agent.log_in(now), now)
    s.emit(ev.AgentLoggedIn(now, agent_id))


def log_out(s: RoutingState, agent_id: int) -> None:
    agent, now = s.find_agent(agent_id), s.now()
    s.not_ready(agent)
    queues = set(agent.signed_in)
    s.agent_changed(agent, agent.log_out(now), now)
    s.emit(ev.AgentLoggedOut(now, agent_id))
    queueing.release_parked(s, agent)
    queueing.overflow_if_nobody_left(s, queues)


def ready(s: RoutingState, agent_id: int) -> None:
    agent, now = s.find_agent(agent_id), s.now()
    s.timers.disarm("wrap", str(agent_id))
    agent.resume_pause = ""  # she asks for calls: not back to the pause she dialled out from
    if agent.state == AgentState.WRAP_UP and work_over(s, agent):
        return  # a supervisor's pause or log-out waited for this
    s.agent_changed(agent, agent.make_ready(now), now)
    queueing.became_ready(s, agent)


def pause(s: RoutingState, agent_id: int, code: str) -> None:
    agent, now = s.find_agent(agent_id), s.now()
    s.not_ready(agent)
    s.timers.disarm("wrap", str(agent_id))
    old_code = agent.pause_code
    previous = agent.pause(code, now)
    recode = previous == AgentState.PAUSED and old_code != code
    s.agent_changed(agent, previous, now, reason="pause_code_changed" if recode else "")
    queueing.release_parked(s, agent)


def extend_wrap_up(s: RoutingState, agent_id: int, seconds: int) -> None:
    agent, now = s.find_agent(agent_id), s.now()
    agent.extend_wrap_up(seconds, now)
    assert agent.wrap_up_until is not None
    s.timers.arm("wrap", str(agent_id), agent.wrap_up_until)
    s.emit(ev.AgentWrapUpExtended(now, agent_id, agent.wrap_up_until))


def sign_in(s: RoutingState, agent_id: int, queue_id: int, *, by_supervisor: bool = False) -> None:
    agent = agent_for_queue(s, agent_id, queue_id, by_supervisor)
    agent.signed_in.add(queue_id)
    s.emit(ev.AgentSignedIntoQueue(s.now(), agent_id, queue_id))
    if agent.state == AgentState.READY:
        queueing.became_ready(s, agent)


def sign_out(s: RoutingState, agent_id: int, queue_id: int, *, by_supervisor: bool = False) -> None:
    agent = agent_for_queue(s, agent_id, queue_id, by_supervisor)
    signed_out(s, agent, queue_id)
    queueing.release_parked(s, agent, queue_id)
    queueing.overflow_if_nobody_left(s, {queue_id})


def signed_out(s: RoutingState, agent: Agent, queue_id: int) -> None:
    agent.signed_in.discard(queue_id)
    s.ready_in[queue_id].discard(agent.agent_id)
    s.emit(ev.AgentSignedOutOfQueue(s.now(), agent.agent_id, queue_id))


def on_wrap(s: RoutingState, agent_id: str, now: datetime) -> None:
    agent = s.agents.get(int(agent_id))  # gone: removed by the administration meanwhile
    if agent is not None and agent.state == AgentState.WRAP_UP and not work_over(s, agent):
        s.agent_changed(agent, agent.make_ready(now), now, reason="wrap_up_over")
        queueing.became_ready(s, agent)


def agent_for_queue(s: RoutingState, agent_id: int, queue_id: int, by_supervisor: bool) -> Agent:
    agent = s.find_agent(agent_id)
    if queue_id not in s.queues:
        raise NotFound("queue", queue_id)
    if queue_id not in agent.skills:
        raise ValidationFailed.one("queue_id", "no_skill_in_queue")
    if queue_id in agent.locked_queues and not by_supervisor:
        raise ValidationFailed.one("queue_id", "sign_in_locked")
    return agent


def work_over(s: RoutingState, agent: Agent) -> bool:
    """Carry out a supervisor's pending pause or log-out once the agent's work is over, else take
    the agent back to the pause she dialled out from; True when one was carried out (the agent
    is then not ready)."""
    pending, agent.pending = agent.pending, ""
    if pending.startswith("pause:"):
        pause(s, agent.agent_id, pending.removeprefix("pause:"))
        return True
    if pending == "log_out":
        log_out(s, agent.agent_id)
        return True
    if agent.resume_pause:
        pause(s, agent.agent_id, agent.resume_pause)
        return True
    return False
