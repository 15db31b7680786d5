"""The engine's dialler (OUT-01, OUT-04, OUT-05, OUT-09, OUT-16, OUT-17): progressive and predictive
campaigns dialled through the PBX, their answered callees connected to the agents of the campaign's
queue like callers of that queue (blending: inbound and outbound share the agents).

The host tells the engine which campaigns dial (``UseCampaigns``) and keeps each one's *hopper*, a
few contacts the database reserved for the dialler (``HopperNeeds``, ``FillHopper``): the engine
never waits for the database. Every second, and at once when an agent frees or an attempt ends,
each dialling campaign is paced (``kc_domain.outbound.pacing.decide``), higher priority first:
agents one campaign's calls will need are not offered to the next (OUT-04). A decision's
explanation is journaled with every call it dialled (``CallPaced``: ``kc explain`` of the call).

An attempt is a ``Call`` (direction outbound, ``campaign_id`` set) from the dial on:

- the PBX dials the number with the campaign's caller ID and ring time (``CallControl.dial_out``);
  busy, no answer (also KC's own cut-off after the ring time), an invalid number or an answering
  machine the PBX detected end it with that outcome (``CallAttemptEnded``);
- a person answered (``CalledPartyAnswered``): the intro announcement plays (OUT-16) and the call
  joins its queue ahead of everyone, offered at once to a free agent whose phone answers by itself;
- no agent picked up within ``CONNECT_WITHIN_S`` (2 s): the call is abandoned, the callee hears the
  information message and KC hangs up; the abandon counts against the campaign's cap;
- an agent picked up: ``CallCampaignConnected`` tells the host to give her the contact (its card,
  script and outcome buttons on her desktop); from there it is an agent's call like any other.

The abandon ledger and the estimates (live-answer rate, time to answer, talk) are the campaign's
own, fed by its attempts as they end; a restarted engine's ledger starts from the last 24 hours the
host gives (``DiallerCampaign.answered``). Pure: the clock and the PBX are the engine's.
"""

from __future__ import annotations

import math
from collections import Counter, deque
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import attrs

from kc_domain.ivr.model import Prompt
from kc_domain.organisation.hours import OpeningHours
from kc_domain.outbound.outcomes import Outcome
from kc_domain.outbound.pacing import PacingDecision, PacingInputs, PacingMode, PacingSettings, decide
from kc_domain.outbound.pacing_estimates import DialOutcome, EstimatorSettings, PacingEstimator
from kc_domain.outbound.pacing_explain import explain
from kc_domain.outbound.pacing_ledger import AbandonLedger
from kc_domain.routing import calls, flow, queueing
from kc_domain.routing import events as ev
from kc_domain.routing.agent import AgentState
from kc_domain.routing.call import Call, CallEnd, CallStage

if TYPE_CHECKING:
    from kc_domain.routing.state import RoutingState

CONNECT_WITHIN_S = 2.0  # a live answer waits this long for an agent, then is abandoned
PACE_EVERY_S = 1.0  # each dialling campaign is paced this often (and at once when things change)
DIAL_GRACE_S = 10  # KC gives a dial up this long after its ring time when the PBX said nothing
HOPPER_KEPT = timedelta(minutes=10)  # a contact waits in the hopper at most this long
HOPPER_MIN = 4  # contacts a dialling campaign keeps at hand at least
HOPPER_PER_AGENT = 3  # and this many per agent signed in to its queue
CONNECT_PRIORITY = 0  # ahead of every caller of the queue (1 first .. 10 last)
ABANDON_MESSAGE = (
    "Dobrý den, volala vám Oborová zdravotní pojišťovna. Všichni naši operátoři jsou právě obsazeni. "
    "Zavoláme vám znovu později. Děkujeme, na shledanou."
)
OUTCOME_OF_CAUSE = {
    "busy": (Outcome.BUSY, DialOutcome.BUSY),
    "invalid": (Outcome.INVALID, DialOutcome.INVALID),
    "unallocated": (Outcome.INVALID, DialOutcome.INVALID),
    "failed": (Outcome.INVALID, DialOutcome.INVALID),
    "congestion": (Outcome.BUSY, DialOutcome.BUSY),
    "answering_machine": (Outcome.ANSWERING_MACHINE, DialOutcome.MACHINE),
}
NO_ANSWER = (Outcome.NO_ANSWER, DialOutcome.NO_ANSWER)
MODES = {"progressive": PacingMode.PROGRESSIVE, "predictive": PacingMode.PREDICTIVE}


