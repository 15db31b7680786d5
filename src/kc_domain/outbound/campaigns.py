"""Outbound campaigns (OUT-01..OUT-13): the campaign, its list of contacts, and the calling rules
that decide who may be dialled when, and what an attempt's outcome does to the contact.

A campaign belongs to a queue (its routing object: the agents who take the queue's calls take the
campaign's, so inbound and outbound share agents by skill and priority) and has a dialling mode.
It goes draft -> running <-> paused -> stopped; starting needs agents and contacts to call.

Calling rules, all checked by ``why_not_now`` (the reason a contact may not be dialled now, or None):

- calling hours in Europe/Prague (the campaign's ``hours``, closed on Czech public holidays unless
  the hours say otherwise);
- the do-not-call list (numbers in E.164);
- at most ``max_attempts`` attempts per contact (each outcome may have a lower limit of its own);
- the contact's next attempt not before its due time (a retry's delay, a time agreed with the callee);
- no redial within 72 hours of an abandoned call (the callee answered and nobody was there).

Outcomes (``Outcome``) end the contact (success, refused, wrong number, invalid) or schedule a retry
(no answer, busy, answering machine, abandoned: after the rule's delay, up to its attempts), or, for
a callback agreed during the call, schedule the next attempt at the agreed time (``reschedule``,
which checks that the agent is available then: OUT-11). Pure: time is passed in.
"""

from __future__ import annotations

from collections.abc import Collection, Container, Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta, tzinfo
from enum import StrEnum
from typing import Any

import attrs

from kc_domain.errors import DomainError, FieldError, ValidationFailed
from kc_domain.organisation.hours import OpeningHours
from kc_domain.outbound.outcomes import FINAL_OUTCOMES, Outcome
from kc_domain.validation import E164

ABANDONED_QUIET = timedelta(hours=72)  # no redial within 72 h of an abandoned call
MIN_RING_S = 15  # a callee gets at least this long to answer
DEFAULT_RING_S = 25
DEFAULT_ABANDON_CAP = 0.03
MAX_ABANDON_CAP = 0.10
PRIORITIES = range(1, 11)  # 1 lowest, 10 highest
APPOINTMENT_SLOT = timedelta(minutes=15)  # two appointments of one agent need this much between them
RESERVATION = timedelta(minutes=15)  # a contact shown to an agent stays hers this long without news


class DialMode(StrEnum):
    MANUAL = "manual"  # the agent dials a number herself
    PREVIEW = "preview"  # the agent sees the next contact, then dials or skips with a reason
    PROGRESSIVE = "progressive"  # one dial per free agent
    PREDICTIVE = "predictive"  # dials ahead of free agents, under the abandon cap


class CampaignState(StrEnum):
    DRAFT = "draft"
    RUNNING = "running"
    PAUSED = "paused"
    STOPPED = "stopped"


class IllegalCampaignTransition(DomainError):
    """The action is not allowed in the campaign's current state; nothing was changed."""

    def __init__(self, name: str, state: CampaignState, action: str) -> None:
        self.state, self.action = state, action
        super().__init__(f"campaign {name!r}: cannot {action} when {state.value}")


@attrs.frozen
class RetryRule:
    """What an unsuccessful outcome does: try again after ``delay``, at most ``max_attempts`` attempts
    in all for the contact (the campaign's own limit applies too)."""

    delay: timedelta
    max_attempts: int


def retries_to_plain(retries: Mapping[Outcome, RetryRule]) -> dict[str, dict[str, int]]:
    return {
        o.value: {"delay_s": int(r.delay.total_seconds()), "max_attempts": r.max_attempts}
        for o, r in sorted(retries.items())
    }


def retries_from_plain(data: Mapping[str, Mapping[str, Any]]) -> dict[Outcome, RetryRule]:
    """Inverse of ``retries_to_plain``; ``ValueError`` on an unknown outcome or a malformed rule."""
    return {
        Outcome(o): RetryRule(timedelta(seconds=int(r["delay_s"])), int(r["max_attempts"]))
        for o, r in data.items()
    }


