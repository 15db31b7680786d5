"""What a caller hears and keys in around the queue: the IVR tree of the dialled number, the general
announcement, announcements while waiting, a callback or a voicemail instead of waiting.

Handlers over ``RoutingState``; the IVR trees themselves are ``menu``.
Prompts go to the PBX one after another; the PBX reports each finished prompt, and a key press cuts
off whatever plays (barge-in). A step that must wait for the prompts before it (enqueue after the
general announcement, record after the voicemail intro, hang up after a confirmation) is kept in
``_after_prompts`` and run when the last prompt has finished.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from kc_domain.callbacks.model import CallbackRequest, CallbackSource
from kc_domain.callbacks.preferred import parse_preferred
from kc_domain.errors import ValidationFailed
from kc_domain.ivr.model import Prompt
from kc_domain.routing import calls, dialback, menu, prompts, queueing
from kc_domain.routing import events as ev
from kc_domain.routing.call import Call, CallEnd, CallStage
from kc_domain.routing.state import RoutingState

KEY_IN_TIMEOUT_S = 15  # waiting for the next digit of a preferred callback time
KEY_IN_TRIES = 2
DEFAULT_HANDLE_S = 180.0  # expected handling time before a queue has any history
HANDLE_SMOOTHING = 0.1  # weight of the newest call in the moving average


def route_new_call(s: RoutingState, call: Call, target: int | None, rule: str) -> None:
    """After the caller rules: the general announcement, then the dialled number's IVR tree or queue."""
    now = s.now()
    tree = None if target is not None else s.directory.by_number.get(call.dialled)
    queue_id = target or s.by_number.get(call.dialled)
    if tree is None and not s.takes_calls(queue_id):
        s.pbx.hang_up(call.call_id, "unknown_number")
        return calls.end_call(s, call, CallEnd.REJECTED, f"no queue for {call.dialled}")
    for prompt in s.general_prompts(call.dialled, now):  # IN-20: before the menu or the queue
        say(s, call, "general", prompt)
    if tree is not None:
        return menu.start_ivr(s, call, tree)
    assert queue_id is not None
    then(s, call, lambda: queueing.enqueue(s, call, queue_id, rule))


def then(s: RoutingState, call: Call, step: Callable[[], None]) -> None:
    """Run ``step`` once the prompts queued for the caller have played (at once if none)."""
    if call.prompts_playing > 0:
        s.after_prompts[call.call_id] = step
    else:
        step()


def answer(s: RoutingState, call: Call) -> None:
    if not call.pbx_answered:
        call.pbx_answered = True
        s.pbx.answer(call.call_id)


def say(s: RoutingState, call: Call, kind: str, prompt: Prompt | str) -> None:
    """Queue a prompt (a Prompt, or a Czech text) for the caller."""
    if isinstance(prompt, str):
        prompt = Prompt(text=prompt)
    if not prompt:
        return
    answer(s, call)
    call.prompts_playing += 1
    s.emit(ev.CallAnnounced(s.now(), call.call_id, kind, prompt.text or prompt.audio))
    s.pbx.play(call.call_id, prompts.recording(prompt.audio) if prompt.audio else prompts.tts(prompt.text))


def prompt_finished(s: RoutingState, call_id: str) -> None:
    call = s.calls.get(call_id)
    if call is None or call.prompts_playing == 0:
        return s.ignore(s.now(), f"prompt end for {call_id} ignored: nothing playing")
    call.prompts_playing -= 1
    if call.prompts_playing:
        return
    step = s.after_prompts.pop(call_id, None)
    if step is not None:
        return step()
    session = s.sessions.get(call_id)
    if session is not None:
        menu.perform(s, call, session, session.on_prompt_finished(s.now()))


def waiting_started(s: RoutingState, call: Call) -> None:
    """The call waits in its queue: say so when nobody is signed in (IN-23), announce the position
    and expected wait (IN-10) with the offers of a callback or voicemail, and repeat it."""
    assert call.queue_id is not None
    queue = s.queues[call.queue_id]
    nobody = not s.anyone_signed_in(queue.queue_id)
    if nobody:
        say(s, call, "no_agents", prompts.NO_AGENTS)
    if queue.announce_every_s or queue.callback_key or queue.voicemail_key:
        announce(s, call, first=True)