@attrs.frozen
class DiallerCampaign:
    """What the engine needs of a running progressive or predictive campaign (the host builds it)."""

    campaign_id: int
    name: str
    queue_id: int
    mode: str  # "progressive" or "predictive"
    priority: int = 5  # 10 first
    caller_id: str = ""  # shown to the callee (OUT-17); "": the PBX's default line
    ring_s: int = 25
    abandon_cap: float = 0.03
    intro_prompt: str = ""  # a recording's name played to the callee at the answer (OUT-16)
    record: bool = True  # OUT-17: with or without recording
    hours: OpeningHours = attrs.field(factory=OpeningHours.always_open)
    answered: tuple[tuple[datetime, bool], ...] = ()  # live answers of the last 24 h: (at, abandoned)
    listed: int = 0  # contacts on its list (taken off excluded), when the host last read it
    dealt_with: int = 0  # of which need no further attempt
    attempts_today: int = 0  # attempts with an outcome since local midnight, as the host last read them


@attrs.frozen
class HopperContact:
    """A contact the database reserved for the dialler."""

    entry_id: int
    phone: str  # E.164
    name: str = ""


@attrs.frozen
class ReturnedContact:
    """A contact the dialler gives back undialled (the campaign stopped dialling, it waited too long,
    or the PBX refused to dial it): the host releases it without counting an attempt."""

    campaign_id: int
    entry_id: int
    reason: str


class Dialling:
    """One campaign's dialler: its hopper, its attempts in the air, its estimates and abandons."""

    def __init__(self, campaign: DiallerCampaign, zone: Any) -> None:
        self.campaign = campaign
        self.hopper: deque[tuple[HopperContact, datetime]] = deque()
        self.ringing: dict[str, datetime] = {}  # call -> dialled at
        self.waiting: set[str] = set()  # live answers waiting for an agent
        self.estimator = PacingEstimator(EstimatorSettings())
        self.ledger = AbandonLedger(campaign.abandon_cap, zone=zone)
        for at, abandoned in sorted(campaign.answered):
            self.ledger.live_answer(at)
            if abandoned:
                self.ledger.abandoned(at)
        self.last: PacingDecision | None = None
        self.dials = True  # False: no longer running; its calls in the air finish
        self.counts: Counter[str] = Counter()  # since the engine started: dialled, live, abandoned...

    @property
    def mode(self) -> PacingMode:
        return MODES[self.campaign.mode]

    def in_air(self) -> int:
        return len(self.ringing) + len(self.waiting)


# == the host: which campaigns dial, and their hoppers ==============================================
def use_campaigns(s: RoutingState, campaigns: Iterable[DiallerCampaign]) -> None:
    """The campaigns that dial from now on; one no longer named stops dialling (its hopper goes
    back, its calls finish), a changed one keeps its estimates and ledger."""
    wanted = {c.campaign_id: c for c in campaigns if c.mode in MODES}
    for campaign_id, running in s.dialling.items():
        if campaign_id not in wanted and running.dials:
            running.dials = False
            give_back(s, running, "campaign_not_dialling")
    for campaign_id, campaign in wanted.items():
        d = s.dialling.get(campaign_id)
        if d is None:
            s.dialling[campaign_id] = Dialling(campaign, s.zone)
        else:
            d.campaign, d.dials, d.ledger.cap = campaign, True, campaign.abandon_cap
    forget_idle(s)
    pace_soon(s)