DEFAULT_RETRIES: Mapping[Outcome, RetryRule] = {
    Outcome.NO_ANSWER: RetryRule(timedelta(hours=2), 5),
    Outcome.BUSY: RetryRule(timedelta(minutes=15), 5),
    Outcome.ANSWERING_MACHINE: RetryRule(timedelta(hours=4), 3),
    Outcome.ABANDONED: RetryRule(ABANDONED_QUIET, 3),
}


@attrs.define(slots=False, eq=False)
class Campaign:
    name: str
    queue_id: int
    mode: DialMode = DialMode.PREVIEW
    hours: OpeningHours = attrs.field(factory=OpeningHours.office)
    priority: int = 5
    abandon_cap: float = DEFAULT_ABANDON_CAP  # predictive: abandons over live answers, per day and 24 h
    max_attempts: int = 5
    ring_s: int = DEFAULT_RING_S  # how long a number rings before it counts as not answered
    caller_id: str = ""  # the campaign's number shown to the callee; "" with officer_caller_id
    officer_caller_id: bool = False  # show the calling officer's own number instead (OUT-17)
    record: bool = True  # OUT-17: with or without recording
    intro_prompt: str = ""  # played to the callee before the agent (OUT-16)
    script_id: int | None = None  # the call script the agent runs (OUT-15)
    retries: dict[Outcome, RetryRule] = attrs.field(factory=lambda: dict(DEFAULT_RETRIES))
    state: CampaignState = CampaignState.DRAFT
    id: int | None = None

    def problems(self) -> list[FieldError]:
        found: list[FieldError] = []
        if not self.name.strip():
            found.append(FieldError("name", "required"))
        elif len(self.name) > 120:
            found.append(FieldError("name", "too_long", {"max": 120}))
        if self.priority not in PRIORITIES:
            found.append(FieldError("priority", "out_of_range", {"min": 1, "max": 10}))
        if not 0 < self.abandon_cap <= MAX_ABANDON_CAP:
            found.append(FieldError("abandon_cap", "out_of_range", {"min": 0.001, "max": MAX_ABANDON_CAP}))
        if not 1 <= self.max_attempts <= 20:
            found.append(FieldError("max_attempts", "out_of_range", {"min": 1, "max": 20}))
        if not MIN_RING_S <= self.ring_s <= 120:
            found.append(FieldError("ring_s", "out_of_range", {"min": MIN_RING_S, "max": 120}))
        if len(self.intro_prompt) > 64:
            found.append(FieldError("intro_prompt", "too_long", {"max": 64}))
        if self.caller_id and not E164.match(self.caller_id):
            found.append(FieldError("caller_id", "bad_phone"))
        if not self.caller_id and not self.officer_caller_id:
            found.append(FieldError("caller_id", "required"))
        if self.officer_caller_id and self.mode in (DialMode.PROGRESSIVE, DialMode.PREDICTIVE):
            found.append(FieldError("officer_caller_id", "needs_an_agent"))  # nobody's number yet
        for outcome, rule in self.retries.items():
            if outcome in FINAL_OUTCOMES:
                found.append(FieldError(f"retries.{outcome.value}", "final_outcome"))
            elif rule.delay < timedelta(minutes=1) or not 1 <= rule.max_attempts <= 20:
                found.append(FieldError(f"retries.{outcome.value}", "bad_retry_rule"))
        abandoned = self.retries.get(Outcome.ABANDONED)
        if abandoned is not None and abandoned.delay < ABANDONED_QUIET:
            found.append(FieldError("retries.abandoned", "too_soon", {"hours": 72}))
        found += self.hours.problems()
        return found

    # -- life cycle ---------------------------------------------------------------------------------
    def start(self, agents: int, contacts_left: int) -> None:
        """Draft or paused -> running; refused with the reason when nobody could be called."""
        if self.state not in (CampaignState.DRAFT, CampaignState.PAUSED):
            raise IllegalCampaignTransition(self.name, self.state, "start")
        problems = self.problems()
        if agents == 0:
            problems.append(FieldError("agents", "no_agents"))
        if contacts_left == 0:
            problems.append(FieldError("contacts", "empty_list"))
        if problems:
            raise ValidationFailed(problems)
        self.state = CampaignState.RUNNING

    def pause(self) -> None:
        if self.state != CampaignState.RUNNING:
            raise IllegalCampaignTransition(self.name, self.state, "pause")
        self.state = CampaignState.PAUSED

    def stop(self) -> None:
        if self.state == CampaignState.STOPPED:
            raise IllegalCampaignTransition(self.name, self.state, "stop")
        self.state = CampaignState.STOPPED

    @property
    def dials(self) -> bool:
        return self.state == CampaignState.RUNNING

    def rule_for(self, outcome: Outcome) -> RetryRule | None:
        return self.retries.get(outcome)


