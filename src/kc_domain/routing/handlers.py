"""The engine's one table: every message type (a command, a query, a PBX event) to the handler that
carries it out, and every timer kind to the handler of its expiry. ``RoutingEngine.handle`` and
``RoutingEngine.tick`` look handlers up here and nowhere else.

A new medium (an outbound campaign's attempt, a chat) brings its message types and timer kinds with
their handlers (``work.Medium``); an engine built with it handles them from its own copy of these
tables (``work.tables``), and the engine's core does not change.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from kc_domain.routing import (
    agents,
    calls,
    desk,
    dialback,
    dialler,
    flow,
    menu,
    queueing,
    reconfigure,
    refused,
    supervise,
)
from kc_domain.routing import commands as c
from kc_domain.routing import events as ev
from kc_domain.routing import pbx_events as pbx
from kc_domain.routing.live import agent_view, panel_view
from kc_domain.routing.state import RoutingState

Handler = Callable[[RoutingState, Any], Any]
TimerHandler = Callable[[RoutingState, str, datetime], None]

HANDLERS: dict[type, Handler] = {
    # the agent's work state
    c.LogIn: lambda s, m: agents.log_in(s, m.agent_id),
    c.LogOut: lambda s, m: agents.log_out(s, m.agent_id),
    c.Ready: lambda s, m: agents.ready(s, m.agent_id),
    c.Pause: lambda s, m: agents.pause(s, m.agent_id, m.code),
    c.ExtendWrapUp: lambda s, m: agents.extend_wrap_up(s, m.agent_id, m.seconds),
    c.SignIn: lambda s, m: agents.sign_in(s, m.agent_id, m.queue_id),
    c.SignOut: lambda s, m: agents.sign_out(s, m.agent_id, m.queue_id),
    # the agent's calls at the desktop
    c.Answer: lambda s, m: desk.answer_call(s, m.agent_id, m.call_id),
    c.HangUp: lambda s, m: desk.hang_up_call(s, m.agent_id, m.call_id),
    c.Hold: lambda s, m: desk.hold_call(s, m.agent_id, m.call_id, m.held),
    c.Consult: lambda s, m: desk.consult(s, m.agent_id, m.call_id, m.target),
    c.EndConsultation: lambda s, m: desk.end_consultation(s, m.agent_id, m.call_id),
    c.CompleteTransfer: lambda s, m: desk.complete_transfer(s, m.agent_id, m.call_id),
    c.Conference: lambda s, m: desk.conference(s, m.agent_id, m.call_id),
    c.BlindTransfer: lambda s, m: desk.blind_transfer(s, m.agent_id, m.call_id, m.target),
    c.Transfer: lambda s, m: calls.transfer(s, m.call_id, m.kind, m.target),
    c.Dial: lambda s, m: desk.dial_number(s, m.agent_id, m.number, m.entry_id, m.caller_id, m.record),
    c.SetRecording: lambda s, m: desk.set_recording(s, m.agent_id, m.call_id, m.record),
    c.UseDevice: lambda s, m: desk.use_device(s, m.agent_id, m.device),
    # callbacks
    c.RequestCallback: lambda s, m: dialback.request_callback(
        s, m.caller, m.queue_id, m.preferred_at, m.note
    ),
    c.AssignCallback: lambda s, m: dialback.assign_callback(s, m.callback_id, m.agent_id),
    c.DialCallback: lambda s, m: dialback.dial_callback(s, m.callback_id, m.agent_id),
    c.CallbackDone: lambda s, m: dialback.callback_done(s, m.callback_id, m.agent_id, m.note),
    c.CancelCallback: lambda s, m: dialback.cancel_callback(s, m.callback_id, m.agent_id, m.reason),
    # the supervisor
    c.Monitor: lambda s, m: supervise.monitor(s, m.supervisor_id, m.call_id, m.mode),
    c.StopMonitor: lambda s, m: supervise.stop_monitor(s, m.supervisor_id, m.call_id),
    c.ForcePause: lambda s, m: supervise.force_pause(s, m.supervisor_id, m.agent_id, m.code),
    c.ForceLogOut: lambda s, m: supervise.force_log_out(s, m.supervisor_id, m.agent_id),
    c.SupervisorSignIn: lambda s, m: supervise.supervisor_sign_in(s, m.supervisor_id, m.agent_id, m.queue_id),
    c.SupervisorSignOut: lambda s, m: supervise.supervisor_sign_out(
        s, m.supervisor_id, m.agent_id, m.queue_id
    ),
    # queries
    c.DesktopView: lambda s, m: agent_view(s, s.find_agent(m.agent_id).agent_id, s.now()),
    c.Panel: lambda s, m: panel_view(s),
    # the host
    c.Tick: lambda s, m: tick(s),
    c.Reconfigure: reconfigure.apply,
    c.UseCampaigns: lambda s, m: dialler.use_campaigns(s, m.campaigns),
    c.FillHopper: lambda s, m: dialler.fill_hopper(s, m.campaign_id, m.contacts),
    c.HopperNeeds: lambda s, m: dialler.hopper_needs(s),
    c.HopperContents: lambda s, m: dialler.hopper_contents(s),
    c.DropFromHopper: lambda s, m: dialler.drop_from_hopper(s, m.campaign_id, m.entry_ids, m.reason),
    # what the PBX reports (the same for a call handled at the desk phone or the web)
    pbx.CallReachedPbx: lambda s, e: calls.call_arrived(s, e.call_id, e.caller, e.dialled),
    pbx.PhonePickedUp: lambda s, e: calls.call_answered(s, e.call_id, e.agent_id),
    pbx.CallHungUpAtPbx: lambda s, e: calls.call_ended(s, e.call_id, e.cause),
    pbx.CallHeldAtPbx: lambda s, e: calls.call_held(s, e.call_id, e.held),
    pbx.CallTransferredAtPbx: calls.transferred_at_pbx,
    pbx.DigitsPressed: calls.digits_pressed,
    pbx.PromptFinished: lambda s, e: flow.prompt_finished(s, e.call_id),
    pbx.VoicemailRecorded: lambda s, e: flow.voicemail_recorded(
        s, e.call_id, e.box, e.recording, e.duration_s
    ),
    pbx.CalledPartyAnswered: lambda s, e: dialback.called_party_answered(s, e.call_id, e.machine),
    pbx.DeviceStateChanged: calls.device_state,
    pbx.RecordingReady: calls.recording_ready,
    pbx.PhoneRinging: calls.phone_ringing,
    pbx.CommandRefusedAtPbx: refused.command_refused,
}

TIMERS: dict[str, TimerHandler] = {
    "rona": calls.on_rona,  # ring-no-answer
    "wrap": agents.on_wrap,  # the end of wrap-up
    "max_wait": queueing.on_max_wait,
    "sticky": queueing.on_sticky,  # the wait for the caller's last agent is over
    "ivr": menu.on_ivr,  # no key pressed in time
    "announce": flow.on_announce,  # the next position announcement
    "keyin": flow.on_keyin,  # the preferred callback time keyed in so far
    "callback": dialback.on_callback,  # a callback request is due
    "pace": dialler.on_pace,  # the dialling campaigns are paced
    "connect": dialler.on_connect,  # a dialler's live answer found no agent in time
    "dial_cutoff": dialler.on_cutoff,  # a dialled number rang past its ring time
}


REJECTED_EVERY = timedelta(seconds=60)  # how often the count of dropped PBX events is journaled


def tick(s: RoutingState) -> None:
    """Act on every timer due now, each by its kind's handler; sweep the callback book now and then;
    journal the count of PBX events dropped since the last time (``PbxEventsRejected``)."""
    now = s.now()
    while (due := s.timers.pop_due(now)) is not None:
        kind, key = due
        s.timer_handlers[kind](s, key, now)
    if len(s.callbacks) and now >= s.next_sweep:
        dialback.dispatch_callbacks(s)  # a safety net; due times and free agents dispatch at once
    if s.rejected > s.rejected_journaled and now - s.rejected_at >= REJECTED_EVERY:
        count = s.rejected - s.rejected_journaled
        s.rejected_journaled, s.rejected_at = s.rejected, now
        s.emit(ev.PbxEventsRejected(now, count, s.ignored[-1][1] if s.ignored else ""))
