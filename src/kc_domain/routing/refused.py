"""What KC does when the PBX refuses a command it gave for a call (``CommandRefusedAtPbx``): the
refusal is journaled (``PbxCommandRefused``), KC's state is made to match what the PBX really did,
and the agent it concerns is told on her desktop (``RoutingState.refusals``, until her next call).
Each command's consequence is in ``REACTIONS``; docs/asterisk.md ("When Asterisk refuses a command")
has the table and why. Handlers over ``RoutingState``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from kc_domain.routing import calls, desk, dialler, flow
from kc_domain.routing import events as ev
from kc_domain.routing import pbx_events as pbx
from kc_domain.routing.agent import AgentState
from kc_domain.routing.call import Call, CallEnd, CallStage
from kc_domain.routing.state import RoutingState

log = logging.getLogger("kc_domain.routing.engine")
Reaction = Callable[[RoutingState, Call, ev.PbxCommandRefused], None]
TRANSFERS = frozenset({"transfer", "complete_transfer"})


def command_refused(s: RoutingState, event: pbx.CommandRefusedAtPbx) -> None:
    call = s.calls.get(event.call_id)
    if call is None:
        return s.ignore(s.now(), f"refusal of {event.command} for unknown call {event.call_id} ignored")
    agent_id = passed_on_by(call) if event.command in TRANSFERS else call.agent_id
    refusal = ev.PbxCommandRefused(s.now(), call.call_id, agent_id, event.command, event.reason)
    log.warning("PBX refused %s: call=%s agent=%s: %s", event.command, call.call_id, agent_id, event.reason)
    s.emit(refusal)
    REACTIONS.get(event.command, _journaled)(s, call, refusal)


def tell(s: RoutingState, refusal: ev.PbxCommandRefused) -> None:
    """The agent's desktop says what the PBX refused, until her next call (``agent_changed``)."""
    if refusal.agent_id is not None and refusal.agent_id in s.agents:
        s.refusals[refusal.agent_id] = refusal


def passed_on_by(call: Call) -> int | None:
    """The agent who passed the call on: the last to talk with the caller, or the one before the
    colleague it went on with (a transfer after consultation)."""
    talked = [agent_id for _since, agent_id in call.talkers]
    if call.stage == CallStage.ANSWERED and len(talked) > 1 and talked[-1] == call.agent_id:
        return talked[-2]
    return talked[-1] if talked else call.agent_id


def _cause(refusal: ev.PbxCommandRefused) -> str:
    return f"PBX refused {refusal.command}: {refusal.reason}"


def _not_rung(s: RoutingState, call: Call, refusal: ev.PbxCommandRefused) -> None:
    """Her phone could not be rung: the offer ends as at ring-no-answer, and the call goes on to the
    next agent; an outbound call (a callback, her own dial) is given up."""
    agent = s.agents.get(call.agent_id) if call.agent_id is not None else None
    if call.stage != CallStage.RINGING or agent is None:
        return
    if agent.state != AgentState.RINGING or agent.call_id != call.call_id:
        return
    tell(s, refusal)
    now = s.now()
    if call.from_agents_phone:
        why = f"the PBX refused to ring the agent's phone: {refusal.reason}"
        return calls.outbound_given_up(s, call, agent, now, why, _cause(refusal))
    calls.rang_out(s, call, agent, now, "phone_refused")


def _call_ends(s: RoutingState, call: Call, refusal: ev.PbxCommandRefused) -> None:
    """KC cannot pick the caller up for its prompts (or record their message): the call cannot go
    on, and ends, hung up at the PBX. Once an agent's phone rings or talks, the call goes on."""
    if call.stage in (CallStage.ENDED, CallStage.RINGING, CallStage.ANSWERED):
        return
    s.pbx.hang_up(call.call_id, "pbx_refused")
    end = CallEnd.VOICEMAIL if call.stage == CallStage.VOICEMAIL else CallEnd.REJECTED
    flow.flow_ended(s, call)  # closes its walk through the IVR and the flow's timers
    calls.end_call(s, call, end, _cause(refusal))


