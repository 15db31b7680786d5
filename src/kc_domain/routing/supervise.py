"""A supervisor's actions in the live contact centre (IN-17, RT-01, RT-07): listen to, coach or
join an agent's call through the PBX, and act on agents: pause or log them out, sign them into or
out of a queue (even a queue the administrator locked for the agent). A part of ``RoutingEngine``
(a mixin).

An agent ringing or talking is not interrupted: a pause or log-out waits until the call's work is
over (the wrap-up ends, or the call ends without one) and is then carried out instead of "ready".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kc_domain.errors import NotFound, ValidationFailed
from kc_domain.routing import events as ev
from kc_domain.routing.agent import Agent, AgentState
from kc_domain.routing.call import Call, CallStage

if TYPE_CHECKING:
    from kc_ports.system import Clock
    from kc_ports.telephony import CallControl

MONITOR_MODES = frozenset({"listen", "whisper", "barge"})


class Supervision:
    if TYPE_CHECKING:  # provided by RoutingEngine
        _clock: Clock
        _pbx: CallControl
        agents: dict[int, Agent]
        calls: dict[str, Call]

        def _emit(self, event: ev.Event) -> None: ...
        def _agent(self, agent_id: int) -> Agent: ...
        def pause(self, agent_id: int, code: str) -> None: ...
        def log_out(self, agent_id: int) -> None: ...
        def sign_in(self, agent_id: int, queue_id: int, *, by_supervisor: bool = False) -> None: ...
        def sign_out(self, agent_id: int, queue_id: int, *, by_supervisor: bool = False) -> None: ...

    # == the agent's call ===========================================================================
    def monitor(self, supervisor_id: int, call_id: str, mode: str) -> None:
        """Listen, whisper (the caller does not hear the supervisor) or barge into an answered call;
        calling it again switches the mode."""
        if mode not in MONITOR_MODES:
            raise ValidationFailed.one("mode", "invalid_choice")
        call = self._monitored_call(call_id)
        if call.monitors.get(supervisor_id) == mode:
            return
        self._pbx.monitor(call_id, supervisor_id, mode)
        call.monitors[supervisor_id] = mode
        self._emit(ev.CallMonitored(self._clock.now(), call_id, supervisor_id, call.agent_id, mode))

    def stop_monitor(self, supervisor_id: int, call_id: str) -> None:
        call = self.calls.get(call_id)
        if call is None or supervisor_id not in call.monitors:
            raise ValidationFailed.one("call_id", "not_monitoring")
        del call.monitors[supervisor_id]
        if call.stage != CallStage.ENDED:
            self._pbx.stop_monitor(call_id, supervisor_id)
        self._emit(ev.CallMonitored(self._clock.now(), call_id, supervisor_id, call.agent_id, ""))

    def _monitored_call(self, call_id: str) -> Call:
        call = self.calls.get(call_id)
        if call is None or call.stage == CallStage.ENDED:
            raise NotFound("call", call_id)
        if call.stage != CallStage.ANSWERED or call.agent_id is None:
            raise ValidationFailed.one("call_id", "not_answered")
        return call

    # == the agent ==================================================================================
    def force_pause(self, supervisor_id: int, agent_id: int, code: str) -> bool:
        """Pause the agent with ``code`` now, or after their call; True when it had to wait."""
        return self._force(supervisor_id, agent_id, "pause", code)

    def force_log_out(self, supervisor_id: int, agent_id: int) -> bool:
        """Log the agent out now, or after their call; True when it had to wait."""
        return self._force(supervisor_id, agent_id, "log_out", "")

    def supervisor_sign_in(self, supervisor_id: int, agent_id: int, queue_id: int) -> None:
        self.sign_in(agent_id, queue_id, by_supervisor=True)
        self._emit(ev.AgentForced(self._clock.now(), agent_id, supervisor_id, "sign_in", str(queue_id)))

    def supervisor_sign_out(self, supervisor_id: int, agent_id: int, queue_id: int) -> None:
        self.sign_out(agent_id, queue_id, by_supervisor=True)
        self._emit(ev.AgentForced(self._clock.now(), agent_id, supervisor_id, "sign_out", str(queue_id)))

    def _force(self, supervisor_id: int, agent_id: int, action: str, code: str) -> bool:
        agent = self._agent(agent_id)
        if agent.state == AgentState.LOGGED_OUT:
            raise ValidationFailed.one("agent_id", "agent_not_free", state=agent.state.value)
        if action == "pause" and not code:
            raise ValidationFailed.one("code", "required")
        waits = agent.on_call
        self._emit(ev.AgentForced(self._clock.now(), agent_id, supervisor_id, action, code, waits))
        if waits:
            agent.pending = f"pause:{code}" if action == "pause" else "log_out"
        elif action == "pause":
            agent.pending = ""
            self.pause(agent_id, code)
        else:
            agent.pending = ""
            self.log_out(agent_id)
        return waits

    def _work_over(self, agent: Agent) -> bool:
        """Carry out a supervisor's pending pause or log-out once the agent's work is over, else take
        the agent back to the pause she dialled out from; True when one was carried out (the agent
        is then not ready)."""
        pending, agent.pending = agent.pending, ""
        if pending.startswith("pause:"):
            self.pause(agent.agent_id, pending.removeprefix("pause:"))
            return True
        if pending == "log_out":
            self.log_out(agent.agent_id)
            return True
        if agent.resume_pause:
            self.pause(agent.agent_id, agent.resume_pause)
            return True
        return False
