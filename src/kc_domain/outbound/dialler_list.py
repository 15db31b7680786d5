"""What the engine's dialler does to the campaigns' lists (OUT-01, OUT-12, OUT-13, OUT-18), each in
one unit of work: which campaigns dial, contacts reserved for its hopper and released again, a callee
put through to an agent (the contact hers, an attempt opened for her with the call), and an attempt
that reached no agent (no answer, busy, answering machine, invalid number, abandoned) recorded with
its outcome and the contact's next attempt decided by the campaign's rules.

The dialler holds a contact as ``DIALLER`` (no agent has that id), for ``RESERVATION`` like an
agent's hold: a contact the engine lost (it stopped with the contact in its hopper) is due again
when the hold lapses. These are the engine's own steps, not a person's: the journal has their calls
(``CallDialled``, ``CallAttemptEnded``), the audit log has the people's actions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

import attrs

from kc_domain.outbound.attempts import CampaignAttempt
from kc_domain.outbound.campaigns import (
    Calendar,
    Campaign,
    ListEntry,
    Progress,
    next_contacts,
    record_outcome,
)
from kc_domain.outbound.outcomes import LIVE, Outcome
from kc_domain.outbound.service import AUTOMATIC, PREVIEW_BATCH, attempt_of

if TYPE_CHECKING:
    from kc_ports.persistence import CampaignSetupUnit, UnitFactory
    from kc_ports.system import Clock

DIALLER = 0  # the holder of the contacts in the dialler's hopper and in the air
HISTORY = timedelta(hours=24)
ATTEMPT_LONGEST = timedelta(hours=2)  # an attempt ending in the last 24 h started at most this before
EDGE = timedelta(seconds=1)  # attempts started this very moment too (the period is half-open)


@attrs.frozen
class RunningCampaign:
    """A campaign the dialler dials, as the host reads it every few seconds."""

    campaign: Campaign
    answered: tuple[tuple[datetime, bool], ...]  # live answers of the last 24 h: (at, abandoned)
    progress: Progress
    attempts_today: int  # attempts with an outcome since local midnight


class DiallerList:
    def __init__(self, uow_factory: UnitFactory[CampaignSetupUnit], clock: Clock, calendar: Calendar) -> None:
        self._uow_factory, self._clock, self._calendar = uow_factory, clock, calendar

    def campaigns(self) -> list[RunningCampaign]:
        """The running progressive and predictive campaigns, each with its live answers of the last
        24 hours (for the dialler's abandon ledger), its attempts since midnight in local time and
        its progress through the list (for the supervisor's live view)."""
        now = self._clock.now()
        since = now - HISTORY
        midnight = datetime.combine(now.astimezone(self._calendar.zone).date(), time(), self._calendar.zone)
        found = []
        with self._uow_factory() as uow:
            for campaign in uow.campaigns.list():
                if not campaign.dials or campaign.mode not in AUTOMATIC or campaign.id is None:
                    continue
                recent = uow.campaign_attempts.started_between(
                    [campaign.id], since - ATTEMPT_LONGEST, now + EDGE
                )
                answered = [
                    (a.ended_at or a.started_at, a.outcome == Outcome.ABANDONED)
                    for a in recent
                    if a.outcome in LIVE and (a.ended_at or a.started_at) >= since
                ]
                today = sum(1 for a in recent if a.outcome is not None and a.started_at >= midnight)
                progress = uow.campaign_lists.progress(campaign.id)
                found.append(RunningCampaign(campaign, tuple(sorted(answered)), progress, today))
        return found

    def reserve(self, campaign_id: int, count: int) -> list[ListEntry]:
        """Up to ``count`` contacts the campaign may dial now, held for the dialler, best first."""
        with self._uow_factory() as uow:
            campaign = uow.campaigns.get(campaign_id)
            if campaign is None or not campaign.dials or campaign.mode not in AUTOMATIC:
                return []
            now = self._clock.now()
            blocked = {d.phone for d in uow.do_not_call.list()}
            due = uow.campaign_lists.due(campaign_id, now, limit=max(PREVIEW_BATCH, count * 4))
            found = next_contacts(campaign, due, now, self._calendar, blocked, limit=count)
            for entry in found:
                entry.reserve(DIALLER, now)
            uow.commit()
        return found

    def not_callable(self, held: Mapping[int, str]) -> list[int]:
        """Of the contacts the dialler holds (entry -> the number it would dial), those the list no
        longer allows to call so: taken off, done, given another number, or on the do-not-call list."""
        if not held:
            return []
        with self._uow_factory() as uow:
            entries = {e.id: e for e in uow.campaign_lists.many(list(held))}
            blocked = {d.phone for d in uow.do_not_call.list()}
        return sorted(
            entry_id
            for entry_id, phone in held.items()
            if (e := entries.get(entry_id)) is None
            or e.removed
            or e.done
            or e.phone != phone
            or phone in blocked
        )

    def release_all(self) -> int:
        """Every contact the dialler holds, freed: at the start of an engine, whose hopper and calls
        are empty, what an earlier run held (it stopped or crashed) is free again at once."""
        with self._uow_factory() as uow:
            held = uow.campaign_lists.held_by(DIALLER)
            for entry in held:
                entry.release()
            uow.commit()
        return len(held)

    def release(self, entry_ids: Iterable[int]) -> int:
        """Contacts the dialler gives back undialled: free again, no attempt counted."""
        released = 0
        with self._uow_factory() as uow:
            for entry_id in entry_ids:
                entry = uow.campaign_lists.get(entry_id)
                if entry is not None and entry.reserved_by == DIALLER:
                    entry.release()
                    released += 1
            uow.commit()
        return released

    def put_through(self, entry_id: int, agent_id: int, call_id: str) -> None:
        """The dialler's callee was put through to the agent: the contact is hers (its card, script
        and outcome buttons on her desktop) and her attempt names the call."""
        with self._uow_factory() as uow:
            entry = uow.campaign_lists.get(entry_id)
            if entry is None:
                return
            now = self._clock.now()
            entry.reserve(agent_id, now)
            attempt = attempt_of(uow, now, agent_id, entry)
            attempt.call_id = call_id[:64]
            uow.commit()

    def attempt_ended(self, entry_id: int, call_id: str, outcome: Outcome) -> None:
        """A dialler's call reached no agent: the attempt is recorded with its outcome (no agent)
        and the contact's next attempt decided by the campaign's rules (OUT-12)."""
        with self._uow_factory() as uow:
            entry = uow.campaign_lists.get(entry_id)
            if entry is None or any(a.call_id == call_id for a in uow.campaign_attempts.of_entry(entry_id)):
                return  # unknown, or handed over twice
            campaign = uow.campaigns.get(entry.campaign_id)
            if campaign is None:
                return
            now = self._clock.now()
            record_outcome(campaign, entry, outcome, now)
            if entry.reserved_by == DIALLER:
                entry.release()
            attempt = CampaignAttempt(entry.campaign_id, entry_id, None, now, call_id=call_id[:64])
            attempt.end(now, outcome)
            uow.campaign_attempts.append(attempt)
            uow.commit()