def hopper_needs(s: RoutingState) -> dict[int, int]:
    """How many contacts each dialling campaign wants added to its hopper now."""
    needs = {}
    for campaign_id, d in s.dialling.items():
        if not d.dials or d.campaign.queue_id not in s.queues:
            continue
        agents = sum(1 for a in members(s, d.campaign.queue_id) if a.state != AgentState.PAUSED)
        want = HOPPER_MIN + HOPPER_PER_AGENT * agents - len(d.hopper)
        if want > 0:
            needs[campaign_id] = want
    return needs


def fill_hopper(s: RoutingState, campaign_id: int, contacts: Iterable[HopperContact]) -> None:
    """Contacts reserved for the campaign's dialler; given back at once if it no longer dials."""
    d = s.dialling.get(campaign_id)
    now = s.now()
    held = {c.entry_id for c, _ in d.hopper} if d is not None else set()
    for contact in contacts:
        if d is None or not d.dials:
            s.returned.append(ReturnedContact(campaign_id, contact.entry_id, "campaign_not_dialling"))
        elif contact.entry_id not in held:
            held.add(contact.entry_id)
            d.hopper.append((contact, now))
    pace_soon(s)


def hopper_contents(s: RoutingState) -> dict[int, dict[int, str]]:
    """The contacts each campaign's hopper holds (entry -> number), for the host to check them
    against the list as it is now (a contact taken off, done, given another number, forbidden)."""
    return {c: {contact.entry_id: contact.phone for contact, _ in d.hopper} for c, d in s.dialling.items()}


def drop_from_hopper(s: RoutingState, campaign_id: int, entry_ids: Iterable[int], reason: str) -> int:
    """Contacts the list no longer allows to call as they are, out of the hopper undialled (given
    back, so that the dialler's hold of them ends); how many."""
    d = s.dialling.get(campaign_id)
    dropped = set(entry_ids)
    if d is None or not dropped:
        return 0
    kept = deque((c, at) for c, at in d.hopper if c.entry_id not in dropped)
    gone = len(d.hopper) - len(kept)
    d.hopper = kept
    s.returned += [ReturnedContact(campaign_id, e, reason) for e in sorted(dropped)]
    return gone


def drain_returned(s: RoutingState) -> list[ReturnedContact]:
    drained, s.returned = s.returned, []
    return drained


def give_back(s: RoutingState, d: Dialling, reason: str) -> None:
    while d.hopper:
        contact, _ = d.hopper.popleft()
        s.returned.append(ReturnedContact(d.campaign.campaign_id, contact.entry_id, reason))


def forget_idle(s: RoutingState) -> None:
    for campaign_id in [c for c, d in s.dialling.items() if not d.dials and not d.in_air()]:
        del s.dialling[campaign_id]


# == pacing ==========================================================================================
def pace_soon(s: RoutingState) -> None:
    """Pace at the next tick (an agent freed, an attempt ended, contacts arrived)."""
    if s.dialling:
        s.timers.arm("pace", "all", s.now())


def on_pace(s: RoutingState, _key: str, now: datetime) -> None:
    pace_all(s)
    if any(d.dials for d in s.dialling.values()):
        s.timers.arm("pace", "all", now + timedelta(seconds=PACE_EVERY_S))


def members(s: RoutingState, queue_id: int) -> list[Any]:
    return [
        a for a in s.skilled.get(queue_id, ()) if queue_id in a.signed_in and a.state != AgentState.LOGGED_OUT
    ]


