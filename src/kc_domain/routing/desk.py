"""The agent's call control from the web desktop (AG-01, AG-11, IN-05, IN-15, IN-16). The same
happens when the agent uses the desk phone: the PBX reports it and ``on_pbx`` updates the engine;
here the engine tells the PBX and updates itself at once, so a PBX event echoing the command finds
nothing left to do.

Every command names the acting agent and is refused (``Forbidden``) unless the call is theirs: the
call rings at or is handled by them, or they are the consulted party of it. Targets are written
``agent:<id>``, ``queue:<id>``, an internal line (2-8 digits) or an E.164 number.
"""

from __future__ import annotations

import attrs

from kc_domain.errors import FieldError, Forbidden, NotFound, ValidationFailed
from kc_domain.routing import calls, dialback, queueing
from kc_domain.routing import events as ev
from kc_domain.routing.agent import DIALLABLE, Agent, AgentState
from kc_domain.routing.call import Call, CallEnd, CallStage
from kc_domain.routing.state import RoutingState
from kc_domain.validation import E164, INTERNAL_NUMBER


@attrs.frozen
class Target:
    """Where a consultation or transfer goes: an agent of KC, a queue, or a number for the PBX."""

    kind: str  # agent, queue, number
    value: str
    agent_id: int | None = None
    queue_id: int | None = None


def parse_target(text: str, field: str = "target") -> Target:
    """``agent:12``, ``queue:3``, ``2410`` or ``+420261105555``; anything else is refused."""
    raw = text.strip().replace(" ", "")
    kind, _, rest = raw.partition(":")
    if kind in ("agent", "queue") and rest.isdecimal():
        number = int(rest)
        return Target(
            kind,
            rest,
            agent_id=number if kind == "agent" else None,
            queue_id=number if kind == "queue" else None,
        )
    if E164.match(raw) or INTERNAL_NUMBER.match(raw):
        return Target("number", raw)
    raise ValidationFailed([FieldError(field, "bad_target", {"value": text})])


def answer_call(s: RoutingState, agent_id: int, call_id: str) -> None:
    """Pick up the call ringing at the agent's phone from the web (the phone must allow it)."""
    own(s, agent_id, call_id, CallStage.RINGING)
    s.pbx.answer_at_phone(call_id, agent_id)
    calls.call_answered(s, call_id, agent_id)


def hang_up_call(s: RoutingState, agent_id: int, call_id: str) -> None:
    call = own(s, agent_id, call_id, CallStage.ANSWERED, CallStage.RINGING)
    if call.stage == CallStage.RINGING and call.direction != "outbound":
        raise ValidationFailed.one("call", "not_answered")  # let it ring: ring-no-answer decides
    if call.consult_agent_id == agent_id and call.agent_id != agent_id:
        return end_consultation(s, call.agent_id or agent_id, call_id)  # the consulted leaves
    s.pbx.hang_up(call_id, "agent_hangup")
    calls.call_ended(s, call_id, "agent_hangup")


def hold_call(s: RoutingState, agent_id: int, call_id: str, held: bool = True) -> None:
    call = own(s, agent_id, call_id, CallStage.ANSWERED)
    if call.consulting:
        raise ValidationFailed.one("call", "consultation_open")
    if call.held == held:
        return
    (s.pbx.hold if held else s.pbx.retrieve)(call_id)
    calls.call_held(s, call_id, held)


def consult(s: RoutingState, agent_id: int, call_id: str, target_text: str) -> None:
    """Hold the caller and call an agent, supervisor or line (IN-15)."""
    call = own(s, agent_id, call_id, CallStage.ANSWERED, handler_only=True)
    if call.consulting:
        raise ValidationFailed.one("target", "consultation_open")
    target = parse_target(target_text)
    if target.kind == "queue":
        raise ValidationFailed.one("target", "bad_target", value=target_text)
    now = s.now()
    if target.agent_id is not None:
        other = free_agent(s, target.agent_id, agent_id)
        s.not_ready(other)
        previous = other.reserve(call_id, now)
        other.answer(call_id, now)
        s.agent_changed(other, previous, now, call_id, "consultation")
        call.consult_agent_id = other.agent_id
    s.pbx.consult(call_id, target.value if target.kind == "number" else f"agent:{target.value}")
    call.held_before_consult = call.held
    call.held, call.consulting = True, target_text.strip()
    s.emit(ev.CallConsulted(now, call_id, agent_id, call.consulting))


def end_consultation(s: RoutingState, agent_id: int, call_id: str) -> None:
    """Back to the caller: the consulted party leaves, the caller is taken off hold."""
    call = own(s, agent_id, call_id, CallStage.ANSWERED)
    if not call.consulting:
        raise ValidationFailed.one("call", "no_consultation")
    s.pbx.retrieve(call_id)
    release_consulted(s, call)
    call.held, call.consulting, call.conference = False, "", False
    s.emit(ev.CallConsultEnded(s.now(), call_id, "returned"))


def complete_transfer(s: RoutingState, agent_id: int, call_id: str) -> None:
    """The caller goes to the consulted party; the agent leaves the call (IN-15, IN-16)."""
    call = own(s, agent_id, call_id, CallStage.ANSWERED, handler_only=True)
    if not call.consulting:
        raise ValidationFailed.one("call", "no_consultation")
    now, target = s.now(), call.consulting
    if call.consult_agent_id is None:
        calls.leaving_for(s, call, target)
    s.pbx.complete_transfer(call_id)
    s.emit(ev.CallConsultEnded(now, call_id, "transferred"))
    other_id = call.consult_agent_id
    if other_id is None:  # a line, an external number, a supervisor outside the queues
        s.emit(ev.CallTransferred(now, call_id, agent_id, "number", target))
        call.consulting, call.held = "", False
        return calls.finish_answered(s, call, CallEnd.TRANSFERRED, f"transfer to {target}")
    s.emit(ev.CallTransferred(now, call_id, agent_id, "agent", str(other_id)))
    call.consulting, call.consult_agent_id, call.held, call.conference = "", None, False, False
    calls.finish_answered(s, call, None, "transfer after consultation")
    call.take_over(other_id, now)  # the consulted agent carries on with the caller
    s.start_recording(call)  # a stretch of their own


