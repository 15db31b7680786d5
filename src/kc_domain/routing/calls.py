"""A call's life as the PBX and the agent move it: arrival, answer, hold, transfer, hang-up, and
the end of an answered call (wrap-up, the next call for a free agent). Handlers over ``RoutingState``."""

from __future__ import annotations

from datetime import datetime

from kc_domain.errors import NotFound, ValidationFailed
from kc_domain.routing import agents, desk, dialback, dialler, flow, queueing
from kc_domain.routing import events as ev
from kc_domain.routing import pbx_events as pbx
from kc_domain.routing.agent import Agent, AgentState
from kc_domain.routing.call import ABANDONED_AT, Call, CallEnd, CallStage
from kc_domain.routing.rules import apply_rules
from kc_domain.routing.state import RoutingState
from kc_domain.validation import INTERNAL_NUMBER

DEFAULT_WRAP_UP_S = 30  # after a manual outbound call, which belongs to no queue


def leaving_for(s: RoutingState, call: Call, target: str) -> None:
    """A call about to leave KC for a number: calls to external numbers stay recorded; to an
    internal line only when the contact centre wants that (IN-21)."""
    if (
        call.recording
        and call.agent_id is not None
        and not s.record_internal
        and INTERNAL_NUMBER.match(target)
    ):
        s.pbx.stop_recording(call.call_id)
        call.recording = False
        s.emit(ev.CallRecordingSwitched(s.now(), call.call_id, call.agent_id, False))


def device_state(s: RoutingState, event: pbx.DeviceStateChanged) -> None:
    if event.state not in pbx.DEVICE_STATES or not event.device:
        reason = f"state {event.state!r} of device {event.device!r} ignored"
        return s.ignore(s.now(), reason)
    if s.devices.get(event.device) != event.state:
        s.devices[event.device] = s.device_changes[event.device] = event.state


def transferred_at_pbx(s: RoutingState, event: pbx.CallTransferredAtPbx) -> None:
    now = s.now()
    call = s.calls.get(event.call_id)
    if call is None or call.stage != CallStage.ANSWERED:
        return s.ignore(now, f"transfer of {event.call_id} at the PBX ignored: not answered")
    s.emit(ev.CallTransferred(now, call.call_id, call.agent_id, "number", event.target))
    finish_answered(s, call, CallEnd.TRANSFERRED, f"transfer to {event.target}")


def call_arrived(
    s: RoutingState, call_id: str, caller: str, dialled: str, queue_id: int | None = None
) -> None:
    now = s.now()
    if call_id in s.calls or call_id in s.ended_ids:
        return s.ignore(now, f"call {call_id} arrived twice")
    if call_id in s.hung_up_early:
        return s.ignore(now, f"call {call_id} arrived after its hang-up; not routed")
    s.seq += 1
    call = s.calls[call_id] = Call(call_id, caller, dialled, now, s.seq)
    s.emit(ev.CallArrived(now, call_id, caller, dialled))
    outcome = apply_rules(s.rules, caller, s.caller_status(caller))
    if outcome.block:
        s.pbx.hang_up(call_id, "rejected")
        return end_call(s, call, CallEnd.REJECTED, f"rule {outcome.rule}")
    if outcome.priority is not None:
        call.priority = outcome.priority
    flow.route_new_call(s, call, outcome.queue_id or queue_id, outcome.rule)


def call_answered(s: RoutingState, call_id: str, agent_id: int) -> None:
    now = s.now()
    call = s.calls.get(call_id)
    if call is None or call.stage != CallStage.RINGING or call.agent_id != agent_id:
        state = "unknown" if call is None else f"{call.stage.value} at agent {call.agent_id}"
        return s.ignore(now, f"answer of {call_id} by agent {agent_id} ignored: call {state}")
    agent = s.agents[agent_id]
    previous = agent.answer(call_id, now)
    s.agent_changed(agent, previous, now, call_id)  # her busy interval names the call
    s.timers.disarm("rona", call_id)
    call.answer(agent_id, now)
    if call.from_agents_phone:  # the PBX dials the customer now
        return
    s.timers.disarm("max_wait", call_id)
    if call.caller:  # a withheld number is nobody's in particular (IN-13)
        s.last_agent[call.caller] = agent_id
    assert call.queue_id is not None and call.queued_at is not None
    waited = (now - call.queued_at).total_seconds()
    s.emit(ev.CallAnswered(now, call_id, call.queue_id, agent_id, waited))
    s.start_recording(call)
    if call.campaign_id is not None:
        dialler.agent_connected(s, call, agent_id)