def pace_all(s: RoutingState) -> None:
    """Every dialling campaign, higher priority first, dials what its pacing decides; the agents a
    campaign's calls in the air will need are not counted free for the next one (OUT-04)."""
    now = s.now()
    promised: Counter[int] = Counter()  # queue -> free agents promised to calls already in the air
    for d in sorted(s.dialling.values(), key=lambda d: (-d.campaign.priority, d.campaign.campaign_id)):
        queue_id = d.campaign.queue_id
        stale = [c for c, at in d.hopper if now - at > HOPPER_KEPT]
        if stale:
            d.hopper = deque((c, at) for c, at in d.hopper if now - at <= HOPPER_KEPT)
            s.returned += [
                ReturnedContact(d.campaign.campaign_id, c.entry_id, "kept_too_long") for c in stale
            ]
        if queue_id not in s.queues:
            continue
        ready = len(s.ready_in[queue_id])
        free = max(0, ready - promised[queue_id])
        model = d.estimator.model(now)
        if d.dials and d.hopper and d.campaign.hours.is_open(now, s.zone, s.holidays):
            decision = decide(
                d.mode,
                now,
                inputs(s, d, free, now),
                model,
                d.ledger.standing(now),
                PacingSettings(abandon_cap=d.campaign.abandon_cap, connect_within_s=CONNECT_WITHIN_S),
            )
            d.last = decision
            for _ in range(decision.dials):
                dial(s, d, decision)
        # progressive keeps an agent for every call in the air, predictive for the live answers due
        share = 1.0 if d.mode == PacingMode.PROGRESSIVE else model.live_rate
        expected = len(d.waiting) + math.ceil(len(d.ringing) * share)
        promised[queue_id] += min(free, expected)


def inputs(s: RoutingState, d: Dialling, free: int, now: datetime) -> PacingInputs:
    def since(agent: Any) -> float:
        return (now - agent.since).total_seconds() if agent.since is not None else 0.0

    people = members(s, d.campaign.queue_id)
    return PacingInputs(
        free_agents=free,
        talking=tuple(since(a) for a in people if a.state == AgentState.BUSY),
        wrapping=tuple(since(a) for a in people if a.state == AgentState.WRAP_UP),
        ringing=tuple((now - at).total_seconds() for at in d.ringing.values()),
        waiting=len(d.waiting),
        numbers_left=len(d.hopper),
    )


def dial(s: RoutingState, d: Dialling, decision: PacingDecision) -> str:
    contact, _ = d.hopper.popleft()
    campaign, now = d.campaign, s.now()
    s.seq += 1
    call_id = f"cmp-{s.new_id()}"
    call = Call(call_id, contact.phone, campaign.caller_id, now, s.seq, direction="outbound")
    call.campaign_id, call.entry_id, call.recording = campaign.campaign_id, contact.entry_id, campaign.record
    call.queue_id = campaign.queue_id
    s.calls[call_id] = call
    d.ringing[call_id] = now
    d.counts["dialled"] += 1
    s.emit(ev.CallDialled(now, call_id, contact.phone, campaign.queue_id, None, "", contact.entry_id))
    why = "\n".join(explain(decision, s.zone))
    s.emit(ev.CallPaced(now, call_id, campaign.campaign_id, contact.entry_id, decision.mode.value, why))
    s.timers.arm("dial_cutoff", call_id, now + timedelta(seconds=campaign.ring_s + DIAL_GRACE_S))
    s.pbx.dial_out(call_id, contact.phone, campaign.caller_id, campaign.ring_s)
    return call_id


