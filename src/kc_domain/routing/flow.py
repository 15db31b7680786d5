"""What a caller hears and keys in around the queue: the IVR tree of the dialled number, the general
announcement, announcements while waiting, a callback or a voicemail instead of waiting.

A part of ``RoutingEngine`` (a mixin, split out for size): it uses the engine's calls, timers and PBX.
Prompts go to the PBX one after another; the PBX reports each finished prompt, and a key press cuts
off whatever plays (barge-in). A step that must wait for the prompts before it (enqueue after the
general announcement, record after the voicemail intro, hang up after a confirmation) is kept in
``_after_prompts`` and run when the last prompt has finished.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable, Mapping
from datetime import date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

import attrs

from kc_domain.callbacks.model import CallbackRequest, CallbackSource
from kc_domain.callbacks.preferred import parse_preferred
from kc_domain.errors import ValidationFailed
from kc_domain.ivr import interpreter as ivr
from kc_domain.ivr.model import IvrTree, Node, Play, Prompt
from kc_domain.routing import events as ev
from kc_domain.routing import prompts
from kc_domain.routing.agent import Agent, AgentState
from kc_domain.routing.call import Call, CallEnd, CallStage
from kc_domain.routing.config import QueueRouting

if TYPE_CHECKING:
    from kc_domain.callbacks.queue import CallbackBook
    from kc_domain.routing.timers import Timers
    from kc_ports.system import Clock
    from kc_ports.telephony import CallControl

MAX_TREE_JUMPS = 5
KEY_IN_TIMEOUT_S = 15  # waiting for the next digit of a preferred callback time
KEY_IN_TRIES = 2
DEFAULT_HANDLE_S = 180.0  # expected handling time before a queue has any history
HANDLE_SMOOTHING = 0.1  # weight of the newest call in the moving average


LookupResult = str | Mapping[str, str] | None


def no_lookup(_source: str, _key: str) -> LookupResult:
    """The default lookup: nothing is found (the tree goes to the lookup's ``on_missing``)."""
    return None


@attrs.frozen
class IvrDirectory:
    """The active IVR trees: by dialled number (DID) and by name (for go-to-tree and overflow)."""

    by_number: Mapping[str, IvrTree] = attrs.field(factory=dict)
    by_name: Mapping[str, IvrTree] = attrs.field(factory=dict)

    @classmethod
    def of(cls, trees: Iterable[IvrTree], numbers: Mapping[str, str]) -> IvrDirectory:
        """``numbers`` maps a DID to a tree name; numbers of unknown trees are left out."""
        by_name = {t.name: t for t in trees}
        return cls({n: by_name[t] for n, t in numbers.items() if t in by_name}, by_name)


@attrs.frozen
class IvrPosition:
    tree: str
    node: Node
    waiting: str  # "prompt": its prompt plays; "input": keys are awaited
    visits: int  # how often the caller entered this node in this tree so far


def _stats_plain(stats: Mapping[str, ivr.NodeStats]) -> dict[str, dict[str, object]]:
    return {node: attrs.asdict(s) for node, s in sorted(stats.items())}


class CallFlow:
    if TYPE_CHECKING:  # provided by RoutingEngine
        _clock: Clock
        _pbx: CallControl
        _zone: tzinfo
        _holidays: Container[date]
        _timers: Timers
        _caller_status: Callable[[str], Iterable[str]]
        _seq: int
        _by_number: dict[str, int]
        _skilled: dict[int, list[Agent]]
        _new_id: Callable[[], str]
        queues: dict[int, QueueRouting]
        agents: dict[int, Agent]
        calls: dict[str, Call]
        callbacks: CallbackBook

        def _enqueue(self, call: Call, queue_id: int, rule: str, *, sticky: bool = True) -> None: ...
        def _end(self, call: Call, end: CallEnd, cause: str) -> None: ...
        def _emit(self, event: ev.Event) -> None: ...
        def _ignore(self, now: datetime, reason: str) -> None: ...
        def _unpark_or_pop(self, call: Call) -> None: ...
        def _anyone_signed_in(self, queue_id: int) -> bool: ...
        def waiting(self, queue_id: int) -> list[Call]: ...
        def takes_calls(self, queue_id: int | None) -> bool: ...
        def _add_callback(self, request: CallbackRequest) -> CallbackRequest: ...

    def _init_flow(
        self,
        ivr_directory: IvrDirectory,
        general_prompts: Callable[[str, datetime], list[Prompt]],
        lookup: Callable[[str, str], LookupResult],
    ) -> None:
        self._directory, self._general_prompts, self._lookup = ivr_directory, general_prompts, lookup
        self._sessions: dict[str, ivr.IvrSession] = {}
        self._jumps: dict[str, int] = {}
        self._after_prompts: dict[str, Callable[[], None]] = {}
        self._handle_s: dict[int, float] = {}  # queue -> moving average of talk + wrap-up

    def use_ivr(self, directory: IvrDirectory) -> None:
        """Switch to newly activated trees: calls arriving from now on use them, callers already in a
        tree finish the version they started (the switch is atomic per call)."""
        self._directory = directory

    def use_general_prompts(self, general_prompts: Callable[[str, datetime], list[Prompt]]) -> None:
        """The general announcements (IN-20) for calls arriving from now on."""
        self._general_prompts = general_prompts

    @property
    def ivr_numbers(self) -> frozenset[str]:
        """The dialled numbers answered by an IVR tree."""
        return frozenset(self._directory.by_number)

    def ivr_position(self, call_id: str) -> IvrPosition | None:
        """Where a caller is in the IVR while a prompt plays or keys are awaited, else None; a
        read-only view for simulators and the supervisor's view."""
        session = self._sessions.get(call_id)
        if session is None or session.waiting not in ("prompt", "input"):
            return None
        node = session.tree.node(session.current)
        if node is None:
            return None
        stats = session.stats.get(node.id)
        return IvrPosition(session.tree.name, node, session.waiting, stats.entries if stats else 0)

    # == arrival ====================================================================================
    def _route_new_call(self, call: Call, target: int | None, rule: str) -> None:
        """After the caller rules: the general announcement, then the dialled number's IVR tree or queue."""
        now = self._clock.now()
        tree = None if target is not None else self._directory.by_number.get(call.dialled)
        queue_id = target or self._by_number.get(call.dialled)
        if tree is None and not self.takes_calls(queue_id):
            self._pbx.hang_up(call.call_id, "unknown_number")
            return self._end(call, CallEnd.REJECTED, f"no queue for {call.dialled}")
        for prompt in self._general_prompts(call.dialled, now):  # IN-20: before the menu or the queue
            self._say(call, "general", prompt)
        if tree is not None:
            return self._start_ivr(call, tree)
        assert queue_id is not None
        self._then(call, lambda: self._enqueue(call, queue_id, rule))

    def _then(self, call: Call, step: Callable[[], None]) -> None:
        """Run ``step`` once the prompts queued for the caller have played (at once if none)."""
        if call.prompts_playing > 0:
            self._after_prompts[call.call_id] = step
        else:
            step()

    def _answer(self, call: Call) -> None:
        if not call.pbx_answered:
            call.pbx_answered = True
            self._pbx.answer(call.call_id)

    def _say(self, call: Call, kind: str, prompt: Prompt | str) -> None:
        """Queue a prompt (a Prompt, or a Czech text) for the caller."""
        if isinstance(prompt, str):
            prompt = Prompt(text=prompt)
        if not prompt:
            return
        self._answer(call)
        call.prompts_playing += 1
        self._emit(ev.CallAnnounced(self._clock.now(), call.call_id, kind, prompt.text or prompt.audio))
        self._pbx.play(
            call.call_id, prompts.recording(prompt.audio) if prompt.audio else prompts.tts(prompt.text)
        )

    def _prompt_finished(self, call_id: str) -> None:
        call = self.calls.get(call_id)
        if call is None or call.prompts_playing == 0:
            return self._ignore(self._clock.now(), f"prompt end for {call_id} ignored: nothing playing")
        call.prompts_playing -= 1
        if call.prompts_playing:
            return
        step = self._after_prompts.pop(call_id, None)
        if step is not None:
            return step()
        session = self._sessions.get(call_id)
        if session is not None:
            self._perform(call, session, session.on_prompt_finished(self._clock.now()))

    # == IVR ========================================================================================
    def _start_ivr(self, call: Call, tree: IvrTree) -> None:
        now = self._clock.now()
        self._answer(call)
        call.enter_ivr()
        environment = ivr.IvrEnvironment(
            self._zone,
            self._holidays,
            call.caller,
            frozenset(self._caller_status(call.caller)) if call.caller else frozenset(),
            self._queue_open,
        )
        variables = {"caller": call.caller, "dialled": call.dialled}
        previous = self._sessions.get(call.call_id)
        if previous is not None:  # a jump to another tree keeps what the caller entered
            variables |= previous.variables
        session = self._sessions[call.call_id] = ivr.IvrSession(tree, variables, environment=environment)
        self._emit(ev.CallEnteredIvr(now, call.call_id, tree.name, tree.version))
        self._then(call, lambda: self._perform(call, session, session.start(self._clock.now())))

    def _queue_open(self, queue_id: int) -> bool:
        queue = self.queues.get(queue_id)
        open_now = queue is not None and queue.hours.is_open(self._clock.now(), self._zone, self._holidays)
        return open_now and self.takes_calls(queue_id)

    def _perform(self, call: Call, session: ivr.IvrSession, actions: list[ivr.Action]) -> None:
        now = self._clock.now()
        for action in actions:
            match action:
                case ivr.PlayPrompt():
                    self._say(call, "ivr", Prompt(action.text, action.audio))
                case ivr.StartTimer():
                    self._timers.arm("ivr", call.call_id, now + timedelta(seconds=action.seconds))
                case ivr.Tag():
                    call.tags[action.key] = action.value
                    self._emit(ev.CallTagged(now, call.call_id, action.key, action.value))
                case ivr.NeedLookup():
                    result = self._lookup(action.source, action.key)
                    return self._perform(call, session, session.on_lookup(result, now))
                case _:
                    return self._ivr_outcome(call, session, action)

    def _ivr_outcome(self, call: Call, session: ivr.IvrSession, action: ivr.Action) -> None:
        match action:
            case ivr.Route():
                queue_id = self._first_staffed(action.queue_ids)
                self._leave_ivr(call, session, "route", str(queue_id))
                if queue_id is None:
                    self._pbx.hang_up(call.call_id, "unknown_queue")
                    return self._end(
                        call, CallEnd.REJECTED, f"IVR routes to unknown queues {action.queue_ids}"
                    )
                self._enqueue(call, queue_id, f"ivr:{session.tree.name}")
            case ivr.TransferTo():
                self._leave_ivr(call, session, "transfer", action.number)
                self._pbx.transfer(call.call_id, action.number)
                self._end(call, CallEnd.TRANSFERRED, f"IVR transfer to {action.number}")
            case ivr.ToVoicemail():
                self._leave_ivr(call, session, "voicemail", action.box)
                self._to_voicemail(call, action.box, None)
            case ivr.RequestCallback():
                self._leave_ivr(call, session, "callback", str(action.queue_id))
                if not self.takes_calls(action.queue_id):
                    self._pbx.hang_up(call.call_id, "unknown_queue")
                    return self._end(
                        call, CallEnd.REJECTED, f"IVR callback to unknown queue {action.queue_id}"
                    )
                call.queue_id = action.queue_id
                self._ask_callback_time(call, CallbackSource.IVR)
            case ivr.JumpTree():
                self._leave_ivr(call, session, "goto", action.name, keep_session=True)
                tree = self._directory.by_name.get(action.name)
                jumps = self._jumps[call.call_id] = self._jumps.get(call.call_id, 0) + 1
                if tree is None or jumps > MAX_TREE_JUMPS:
                    self._sessions.pop(call.call_id, None)
                    self._pbx.hang_up(call.call_id, "ivr_error")
                    return self._end(call, CallEnd.ENDED_BY_IVR, f"no tree {action.name!r} or too many jumps")
                self._start_ivr(call, tree)
            case _:  # Hangup
                self._leave_ivr(call, session, "hangup", "")
                self._then(call, lambda: self._pbx.hang_up(call.call_id, "ivr"))
                self._end(call, CallEnd.ENDED_BY_IVR, "IVR hung up")

    def _first_staffed(self, queue_ids: tuple[int, ...]) -> int | None:
        """IN-19: the first of the queues, in the tree's order, with someone signed in; else the first."""
        known = [q for q in queue_ids if self.takes_calls(q)]
        staffed = [q for q in known if self._anyone_signed_in(q)]
        first = staffed or known
        return first[0] if first else None

    def _leave_ivr(
        self, call: Call, session: ivr.IvrSession, outcome: str, detail: str, *, keep_session: bool = False
    ) -> None:
        self._timers.disarm("ivr", call.call_id)
        if not keep_session:
            self._sessions.pop(call.call_id, None)
        tree = session.tree
        self._emit(
            ev.CallLeftIvr(
                self._clock.now(),
                call.call_id,
                tree.name,
                tree.version,
                outcome,
                detail,
                _stats_plain(session.stats),
            )
        )
        session.stats.clear()  # a later jump back must not count these twice

    def _on_ivr(self, call_id: str, now: datetime) -> None:
        session, call = self._sessions.get(call_id), self.calls.get(call_id)
        if session is not None and call is not None and call.stage == CallStage.IVR:
            self._perform(call, session, session.on_timeout(now))

    def _ivr_digits(self, call: Call, digits: str) -> None:
        session = self._sessions[call.call_id]
        now = self._clock.now()
        call.prompts_playing = 0  # the key cut off what was playing
        self._after_prompts.pop(call.call_id, None)
        if session.waiting == "prompt" and isinstance(session.tree.node(session.current), Play):
            return self._perform(call, session, session.on_prompt_finished(now))  # a key skips a prompt
        call.ivr_path.append(f"{session.tree.name}/{session.current}:{digits}")
        self._perform(call, session, session.on_digits(digits, now))

    def _ivr_abandoned(self, call: Call) -> None:
        session = self._sessions.get(call.call_id)
        if session is not None:
            session.on_hangup(self._clock.now())
            self._leave_ivr(call, session, "abandoned", session.current)

    # == waiting in the queue =======================================================================
    def _waiting_started(self, call: Call) -> None:
        """The call waits in its queue: say so when nobody is signed in (IN-23), announce the position
        and expected wait (IN-10) with the offers of a callback or voicemail, and repeat it."""
        assert call.queue_id is not None
        queue = self.queues[call.queue_id]
        nobody = not self._anyone_signed_in(queue.queue_id)
        if nobody:
            self._say(call, "no_agents", prompts.NO_AGENTS)
        if queue.announce_every_s or queue.callback_key or queue.voicemail_key:
            self._announce(call, first=True)

    def _announce(self, call: Call, *, first: bool = False) -> None:
        assert call.queue_id is not None
        queue, now = self.queues[call.queue_id], self._clock.now()
        waiting = self.waiting(queue.queue_id)
        position = next((i for i, c in enumerate(waiting, 1) if c is call), len(waiting) + 1)
        staffed = self._staffed(queue.queue_id)
        wait = position * self._handle_s.get(queue.queue_id, DEFAULT_HANDLE_S) / staffed if staffed else None
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
        self._say(call, "position" if queue.announce_every_s else "offer", text)
        if queue.announce_every_s:
            self._timers.arm("announce", call.call_id, now + timedelta(seconds=queue.announce_every_s))

    def _on_announce(self, call_id: str, now: datetime) -> None:
        call = self.calls.get(call_id)
        if call is not None and call.stage == CallStage.QUEUED and call.sticky_agent_id is None:
            self._announce(call)

    def _staffed(self, queue_id: int) -> int:
        """Agents signed in to the queue and working (not paused, not logged out)."""
        return sum(
            1
            for a in self._skilled[queue_id]
            if queue_id in a.signed_in and a.state not in (AgentState.LOGGED_OUT, AgentState.PAUSED)
        )

    def _handled(self, queue_id: int, seconds: float) -> None:
        """A call of the queue took ``seconds`` (talk and wrap-up): update the expected handling time."""
        old = self._handle_s.get(queue_id, DEFAULT_HANDLE_S)
        self._handle_s[queue_id] = old + HANDLE_SMOOTHING * (seconds - old)

    def _queue_digits(self, call: Call, digits: str) -> None:
        assert call.queue_id is not None
        queue, key = self.queues[call.queue_id], digits[0]
        if key == queue.callback_key and call.caller:
            self._leave_queue(call)
            self._ask_callback_time(call, CallbackSource.QUEUE_DTMF)
            if len(digits) > 1:  # the time keyed in right away
                self._callback_digits(call, digits[1:])
            return
        if key == queue.voicemail_key:
            self._leave_queue(call)
            return self._to_voicemail(call, queue.name, queue.queue_id)
        if key == queue.callback_key:
            self._say(call, "callback", prompts.CALLBACK_NO_NUMBER)

    def _leave_queue(self, call: Call) -> None:
        self._unpark_or_pop(call)
        for kind in ("announce", "max_wait", "sticky"):
            self._timers.disarm(kind, call.call_id)
        call.prompts_playing = 0  # the key press cut off the announcement
        self._after_prompts.pop(call.call_id, None)

    # == callback asked by the caller (IN-09) =======================================================
    def _ask_callback_time(self, call: Call, source: CallbackSource) -> None:
        call.ask_callback()
        call.tags["callback_source"] = source.value
        call.tags["callback_tries"] = "0"
        self._say(call, "callback", prompts.CALLBACK_ASK_TIME)
        self._then(call, lambda: self._await_key_in(call))

    def _await_key_in(self, call: Call) -> None:
        """The time entry waits KEY_IN_TIMEOUT_S for the next key once the question has been asked."""
        self._timers.arm("keyin", call.call_id, self._clock.now() + timedelta(seconds=KEY_IN_TIMEOUT_S))

    def _callback_digits(self, call: Call, digits: str) -> None:
        call.prompts_playing = 0
        self._after_prompts.pop(call.call_id, None)
        call.keyed += digits
        if "#" in call.keyed:
            return self._callback_time_entered(call, call.keyed.split("#", 1)[0])
        self._timers.arm("keyin", call.call_id, self._clock.now() + timedelta(seconds=KEY_IN_TIMEOUT_S))

    def _on_keyin(self, call_id: str, now: datetime) -> None:
        call = self.calls.get(call_id)
        if call is not None and call.stage == CallStage.CALLBACK:
            self._callback_time_entered(call, call.keyed)

    def _callback_time_entered(self, call: Call, keyed: str) -> None:
        assert call.queue_id is not None
        now, queue = self._clock.now(), self.queues[call.queue_id]
        self._timers.disarm("keyin", call.call_id)
        call.keyed = ""
        preferred = None
        if keyed:
            try:
                preferred = parse_preferred(keyed, now, queue.hours, self._zone, self._holidays)
            except ValidationFailed as error:
                tries = int(call.tags.get("callback_tries", "0")) + 1
                call.tags["callback_tries"] = str(tries)
                call.tags["callback_time_error"] = error.errors[0].code
                if tries < KEY_IN_TRIES:
                    self._say(call, "callback", prompts.CALLBACK_BAD_TIME)
                    self._say(call, "callback", prompts.CALLBACK_ASK_TIME)
                    self._then(call, lambda: self._await_key_in(call))
                    return
        request = self._callback_for(call, preferred)
        confirmed = request.preferred_at
        self._say(
            call,
            "callback",
            prompts.callback_confirmed(confirmed, self._zone) if confirmed else prompts.CALLBACK_ASAP,
        )
        self._then(call, lambda: self._pbx.hang_up(call.call_id, "callback_requested"))
        self._end(call, CallEnd.CALLED_BACK, "callback requested")

    def _callback_for(self, call: Call, preferred: datetime | None) -> CallbackRequest:
        """The caller's callback request, added to the book (merged with an open one of theirs)."""
        assert call.queue_id is not None
        now = self._clock.now()
        self._seq += 1
        request = CallbackRequest.create(
            id=self._new_id(),
            caller=call.caller,
            queue_id=call.queue_id,
            created_at=now,
            seq=self._seq,
            source=call.tags.get("callback_source", CallbackSource.QUEUE_DTMF.value),
            joined_at=call.queued_at or call.arrived_at,
            preferred_at=preferred,
            call_id=call.call_id,
        )
        kept = self._add_callback(request)
        call.callback_id = kept.id
        return kept

    def _callback_abandoned(self, call: Call) -> None:
        """The caller hung up while keying in the time: they asked for a callback, so it is made."""
        self._timers.disarm("keyin", call.call_id)
        if call.caller and call.queue_id is not None:
            self._callback_for(call, None)

    # == voicemail (IN-08) ==========================================================================
    def _to_voicemail(self, call: Call, box: str, queue_id: int | None) -> None:
        call.to_voicemail(queue_id)
        call.tags["voicemail_box"] = box
        self._say(call, "voicemail", prompts.VOICEMAIL_INTRO)
        self._then(call, lambda: self._pbx.record_voicemail(call.call_id, box))

    def _voicemail_recorded(self, call_id: str, box: str, recording: str, duration_s: float) -> None:
        now = self._clock.now()
        call = self.calls.get(call_id)
        if call is None or call.stage != CallStage.VOICEMAIL:
            return self._ignore(now, f"voicemail of {call_id} ignored: not recording")
        self._emit(ev.CallVoicemailLeft(now, call_id, call.caller, call.queue_id, box, recording, duration_s))
        self._pbx.hang_up(call_id, "voicemail_recorded")
        self._end(call, CallEnd.VOICEMAIL, "message left")

    def _flow_digits(self, call: Call, digits: str) -> bool:
        """Digits in the IVR, the queue or the callback time entry; False if nothing takes them."""
        if call.stage == CallStage.IVR and call.call_id in self._sessions:
            self._ivr_digits(call, digits)
        elif call.stage == CallStage.QUEUED and call.queue_id is not None:
            self._queue_digits(call, digits)
        elif call.stage == CallStage.CALLBACK:
            self._callback_digits(call, digits)
        else:
            return False
        return True

    def _flow_ended(self, call: Call) -> CallEnd | None:
        """The caller hung up in one of the flow's stages: the end to record, or None (not ours)."""
        self._after_prompts.pop(call.call_id, None)
        self._timers.disarm("announce", call.call_id)
        if call.stage == CallStage.IVR:
            self._ivr_abandoned(call)
            return CallEnd.ABANDONED_IN_IVR
        if call.stage == CallStage.CALLBACK:
            self._callback_abandoned(call)
            return CallEnd.CALLED_BACK
        if call.stage == CallStage.VOICEMAIL:
            return CallEnd.VOICEMAIL  # reached voicemail, hung up without a message
        return None

    def _forget_flow(self, call_id: str) -> None:
        self._sessions.pop(call_id, None)
        self._jumps.pop(call_id, None)
        self._after_prompts.pop(call_id, None)