def call_ended(s: RoutingState, call_id: str, cause: str = "normal") -> None:
    """Either party hung up; before an answer that is an abandon at the call's stage."""
    now = s.now()
    call = s.calls.get(call_id)
    if call is None and call_id not in s.ended_ids:
        s.hung_up_early[call_id] = now  # its arrival, delivered late, must not ring anyone
    if call is None or call.stage == CallStage.ENDED:
        return s.ignore(now, f"hang-up of {call_id} ignored: {'unknown' if call is None else 'ended'}")
    if call.direction == "outbound":
        return outbound_call_ended(s, call, cause, now)
    if call.stage == CallStage.ANSWERED:
        return finish_answered(s, call, CallEnd.COMPLETED, cause)
    flow_end = flow.flow_ended(s, call)
    if flow_end is not None:
        return end_call(s, call, flow_end, cause)
    if call.stage == CallStage.RINGING:
        release_offer(s, call, now)
    end_call(s, call, ABANDONED_AT[call.stage], cause)


def outbound_call_ended(s: RoutingState, call: Call, cause: str, now: datetime) -> None:
    if call.campaign_id is not None:
        return dialler.dialled_ended(s, call, cause)
    if call.stage == CallStage.ANSWERED:
        return finish_answered(s, call, dialback.outbound_ended(s, call, cause), cause)
    if call.stage == CallStage.RINGING:
        release_offer(s, call, now)
        dialback.outbound_not_picked_up(s, call, "hung up before the agent picked up")
    end_call(s, call, CallEnd.NOT_REACHED, cause)


def call_held(s: RoutingState, call_id: str, held: bool) -> None:
    now = s.now()
    call = s.calls.get(call_id)
    if call is None or call.stage != CallStage.ANSWERED or call.held == held:
        return s.ignore(now, f"{'hold' if held else 'retrieve'} of {call_id} ignored")
    assert call.agent_id is not None
    call.held = held
    s.emit((ev.CallHeld if held else ev.CallRetrieved)(now, call_id, call.agent_id))


def transfer(s: RoutingState, call_id: str, kind: str, target: str) -> None:
    """The agent's blind transfer (IN-16): to a queue re-queues the call, else the PBX takes it."""
    now = s.now()
    call = s.find_call(call_id)
    if call.stage != CallStage.ANSWERED:
        raise ValidationFailed.one("call", "not_answered")
    if kind == "queue" and (not target.isdecimal() or not s.takes_calls(int(target))):
        raise NotFound("queue", target)
    s.emit(ev.CallTransferred(now, call_id, call.agent_id, kind, target))
    if kind == "queue":
        finish_answered(s, call, None, "transfer")
        call.start_over()
        return queueing.enqueue(s, call, int(target), "transfer", sticky=False)
    leaving_for(s, call, target)
    s.pbx.transfer(call_id, target)
    finish_answered(s, call, CallEnd.TRANSFERRED, f"transfer to {target}")


def on_rona(s: RoutingState, call_id: str, now: datetime) -> None:
    call = s.calls[call_id]
    agent = s.agents[call.agent_id] if call.agent_id is not None else None
    if call.stage != CallStage.RINGING or agent is None:
        return
    if call.from_agents_phone:
        s.pbx.hang_up(call.call_id, "agent_no_answer")
        return outbound_given_up(s, call, agent, now, "the agent did not pick up", "agent did not answer")
    s.pbx.cancel_ring(call_id, agent.agent_id)
    rang_out(s, call, agent, now, "ring_no_answer")


def rang_out(s: RoutingState, call: Call, agent: Agent, now: datetime, reason: str) -> None:
    """The offer ended unanswered (``reason``: ring_no_answer, or the PBX could not ring her phone):
    the agent is paused so that no further call rings at her, and the call goes back to the head of
    its queue, to the next ready agent if there is one."""
    s.timers.disarm("rona", call.call_id)
    s.emit(ev.CallRingNoAnswer(now, call.call_id, agent.agent_id))
    s.agent_changed(agent, agent.ring_no_answer(now), now, call.call_id, reason)
    call.ring_no_answer()
    if call.max_wait_until is not None and now >= call.max_wait_until:
        return queueing.overflow(s, call, "max_wait")  # the limit passed while it rang
    queueing.offer_to_best_agent(s, call, now) or s.push(call)


def outbound_given_up(s: RoutingState, call: Call, agent: Agent, now: datetime, why: str, cause: str) -> None:
    """The agent's phone rang for an outbound call and she did not pick up (or the PBX could not
    ring it): KC gives the call up. A call she placed herself leaves her where she was (her pause
    stays hers); a callback KC dialled for her as a free agent was offered like an inbound call, and
    missing it pauses her (ring-no-answer) so that the next one does not ring at an empty desk."""
    if call.placed_by_agent:
        s.agent_changed(agent, agent.dial_not_picked_up(now), now, call.call_id, "dial_not_picked_up")
    else:
        s.agent_changed(agent, agent.ring_no_answer(now), now, call.call_id, "ring_no_answer")
    dialback.outbound_not_picked_up(s, call, why)
    end_call(s, call, CallEnd.NOT_REACHED, cause)
    if agent.state == AgentState.READY:
        queueing.became_ready(s, agent)