def _dial_refused(s: RoutingState, call: Call, refusal: ev.PbxCommandRefused) -> None:
    """The PBX would not dial a campaign's contact: no attempt counts, the contact goes back."""
    if call.stage == CallStage.ARRIVED and call.campaign_id is not None:
        dialler.dial_refused(s, call, refusal.reason)


def _prompt_skipped(s: RoutingState, call: Call, _refusal: ev.PbxCommandRefused) -> None:
    """The prompt cannot be played: it counts as played, so that the IVR or the queue goes on."""
    if call.stage != CallStage.ENDED and call.prompts_playing:
        flow.prompt_finished(s, call.call_id)


def _hold_refused(s: RoutingState, call: Call, refusal: ev.PbxCommandRefused) -> None:
    """The caller stays as they were (not held after a refused hold, held after a refused
    retrieve): KC takes back the change it made at once."""
    if call.stage != CallStage.ANSWERED or call.agent_id is None:
        return
    tell(s, refusal)
    held = refusal.command == "retrieve"
    if call.held != held and not call.consulting:
        call.held = held
        s.emit((ev.CallHeld if held else ev.CallRetrieved)(s.now(), call.call_id, call.agent_id))


def _consult_refused(s: RoutingState, call: Call, refusal: ev.PbxCommandRefused) -> None:
    """No consultation: the consulted colleague is free again, the caller as before it."""
    if call.stage != CallStage.ANSWERED or not call.consulting:
        return
    tell(s, refusal)
    desk.release_consulted(s, call)
    call.consulting, call.conference, call.held = "", False, call.held_before_consult
    s.emit(ev.CallConsultEnded(s.now(), call.call_id, "refused"))


def _conference_refused(s: RoutingState, call: Call, refusal: ev.PbxCommandRefused) -> None:
    """The consultation goes on; the caller still waits on hold."""
    if call.stage != CallStage.ANSWERED or not call.conference:
        return
    tell(s, refusal)
    call.conference, call.held = False, True


def _transfer_refused(s: RoutingState, call: Call, refusal: ev.PbxCommandRefused) -> None:
    """KC let the call go before the PBX refused, and cannot take it back (its end is final): the
    agent is told that the caller is still on her line. A colleague's ring for a blind transfer to
    her is withdrawn, and the call ends there."""
    tell(s, refusal)
    if call.stage == CallStage.RINGING:
        calls.release_offer(s, call, s.now())
        calls.end_call(s, call, CallEnd.TRANSFERRED, _cause(refusal))


def _recording_refused(s: RoutingState, call: Call, refusal: ev.PbxCommandRefused) -> None:
    """The call is recorded (a refused stop) or not (a refused start), whatever KC asked."""
    recording = refusal.command == "stop_recording"
    if call.stage == CallStage.ANSWERED and call.recording != recording:
        call.recording = recording
        tell(s, refusal)


def _told(s: RoutingState, call: Call, refusal: ev.PbxCommandRefused) -> None:
    """KC's state stands; the agent is told (a pick-up from the web: she lifts the handset, or
    hangs up; a hang-up: she hangs up her phone)."""
    tell(s, refusal)


def _journaled(_s: RoutingState, _call: Call, _refusal: ev.PbxCommandRefused) -> None:
    """KC had moved on already (a cancelled ring) or the refusal is not the agent's (a supervisor's
    monitoring): the journal keeps it."""


REACTIONS: dict[str, Reaction] = {
    "ring_agent": _not_rung,
    "originate": _not_rung,
    "dial_out": _dial_refused,
    "answer": _call_ends,
    "record_voicemail": _call_ends,
    "play": _prompt_skipped,
    "hold": _hold_refused,
    "retrieve": _hold_refused,
    "consult": _consult_refused,
    "conference": _conference_refused,
    "transfer": _transfer_refused,
    "complete_transfer": _transfer_refused,
    "start_recording": _recording_refused,
    "stop_recording": _recording_refused,
    "answer_at_phone": _told,
    "hang_up": _told,
}