# == the attempt's way ===============================================================================
def callee_answered(s: RoutingState, call: Call, machine: bool) -> None:
    """The PBX reports the answer; a machine it detected ends the attempt, a person joins the queue."""
    d = s.dialling.get(call.campaign_id or 0)
    if call.stage != CallStage.ARRIVED or d is None:
        return s.ignore(s.now(), f"answer of dialled {call.call_id} ignored: {call.stage.value}")
    now = s.now()
    dialled_at = d.ringing.pop(call.call_id, call.arrived_at)
    after = (now - dialled_at).total_seconds()
    if machine:
        d.estimator.attempt_ended(now, DialOutcome.MACHINE, after)
        s.pbx.hang_up(call.call_id, "answering_machine")
        return attempt_over(s, d, call, Outcome.ANSWERING_MACHINE, CallEnd.NOT_REACHED, "answering_machine")
    d.estimator.attempt_ended(now, DialOutcome.LIVE, after)
    d.ledger.live_answer(now)
    d.counts["live"] += 1
    call.connected, call.pbx_answered = True, True
    s.emit(ev.CallConnected(now, call.call_id))
    if d.campaign.intro_prompt:  # OUT-16, while KC connects the agent
        flow.say(s, call, "intro", Prompt(audio=d.campaign.intro_prompt))
    call.priority = CONNECT_PRIORITY
    call.queue(d.campaign.queue_id, now)
    s.emit(
        ev.CallQueued(
            now, call.call_id, d.campaign.queue_id, call.priority, f"campaign:{d.campaign.campaign_id}"
        )
    )
    s.timers.arm("connect", call.call_id, now + timedelta(seconds=CONNECT_WITHIN_S))
    d.waiting.add(call.call_id)
    if not queueing.offer_to_best_agent(s, call, now):
        s.push(call)


def auto_answer(s: RoutingState, call: Call) -> None:
    """A dialler's call offered to an agent: her phone answers by itself (the callee is there)."""
    assert call.agent_id is not None
    s.pbx.answer_at_phone(call.call_id, call.agent_id)
    calls.call_answered(s, call.call_id, call.agent_id)


def agent_connected(s: RoutingState, call: Call, agent_id: int) -> None:
    d = s.dialling.get(call.campaign_id or 0)
    s.timers.disarm("connect", call.call_id)
    if d is not None:
        d.waiting.discard(call.call_id)
        d.counts["connected"] += 1
    assert call.campaign_id is not None and call.entry_id is not None
    s.emit(ev.CallCampaignConnected(s.now(), call.call_id, call.campaign_id, call.entry_id, agent_id))
    pace_soon(s)


def on_connect(s: RoutingState, call_id: str, now: datetime) -> None:
    """The connect window is over and no agent has the callee: abandoned (with the message)."""
    call = s.calls.get(call_id)
    if call is None or call.stage not in (CallStage.QUEUED, CallStage.RINGING):
        return
    if call.stage == CallStage.RINGING:
        calls.release_offer(s, call, now)
    abandon(s, call, "no agent within 2 s")
    flow.say(s, call, "abandoned", ABANDON_MESSAGE)
    flow.then(s, call, lambda: s.pbx.hang_up(call_id, "abandoned"))


def abandon(s: RoutingState, call: Call, cause: str) -> None:
    d = s.dialling.get(call.campaign_id or 0)
    s.timers.disarm("connect", call.call_id)
    if d is None:
        return calls.end_call(s, call, CallEnd.DIALLER_ABANDONED, cause)
    d.waiting.discard(call.call_id)
    d.ledger.abandoned(s.now())
    d.counts["abandoned"] += 1
    attempt_over(s, d, call, Outcome.ABANDONED, CallEnd.DIALLER_ABANDONED, cause)


def on_cutoff(s: RoutingState, call_id: str, now: datetime) -> None:
    """The ring time passed and the PBX said nothing: KC gives the dial up as not answered."""
    call = s.calls.get(call_id)
    if call is not None and call.stage == CallStage.ARRIVED:
        s.pbx.hang_up(call_id, "no_answer")
        dialled_ended(s, call, "no_answer")