def announce(s: RoutingState, call: Call, *, first: bool = False) -> None:
    assert call.queue_id is not None
    queue, now = s.queues[call.queue_id], s.now()
    waiting = s.waiting(queue.queue_id)
    position = next((i for i, c in enumerate(waiting, 1) if c is call), len(waiting) + 1)
    staffed = s.staffed(queue.queue_id)
    wait = position * s.handle_s.get(queue.queue_id, DEFAULT_HANDLE_S) / staffed if staffed else None
    parts = []
    if queue.announce_every_s:
        if first:
            parts.append(prompts.HOLD_ON)
        parts.append(
            prompts.position_text(
                position, wait, position_on=queue.announce_position, wait_on=queue.announce_wait
            )
        )
    parts.append(prompts.offers_text(queue.callback_key if call.caller else "", queue.voicemail_key))
    text = " ".join(p for p in parts if p)
    say(s, call, "position" if queue.announce_every_s else "offer", text)
    if queue.announce_every_s:
        s.timers.arm("announce", call.call_id, now + timedelta(seconds=queue.announce_every_s))


def on_announce(s: RoutingState, call_id: str, now: datetime) -> None:
    call = s.calls.get(call_id)
    if call is not None and call.stage == CallStage.QUEUED and call.sticky_agent_id is None:
        announce(s, call)


def handled(s: RoutingState, queue_id: int, seconds: float) -> None:
    """A call of the queue took ``seconds`` (talk and wrap-up): update the expected handling time."""
    old = s.handle_s.get(queue_id, DEFAULT_HANDLE_S)
    s.handle_s[queue_id] = old + HANDLE_SMOOTHING * (seconds - old)


def queue_digits(s: RoutingState, call: Call, digits: str) -> None:
    assert call.queue_id is not None
    queue, key = s.queues[call.queue_id], digits[0]
    if key == queue.callback_key and call.caller:
        leave_queue(s, call)
        ask_callback_time(s, call, CallbackSource.QUEUE_DTMF)
        if len(digits) > 1:  # the time keyed in right away
            callback_digits(s, call, digits[1:])
        return
    if key == queue.voicemail_key:
        leave_queue(s, call)
        return to_voicemail(s, call, queue.name, queue.queue_id)
    if key == queue.callback_key:
        say(s, call, "callback", prompts.CALLBACK_NO_NUMBER)


def leave_queue(s: RoutingState, call: Call) -> None:
    s.unpark_or_pop(call)
    for kind in ("announce", "max_wait", "sticky"):
        s.timers.disarm(kind, call.call_id)
    call.prompts_playing = 0  # the key press cut off the announcement
    s.after_prompts.pop(call.call_id, None)


def ask_callback_time(s: RoutingState, call: Call, source: CallbackSource) -> None:
    call.ask_callback()
    call.tags["callback_source"] = source.value
    call.tags["callback_tries"] = "0"
    say(s, call, "callback", prompts.CALLBACK_ASK_TIME)
    then(s, call, lambda: await_key_in(s, call))


def await_key_in(s: RoutingState, call: Call) -> None:
    """The time entry waits KEY_IN_TIMEOUT_S for the next key once the question has been asked."""
    s.timers.arm("keyin", call.call_id, s.now() + timedelta(seconds=KEY_IN_TIMEOUT_S))


def callback_digits(s: RoutingState, call: Call, digits: str) -> None:
    call.prompts_playing = 0
    s.after_prompts.pop(call.call_id, None)
    call.keyed += digits
    if "#" in call.keyed:
        return callback_time_entered(s, call, call.keyed.split("#", 1)[0])
    s.timers.arm("keyin", call.call_id, s.now() + timedelta(seconds=KEY_IN_TIMEOUT_S))


def on_keyin(s: RoutingState, call_id: str, now: datetime) -> None:
    call = s.calls.get(call_id)
    if call is not None and call.stage == CallStage.CALLBACK:
        callback_time_entered(s, call, call.keyed)


