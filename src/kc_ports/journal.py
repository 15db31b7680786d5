"""The engine's journal: everything the ACD did, kept for reports, explanations and replay.

One store, four ports by concern: the engine appends to the ``EventLog``; desktops, explanations and
recordings read the ``ContactHistory``; reports read ``ReportFigures``; the worker runs the
``JournalUpkeep``. ``ContactJournal`` is their union, for the adapters and the container."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from kc_domain.contacts.stats import CallTally
from kc_domain.ivr.stats import NodeTotals
from kc_domain.reports.activity import AgentTime
from kc_domain.reports.figures import CallFigures
from kc_domain.reports.filters import ReportFilter
from kc_domain.routing.events import Event
from kc_domain.routing.policy import Decision
from kc_domain.routing.projection import Interaction, StateInterval


@runtime_checkable
class EventLog(Protocol):
    """The engine's side: append what happened, and find where a restarted engine resumes."""

    def record(self, events: Sequence[Event], decisions: Sequence[Decision], *, through: int = 0) -> None:
        """Append events and decisions and update the projections from them, all or nothing;
        ``through`` (when above 0): the number of the engine's last batch in them, kept in the same
        transaction (``recorded_through``), so that a batch replayed after a crash is never written
        twice."""

    def recorded_through(self) -> int:
        """The highest batch number ``record`` was given (0: none)."""

    def open_calls(self) -> list[Interaction]:
        """Calls that have arrived (or were dialled) and not ended, oldest first: what a restarted
        engine must adopt or close (reconciliation)."""

    def open_intervals(self) -> list[StateInterval]:
        """Each agent's state interval that has not ended (agents the journal has logged in)."""

    def last_event_at(self) -> datetime | None:
        """The time of the newest event recorded (None: none yet)."""


@runtime_checkable
class ContactHistory(Protocol):
    """Reading calls back: one call's story, a caller's or an agent's calls, and their counts."""

    def events_for(self, call_id: str) -> list[Event]:
        """The call's events in the order they happened."""

    def decisions_for(self, call_id: str) -> list[Decision]:
        """Every routing decision about the call, oldest first."""

    def interaction(self, call_id: str) -> Interaction | None:
        """The call's interaction row, or None."""

    def interactions_of(self, call_ids: Collection[str]) -> dict[str, Interaction]:
        """The interaction rows of these calls (those the journal has), by call id: one read."""

    def missed_calls(
        self, since: datetime, until: datetime, queue_ids: Collection[int] = ()
    ) -> list[Interaction]:
        """Calls arrived in [since, until) and lost before an agent answered (IN-26), newest first."""

    def calls_of(self, caller: str, limit: int = 20) -> list[Interaction]:
        """The contact history of a phone number (AG-05): its calls, newest first (by arrival)."""

    def intervals(self, agent_id: int, since: datetime, until: datetime) -> list[StateInterval]:
        """The agent's state intervals overlapping [since, until), oldest first."""

    def interactions(
        self,
        since: datetime,
        until: datetime,
        *,
        agent_id: int | None = None,
        queue_ids: Collection[int] = (),
        answered_only: bool = False,
        limit: int | None = None,
    ) -> list[Interaction]:
        """Calls arrived in [since, until) matching every given filter, newest first (ties by call id,
        descending); ``answered_only`` keeps those an agent answered (or that connected, outbound)."""

    def tally(
        self,
        since: datetime,
        until: datetime,
        thresholds: Mapping[int, float],
        *,
        agent_id: int | None = None,
        queue_ids: Collection[int] = (),
    ) -> dict[int | None, CallTally]:
        """Counts of the calls arrived in [since, until) matching the filters, by queue id (AG-08);
        ``thresholds``: queue id -> service-level threshold in seconds. As ``stats.tally_rows``."""


@runtime_checkable
class ReportFigures(Protocol):
    """The sums reports show, computed from the journal (or its roll-ups) in one place."""

    def figures(
        self,
        wanted: ReportFilter,
        group: str,
        thresholds: Mapping[int, int],
        agents: frozenset[int] = frozenset(),
    ) -> dict[Any, CallFigures]:
        """The reports' call figures by ``group`` (``figures.GROUPS``) over the calls ``wanted``
        selects, ``agents`` (groups resolved) narrowing them; as ``figures.call_figures``."""

    def agent_times(
        self, since: datetime, until: datetime, now: datetime, agents: frozenset[int] = frozenset()
    ) -> dict[int, AgentTime]:
        """Each agent's time in [since, until) by state and pause code (``activity.agent_time``),
        intervals still open counted until ``now``; ``agents`` narrows (empty: all)."""

    def ivr_nodes(self, wanted: ReportFilter) -> dict[str, dict[str, NodeTotals]]:
        """Per-node IVR counts ``{tree: {node: totals}}`` of the walks that ended on the days
        ``wanted`` selects (dates and weekdays), as ``kc_domain.ivr.stats.sum_node_stats`` (REP-09)."""


@runtime_checkable
class JournalUpkeep(Protocol):
    """Keeping the journal fit for reading: the roll-ups reports read instead of the calls."""

    def roll_up(self, thresholds: Mapping[int, int], now: datetime) -> dict[str, int]:
        """Keep the sums of the days finished before ``now`` that reports read instead of the
        calls (``thresholds``: the queues' service-level seconds); what was done, e.g. ``{"days": 3}``.
        Reports give the same figures before and after."""


@runtime_checkable
class ContactJournal(EventLog, ContactHistory, ReportFigures, JournalUpkeep, Protocol):
    """The whole journal, as one adapter keeps it: what the container provides. Consumers take the
    narrowest of the ports above that they use."""
