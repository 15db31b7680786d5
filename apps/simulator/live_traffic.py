"""Callers and robot agents in real time against a running engine, so that ``kc demo`` is alive
and a human tester can work beside the robots (the robots answer only the calls rung to them).

Callers hear prompts (at ``chars_per_s``), walk the IVR of the numbers that have one (a random key of
each menu, a valid insurance number when asked), now and then press the queue's callback or
voicemail key, leave messages; robot agents also take the callbacks the engine dials from their
phones, and most customers answer them."""

from __future__ import annotations

import array
import functools
import heapq
import itertools
import logging
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any

import attrs

from apps.engine.host import EngineHost
from kc_adapters.simulated_pbx import SimulatedPbx
from kc_adapters.speech.audio import telephony_wav
from kc_domain.ivr.model import CollectDigits, Menu
from kc_domain.routing.agent import AgentState
from kc_domain.routing.call import CallStage
from kc_domain.routing.engine import RoutingEngine
from kc_domain.routing.pbx_events import PbxEvent

log = logging.getLogger("kc.traffic")


@attrs.frozen
class TrafficProfile:
    calls_per_hour: dict[int, float]  # queue id -> Poisson rate
    robots: frozenset[int]  # agent ids the robots play
    handling_mean_s: float = 90.0
    ring_s: float = 3.0
    patience_mean_s: float = 150.0
    ivr_calls_per_hour: float = 60.0  # on each number answered by an IVR tree
    chars_per_s: float = 15.0  # how fast prompts play
    callback_acceptance: float = 0.1  # a waiting caller presses the callback key when offered
    voicemail_acceptance: float = 0.05
    callback_answer_rate: float = 0.8  # the customer answers when called back
    customer_answer_s: float = 6.0  # after ringing this long on average
    insurance_number: str = "7801011229"
    lines: tuple[str, ...] = ()  # transfer-panel lines whose presence the PBX reports (AG-12)
    line_busy_mean_s: float = 120.0
    line_free_mean_s: float = 300.0
    # a campaign's dialled numbers: the shares answered by a person, by a machine, busy, not existing
    # (the rest ring out)
    callees: tuple[float, float, float, float] = (0.35, 0.05, 0.10, 0.03)


def new_call_id() -> str:
    """The PBX's id of a new demo call: unique for good, across restarts of ``kc demo`` and machines
    (a counter or the seeded random numbers of the traffic would repeat the ids of earlier days)."""
    return f"demo-{uuid.uuid4().hex}"


def _log_in_ready(engine: RoutingEngine, agent_id: int) -> None:
    """A robot agent signs in, ready for calls."""
    engine.log_in(agent_id)
    engine.ready(agent_id)


# a robot's outcome for a campaign contact put through to her: (agent, contact, call, success)
CampaignOutcome = Callable[[int, int, str, bool], None]