def dialled_ended(s: RoutingState, call: Call, cause: str) -> None:
    """The PBX ended a dialler's call (``calls.call_ended``), at whatever point it was."""
    now = s.now()
    d = s.dialling.get(call.campaign_id or 0)
    if call.stage == CallStage.ANSWERED:
        if d is not None and call.answered_at is not None:
            d.estimator.talk_ended((now - call.answered_at).total_seconds())
        calls.finish_answered(s, call, CallEnd.COMPLETED, cause)
        return pace_soon(s)
    if call.stage in (CallStage.QUEUED, CallStage.RINGING):  # the callee hung up before an agent came
        if call.stage == CallStage.RINGING:
            calls.release_offer(s, call, now)
        return abandon(s, call, cause)
    outcome, dial_outcome = OUTCOME_OF_CAUSE.get(cause, NO_ANSWER)
    if d is None:
        return calls.end_call(s, call, CallEnd.NOT_REACHED, cause)
    dialled_at = d.ringing.pop(call.call_id, call.arrived_at)
    d.estimator.attempt_ended(now, dial_outcome, (now - dialled_at).total_seconds())
    attempt_over(s, d, call, outcome, CallEnd.NOT_REACHED, cause)


def dial_refused(s: RoutingState, call: Call, reason: str) -> None:
    """The PBX would not dial: no attempt is counted, the contact goes back to the list."""
    d = s.dialling.get(call.campaign_id or 0)
    if d is not None:
        d.ringing.pop(call.call_id, None)
        d.counts["refused"] += 1
    assert call.campaign_id is not None and call.entry_id is not None
    s.returned.append(ReturnedContact(call.campaign_id, call.entry_id, "refused_at_pbx"))
    s.timers.disarm("dial_cutoff", call.call_id)
    calls.end_call(s, call, CallEnd.NOT_REACHED, f"refused: {reason}")
    forget_idle(s)


def attempt_over(
    s: RoutingState, d: Dialling, call: Call, outcome: Outcome, end: CallEnd, cause: str
) -> None:
    """The attempt ended without an agent: its outcome for the contact, the call's end."""
    d.ringing.pop(call.call_id, None)
    d.counts[outcome.value] += 1
    s.timers.disarm("dial_cutoff", call.call_id)
    assert call.campaign_id is not None and call.entry_id is not None
    s.emit(ev.CallAttemptEnded(s.now(), call.call_id, call.campaign_id, call.entry_id, outcome.value))
    calls.end_call(s, call, end, cause)
    forget_idle(s)
    pace_soon(s)


# == what the supervisor sees (RT-03, RT-05) =========================================================
def dialler_view(s: RoutingState, now: datetime) -> list[dict[str, Any]]:
    """Each dialling campaign's live state: calls in the air, abandons against the cap, the agents
    of its queue and the pacing's last decision."""
    found = []
    for d in sorted(s.dialling.values(), key=lambda d: (-d.campaign.priority, d.campaign.campaign_id)):
        standing = d.ledger.standing(now)
        people = members(s, d.campaign.queue_id)
        last = d.last
        found.append(
            {
                "campaign_id": d.campaign.campaign_id,
                "name": d.campaign.name,
                "queue_id": d.campaign.queue_id,
                "mode": d.campaign.mode,
                "dialling": d.dials,
                "ringing": len(d.ringing),
                "waiting": len(d.waiting),
                "hopper": len(d.hopper),
                "listed": d.campaign.listed,  # progress through the list, as the host last read it
                "dealt_with": d.campaign.dealt_with,
                "attempts_today": d.campaign.attempts_today,
                "agents": len(people),
                "agents_free": len(s.ready_in.get(d.campaign.queue_id, ())),
                "agents_talking": sum(1 for a in people if a.state == AgentState.BUSY),
                "abandon_cap": d.campaign.abandon_cap,
                "live_today": standing.day_live,
                "abandoned_today": standing.day_abandoned,
                "abandon_rate_today": standing.day_rate,
                "abandon_rate_24h": standing.window_rate,
                "risk_threshold": last.prediction.risk_threshold if last and last.prediction else None,
                "last_dials": last.dials if last else 0,
                "limit": last.limit.value if last else "",
                "live_rate": last.live_rate if last else None,
                "counts": dict(d.counts),
            }
        )
    return found