def conference(s: RoutingState, agent_id: int, call_id: str) -> None:
    """The caller, the agent and the consulted party talk together."""
    call = own(s, agent_id, call_id, CallStage.ANSWERED, handler_only=True)
    if not call.consulting:
        raise ValidationFailed.one("call", "no_consultation")
    s.pbx.conference(call_id)
    call.held, call.conference = False, True
    s.emit(ev.CallConferenced(s.now(), call_id, agent_id, call.consulting))


def blind_transfer(s: RoutingState, agent_id: int, call_id: str, target_text: str) -> None:
    """Transfer without consultation to an agent, a queue or any number (IN-16)."""
    call = own(s, agent_id, call_id, CallStage.ANSWERED, handler_only=True)
    if call.consulting:
        raise ValidationFailed.one("target", "consultation_open")
    target = parse_target(target_text)
    if target.kind == "queue":
        return calls.transfer(s, call_id, "queue", target.value)
    if target.kind == "number":
        return calls.transfer(s, call_id, "number", target.value)
    assert target.agent_id is not None
    other = free_agent(s, target.agent_id, agent_id)
    now = s.now()
    s.emit(ev.CallTransferred(now, call_id, agent_id, "agent", target.value))
    s.pbx.transfer(call_id, f"agent:{target.value}")
    calls.finish_answered(s, call, None, "transfer to an agent")
    call.hand_over(now)
    queueing.offer(s, call, other, "transfer", (), f"transferred by agent {agent_id}")


def dial_number(
    s: RoutingState,
    agent_id: int,
    number: str,
    entry_id: int | None = None,
    caller_id: str = "",
    record: bool = True,
) -> str:
    """A manual outbound call from the dial pad or a client card (AG-11), or to a campaign's
    contact (``entry_id``: OUT-10, journaled with the call, OUT-18) with the campaign's caller ID
    and its choice to record (OUT-17); returns its call id."""
    agent = s.active_agent(agent_id)
    target = parse_target(number, "number")
    if target.kind != "number":
        raise ValidationFailed.one("number", "bad_target", value=number)
    if agent.state not in DIALLABLE:
        raise ValidationFailed.one("number", "agent_not_free", state=agent.state.value)
    return dialback.place_call(
        s, agent, target.value, None, by_agent=True, entry_id=entry_id, caller_id=caller_id, record=record
    )


def use_device(s: RoutingState, agent_id: int, device: str) -> None:
    """Work on a mobile phone (an E.164 number) instead of the desk phone, or back ("")."""
    agent = s.find_agent(agent_id)
    device = device.strip().replace(" ", "")
    if device and not E164.match(device):
        raise ValidationFailed.one("device", "bad_external_number")
    if agent.state in (AgentState.RINGING, AgentState.BUSY):
        raise ValidationFailed.one("device", "agent_not_free", state=agent.state.value)
    s.pbx.route_agent(agent_id, device)
    agent.device = device
    s.emit(ev.AgentDeviceChanged(s.now(), agent_id, device))


def set_recording(s: RoutingState, agent_id: int, call_id: str, record: bool) -> None:
    """The agent's choice not to record this call (REC-01), or to record it again."""
    call = own(s, agent_id, call_id, CallStage.ANSWERED)
    if call.recording == record:
        return
    (s.pbx.start_recording if record else s.pbx.stop_recording)(call_id)
    call.recording = record
    s.emit(ev.CallRecordingSwitched(s.now(), call_id, agent_id, record))


def own(s: RoutingState, agent_id: int, call_id: str, *stages: CallStage, handler_only: bool = False) -> Call:
    """The agent's own live call in one of ``stages``; refuses anybody else's."""
    s.find_agent(agent_id)
    call = s.calls.get(call_id)
    if call is None or call.stage == CallStage.ENDED:
        raise NotFound("call", call_id)
    mine = call.agent_id == agent_id or (not handler_only and call.consult_agent_id == agent_id)
    if not mine:
        raise Forbidden(f"agent {agent_id} may not control call {call_id}")
    if stages and call.stage not in stages:
        raise ValidationFailed.one("call", f"not_{stages[0].value}")
    return call


def free_agent(s: RoutingState, agent_id: int, asking: int) -> Agent:
    if agent_id == asking:
        raise ValidationFailed.one("target", "bad_target", value=f"agent:{agent_id}")
    other = s.agents.get(agent_id)
    if other is None:
        raise NotFound("agent", agent_id)
    if other.state != AgentState.READY:
        raise ValidationFailed.one("target", "agent_not_free", state=other.state.value)
    return other


def release_consulted(s: RoutingState, call: Call) -> None:
    """The consulted agent leaves the call without wrap-up; nothing to do for a line or number."""
    other = s.agents.get(call.consult_agent_id) if call.consult_agent_id is not None else None
    call.consult_agent_id = None
    if other is not None and other.state == AgentState.BUSY and other.call_id == call.call_id:
        now = s.now()
        s.agent_changed(other, other.finish_call(now, 0), now, call.call_id, "consultation_over")
        queueing.became_ready(s, other)