@attrs.define(slots=False, eq=False)
class ListEntry:
    """One contact of a campaign's list, with what its attempts have done so far."""

    campaign_id: int
    phone: str  # E.164
    name: str = ""
    client_id: int | None = None  # the customer database's client, when the number is known (CDB-02)
    priority: int = 5
    extra: dict[str, Any] = attrs.field(factory=dict)  # the import's other columns, for the script
    attempts: int = 0
    next_try_at: datetime | None = None  # not before (a retry's delay, an agreed time)
    agreed_with: int | None = None  # the agent the callee agreed the next call with (OUT-11)
    last_outcome: Outcome | None = None
    last_attempt_at: datetime | None = None
    abandoned_at: datetime | None = None  # the last abandoned call: 72 h of quiet after it
    done: bool = False  # no further attempt (a final outcome, or out of attempts)
    removed: bool = False  # taken off the list while the campaign runs (OUT-07)
    reserved_by: int | None = None  # the agent who has it now (previewing, dialling, talking)
    reserved_at: datetime | None = None
    id: int | None = None

    def reserved_for(self, now: datetime) -> int | None:
        """The agent who holds the contact at ``now``; a reservation lapses after ``RESERVATION``."""
        if self.reserved_by is None or self.reserved_at is None or now >= self.reserved_at + RESERVATION:
            return None
        return self.reserved_by

    def reserve(self, agent_id: int, now: datetime) -> None:
        self.reserved_by, self.reserved_at = agent_id, now

    def release(self) -> None:
        self.reserved_by = self.reserved_at = None


@attrs.define(slots=False, eq=False)
class DoNotCall:
    """A number nobody may call from any campaign (the person asked, or the law says so)."""

    phone: str  # E.164
    reason: str = ""
    added_at: datetime | None = None
    added_by: str = ""
    id: int | None = None


@attrs.frozen
class Progress:
    """How far a campaign got through its list."""

    total: int = 0  # on the list, removed ones excluded
    done: int = 0  # no further attempt
    attempted: int = 0  # tried at least once
    successful: int = 0
    removed: int = 0

    @property
    def left(self) -> int:
        return self.total - self.done


class NotCallable(StrEnum):
    """Why a contact may not be dialled now."""

    DONE = "done"
    REMOVED = "removed"
    CAMPAIGN_NOT_RUNNING = "campaign_not_running"
    OUTSIDE_HOURS = "outside_hours"
    DO_NOT_CALL = "do_not_call"
    OUT_OF_ATTEMPTS = "out_of_attempts"
    NOT_DUE = "not_due"
    ABANDONED_RECENTLY = "abandoned_recently"
    RESERVED = "reserved"  # another agent has it now


@attrs.frozen
class Calendar:
    """Where the dialling rules are judged: local time and public holidays."""

    zone: tzinfo
    holidays: Container[date] = frozenset()


def why_not_now(
    campaign: Campaign, entry: ListEntry, now: datetime, calendar: Calendar, do_not_call: Container[str]
) -> NotCallable | None:
    """The first rule that forbids dialling ``entry`` at ``now``; None when it may be dialled."""
    if entry.removed:
        return NotCallable.REMOVED
    if entry.done:
        return NotCallable.DONE
    if not campaign.dials:
        return NotCallable.CAMPAIGN_NOT_RUNNING
    if entry.reserved_for(now) is not None:
        return NotCallable.RESERVED
    if entry.phone in do_not_call:
        return NotCallable.DO_NOT_CALL
    if entry.attempts >= campaign.max_attempts and entry.agreed_with is None:  # an agreed call is made
        return NotCallable.OUT_OF_ATTEMPTS
    if entry.abandoned_at is not None and now < entry.abandoned_at + ABANDONED_QUIET:
        return NotCallable.ABANDONED_RECENTLY
    if entry.next_try_at is not None and now < entry.next_try_at:
        return NotCallable.NOT_DUE
    if not campaign.hours.is_open(now, calendar.zone, calendar.holidays):
        return NotCallable.OUTSIDE_HOURS
    return None


