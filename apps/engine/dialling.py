"""The dialler's link to the database (OUT-01, OUT-05): the engine never waits for it.

Every ``FEED_EVERY_S`` a thread of its own reads the running progressive and predictive campaigns
(every ``CAMPAIGNS_EVERY_S``) and tells the engine (``UseCampaigns``), asks the engine how many
contacts each campaign's hopper wants (``HopperNeeds``), reserves them in the database outside the
engine's lock and hands them in (``FillHopper``), and releases the contacts the engine gave back.
What the dialler's calls did to the lists goes through the handovers (``Handoffs``): a callee put
through to an agent (``CallCampaignConnected``) and an attempt that reached no agent
(``CallAttemptEnded``). A failure is the part ``dialler`` of the engine's health; calls go on.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from kc_domain.outbound.dialler_list import DiallerList, RunningCampaign
from kc_domain.outbound.outcomes import Outcome
from kc_domain.routing import commands as cmd
from kc_domain.routing import events as ev
from kc_domain.routing.dialler import DiallerCampaign, HopperContact
from kc_domain.routing.engine import RoutingEngine

log = logging.getLogger("kc.engine")
FEED_EVERY_S = 1.0
CAMPAIGNS_EVERY_S = 5.0


def _handled(command: cmd.Command) -> Callable[[RoutingEngine], Any]:
    return lambda engine: engine.handle(command)


def dialler_campaign(running: RunningCampaign) -> DiallerCampaign:
    campaign, progress = running.campaign, running.progress
    assert campaign.id is not None
    return DiallerCampaign(
        campaign.id,
        campaign.name,
        campaign.queue_id,
        campaign.mode.value,
        priority=campaign.priority,
        caller_id=campaign.caller_id,  # "" with the officer's own number: the PBX's default line
        ring_s=campaign.ring_s,
        abandon_cap=campaign.abandon_cap,
        intro_prompt=campaign.intro_prompt,
        record=campaign.record,
        hours=campaign.hours,
        answered=running.answered,
        listed=progress.total,
        dealt_with=progress.done,
        attempts_today=running.attempts_today,
    )


class DiallerFeed:
    """Feeds the engine's dialler from the lists and writes back what its calls did."""

    def __init__(self, lists: DiallerList) -> None:
        self._lists = lists
        self._campaigns_read = 0.0
        self._started = False

    def handoffs(self) -> dict[type[ev.Event], tuple[str, Callable[[Any], None]]]:
        return {
            ev.CallCampaignConnected: ("dialler", self.put_through),
            ev.CallAttemptEnded: ("dialler", self.attempt_ended),
        }

    def put_through(self, event: ev.CallCampaignConnected) -> None:
        self._lists.put_through(event.entry_id, event.agent_id, event.call_id)

    def attempt_ended(self, event: ev.CallAttemptEnded) -> None:
        self._lists.attempt_ended(event.entry_id, event.call_id, Outcome(event.outcome))

    def feed(self, apply: Callable[[Callable[[RoutingEngine], Any]], Any], *, campaigns: bool = False) -> int:
        """One round (``apply`` runs a step under the engine's lock); how many contacts were added.
        ``campaigns``: read the running campaigns now, whenever they were read last."""
        if not self._started:  # an earlier run's hopper and calls in the air: theirs no longer
            freed = self._lists.release_all()
            if freed:
                log.info("the dialler freed %d contact(s) an earlier run held", freed)
            self._started = True
        if campaigns or time.monotonic() - self._campaigns_read >= CAMPAIGNS_EVERY_S:
            self._campaigns_read = time.monotonic()
            running = tuple(dialler_campaign(found) for found in self._lists.campaigns())
            apply(_handled(cmd.UseCampaigns(running)))
            held: dict[int, dict[int, str]] = apply(_handled(cmd.HopperContents()))
            for campaign_id, holding in held.items():  # changed on the list since they were reserved
                stale = self._lists.not_callable(holding)
                if stale:
                    apply(_handled(cmd.DropFromHopper(campaign_id, tuple(stale), "changed_on_the_list")))
        returned = apply(lambda engine: engine.drain_returned())
        if returned:
            self._lists.release(r.entry_id for r in returned)
        needs: dict[int, int] = apply(_handled(cmd.HopperNeeds()))
        added = 0
        for campaign_id, count in needs.items():
            entries = self._lists.reserve(campaign_id, count)
            contacts = tuple(HopperContact(e.id, e.phone, e.name) for e in entries if e.id is not None)
            if contacts:
                apply(_handled(cmd.FillHopper(campaign_id, contacts)))
                added += len(contacts)
        return added

    def run(
        self,
        apply: Callable[[Callable[[RoutingEngine], Any]], Any],
        stop: threading.Event,
        failed: Callable[[Exception], None],
        ok: Callable[[], None],
    ) -> None:
        while not stop.wait(FEED_EVERY_S):
            try:
                self.feed(apply)
                ok()
            except Exception as error:  # the database is away: the hoppers run dry, calls go on
                log.warning("feeding the dialler failed: %s", error)
                failed(error)
