"""The world around the ACD: Poisson callers with limited patience and robot agents on shifts.

Everything the world does reaches the engine the way a PBX's events would: first the simulated
PBX changes state, then the engine is told (``call_arrived``, ``call_answered``, ``call_ended``).
The engine's commands come back through the PBX's callbacks, and the world's reaction is always
*scheduled*, never run inside the engine's call.

Around the queue (IVR trees, announcements, callbacks, voicemail) the world plays the PBX's part too:
each prompt the engine plays lasts ``len(text) / prompt_chars_per_s`` seconds, one after another,
and its end is reported (``finish_prompt``); a key press cuts off what plays. A caller at a menu or
collect-digits node decides when the node waits for input (after its prompt, or after a timeout
that the engine handles in ``tick``): a key by the node's probabilities, nothing (the node times
out) or hanging up. After each announcement that offers a callback or voicemail, a queued caller
takes the offer with the configured probability. Callback calls (``originate``) ring the robot's
phone; the robot picks up, the customer answers (``callback_answer_rate``) or the call ends as
``no_answer`` after ``callback_no_answer_s``. Every random choice has its own stream, so a run is
deterministic per seed and scenarios without these features draw exactly as before.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

import attrs

from apps.simulator.loop import US, EventLoop
from apps.simulator.scenario import IvrSpec, QueueSpec, Scenario
from kc_adapters.simulated_pbx import SimulatedPbx
from kc_domain.ivr.model import CollectDigits, Menu
from kc_domain.routing import pbx_events as pbx_ev
from kc_domain.routing import prompts
from kc_domain.routing.agent import RONA_PAUSE, AgentState
from kc_domain.routing.call import CallStage
from kc_domain.routing.engine import PRAGUE, RoutingEngine

ABANDONED = "caller_abandoned"
SIMULATION_END = "simulation_end"  # still waiting when the run stopped; not an abandon
WAITING = (CallStage.QUEUED, CallStage.RINGING)
IN_QUEUE = (CallStage.QUEUED, CallStage.RINGING, CallStage.ANSWERED)
RECORDING_S = 5.0  # a recorded prompt (``file:``), whose length the world does not know
THINK_S = (1.0, 3.0)  # a caller's reaction after a prompt, at most 60 % of the node's timeout
KEY_IN_S = (3.0, 8.0)  # from the callback offer's acceptance to keying in the time (barge-in)
CUSTOMER_RING_S = (3.0, 12.0)  # a called-back customer who answers does so after this long
VOICEMAIL_AUDIO = b"RIFF-simulated-message"


@attrs.define(slots=True)
class CallTrace:
    """What only the world knows of a call: its first queue (0: none yet, e.g. still in the IVR), when
    it entered it, the caller's patience and when an agent's phone first rang (-1: never / infinite
    patience); ``ivr`` is the tree of the dialled number for calls that started in an IVR."""

    queue_id: int
    arrived_us: int
    patience_us: int = -1
    first_ring_us: int = -1
    queued_us: int = -1
    ivr: str = ""


@attrs.define(slots=True)
class Session:
    agent_id: int
    login_us: int
    logout_us: int = -1


class World:
    def __init__(
        self,
        scenario: Scenario,
        engine: RoutingEngine,
        pbx: SimulatedPbx,
        loop: EventLoop,
        call_prefix: str = "c",
    ) -> None:
        self.scenario, self.engine, self.pbx, self.loop = scenario, engine, pbx, loop
        self._call_prefix = call_prefix
        self.end_us = round(scenario.duration_hours * 3600 * US)
        self.traces: dict[str, CallTrace] = {}
        self.sessions: list[Session] = []
        self.leaving: set[int] = set()
        self.unfinished: set[str] = set()  # calls still waiting when the run stopped
        self._open: dict[int, Session] = {}
        self._ticks: set[int] = set()  # instants with a tick scheduled (one each, however often asked)
        self._callers: list[str] = []
        seed = scenario.seed
        self._arrival_rng = {
            q.queue_id: random.Random(f"{seed}/arrivals/{q.queue_id}") for q in scenario.queues
        }
        self._handling: dict[int, Callable[[], float]] = {
            q.queue_id: q.handling.sampler(random.Random(f"{seed}/handling/{q.queue_id}"))
            for q in scenario.queues
        }
        self._patience = {
            q.queue_id: q.patience.sampler(random.Random(f"{seed}/patience/{q.queue_id}"))
            for q in scenario.queues
        }
        self._caller_rng = random.Random(f"{seed}/callers")
        self._robot_rng = random.Random(f"{seed}/robots")
        self._ring_time = scenario.robots.ring_time.sampler(random.Random(f"{seed}/ring"))
        pbx.on("ring_agent", self._rung)
        pbx.on("cancel_ring", self._ring_cancelled)
        self._init_flow()

    def _init_flow(self) -> None:
        seed, callers = self.scenario.seed, self.scenario.callers
        self._ivr_arrival_rng = {
            x.number: random.Random(f"{seed}/ivr-arrivals/{x.number}") for x in self.scenario.ivr
        }
        self._choices = {x.tree.name: x.choices for x in self.scenario.ivr}
        self._choice_rng = random.Random(f"{seed}/ivr-choices")
        self._think_rng = random.Random(f"{seed}/think")
        self._offer_rng = random.Random(f"{seed}/offers")
        self._dialback_rng = random.Random(f"{seed}/dialback")
        self._message = callers.voicemail_message.sampler(random.Random(f"{seed}/voicemail"))
        self._queue_specs = {q.queue_id: q for q in self.scenario.queues}
        self._offer_texts = {
            q.queue_id: (
                prompts.offers_text(q.callback_key, q.voicemail_key),  # caller with a number
                prompts.offers_text("", q.voicemail_key),  # withheld number
            )
            for q in self.scenario.queues
        }
        self._playing_until: dict[str, int] = {}  # the end of the last prompt queued for the call
        self._epoch: dict[str, int] = {}  # bumped by a key press: prompts scheduled before are cut off
        self.in_ivr: set[str] = set()
        self._answered_wait: dict[str, tuple[Any, ...]] = {}  # the IVR wait the caller has acted on
        self._keying: set[str] = set()  # callers about to key in their callback time
        self.pbx.on("play", self._played)
        self.pbx.on("record_voicemail", self._recording)
        self.pbx.on("originate", self._originated)
        self.pbx.on("hang_up", self._hung_up)

    def start(self) -> None:
        for queue in self.scenario.queues:
            self._schedule_arrival(queue, 0.0)
        for spec in self.scenario.ivr:
            self._schedule_ivr_arrival(spec, 0.0)
        for agent_id, start_h, end_h in self.scenario.shifts():
            start_us = round(start_h * 3600 * US)
            end_us = round(end_h * 3600 * US)
            if start_us < self.end_us:
                self.loop.at(start_us, self._log_in, agent_id)
                if end_us < self.end_us:
                    self.loop.at(end_us, self._end_shift, agent_id)
                else:  # on duty when the calls stop: serve whoever still waits, then go
                    self.loop.at(self.end_us, self.leaving.add, agent_id)

    def after_each(self) -> None:
        """After every event: agents at the end of their shift log out once free; timers are due."""
        if self.leaving:
            self._let_go()
        due = self.engine.next_due()
        if due is not None:
            due_us = self.loop.to_us(due)
            if due_us not in self._ticks:  # a timer far ahead (a callback's due time) is asked for often
                self._ticks.add(due_us)
                self.loop.at(due_us, self._tick, due_us)

    def finish(self) -> None:
        """End what is still going on when the run stops, so that every call ends exactly once."""
        for call in list(self.engine.calls.values()):
            if call.stage != CallStage.ENDED:
                if call.stage != CallStage.ANSWERED:
                    self.unfinished.add(call.call_id)
                self.pbx.end(call.call_id, SIMULATION_END)
                self.engine.call_ended(call.call_id, SIMULATION_END)
        for session in self._open.values():
            session.logout_us = self.loop.now_us
        self._open.clear()

    # -- callers -----------------------------------------------------------------------------------
    def _schedule_arrival(self, queue: QueueSpec, t_s: float) -> None:
        rng = self._arrival_rng[queue.queue_id]
        self._next_arrival(rng, queue.arrivals_per_hour, t_s, self._arrive, queue)

    def _schedule_ivr_arrival(self, spec: IvrSpec, t_s: float) -> None:
        rng = self._ivr_arrival_rng[spec.number]
        self._next_arrival(rng, spec.arrivals_per_hour, t_s, self._arrive_ivr, spec)

    def _next_arrival(
        self, rng: random.Random, rates: Sequence[float], t_s: float, action: Callable[..., None], what: Any
    ) -> None:
        """Non-homogeneous Poisson arrivals with a rate constant within each hour: an exponential gap
        at the hour's rate, restarted at the hour's end (exact, since the exponential has no memory)."""
        end_s = self.end_us / US
        while t_s < end_s:
            hour = int(t_s // 3600)
            hour_end = min((hour + 1) * 3600.0, end_s)
            rate = rates[hour % 24] / 3600
            if rate > 0:
                t_s += rng.expovariate(rate)
                if t_s < hour_end:
                    self.loop.at(round(t_s * US), action, what, t_s)
                    return
            t_s = hour_end

    def _arrive(self, queue: QueueSpec, t_s: float) -> None:
        call_id = f"{self._call_prefix}{len(self.traces) + 1}"
        caller = self._caller()
        now = self.loop.now_us
        self.traces[call_id] = trace = CallTrace(queue.queue_id, now, queued_us=now)
        self.pbx.incoming(call_id, caller, str(queue.queue_id))
        self.engine.call_arrived(call_id, caller, str(queue.queue_id), queue_id=queue.queue_id)
        patience = self._patience[queue.queue_id]()
        if patience != math.inf:
            trace.patience_us = round(patience * US)
            self.loop.at(self.loop.now_us + trace.patience_us, self._abandon, call_id)
        self._schedule_arrival(queue, t_s)

    def _arrive_ivr(self, spec: IvrSpec, t_s: float) -> None:
        call_id = f"{self._call_prefix}{len(self.traces) + 1}"
        caller = self._caller()
        self.traces[call_id] = CallTrace(0, self.loop.now_us, ivr=spec.tree.name)
        self.in_ivr.add(call_id)
        self.pbx.incoming(call_id, caller, spec.number)
        self.engine.call_arrived(call_id, caller, spec.number)
        self._follow(call_id)
        self._schedule_ivr_arrival(spec, t_s)

    def _caller(self) -> str:
        if self._callers and self._caller_rng.random() < self.scenario.repeat_callers:
            return self._caller_rng.choice(self._callers)
        number = f"+420{700_000_000 + len(self._callers)}"
        self._callers.append(number)
        return number

    def _abandon(self, call_id: str) -> None:
        if self.engine.calls[call_id].stage in WAITING:
            self._hang_up_caller(call_id)

    def _hang_up_caller(self, call_id: str) -> None:
        self.pbx.end(call_id, ABANDONED)
        self.engine.call_ended(call_id, ABANDONED)
        self.in_ivr.discard(call_id)

    # -- what callers hear and key in -----------------------------------------------------------------
    def _played(self, call_id: str, prompt: str) -> None:
        """PBX callback: the prompt plays after those queued before it; its end is scheduled."""
        text = prompt.removeprefix("tts:")
        seconds = len(text) / self.scenario.callers.prompt_chars_per_s if text != prompt else RECORDING_S
        start = max(self.loop.now_us, self._playing_until.get(call_id, 0))
        end = start + round(seconds * US)
        self._playing_until[call_id] = end
        self.loop.at(
            end, self._prompt_done, call_id, self._epoch.get(call_id, 0), self._offers(call_id, text)
        )

    def _offers(self, call_id: str, text: str) -> bool:
        """Whether the prompt is a queue announcement that offers a callback or voicemail."""
        call = self.engine.calls.get(call_id)
        if call is None or call.queue_id not in self._offer_texts:
            return False
        offer = self._offer_texts[call.queue_id][0 if call.caller else 1]
        return bool(offer) and text.endswith(offer)

    def _prompt_done(self, call_id: str, epoch: int, offers: bool) -> None:
        if self._epoch.get(call_id, 0) != epoch or not self.pbx.finish_prompt(call_id):
            return  # cut off by a key press, or the call is over
        self.engine.on_pbx(pbx_ev.PromptFinished(self.loop.clock.now(), call_id))
        if offers:
            self._consider_offer(call_id)
        self._follow(call_id)

    def _press(self, call_id: str, digits: str) -> None:
        self._epoch[call_id] = self._epoch.get(call_id, 0) + 1
        self._playing_until[call_id] = self.loop.now_us
        self.pbx.press(call_id, digits)
        self.engine.on_pbx(pbx_ev.DigitsPressed(self.loop.clock.now(), call_id, digits))
        self._follow(call_id)

    def _think(self, timeout_s: float) -> float:
        return min(self._think_rng.uniform(*THINK_S), 0.6 * timeout_s)

    def _follow(self, call_id: str) -> None:
        """After anything that may have moved the call on: act on where it is now."""
        call = self.engine.calls.get(call_id)
        if call is None:
            return
        if call_id in self.in_ivr:
            if call.stage == CallStage.IVR:
                return self._ivr_wait(call_id)
            self.in_ivr.discard(call_id)
            self._answered_wait.pop(call_id, None)
            if call.stage in IN_QUEUE and call.queue_id is not None:
                self._entered_queue(call_id, call.queue_id)
        if call.stage == CallStage.CALLBACK and call_id not in self._keying:
            self._keying.add(call_id)
            self.loop.after(self._think_rng.uniform(*KEY_IN_S), self._key_in_time, call_id)

    def _entered_queue(self, call_id: str, queue_id: int) -> None:
        """A call from the IVR reached its queue: from now on it is a queue call with patience."""
        trace = self.traces[call_id]
        trace.queue_id, trace.queued_us = queue_id, self.loop.now_us
        patience = self._patience[queue_id]()
        if patience != math.inf:
            trace.patience_us = round(patience * US)
            self.loop.at(self.loop.now_us + trace.patience_us, self._abandon, call_id)

    def _ivr_wait(self, call_id: str) -> None:
        """The caller is in a tree: when a menu or collection waits for input, decide what to do."""
        wait = self._waiting_node(call_id)
        if wait is None or self._answered_wait.get(call_id) == wait[0]:
            return
        token, tree_name, node = wait
        self._answered_wait[call_id] = token
        choice = self._choices.get(tree_name, {}).get(node.id)
        key = choice.pick(self._choice_rng.random()) if choice is not None else "none"
        if key != "none":
            digits = f"{choice.digits}#" if choice is not None and key == "digits" else key
            self.loop.after(self._think(node.timeout_s), self._ivr_act, call_id, token, digits)

    def _waiting_node(self, call_id: str) -> tuple[tuple[Any, ...], str, Menu | CollectDigits] | None:
        """(a token of this wait, tree name, node) when the call's IVR session waits for input."""
        position = self.engine.ivr_position(call_id)
        if position is None or position.waiting != "input":
            return None
        node = position.node
        if not isinstance(node, Menu | CollectDigits):
            return None
        token = (position.tree, node.id, position.visits)
        return token, position.tree, node

    def _ivr_act(self, call_id: str, token: tuple[Any, ...], digits: str) -> None:
        wait = self._waiting_node(call_id)
        if wait is None or wait[0] != token or self.engine.calls[call_id].stage != CallStage.IVR:
            return  # the node timed out meanwhile
        if digits == "hangup":
            return self._hang_up_caller(call_id)
        self._press(call_id, digits)

    def _consider_offer(self, call_id: str) -> None:
        """After an announcement that offers a callback or voicemail: take it, or wait on."""
        call = self.engine.calls[call_id]
        if call.stage != CallStage.QUEUED or call.queue_id is None:
            return
        queue, callers = self._queue_specs[call.queue_id], self.scenario.callers
        key = ""
        if queue.callback_key and call.caller and self._offer_rng.random() < callers.callback_acceptance:
            key = queue.callback_key
        elif queue.voicemail_key and self._offer_rng.random() < callers.voicemail_acceptance:
            key = queue.voicemail_key
        if key:
            self.loop.after(self._think_rng.uniform(*THINK_S), self._take_offer, call_id, key)

    def _take_offer(self, call_id: str, key: str) -> None:
        if self.engine.calls[call_id].stage == CallStage.QUEUED:
            self._press(call_id, key)

    def _key_in_time(self, call_id: str) -> None:
        """A preferred time (HHMM#, an hour or two ahead, on the quarter) or only # (as soon as possible)."""
        self._keying.discard(call_id)
        if self.engine.calls[call_id].stage != CallStage.CALLBACK:
            return
        digits = "#"
        if self._offer_rng.random() < self.scenario.callers.callback_preferred:
            minutes = self._offer_rng.randint(4, 12) * 15
            at = (self.loop.clock.now() + timedelta(minutes=minutes)).astimezone(PRAGUE)
            at -= timedelta(minutes=at.minute % 15)
            digits = f"{at.hour:02d}{at.minute:02d}#"
        self._press(call_id, digits)

    def _recording(self, call_id: str, box: str) -> None:
        """PBX callback: KC records a message; the caller speaks, then presses # (hangs up)."""
        seconds = round(max(1.0, self._message()), 1)
        self.loop.after(seconds, self._leave_message, call_id, box, seconds)

    def _leave_message(self, call_id: str, box: str, seconds: float) -> None:
        reference = self.pbx.leave_message(call_id, VOICEMAIL_AUDIO, seconds)
        if reference:
            now = self.loop.clock.now()
            self.engine.on_pbx(pbx_ev.VoicemailRecorded(now, call_id, box, reference, seconds))

    # -- callbacks: the robot's phone rings first, then the customer's --------------------------------
    def _originated(self, call_id: str, agent_id: int, _number: str) -> None:
        """The robot picks up before the queue's ring-no-answer time: a callback dial the agent lets
        ring out is put back in line and dialled again under the same call id, which the simulated
        PBX refuses (reported as an engine issue)."""
        queue_id = self.engine.calls[call_id].queue_id
        limit = self._queue_specs[queue_id].rona_timeout_s * 0.9 if queue_id in self._queue_specs else 1.0
        self.loop.after(min(self._ring_time(), limit), self._pick_up_callback, call_id, agent_id)

    def _hung_up(self, call_id: str, cause: str) -> None:
        """PBX callback: the engine hung up a callback dial the robot did not pick up; the robot is
        paused like after any ring-no-answer and comes back after the pause."""
        agent_id = self.pbx.calls[call_id].agent_id
        if cause == "agent_no_answer" and agent_id is not None:
            self.loop.after(self.scenario.robots.rona_pause_s, self._back_from_rona, agent_id)

    def _pick_up_callback(self, call_id: str, agent_id: int) -> None:
        if not self.pbx.pick_up(call_id, agent_id):
            return
        self.engine.call_answered(call_id, agent_id)
        callers = self.scenario.callers
        if self._dialback_rng.random() < callers.callback_answer_rate:
            ring = self._dialback_rng.uniform(
                CUSTOMER_RING_S[0], min(CUSTOMER_RING_S[1], callers.callback_no_answer_s)
            )
            self.loop.after(ring, self._customer_answers, call_id)
        else:
            self.loop.after(callers.callback_no_answer_s, self._not_answered, call_id)

    def _customer_answers(self, call_id: str) -> None:
        if self.pbx.called_party_answers(call_id):
            self.engine.on_pbx(pbx_ev.CalledPartyAnswered(self.loop.clock.now(), call_id))
            queue_id = self.engine.calls[call_id].queue_id
            assert queue_id is not None
            self.loop.after(self._handling[queue_id](), self._hang_up, call_id)

    def _not_answered(self, call_id: str) -> None:
        if self.pbx.end(call_id, "no_answer"):
            self.engine.call_ended(call_id, "no_answer")

    # -- robot agents ------------------------------------------------------------------------------
    def _log_in(self, agent_id: int) -> None:
        self.engine.log_in(agent_id)
        self._open[agent_id] = session = Session(agent_id, self.loop.now_us)
        self.sessions.append(session)
        self.engine.ready(agent_id)

    def _rung(self, call_id: str, agent_id: int) -> None:
        trace = self.traces.get(call_id)
        if trace is not None and trace.first_ring_us < 0:
            trace.first_ring_us = self.loop.now_us
        rona = self.scenario.robots.rona_probability
        if rona and self._robot_rng.random() < rona:
            return  # the robot lets it ring out; the engine's ring-no-answer timer takes over
        self.loop.after(self._ring_time(), self._answer, call_id, agent_id)

    def _answer(self, call_id: str, agent_id: int) -> None:
        if self.pbx.pick_up(call_id, agent_id):
            self.engine.call_answered(call_id, agent_id)
            queue_id = self.engine.calls[call_id].queue_id
            assert queue_id is not None
            self.loop.after(self._handling[queue_id](), self._hang_up, call_id)

    def _hang_up(self, call_id: str) -> None:
        if self.pbx.end(call_id, "normal"):  # not if the call left meanwhile (a transfer)
            self.engine.call_ended(call_id, "normal")

    def _ring_cancelled(self, _call_id: str, agent_id: int) -> None:
        self.loop.after(self.scenario.robots.rona_pause_s, self._back_from_rona, agent_id)

    def _back_from_rona(self, agent_id: int) -> None:
        agent = self.engine.agents[agent_id]
        if agent.state != AgentState.PAUSED or agent.pause_code != RONA_PAUSE or agent_id in self.leaving:
            return  # the ring was cancelled because the caller left, or the agent goes home
        assert agent.since is not None
        if self.loop.to_us(agent.since) + round(self.scenario.robots.rona_pause_s * US) <= self.loop.now_us:
            self.engine.ready(agent_id)

    def _end_shift(self, agent_id: int) -> None:
        """Sign out of every queue at once, finish the call in hand and its wrap-up, then log out."""
        for queue_id in sorted(self.engine.agents[agent_id].signed_in):
            self.engine.sign_out(agent_id, queue_id)
        self.leaving.add(agent_id)

    def _let_go(self) -> None:
        """Leaving agents log out once ready or paused. One still signed in (on duty when the calls
        stop) is ready only when nothing waits for them: a ready agent takes a waiting call at once."""
        for agent_id in sorted(self.leaving):
            state = self.engine.agents[agent_id].state
            if state in (AgentState.READY, AgentState.PAUSED):
                self.engine.log_out(agent_id)
                self._open.pop(agent_id).logout_us = self.loop.now_us
            if state in (AgentState.READY, AgentState.PAUSED, AgentState.LOGGED_OUT):
                self.leaving.discard(agent_id)

    def _tick(self, due_us: int) -> None:
        self._ticks.discard(due_us)
        self.engine.tick()
        for call_id in sorted(self.in_ivr):  # a timeout may have moved an IVR caller on
            self._follow(call_id)