def callback_time_entered(s: RoutingState, call: Call, keyed: str) -> None:
    assert call.queue_id is not None
    now, queue = s.now(), s.queues[call.queue_id]
    s.timers.disarm("keyin", call.call_id)
    call.keyed = ""
    preferred = None
    if keyed:
        try:
            preferred = parse_preferred(keyed, now, queue.hours, s.zone, s.holidays)
        except ValidationFailed as error:
            tries = int(call.tags.get("callback_tries", "0")) + 1
            call.tags["callback_tries"] = str(tries)
            call.tags["callback_time_error"] = error.errors[0].code
            if tries < KEY_IN_TRIES:
                say(s, call, "callback", prompts.CALLBACK_BAD_TIME)
                say(s, call, "callback", prompts.CALLBACK_ASK_TIME)
                then(s, call, lambda: await_key_in(s, call))
                return
    request = callback_for(s, call, preferred)
    confirmed = request.preferred_at
    say(
        s,
        call,
        "callback",
        prompts.callback_confirmed(confirmed, s.zone) if confirmed else prompts.CALLBACK_ASAP,
    )
    then(s, call, lambda: s.pbx.hang_up(call.call_id, "callback_requested"))
    calls.end_call(s, call, CallEnd.CALLED_BACK, "callback requested")


def callback_for(s: RoutingState, call: Call, preferred: datetime | None) -> CallbackRequest:
    """The caller's callback request, added to the book (merged with an open one of theirs)."""
    assert call.queue_id is not None
    now = s.now()
    s.seq += 1
    request = CallbackRequest.create(
        id=s.new_id(),
        caller=call.caller,
        queue_id=call.queue_id,
        created_at=now,
        seq=s.seq,
        source=call.tags.get("callback_source", CallbackSource.QUEUE_DTMF.value),
        joined_at=call.queued_at or call.arrived_at,
        preferred_at=preferred,
        call_id=call.call_id,
    )
    kept = dialback.add_callback(s, request)
    call.callback_id = kept.id
    return kept


def callback_abandoned(s: RoutingState, call: Call) -> None:
    """The caller hung up while keying in the time: they asked for a callback, so it is made."""
    s.timers.disarm("keyin", call.call_id)
    if call.caller and call.queue_id is not None:
        callback_for(s, call, None)


def to_voicemail(s: RoutingState, call: Call, box: str, queue_id: int | None) -> None:
    call.to_voicemail(queue_id)
    call.tags["voicemail_box"] = box
    say(s, call, "voicemail", prompts.VOICEMAIL_INTRO)
    then(s, call, lambda: s.pbx.record_voicemail(call.call_id, box))


def voicemail_recorded(s: RoutingState, call_id: str, box: str, recording: str, duration_s: float) -> None:
    now = s.now()
    call = s.calls.get(call_id)
    if call is None or call.stage != CallStage.VOICEMAIL:
        return s.ignore(now, f"voicemail of {call_id} ignored: not recording")
    s.emit(ev.CallVoicemailLeft(now, call_id, call.caller, call.queue_id, box, recording, duration_s))
    s.pbx.hang_up(call_id, "voicemail_recorded")
    calls.end_call(s, call, CallEnd.VOICEMAIL, "message left")


def flow_digits(s: RoutingState, call: Call, digits: str) -> bool:
    """Digits in the IVR, the queue or the callback time entry; False if nothing takes them."""
    if call.stage == CallStage.IVR and call.call_id in s.sessions:
        menu.ivr_digits(s, call, digits)
    elif call.stage == CallStage.QUEUED and call.queue_id is not None:
        queue_digits(s, call, digits)
    elif call.stage == CallStage.CALLBACK:
        callback_digits(s, call, digits)
    else:
        return False
    return True


def flow_ended(s: RoutingState, call: Call) -> CallEnd | None:
    """The caller hung up in one of the flow's stages: the end to record, or None (not ours)."""
    s.after_prompts.pop(call.call_id, None)
    s.timers.disarm("announce", call.call_id)
    if call.stage == CallStage.IVR:
        menu.ivr_abandoned(s, call)
        return CallEnd.ABANDONED_IN_IVR
    if call.stage == CallStage.CALLBACK:
        callback_abandoned(s, call)
        return CallEnd.CALLED_BACK
    if call.stage == CallStage.VOICEMAIL:
        return CallEnd.VOICEMAIL  # reached voicemail, hung up without a message
    return None


def forget_flow(s: RoutingState, call_id: str) -> None:
    s.sessions.pop(call_id, None)
    s.jumps.pop(call_id, None)
    s.after_prompts.pop(call_id, None)
