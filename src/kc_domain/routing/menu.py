"""The IVR tree of a call (IN-06, IN-07, IN-19): started on the dialled number or by an overflow,
driven by the interpreter in ``kc_domain.ivr``, left to a queue, a number, voicemail, a callback or
another tree. Handlers over ``RoutingState``."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import datetime, timedelta

import attrs

from kc_domain.callbacks.model import CallbackSource
from kc_domain.ivr import interpreter
from kc_domain.ivr.model import IvrTree, Node, Play, Prompt
from kc_domain.routing import calls, flow, queueing
from kc_domain.routing import events as ev
from kc_domain.routing.call import Call, CallEnd, CallStage
from kc_domain.routing.state import RoutingState

MAX_TREE_JUMPS = 5


@attrs.frozen
class IvrPosition:
    tree: str
    node: Node
    waiting: str  # "prompt": its prompt plays; "input": keys are awaited
    visits: int  # how often the caller entered this node in this tree so far


def _stats_plain(stats: Mapping[str, interpreter.NodeStats]) -> dict[str, dict[str, object]]:
    return {node: attrs.asdict(s) for node, s in sorted(stats.items())}


def ivr_position(s: RoutingState, call_id: str) -> IvrPosition | None:
    """Where a caller is in the IVR while a prompt plays or keys are awaited, else None; a
    read-only view for simulators and the supervisor's view."""
    session = s.sessions.get(call_id)
    if session is None or session.waiting not in ("prompt", "input"):
        return None
    node = session.tree.node(session.current)
    if node is None:
        return None
    stats = session.stats.get(node.id)
    return IvrPosition(session.tree.name, node, session.waiting, stats.entries if stats else 0)


def start_ivr(s: RoutingState, call: Call, tree: IvrTree) -> None:
    now = s.now()
    flow.answer(s, call)
    call.enter_ivr()
    environment = interpreter.IvrEnvironment(
        s.zone,
        s.holidays,
        call.caller,
        frozenset(s.caller_status(call.caller)) if call.caller else frozenset(),
        functools.partial(queue_open, s),
    )
    variables = {"caller": call.caller, "dialled": call.dialled}
    previous = s.sessions.get(call.call_id)
    if previous is not None:  # a jump to another tree keeps what the caller entered
        variables |= previous.variables
    session = s.sessions[call.call_id] = interpreter.IvrSession(tree, variables, environment=environment)
    s.emit(ev.CallEnteredIvr(now, call.call_id, tree.name, tree.version))
    flow.then(s, call, lambda: perform(s, call, session, session.start(s.now())))


def queue_open(s: RoutingState, queue_id: int) -> bool:
    queue = s.queues.get(queue_id)
    open_now = queue is not None and queue.hours.is_open(s.now(), s.zone, s.holidays)
    return open_now and s.takes_calls(queue_id)


def perform(
    s: RoutingState, call: Call, session: interpreter.IvrSession, actions: list[interpreter.Action]
) -> None:
    now = s.now()
    for action in actions:
        match action:
            case interpreter.PlayPrompt():
                flow.say(s, call, "ivr", Prompt(action.text, action.audio))
            case interpreter.StartTimer():
                s.timers.arm("ivr", call.call_id, now + timedelta(seconds=action.seconds))
            case interpreter.Tag():
                call.tags[action.key] = action.value
                s.emit(ev.CallTagged(now, call.call_id, action.key, action.value))
            case interpreter.NeedLookup():
                result = s.lookup(action.source, action.key)
                return perform(s, call, session, session.on_lookup(result, now))
            case _:
                return ivr_outcome(s, call, session, action)