def next_contacts(
    campaign: Campaign,
    entries: Iterable[ListEntry],
    now: datetime,
    calendar: Calendar,
    do_not_call: Container[str],
    limit: int,
    busy: Collection[int] = (),
) -> list[ListEntry]:
    """Up to ``limit`` contacts to dial now, best first: agreed times that are due, then by the
    contact's priority, fewest attempts, longest untouched, list order; ``busy``: entry ids already
    being dialled or talked to (never twice at once)."""
    callable_now = [
        e
        for e in entries
        if e.id not in busy and why_not_now(campaign, e, now, calendar, do_not_call) is None
    ]

    def rank(e: ListEntry) -> tuple[int, int, int, datetime, int]:
        agreed = 0 if e.agreed_with is not None else 1
        untouched = e.last_attempt_at or datetime.min.replace(tzinfo=now.tzinfo)
        return (agreed, -e.priority, e.attempts, untouched, e.id or 0)

    return sorted(callable_now, key=rank)[: max(limit, 0)]


def record_outcome(
    campaign: Campaign, entry: ListEntry, outcome: Outcome, now: datetime, agreed_at: datetime | None = None
) -> None:
    """An attempt at ``entry`` ended with ``outcome`` at ``now``: count it and decide the contact's
    next attempt (or that there is none). A callback needs ``agreed_at`` (see ``reschedule``)."""
    if outcome == Outcome.CALLBACK:  # the time agreed during the call (``reschedule``), or given now
        if agreed_at is None and entry.agreed_with is None:
            raise ValidationFailed.one("agreed_at", "required")
        entry.attempts += 1
        entry.last_outcome, entry.last_attempt_at = outcome, now
        entry.next_try_at = agreed_at or entry.next_try_at
        return
    entry.attempts += 1
    entry.last_outcome, entry.last_attempt_at = outcome, now
    entry.agreed_with = None
    if outcome == Outcome.ABANDONED:
        entry.abandoned_at = now
    if outcome in FINAL_OUTCOMES:
        entry.done, entry.next_try_at = True, None
        return
    rule = campaign.rule_for(outcome)
    limit = min(campaign.max_attempts, rule.max_attempts if rule else campaign.max_attempts)
    if entry.attempts >= limit:
        entry.done, entry.next_try_at = True, None
        return
    delay = rule.delay if rule else timedelta(hours=1)
    entry.next_try_at = now + delay


def reschedule(
    campaign: Campaign,
    entry: ListEntry,
    at: datetime,
    now: datetime,
    calendar: Calendar,
    agent_id: int,
    agent_hours: OpeningHours | None,
    appointments: Sequence[datetime],
) -> datetime:
    """The callee agreed to be called again at ``at`` with agent ``agent_id`` (OUT-11): refused with
    the reason when ``at`` is past, outside the campaign's calling hours, outside the agent's working
    hours (``agent_hours``; None: the campaign's), or within ``APPOINTMENT_SLOT`` of one of the
    agent's other appointments; else the contact's next attempt is set to ``at`` for that agent."""
    local = calendar.zone
    if at <= now:
        raise ValidationFailed.one("agreed_at", "in_past")
    if at - now > timedelta(days=90):
        raise ValidationFailed.one("agreed_at", "too_far", days=90)
    if not campaign.hours.is_open(at, local, calendar.holidays):
        raise ValidationFailed.one("agreed_at", "outside_calling_hours")
    if agent_hours is not None and not agent_hours.is_open(at, local, calendar.holidays):
        raise ValidationFailed.one("agreed_at", "agent_not_working")
    clash = next((a for a in appointments if abs(a - at) < APPOINTMENT_SLOT), None)
    if clash is not None:
        raise ValidationFailed.one("agreed_at", "agent_has_appointment", at=clash.isoformat())
    if entry.done or entry.removed:
        raise ValidationFailed.one("entry", "not_in_list")
    entry.next_try_at, entry.agreed_with = at, agent_id
    return at
