"""The engine's one table: each command type to the handler that carries it out."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from kc_domain.routing import commands as c

if TYPE_CHECKING:
    from kc_domain.routing.engine import RoutingEngine

Handler = Callable[["RoutingEngine", Any], Any]

HANDLERS: dict[type[c.Command], Handler] = {
    c.LogIn: lambda e, m: e.log_in(m.agent_id),
    c.LogOut: lambda e, m: e.log_out(m.agent_id),
    c.Ready: lambda e, m: e.ready(m.agent_id),
    c.Pause: lambda e, m: e.pause(m.agent_id, m.code),
    c.ExtendWrapUp: lambda e, m: e.extend_wrap_up(m.agent_id, m.seconds),
    c.SignIn: lambda e, m: e.sign_in(m.agent_id, m.queue_id),
    c.SignOut: lambda e, m: e.sign_out(m.agent_id, m.queue_id),
    c.Answer: lambda e, m: e.answer_call(m.agent_id, m.call_id),
    c.HangUp: lambda e, m: e.hang_up_call(m.agent_id, m.call_id),
    c.Hold: lambda e, m: e.hold_call(m.agent_id, m.call_id, m.held),
    c.Consult: lambda e, m: e.consult(m.agent_id, m.call_id, m.target),
    c.EndConsultation: lambda e, m: e.end_consultation(m.agent_id, m.call_id),
    c.CompleteTransfer: lambda e, m: e.complete_transfer(m.agent_id, m.call_id),
    c.Conference: lambda e, m: e.conference(m.agent_id, m.call_id),
    c.BlindTransfer: lambda e, m: e.blind_transfer(m.agent_id, m.call_id, m.target),
    c.Transfer: lambda e, m: e.transfer(m.call_id, m.kind, m.target),
    c.Dial: lambda e, m: e.dial(m.agent_id, m.number),
    c.SetRecording: lambda e, m: e.set_recording(m.agent_id, m.call_id, m.record),
    c.UseDevice: lambda e, m: e.use_device(m.agent_id, m.device),
    c.RequestCallback: lambda e, m: e.request_callback(m.caller, m.queue_id, m.preferred_at, m.note),
    c.AssignCallback: lambda e, m: e.assign_callback(m.callback_id, m.agent_id),
    c.DialCallback: lambda e, m: e.dial_callback(m.callback_id, m.agent_id),
    c.CallbackDone: lambda e, m: e.callback_done(m.callback_id, m.agent_id, m.note),
    c.CancelCallback: lambda e, m: e.cancel_callback(m.callback_id, m.agent_id, m.reason),
    c.Monitor: lambda e, m: e.monitor(m.supervisor_id, m.call_id, m.mode),
    c.StopMonitor: lambda e, m: e.stop_monitor(m.supervisor_id, m.call_id),
    c.ForcePause: lambda e, m: e.force_pause(m.supervisor_id, m.agent_id, m.code),
    c.ForceLogOut: lambda e, m: e.force_log_out(m.supervisor_id, m.agent_id),
    c.SupervisorSignIn: lambda e, m: e.supervisor_sign_in(m.supervisor_id, m.agent_id, m.queue_id),
    c.SupervisorSignOut: lambda e, m: e.supervisor_sign_out(m.supervisor_id, m.agent_id, m.queue_id),
    c.DesktopView: lambda e, m: e.view_of(m.agent_id),
    c.Panel: lambda e, m: e.panel(),
    c.Tick: lambda e, m: e.tick(),
    c.Reconfigure: lambda e, m: e.reconfigure(m.queues, m.agents, m.rules),
}
