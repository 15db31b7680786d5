"""A supervisor's actions in the live contact centre (IN-17, RT-01, RT-07): listen to, coach or
join an agent's call through the PBX, and act on agents: pause or log them out, sign them into or
out of a queue (even a queue the administrator locked for the agent).

An agent ringing or talking is not interrupted: a pause or log-out waits until the call's work is
over (the wrap-up ends, or the call ends without one) and is then carried out instead of "ready".
"""

from __future__ import annotations

from kc_domain.errors import NotFound, ValidationFailed
from kc_domain.routing import agents
from kc_domain.routing import events as ev
from kc_domain.routing.agent import AgentState
from kc_domain.routing.call import Call, CallStage
from kc_domain.routing.state import RoutingState

MONITOR_MODES = frozenset({"listen", "whisper", "barge"})


def monitor(s: RoutingState, supervisor_id: int, call_id: str, mode: str) -> None:
    """Listen, whisper (the caller does not hear the supervisor) or barge into an answered call;
    calling it again switches the mode."""
    if mode not in MONITOR_MODES:
        raise ValidationFailed.one("mode", "invalid_choice")
    call = monitored_call(s, call_id)
    if call.monitors.get(supervisor_id) == mode:
        return
    s.pbx.monitor(call_id, supervisor_id, mode)
    call.monitors[supervisor_id] = mode
    s.emit(ev.CallMonitored(s.now(), call_id, supervisor_id, call.agent_id, mode))


def stop_monitor(s: RoutingState, supervisor_id: int, call_id: str) -> None:
    call = s.calls.get(call_id)
    if call is None or supervisor_id not in call.monitors:
        raise ValidationFailed.one("call_id", "not_monitoring")
    del call.monitors[supervisor_id]
    if call.stage != CallStage.ENDED:
        s.pbx.stop_monitor(call_id, supervisor_id)
    s.emit(ev.CallMonitored(s.now(), call_id, supervisor_id, call.agent_id, ""))


def monitored_call(s: RoutingState, call_id: str) -> Call:
    call = s.calls.get(call_id)
    if call is None or call.stage == CallStage.ENDED:
        raise NotFound("call", call_id)
    if call.stage != CallStage.ANSWERED or call.agent_id is None:
        raise ValidationFailed.one("call_id", "not_answered")
    return call


def force_pause(s: RoutingState, supervisor_id: int, agent_id: int, code: str) -> bool:
    """Pause the agent with ``code`` now, or after their call; True when it had to wait."""
    return force(s, supervisor_id, agent_id, "pause", code)


def force_log_out(s: RoutingState, supervisor_id: int, agent_id: int) -> bool:
    """Log the agent out now, or after their call; True when it had to wait."""
    return force(s, supervisor_id, agent_id, "log_out", "")


def supervisor_sign_in(s: RoutingState, supervisor_id: int, agent_id: int, queue_id: int) -> None:
    agents.sign_in(s, agent_id, queue_id, by_supervisor=True)
    s.emit(ev.AgentForced(s.now(), agent_id, supervisor_id, "sign_in", str(queue_id)))


def supervisor_sign_out(s: RoutingState, supervisor_id: int, agent_id: int, queue_id: int) -> None:
    agents.sign_out(s, agent_id, queue_id, by_supervisor=True)
    s.emit(ev.AgentForced(s.now(), agent_id, supervisor_id, "sign_out", str(queue_id)))


def force(s: RoutingState, supervisor_id: int, agent_id: int, action: str, code: str) -> bool:
    agent = s.find_agent(agent_id)
    if agent.state == AgentState.LOGGED_OUT:
        raise ValidationFailed.one("agent_id", "agent_not_free", state=agent.state.value)
    if action == "pause" and not code:
        raise ValidationFailed.one("code", "required")
    waits = agent.on_call
    s.emit(ev.AgentForced(s.now(), agent_id, supervisor_id, action, code, waits))
    if waits:
        agent.pending = f"pause:{code}" if action == "pause" else "log_out"
    elif action == "pause":
        agent.pending = ""
        agents.pause(s, agent_id, code)
    else:
        agent.pending = ""
        agents.log_out(s, agent_id)
    return waits