def ivr_outcome(
    s: RoutingState, call: Call, session: interpreter.IvrSession, action: interpreter.Action
) -> None:
    match action:
        case interpreter.Route():
            queue_id = first_staffed(s, action.queue_ids)
            leave_ivr(s, call, session, "route", str(queue_id))
            if queue_id is None:
                s.pbx.hang_up(call.call_id, "unknown_queue")
                return calls.end_call(
                    s, call, CallEnd.REJECTED, f"IVR routes to unknown queues {action.queue_ids}"
                )
            queueing.enqueue(s, call, queue_id, f"ivr:{session.tree.name}")
        case interpreter.TransferTo():
            leave_ivr(s, call, session, "transfer", action.number)
            s.pbx.transfer(call.call_id, action.number)
            calls.end_call(s, call, CallEnd.TRANSFERRED, f"IVR transfer to {action.number}")
        case interpreter.ToVoicemail():
            leave_ivr(s, call, session, "voicemail", action.box)
            flow.to_voicemail(s, call, action.box, None)
        case interpreter.RequestCallback():
            leave_ivr(s, call, session, "callback", str(action.queue_id))
            if not s.takes_calls(action.queue_id):
                s.pbx.hang_up(call.call_id, "unknown_queue")
                return calls.end_call(
                    s, call, CallEnd.REJECTED, f"IVR callback to unknown queue {action.queue_id}"
                )
            call.queue_id = action.queue_id
            flow.ask_callback_time(s, call, CallbackSource.IVR)
        case interpreter.JumpTree():
            leave_ivr(s, call, session, "goto", action.name, keep_session=True)
            tree = s.directory.by_name.get(action.name)
            jumps = s.jumps[call.call_id] = s.jumps.get(call.call_id, 0) + 1
            if tree is None or jumps > MAX_TREE_JUMPS:
                s.sessions.pop(call.call_id, None)
                s.pbx.hang_up(call.call_id, "ivr_error")
                return calls.end_call(
                    s, call, CallEnd.ENDED_BY_IVR, f"no tree {action.name!r} or too many jumps"
                )
            start_ivr(s, call, tree)
        case _:  # Hangup
            leave_ivr(s, call, session, "hangup", "")
            flow.then(s, call, lambda: s.pbx.hang_up(call.call_id, "ivr"))
            calls.end_call(s, call, CallEnd.ENDED_BY_IVR, "IVR hung up")


def first_staffed(s: RoutingState, queue_ids: tuple[int, ...]) -> int | None:
    """IN-19: the first of the queues, in the tree's order, with someone signed in; else the first."""
    known = [q for q in queue_ids if s.takes_calls(q)]
    staffed = [q for q in known if s.anyone_signed_in(q)]
    first = staffed or known
    return first[0] if first else None


def leave_ivr(
    s: RoutingState,
    call: Call,
    session: interpreter.IvrSession,
    outcome: str,
    detail: str,
    *,
    keep_session: bool = False,
) -> None:
    s.timers.disarm("ivr", call.call_id)
    if not keep_session:
        s.sessions.pop(call.call_id, None)
    tree = session.tree
    s.emit(
        ev.CallLeftIvr(
            s.now(),
            call.call_id,
            tree.name,
            tree.version,
            outcome,
            detail,
            _stats_plain(session.stats),
        )
    )
    session.stats.clear()  # a later jump back must not count these twice


def on_ivr(s: RoutingState, call_id: str, now: datetime) -> None:
    session, call = s.sessions.get(call_id), s.calls.get(call_id)
    if session is not None and call is not None and call.stage == CallStage.IVR:
        perform(s, call, session, session.on_timeout(now))


def ivr_digits(s: RoutingState, call: Call, digits: str) -> None:
    session = s.sessions[call.call_id]
    now = s.now()
    call.prompts_playing = 0  # the key cut off what was playing
    s.after_prompts.pop(call.call_id, None)
    if session.waiting == "prompt" and isinstance(session.tree.node(session.current), Play):
        return perform(s, call, session, session.on_prompt_finished(now))  # a key skips a prompt
    call.ivr_path.append(f"{session.tree.name}/{session.current}:{digits}")
    perform(s, call, session, session.on_digits(digits, now))


def ivr_abandoned(s: RoutingState, call: Call) -> None:
    session = s.sessions.get(call.call_id)
    if session is not None:
        session.on_hangup(s.now())
        leave_ivr(s, call, session, "abandoned", session.current)