class LiveTraffic:
    def __init__(
        self,
        host: EngineHost,
        pbx: SimulatedPbx,
        profile: TrafficProfile,
        seed: int = 7,
        campaign_outcome: CampaignOutcome | None = None,
    ) -> None:
        """``campaign_outcome``: how a robot says how a campaign call she talked on ended (the
        desktop's outcome buttons); None: robots leave it to the contact's hold to lapse."""
        self._host, self._pbx, self._profile = host, pbx, profile
        self._campaign_outcome = campaign_outcome
        self._rng = random.Random(seed)
        self._heap: list[tuple[float, int, Callable[..., None], tuple[Any, ...]]] = []
        self._seq = itertools.count()
        self._wake = threading.Condition()
        self._numbers = {q.queue_id: q.number for q in host.engine.queues.values()}
        pbx.listen(self._heard)  # the PBX's events reach the engine as from a real PBX
        pbx.on("ring_agent", self._rung)
        pbx.on("originate", lambda call_id, agent_id, _number: self._rung(call_id, agent_id))
        pbx.on("complete_transfer", self._handed_over)
        pbx.on("play", self._played)
        pbx.on("record_voicemail", self._recording)
        pbx.on("dial_out", self._dialled)

    def start(self, stop: threading.Event) -> threading.Thread:
        for agent_id in self._profile.robots:
            self._host.apply(functools.partial(_log_in_ready, agent_id=agent_id))
        for queue_id, rate in self._profile.calls_per_hour.items():
            if rate > 0 and self._numbers.get(queue_id):
                self._after(self._rng.expovariate(rate / 3600), self._arrive, queue_id)
        if self._profile.ivr_calls_per_hour > 0:
            for number in sorted(self._host.engine.ivr_numbers):
                self._after(
                    self._rng.expovariate(self._profile.ivr_calls_per_hour / 3600), self._dial_ivr, number
                )
        for number in self._profile.lines:
            self._pbx.line_state(number, "free")
            self._after(self._rng.expovariate(1 / self._profile.line_free_mean_s), self._line, number, "busy")
        thread = threading.Thread(target=self._run, args=(stop,), name="kc-traffic", daemon=True)
        thread.start()
        return thread

    # -- the world's actions ---------------------------------------------------------------------
    def _arrive(self, queue_id: int) -> None:
        rate = self._profile.calls_per_hour[queue_id]
        self._after(self._rng.expovariate(rate / 3600), self._arrive, queue_id)
        caller = f"+4207{self._rng.randrange(10**8):08d}"
        self._pbx.incoming(call_id := new_call_id(), caller, self._numbers[queue_id])
        self._after(self._rng.expovariate(1 / self._profile.patience_mean_s), self._give_up, call_id)

    def _dial_ivr(self, number: str) -> None:
        self._after(self._rng.expovariate(self._profile.ivr_calls_per_hour / 3600), self._dial_ivr, number)
        caller = f"+4207{self._rng.randrange(10**8):08d}"
        self._pbx.incoming(call_id := new_call_id(), caller, number)
        self._after(self._rng.expovariate(1 / self._profile.patience_mean_s) + 60, self._give_up, call_id)

    def _played(self, call_id: str, prompt: str) -> None:
        """A prompt plays for as long as it takes to say it; then the caller may react."""
        seconds = min(30.0, len(prompt) / self._profile.chars_per_s)
        self._after(seconds, self._prompt_over, call_id)

    def _prompt_over(self, call_id: str) -> None:
        if not self._pbx.finish_prompt(call_id):
            return  # cut off by a key, or the caller is gone
        call = self._host.engine.calls.get(call_id)
        if call is None:
            return
        if call.stage == CallStage.IVR:
            self._after(self._rng.uniform(0.5, 2.0), self._key_in_ivr, call_id)
        elif call.stage == CallStage.CALLBACK:  # asked for the preferred time: as soon as possible
            self._after(self._rng.uniform(0.5, 2.0), self._press, call_id, "#")
        elif call.stage == CallStage.QUEUED and call.queue_id is not None:
            queue = self._host.engine.queues[call.queue_id]
            luck = self._rng.random()
            if queue.callback_key and luck < self._profile.callback_acceptance:
                self._after(1.0, self._press, call_id, queue.callback_key + "#")
            elif queue.voicemail_key and luck > 1 - self._profile.voicemail_acceptance:
                self._after(1.0, self._press, call_id, queue.voicemail_key)

    def _key_in_ivr(self, call_id: str) -> None:
        position = self._host.engine.ivr_position(call_id)
        node = position.node if position is not None else None
        if isinstance(node, Menu) and node.choices:
            self._press(call_id, self._rng.choice(sorted(node.choices)))
        elif isinstance(node, CollectDigits):
            self._press(call_id, self._profile.insurance_number + "#")

    def _press(self, call_id: str, digits: str) -> None:
        call = self._host.engine.calls.get(call_id)
        if call is not None and call.stage != CallStage.ENDED:
            self._pbx.press(call_id, digits)

    def _line(self, number: str, state: str) -> None:
        """Somebody else calls a line, and later hangs up."""
        self._pbx.line_state(number, state)
        mean = self._profile.line_busy_mean_s if state == "busy" else self._profile.line_free_mean_s
        after = "free" if state == "busy" else "busy"
        self._after(self._rng.expovariate(1 / mean), self._line, number, after)

    def _heard(self, event: PbxEvent) -> None:
        """A PBX event: may come while the engine is inside a command, so it is fed afterwards."""
        self._after(0.0, self._host.apply, lambda engine: engine.on_pbx(event))

    def _recording(self, call_id: str, _box: str) -> None:
        self._after(self._rng.uniform(5, 15), self._leave_message, call_id)

    def _leave_message(self, call_id: str) -> None:
        seconds = self._rng.uniform(3, 10)
        if self._pbx.leave_message(call_id, _silence(seconds), seconds):
            self._pbx.end(call_id)

    def _rung(self, call_id: str, agent_id: int) -> None:
        if agent_id not in self._profile.robots:
            return
        call = self._host.engine.calls.get(call_id)  # runs inside the engine: only schedule
        if call is not None and call.campaign_id is not None:  # the dialler's: her phone answers itself
            talk = self._rng.expovariate(1 / self._profile.handling_mean_s)
            self._after(talk, self._campaign_talked, call_id, agent_id, call.entry_id)
            return
        self._after(self._profile.ring_s, self._pick_up, call_id, agent_id)

    def _campaign_talked(self, call_id: str, agent_id: int, entry_id: int | None) -> None:
        """The callee put through hangs up; the robot says how it went, as an agent would."""
        self._pbx.end(call_id)
        if self._campaign_outcome is not None and entry_id is not None:
            self._campaign_outcome(agent_id, entry_id, call_id, self._rng.random() < 0.4)

    def _dialled(self, call_id: str, _number: str, _caller_id: str, ring_s: int) -> None:
        """A campaign's number: a person answers, a machine, busy, no such number, or it rings out
        (``TrafficProfile.callees``); runs inside the engine: only schedule."""
        draw, (live, machine, busy, invalid) = self._rng.random(), self._profile.callees
        answer_s = self._profile.customer_answer_s
        if draw < live:
            self._after(answer_s * self._rng.uniform(0.5, 2.5), self._customer_answers, call_id)
        elif draw < live + machine:
            self._after(answer_s * self._rng.uniform(0.7, 1.7), self._machine_answers, call_id)
        elif draw < live + machine + busy:
            self._after(answer_s * self._rng.uniform(0.2, 0.7), self._ends, call_id, "busy")
        elif draw < live + machine + busy + invalid:
            self._after(answer_s * self._rng.uniform(0.1, 0.3), self._ends, call_id, "invalid")
        else:
            self._after(float(ring_s), self._not_reached, call_id)

    def _ends(self, call_id: str, cause: str) -> None:
        self._pbx.end(call_id, cause)

    def _machine_answers(self, call_id: str) -> None:
        self._pbx.called_party_answers(call_id, machine=True)

    def _pick_up(self, call_id: str, agent_id: int) -> None:
        call = self._host.engine.calls.get(call_id)
        if call is None or call.stage != CallStage.RINGING or call.agent_id != agent_id:
            return
        self._pbx.pick_up(call_id, agent_id)
        if call.direction == "outbound":  # a callback: the customer's phone rings now
            if self._rng.random() < self._profile.callback_answer_rate:
                delay = self._profile.customer_answer_s * self._rng.uniform(0.5, 1.5)
                self._after(delay, self._customer_answers, call_id)
            else:
                self._after(25.0, self._not_reached, call_id)
            return
        self._after(self._rng.expovariate(1 / self._profile.handling_mean_s), self._hang_up, call_id)

    def _handed_over(self, call_id: str) -> None:
        """A call transferred after a consultation: runs inside the engine, so only schedule."""
        self._after(0.0, self._take_over, call_id)

    def _take_over(self, call_id: str) -> None:
        """A robot given a call by a colleague's transfer talks, then hangs up, like any other call."""
        call = self._host.engine.calls.get(call_id)
        if call is not None and call.stage == CallStage.ANSWERED and call.agent_id in self._profile.robots:
            self._after(self._rng.expovariate(1 / self._profile.handling_mean_s), self._hang_up, call_id)

    def _customer_answers(self, call_id: str) -> None:
        if self._pbx.called_party_answers(call_id):
            self._after(self._rng.expovariate(1 / self._profile.handling_mean_s), self._hang_up, call_id)

    def _not_reached(self, call_id: str) -> None:
        self._pbx.end(call_id, "no_answer")

    def _hang_up(self, call_id: str) -> None:
        self._pbx.end(call_id)

    def _give_up(self, call_id: str) -> None:
        call = self._host.engine.calls.get(call_id)
        if call is not None and call.stage in (CallStage.IVR, CallStage.QUEUED, CallStage.RINGING):
            self._pbx.end(call_id, "caller_abandoned")

    # -- scheduling --------------------------------------------------------------------------------
    def _after(self, delay_s: float, action: Callable[..., None], *args: Any) -> None:
        with self._wake:
            heapq.heappush(self._heap, (time.monotonic() + delay_s, next(self._seq), action, args))
            self._wake.notify()

    def _run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            with self._wake:
                delay = self._heap[0][0] - time.monotonic() if self._heap else 1.0
                if delay > 0:
                    self._wake.wait(min(delay, 1.0))
                    continue
                _due, _seq, action, args = heapq.heappop(self._heap)
            try:
                action(*args)
            except Exception:  # one failed action must not stop the demo's traffic
                log.exception("traffic action %s failed", getattr(action, "__name__", action))


def demo_profile(host: EngineHost, humans: Iterable[int], lines: Iterable[str] = ()) -> TrafficProfile:
    """Modest traffic on every queue; robots play every agent except the given humans; the lines
    are now and then busy."""
    rates = {q: 40.0 for q in host.engine.queues}
    robots = frozenset(
        a
        for a, agent in host.engine.agents.items()
        if a not in set(humans) and agent.state == AgentState.LOGGED_OUT
    )
    return TrafficProfile(rates, robots, lines=tuple(lines))


def _silence(seconds: float) -> bytes:
    """A quiet 8 kHz WAV standing in for a caller's message."""
    return telephony_wav(array.array("h", [0]) * int(8000 * seconds))