def release_offer(s: RoutingState, call: Call, now: datetime) -> None:
    agent = s.agents[call.agent_id] if call.agent_id is not None else None
    s.timers.disarm("rona", call.call_id)
    if agent is not None and agent.state == AgentState.RINGING and agent.call_id == call.call_id:
        s.pbx.cancel_ring(call.call_id, agent.agent_id)
        ring_released(s, agent, call, now)


def ring_released(s: RoutingState, agent: Agent, call: Call, now: datetime) -> None:
    """The agent's phone stopped ringing before she picked up: the caller went, or she hung up a
    call she placed herself, which takes her back to the pause she dialled out from."""
    if call.placed_by_agent:
        s.agent_changed(agent, agent.dial_not_picked_up(now), now, call.call_id, "dial_cancelled")
    else:
        s.agent_changed(agent, agent.release(now), now, call.call_id, "caller_gone")
    if agent.state == AgentState.READY:
        queueing.became_ready(s, agent)


def finish_answered(s: RoutingState, call: Call, end: CallEnd | None, cause: str) -> None:
    now = s.now()
    agent = s.agents[call.agent_id] if call.agent_id is not None else None
    if end is not None and call.consult_agent_id is not None:
        desk.release_consulted(s, call)  # a conference or an open consultation ends with the call
    if agent is not None and agent.state == AgentState.BUSY and agent.call_id == call.call_id:
        queue = s.queues.get(call.queue_id) if call.queue_id is not None else None
        wrap_up_s = queue.wrap_up_s if queue is not None else DEFAULT_WRAP_UP_S
        if agent.agent_id in s.retired:
            wrap_up_s = 0  # removed by the administration: logged out as soon as the call ends
        if queue is not None and call.answered_at is not None and call.direction == "inbound":
            flow.handled(s, queue.queue_id, (now - call.answered_at).total_seconds() + wrap_up_s)
        s.agent_changed(agent, agent.finish_call(now, wrap_up_s), now, call.call_id)
        if agent.wrap_up_until is not None:  # in wrap-up until then
            s.timers.arm("wrap", str(agent.agent_id), agent.wrap_up_until)
        elif not agents.work_over(s, agent):
            queueing.became_ready(s, agent)
    if end is not None:
        end_call(s, call, end, cause)
    elif call.recording:  # the call goes on with another agent (a transfer): their stretch ends
        s.pbx.stop_recording(call.call_id)  # the next agent's starts when they talk (REC-02)


def end_call(s: RoutingState, call: Call, end: CallEnd, cause: str) -> None:
    now = s.now()
    s.unpark_or_pop(call)
    for kind in ("rona", "max_wait", "sticky", "ivr", "announce", "keyin"):
        s.timers.disarm(kind, call.call_id)
    call.finish(end, now)
    s.emit(ev.CallEnded(now, call.call_id, end.value, call.queue_id, call.agent_id, cause))


def digits_pressed(s: RoutingState, event: pbx.DigitsPressed) -> None:
    call = s.calls.get(event.call_id)
    if call is None or call.stage == CallStage.ENDED or not event.digits:
        s.ignore(s.now(), f"digits for {event.call_id} ignored: no live call")
    elif not flow.flow_digits(s, call, event.digits):  # e.g. keyed in while talking
        call.tags["digits"] = call.tags.get("digits", "") + event.digits


def recording_ready(s: RoutingState, event: pbx.RecordingReady) -> None:
    """A recorded stretch of the call, credited to the agent who talked at its start (REC-02)."""
    call = s.calls.get(event.call_id)
    if call is None and event.call_id not in s.ended_ids:
        return s.ignore(s.now(), f"recording of unknown call {event.call_id} ignored")
    agent_id = call.talker_at(event.started_at) if call is not None else None
    s.emit(
        ev.CallRecorded(
            event.at, event.call_id, agent_id, event.recording, event.started_at, event.duration_s
        )
    )


def phone_ringing(s: RoutingState, event: pbx.PhoneRinging) -> None:
    """The PBX confirms a ring KC asked for; anything else is a stray event."""
    call = s.calls.get(event.call_id)
    if call is None or call.stage != CallStage.RINGING or call.agent_id != event.agent_id:
        s.ignore(s.now(), f"ringing of {event.call_id} at {event.agent_id} ignored")
