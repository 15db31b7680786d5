"""Running campaigns (OUT-02, OUT-03, OUT-04, OUT-07, OUT-09): the supervisor's use cases, each in one
unit of work with its audit record (``campaign.create``, ``campaign.start``, ``campaign.entries_add``
...), a refusal audited too and nothing changed by it.

A campaign's agents are the agents skilled for its queue (OUT-02: the supervisor assigns agents by
giving them the queue, as for inbound work, so inbound and outbound share them by skill). Several
campaigns run at once (OUT-09), ordered by their priority (OUT-04). The list can be edited while the
campaign runs (OUT-07): contacts added, taken off, their number or priority changed; a contact being
called now cannot be changed. Pure: the clock is passed in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from kc_domain.audit.service import Actor, AuditTrail
from kc_domain.clients.model import normalise_phone
from kc_domain.errors import FieldError, NotFound, ValidationFailed
from kc_domain.organisation.hours import OpeningHours
from kc_domain.outbound.attempts import CampaignAttempt
from kc_domain.outbound.campaigns import (
    PRIORITIES,
    Calendar,
    Campaign,
    CampaignState,
    DialMode,
    DoNotCall,
    ListEntry,
    Progress,
    RetryRule,
    next_contacts,
    record_outcome,
    reschedule,
    retries_to_plain,
)
from kc_domain.outbound.outcomes import BY_AGENT, Outcome
from kc_domain.outbound.script_catalogue import StoredScript
from kc_domain.outbound.script_run import ScriptRun

if TYPE_CHECKING:
    from kc_ports.persistence import CampaignSetupUnit, UnitFactory
    from kc_ports.system import Clock

MAX_ENTRIES_AT_ONCE = 200_000
PREVIEW_BATCH = 200  # due contacts ranked at once for an agent's next preview
SKIPPED_FOR = timedelta(hours=1)  # a contact an agent skipped is due again after this
# what an agent dialling by hand hears and reports herself, besides the outcomes of a talk
SEEN_BY_AGENT = frozenset({Outcome.NO_ANSWER, Outcome.BUSY, Outcome.ANSWERING_MACHINE, Outcome.INVALID})
ANSWERS_AFTER_OUTCOME = timedelta(seconds=30)  # the least time to correct answers after the outcome
AUTOMATIC = frozenset({DialMode.PROGRESSIVE, DialMode.PREDICTIVE})  # dialled by the engine's dialler
LAPSED = "lapsed"  # an open attempt's skip reason when the agent's hold of the contact lapsed
NAME_MAX = 200  # a contact's name on the list
REASON_MAX = 500  # why a number is on the do-not-call list
EDITABLE = (
    "name",
    "queue_id",
    "mode",
    "hours",
    "priority",
    "abandon_cap",
    "max_attempts",
    "ring_s",
    "caller_id",
    "officer_caller_id",
    "record",
    "intro_prompt",
    "script_id",
    "retries",
)


def plain(campaign: Campaign) -> dict[str, Any]:
    """A campaign as JSON: its settings and state (the audit's before and after)."""
    return {
        "id": campaign.id,
        "name": campaign.name,
        "queue_id": campaign.queue_id,
        "mode": campaign.mode.value,
        "hours": campaign.hours.to_plain(),
        "priority": campaign.priority,
        "abandon_cap": campaign.abandon_cap,
        "max_attempts": campaign.max_attempts,
        "ring_s": campaign.ring_s,
        "caller_id": campaign.caller_id,
        "officer_caller_id": campaign.officer_caller_id,
        "record": campaign.record,
        "intro_prompt": campaign.intro_prompt,
        "script_id": campaign.script_id,
        "retries": retries_to_plain(campaign.retries),
        "state": campaign.state.value,
    }


def apply_values(campaign: Campaign, values: Mapping[str, Any]) -> None:
    """Set the editable fields given in ``values`` (plain JSON values); every malformed one is
    refused, naming it, before anything is set."""
    problems: list[FieldError] = []
    parsed: dict[str, Any] = {}
    for name, raw in values.items():
        if name not in EDITABLE:
            problems.append(FieldError(name, "unexpected_field"))
            continue
        try:
            parsed[name] = _parse(name, raw)
        except (ValueError, TypeError, KeyError, AttributeError, OverflowError):
            problems.append(FieldError(name, "invalid"))
    if problems:
        raise ValidationFailed(problems)
    for name, value in parsed.items():
        setattr(campaign, name, value)


def _parse(name: str, raw: Any) -> Any:
    if name == "mode":
        return DialMode(raw)
    if name == "hours":
        return OpeningHours.from_plain(raw)
    if name == "retries":
        return {
            Outcome(o): RetryRule(timedelta(seconds=int(r["delay_s"])), int(r["max_attempts"]))
            for o, r in dict(raw).items()
        }
    if name in ("queue_id", "priority", "max_attempts", "ring_s"):
        if isinstance(raw, bool):
            raise TypeError(name)
        return int(raw)
    if name == "script_id":
        return None if raw in (None, "") else int(raw)
    if name == "abandon_cap":
        return float(raw)
    if name in ("officer_caller_id", "record"):
        if not isinstance(raw, bool):
            raise TypeError(name)
        return raw
    return str(raw).strip()


def _wrap_up(uow: CampaignSetupUnit, campaign: Campaign) -> timedelta:
    """How long after the outcome the agent may still change the script's answers: the wrap-up
    time of the campaign's queue, at least ``ANSWERS_AFTER_OUTCOME``."""
    queue = uow.queues.get(campaign.queue_id)
    seconds = queue.wrap_up_s if queue is not None else 0
    return max(timedelta(seconds=seconds), ANSWERS_AFTER_OUTCOME)


def _put_through(uow: CampaignSetupUnit, agent_id: int, now: datetime) -> tuple[Campaign, ListEntry] | None:
    """The contact of a progressive or predictive campaign the dialler put through to the agent,
    while she holds it (its attempt open)."""
    attempt = uow.campaign_attempts.open_of(agent_id)
    entry = None if attempt is None else uow.campaign_lists.get(attempt.entry_id)
    if entry is None or entry.reserved_for(now) != agent_id:
        return None
    campaign = _campaign(uow, entry.campaign_id)
    return (campaign, entry) if campaign.mode in AUTOMATIC else None


def attempt_of(uow: CampaignSetupUnit, now: datetime, agent_id: int, entry: ListEntry) -> CampaignAttempt:
    """The agent's open attempt at ``entry``; a new one when she has none (her open attempt at
    another contact, whose hold lapsed, is ended without an outcome)."""
    assert entry.id is not None
    attempt = uow.campaign_attempts.open_of(agent_id)
    if attempt is not None and attempt.entry_id == entry.id:
        return attempt
    if attempt is not None:
        attempt.end(now, skip_reason=LAPSED)
    campaign = _campaign(uow, entry.campaign_id)
    stored = None if campaign.script_id is None else uow.call_scripts.get(campaign.script_id)
    version = None if stored is None else stored.version
    new = CampaignAttempt(entry.campaign_id, entry.id, agent_id, now, script_version=version)
    return uow.campaign_attempts.append(new)


class CampaignService:
    def __init__(
        self,
        uow_factory: UnitFactory[CampaignSetupUnit],
        clock: Clock,
        audit: AuditTrail,
        calendar: Calendar,
    ) -> None:
        self._uow_factory, self._clock, self._audit = uow_factory, clock, audit
        self._calendar = calendar  # local time and public holidays of the calling rules

    # -- reading ---------------------------------------------------------------------------------
    def campaigns(self) -> list[Campaign]:
        """Every campaign, running ones first, then by priority (highest first) and name."""
        order = {CampaignState.RUNNING: 0, CampaignState.PAUSED: 1, CampaignState.DRAFT: 2}
        with self._uow_factory() as uow:
            found = uow.campaigns.list()
        return sorted(found, key=lambda c: (order.get(c.state, 3), -c.priority, c.name))

    def get(self, campaign_id: int) -> Campaign:
        with self._uow_factory() as uow:
            return _campaign(uow, campaign_id)

    def campaign_of_entry(self, entry_id: int) -> Campaign:
        """The campaign a contact of a list belongs to; ``NotFound`` for an unknown contact."""
        with self._uow_factory() as uow:
            entry = uow.campaign_lists.get(entry_id)
            if entry is None:
                raise NotFound("campaign_entry", entry_id)
            return _campaign(uow, entry.campaign_id)

    def progress(self, campaign_id: int) -> Progress:
        with self._uow_factory() as uow:
            _campaign(uow, campaign_id)
            return uow.campaign_lists.progress(campaign_id)

    def entries(self, campaign_id: int, limit: int = 100, offset: int = 0) -> list[ListEntry]:
        with self._uow_factory() as uow:
            _campaign(uow, campaign_id)
            return uow.campaign_lists.of_campaign(campaign_id, limit=limit, offset=offset)

    def agents(self, campaign_id: int) -> list[int]:
        """The agents who work the campaign: those skilled for its queue (OUT-02)."""
        with self._uow_factory() as uow:
            return _agents(uow, _campaign(uow, campaign_id))

    # -- the campaign ----------------------------------------------------------------------------
    def create(self, actor: Actor, values: Mapping[str, Any]) -> Campaign:
        def change(uow: CampaignSetupUnit) -> tuple[Campaign, dict[str, Any]]:
            campaign = Campaign(name="", queue_id=0)
            apply_values(campaign, values)
            _check(uow, campaign)
            uow.campaigns.add(campaign)
            return campaign, {"after": plain(campaign)}

        return self._audit.run(self._uow_factory, actor, "campaign.create", "campaign", None, change)

    def update(self, actor: Actor, campaign_id: int, values: Mapping[str, Any]) -> Campaign:
        def change(uow: CampaignSetupUnit) -> tuple[Campaign, dict[str, Any]]:
            campaign = _campaign(uow, campaign_id)
            if campaign.state == CampaignState.STOPPED:
                raise ValidationFailed.one("state", "campaign_stopped")
            before = plain(campaign)
            apply_values(campaign, values)
            _check(uow, campaign)
            return campaign, {"before": before, "after": plain(campaign)}

        return self._audit.run(self._uow_factory, actor, "campaign.update", "campaign", campaign_id, change)

    def start(self, actor: Actor, campaign_id: int) -> Campaign:
        """Start or resume; refused when nobody works it or nobody is left to call (OUT-03)."""

        def change(uow: CampaignSetupUnit) -> tuple[Campaign, dict[str, Any]]:
            campaign = _campaign(uow, campaign_id)
            campaign.start(len(_agents(uow, campaign)), uow.campaign_lists.progress(campaign_id).left)
            return campaign, {"state": campaign.state.value}

        return self._audit.run(self._uow_factory, actor, "campaign.start", "campaign", campaign_id, change)

    def pause(self, actor: Actor, campaign_id: int) -> Campaign:
        return self._move(actor, campaign_id, "campaign.pause", Campaign.pause)

    def stop(self, actor: Actor, campaign_id: int) -> Campaign:
        return self._move(actor, campaign_id, "campaign.stop", Campaign.stop)

    def _move(self, actor: Actor, campaign_id: int, action: str, move: Any) -> Campaign:
        def change(uow: CampaignSetupUnit) -> tuple[Campaign, dict[str, Any]]:
            campaign = _campaign(uow, campaign_id)
            move(campaign)
            return campaign, {"state": campaign.state.value}

        return self._audit.run(self._uow_factory, actor, action, "campaign", campaign_id, change)

    # -- its list (OUT-06, OUT-07) ---------------------------------------------------------------
    def add_entries(self, actor: Actor, campaign_id: int, entries: Sequence[ListEntry]) -> int:
        """Add contacts to the list, all or none: a number already on the list, twice in the new
        ones, or not a phone number refuses the whole batch naming each row (counted from 1)."""

        def change(uow: CampaignSetupUnit) -> tuple[int, dict[str, Any]]:
            campaign = _campaign(uow, campaign_id)
            if campaign.state == CampaignState.STOPPED:
                raise ValidationFailed.one("state", "campaign_stopped")
            if len(entries) > MAX_ENTRIES_AT_ONCE:
                raise ValidationFailed.one("entries", "too_many", max=MAX_ENTRIES_AT_ONCE)
            listed = uow.campaign_lists.phones(campaign_id)
            problems: list[FieldError] = []
            seen: dict[str, int] = {}
            for row, entry in enumerate(entries, start=1):
                phone = normalise_phone(entry.phone)
                if phone is None:
                    problems.append(FieldError(f"rows[{row}].phone", "bad_phone", {"value": entry.phone}))
                    continue
                if phone in listed:
                    problems.append(FieldError(f"rows[{row}].phone", "already_listed", {"value": phone}))
                elif phone in seen:
                    problems.append(
                        FieldError(f"rows[{row}].phone", "duplicate", {"value": phone, "row": seen[phone]})
                    )
                seen.setdefault(phone, row)
                if len(entry.name) > NAME_MAX:
                    problems.append(FieldError(f"rows[{row}].name", "too_long", {"max": NAME_MAX}))
                if entry.priority not in PRIORITIES:
                    limits = {"min": 1, "max": 10}
                    problems.append(FieldError(f"rows[{row}].priority", "out_of_range", limits))
                entry.phone, entry.campaign_id = phone, campaign_id
            if problems:
                raise ValidationFailed(problems)
            added = uow.campaign_lists.add_many(list(entries))
            return added, {"added": added}

        return self._audit.run(
            self._uow_factory, actor, "campaign.entries_add", "campaign", campaign_id, change
        )

    def change_entry(
        self,
        actor: Actor,
        campaign_id: int,
        entry_id: int,
        *,
        phone: str | None = None,
        priority: int | None = None,
        remove: bool = False,
    ) -> ListEntry:
        """Change a contact's number or priority, or take it off the list, while the campaign runs."""

        def change(uow: CampaignSetupUnit) -> tuple[ListEntry, dict[str, Any]]:
            _campaign(uow, campaign_id)
            entry = uow.campaign_lists.get(entry_id)
            if entry is None or entry.campaign_id != campaign_id:
                raise NotFound("campaign_entry", entry_id)
            if entry.removed:
                raise ValidationFailed.one("entry", "not_in_list")
            before = {"phone": entry.phone, "priority": entry.priority, "removed": entry.removed}
            if phone is not None:
                normalised = normalise_phone(phone)
                if normalised is None:
                    raise ValidationFailed.one("phone", "bad_phone", value=phone)
                other = uow.campaign_lists.phones(campaign_id).get(normalised)
                if other is not None and other != entry_id:
                    raise ValidationFailed.one("phone", "already_listed", value=normalised)
                entry.phone = normalised
            if priority is not None:
                if priority not in PRIORITIES:
                    raise ValidationFailed.one("priority", "out_of_range", min=1, max=10)
                entry.priority = priority
            entry.removed = entry.removed or remove
            after = {"phone": entry.phone, "priority": entry.priority, "removed": entry.removed}
            return entry, {"entry": entry_id, "before": before, "after": after}

        return self._audit.run(
            self._uow_factory, actor, "campaign.entry_change", "campaign", campaign_id, change
        )

    # -- the agent's side: preview and the outcome (OUT-10, OUT-11, OUT-12, OUT-13) ----------------
    def next_for(self, actor: Actor, agent_id: int) -> tuple[Campaign, ListEntry] | None:
        """The contact the agent should call next from the running preview or manual campaigns of
        her queues, highest campaign priority first, held for her (``RESERVATION``) so that no
        colleague gets it meanwhile; the one she holds already if she has one. None: nobody to call."""

        def change(uow: CampaignSetupUnit) -> tuple[tuple[Campaign, ListEntry] | None, dict[str, Any]]:
            now = self._clock.now()
            put_through = _put_through(uow, agent_id, now)  # the dialler's callee she talks to
            if put_through is not None:
                campaign, entry = put_through
                return put_through, {"campaign": campaign.id, "entry": entry.id, "again": True}
            queues = {s.queue_id for s in uow.skills.list() if s.user_id == agent_id}
            mine = [
                c
                for c in uow.campaigns.list()
                if c.dials and c.queue_id in queues and c.mode in (DialMode.PREVIEW, DialMode.MANUAL)
            ]
            blocked = {d.phone for d in uow.do_not_call.list()}
            for campaign in sorted(mine, key=lambda c: (-c.priority, c.name)):
                assert campaign.id is not None
                due = uow.campaign_lists.due(campaign.id, now, limit=PREVIEW_BATCH)
                held = next((e for e in due if e.reserved_for(now) == agent_id), None)
                if held is not None:
                    self._attempt(uow, agent_id, held)
                    return (campaign, held), {"campaign": campaign.id, "entry": held.id, "again": True}
                found = next_contacts(campaign, due, now, self._calendar, blocked, limit=1)
                if found:
                    found[0].reserve(agent_id, now)
                    self._attempt(uow, agent_id, found[0])
                    return (campaign, found[0]), {"campaign": campaign.id, "entry": found[0].id}
            return None, {"found": False}

        return self._audit.run(self._uow_factory, actor, "campaign.preview", "agent", agent_id, change)

    def skip(self, actor: Actor, agent_id: int, entry_id: int, reason: str) -> ListEntry:
        """The agent does not call the contact she was shown, saying why; it is due again later."""

        def change(uow: CampaignSetupUnit) -> tuple[ListEntry, dict[str, Any]]:
            if not reason.strip():
                raise ValidationFailed.one("reason", "required")
            entry = self._held(uow, agent_id, entry_id)
            now = self._clock.now()
            self._attempt(uow, agent_id, entry).end(now, skip_reason=reason.strip())
            entry.release()
            entry.next_try_at = now + SKIPPED_FOR
            return entry, {"entry": entry_id, "reason": reason.strip()[:200]}

        return self._audit.run(self._uow_factory, actor, "campaign.skip", "campaign_entry", entry_id, change)

    def agree_callback(self, actor: Actor, agent_id: int, entry_id: int, at: datetime) -> ListEntry:
        """During the call the callee agrees to be called at ``at`` by this agent (OUT-11), checked
        against the campaign's calling hours and her other agreed calls."""

        def change(uow: CampaignSetupUnit) -> tuple[ListEntry, dict[str, Any]]:
            entry = self._held(uow, agent_id, entry_id)
            self._agree(uow, _campaign(uow, entry.campaign_id), entry, agent_id, at)
            return entry, {"entry": entry_id, "at": at.isoformat()}

        return self._audit.run(self._uow_factory, actor, "campaign.agree", "campaign_entry", entry_id, change)

    def finish(
        self,
        actor: Actor,
        agent_id: int,
        entry_id: int,
        outcome: Outcome,
        agreed_at: datetime | None = None,
        call_id: str = "",
    ) -> ListEntry:
        """The agent's attempt at the contact ended with ``outcome`` (success marked by her: OUT-13);
        the contact is done or due again by the campaign's rules (OUT-12), and the attempt is closed
        with its outcome (and ``call_id``, the engine's call of her dial, when known). Only the agent
        who holds the contact may say how it ended."""

        def change(uow: CampaignSetupUnit) -> tuple[ListEntry, dict[str, Any]]:
            if outcome not in BY_AGENT and outcome not in SEEN_BY_AGENT:
                raise ValidationFailed.one("outcome", "invalid_choice")
            entry = self._held(uow, agent_id, entry_id)
            campaign = _campaign(uow, entry.campaign_id)
            if agreed_at is not None:
                self._agree(uow, campaign, entry, agent_id, agreed_at)
            now = self._clock.now()
            record_outcome(campaign, entry, outcome, now)
            attempt = self._attempt(uow, agent_id, entry)
            attempt.call_id = call_id[:64] or attempt.call_id
            attempt.end(now, outcome)
            entry.release()
            return entry, {"entry": entry_id, "outcome": outcome.value, "done": entry.done}

        action = "campaign.outcome"
        return self._audit.run(self._uow_factory, actor, action, "campaign_entry", entry_id, change)

    # -- the call script's answers (OUT-15) -------------------------------------------------------
    def script_of(self, campaign: Campaign) -> StoredScript | None:
        """The call script the campaign's agents run, if it has one."""
        if campaign.script_id is None:
            return None
        with self._uow_factory() as uow:
            return uow.call_scripts.get(campaign.script_id)

    def open_attempt(self, agent_id: int) -> CampaignAttempt | None:
        """The agent's attempt not ended yet (the contact she holds), with the answers given so far."""
        with self._uow_factory() as uow:
            return uow.campaign_attempts.open_of(agent_id)

    def attempts(self, campaign_id: int) -> list[CampaignAttempt]:
        """Every attempt of the campaign, oldest first (its report: OUT-14)."""
        with self._uow_factory() as uow:
            _campaign(uow, campaign_id)
            return uow.campaign_attempts.of_campaign(campaign_id)

    def save_answers(
        self, actor: Actor, agent_id: int, entry_id: int, answers: Mapping[str, Any]
    ) -> ScriptRun:
        """The answers the agent has given so far to the campaign's call script (``ScriptRun.to_plain()``
        form), checked against the script (``ScriptRun.restore``: each answer that does not fit its
        question refused naming it), kept on her attempt at the contact. They may be changed while
        the attempt is open and, once she set the outcome, for the wrap-up time of the campaign's
        queue after it (``ANSWERS_AFTER_OUTCOME`` at least): until her wrap-up ends; after that
        refused with ``attempt_closed``."""

        def change(uow: CampaignSetupUnit) -> tuple[ScriptRun, dict[str, Any]]:
            entry = uow.campaign_lists.get(entry_id)
            if entry is None:
                raise NotFound("campaign_entry", entry_id)
            now = self._clock.now()
            campaign = _campaign(uow, entry.campaign_id)
            if entry.reserved_for(now) == agent_id:
                attempt = self._attempt(uow, agent_id, entry)
            else:
                mine = [a for a in uow.campaign_attempts.of_entry(entry_id) if a.agent_id == agent_id]
                if not mine or mine[-1].open:
                    raise ValidationFailed.one("entry", "not_yours")
                attempt = mine[-1]
                ended = attempt.ended_at or now
                if attempt.outcome is None or now > ended + _wrap_up(uow, campaign):
                    raise ValidationFailed.one("answers", "attempt_closed")
            stored = _script(uow, campaign)
            run = ScriptRun.restore(stored.script(), answers)
            attempt.answers, attempt.script_version = run.to_plain(), stored.version
            outcome = None if run.outcome is None else run.outcome.value
            return run, {"entry": entry_id, "answers": attempt.answers, "outcome": outcome}

        action = "campaign.answers"
        return self._audit.run(self._uow_factory, actor, action, "campaign_entry", entry_id, change)

    def _attempt(self, uow: CampaignSetupUnit, agent_id: int, entry: ListEntry) -> CampaignAttempt:
        return attempt_of(uow, self._clock.now(), agent_id, entry)

    def _held(self, uow: CampaignSetupUnit, agent_id: int, entry_id: int) -> ListEntry:
        entry = uow.campaign_lists.get(entry_id)
        if entry is None:
            raise NotFound("campaign_entry", entry_id)
        if entry.reserved_for(self._clock.now()) != agent_id:
            raise ValidationFailed.one("entry", "not_yours")
        return entry

    def _agree(
        self, uow: CampaignSetupUnit, campaign: Campaign, entry: ListEntry, agent_id: int, at: datetime
    ) -> None:
        booked = [
            e.next_try_at
            for e in uow.campaign_lists.agreed_with(agent_id)
            if e.next_try_at is not None and e.id != entry.id
        ]
        reschedule(campaign, entry, at, self._clock.now(), self._calendar, agent_id, None, booked)

    # -- the do-not-call list --------------------------------------------------------------------
    def do_not_call(self) -> list[DoNotCall]:
        with self._uow_factory() as uow:
            return uow.do_not_call.list()

    def forbid(self, actor: Actor, phone: str, reason: str) -> DoNotCall:
        """Put a number on the do-not-call list: no campaign dials it from now on."""

        def change(uow: CampaignSetupUnit) -> tuple[DoNotCall, dict[str, Any]]:
            normalised = normalise_phone(phone)
            if normalised is None:
                raise ValidationFailed.one("phone", "bad_phone", value=phone)
            if len(reason.strip()) > REASON_MAX:
                raise ValidationFailed.one("reason", "too_long", max=REASON_MAX)
            if any(d.phone == normalised for d in uow.do_not_call.list()):
                raise ValidationFailed.one("phone", "already_listed", value=normalised)
            entry = uow.do_not_call.add(DoNotCall(normalised, reason.strip(), self._clock.now(), actor.name))
            return entry, {"phone": normalised, "reason": entry.reason}

        return self._audit.run(self._uow_factory, actor, "do_not_call.add", "do_not_call", None, change)

    def allow(self, actor: Actor, entry_id: int) -> None:
        def change(uow: CampaignSetupUnit) -> tuple[None, dict[str, Any]]:
            entry = uow.do_not_call.get(entry_id)
            if entry is None:
                raise NotFound("do_not_call", entry_id)
            uow.do_not_call.delete(entry)
            return None, {"phone": entry.phone}

        self._audit.run(self._uow_factory, actor, "do_not_call.remove", "do_not_call", entry_id, change)


def _campaign(uow: CampaignSetupUnit, campaign_id: int) -> Campaign:
    campaign = uow.campaigns.get(campaign_id)
    if campaign is None:
        raise NotFound("campaign", campaign_id)
    return campaign


def _script(uow: CampaignSetupUnit, campaign: Campaign) -> StoredScript:
    stored = None if campaign.script_id is None else uow.call_scripts.get(campaign.script_id)
    if stored is None:
        raise ValidationFailed.one("answers", "no_script")
    return stored


def _agents(uow: CampaignSetupUnit, campaign: Campaign) -> list[int]:
    active = {u.id for u in uow.users.list() if u.active}
    return sorted({s.user_id for s in uow.skills.list() if s.queue_id == campaign.queue_id} & active)


def _check(uow: CampaignSetupUnit, campaign: Campaign) -> None:
    problems = campaign.problems()
    if uow.queues.get(campaign.queue_id) is None:
        problems.append(FieldError("queue_id", "unknown_queue", {"queue": campaign.queue_id}))
    if campaign.script_id is not None and uow.call_scripts.get(campaign.script_id) is None:
        problems.append(FieldError("script_id", "unknown_script", {"id": campaign.script_id}))
    others = [c for c in uow.campaigns.list() if c is not campaign and c.id != campaign.id]
    if any(c.name == campaign.name for c in others):
        problems.append(FieldError("name", "duplicate", {"value": campaign.name}))
    if problems:
        raise ValidationFailed(problems)
