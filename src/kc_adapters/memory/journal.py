"""The engine's journal in memory (tests, the simulator without a database)."""

from __future__ import annotations

import copy
from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from kc_domain.contacts.stats import CallTally, tally_rows
from kc_domain.ivr.stats import NodeTotals, sum_node_stats
from kc_domain.reports.activity import AgentTime, agent_time
from kc_domain.reports.figures import CallFigures, call_figures
from kc_domain.reports.filters import ReportFilter
from kc_domain.routing.events import Event
from kc_domain.routing.policy import Decision
from kc_domain.routing.projection import (
    Interaction,
    StateInterval,
    call_id_of,
    fold_interaction,
    fold_intervals,
    starts_call,
)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
PRAGUE = ZoneInfo("Europe/Prague")


class MemoryJournal:
    def __init__(self, zone: tzinfo = PRAGUE) -> None:
        self._zone = zone
        self.categories: dict[str, int | None] = {}  # call id -> call category (the contact records')
        self._events: list[Event] = []
        self._decisions: list[Decision] = []
        self._interactions: dict[str, Interaction] = {}
        self._open: dict[int, StateInterval] = {}
        self._intervals: list[StateInterval] = []
        self._known: set[int] = set()
        self._through = 0

    def record(self, events: Sequence[Event], decisions: Sequence[Decision], *, through: int = 0) -> None:
        self._through = max(self._through, through)
        self._events.extend(events)
        self._decisions.extend(decisions)
        for event in events:
            call_id = call_id_of(event)
            if call_id is not None and (call_id in self._interactions or starts_call(event)):
                row = self._interactions.setdefault(call_id, Interaction(call_id))
                fold_interaction(row, event)  # refuses (and logs) what would merge two calls
        for interval in fold_intervals(self._open, events):
            if id(interval) not in self._known:  # new; closed ones are already listed (same object)
                self._known.add(id(interval))
                self._intervals.append(interval)

    def events_for(self, call_id: str) -> list[Event]:
        return [e for e in self._events if call_id_of(e) == call_id]

    def decisions_for(self, call_id: str) -> list[Decision]:
        return [d for d in self._decisions if d.call_id == call_id]

    def interaction(self, call_id: str) -> Interaction | None:
        row = self._interactions.get(call_id)
        return copy.copy(row) if row else None

    def interactions_of(self, call_ids: Collection[str]) -> dict[str, Interaction]:
        return {c: copy.copy(self._interactions[c]) for c in call_ids if c in self._interactions}

    def missed_calls(
        self, since: datetime, until: datetime, queue_ids: Collection[int] = ()
    ) -> list[Interaction]:
        found = [
            copy.copy(r)
            for r in self._interactions.values()
            if r.lost
            and r.arrived_at is not None
            and since <= r.arrived_at < until
            and (not queue_ids or r.queue_id in queue_ids)
        ]
        return sorted(found, key=lambda r: r.arrived_at or since, reverse=True)

    def calls_of(self, caller: str, limit: int = 20) -> list[Interaction]:
        found = [copy.copy(r) for r in self._interactions.values() if r.caller == caller]
        # Newest arrival first, ties by call id (descending), rows without an arrival time last.
        found.sort(key=lambda r: (r.arrived_at or _EPOCH, r.call_id), reverse=True)
        return found[:limit]

    def recorded_through(self) -> int:
        return self._through

    def open_calls(self) -> list[Interaction]:
        found = [r for r in self._interactions.values() if r.arrived_at is not None and r.ended_at is None]
        return [copy.copy(r) for r in sorted(found, key=lambda r: (r.arrived_at, r.call_id))]

    def open_intervals(self) -> list[StateInterval]:
        return [copy.copy(i) for i in sorted(self._open.values(), key=lambda i: i.agent_id)]

    def last_event_at(self) -> datetime | None:
        return max((e.at for e in self._events), default=None)

    def intervals(self, agent_id: int, since: datetime, until: datetime) -> list[StateInterval]:
        return [
            copy.copy(i)
            for i in self._intervals
            if i.agent_id == agent_id and i.started_at < until and (i.ended_at is None or i.ended_at > since)
        ]

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
        found = [
            copy.copy(r)
            for r in self._selected(since, until, agent_id, queue_ids)
            if not answered_only or r.answered_at is not None
        ]
        found.sort(key=lambda r: (r.arrived_at or _EPOCH, r.call_id), reverse=True)
        return found if limit is None else found[:limit]

    def tally(
        self,
        since: datetime,
        until: datetime,
        thresholds: Mapping[int, float],
        *,
        agent_id: int | None = None,
        queue_ids: Collection[int] = (),
    ) -> dict[int | None, CallTally]:
        return tally_rows(self._selected(since, until, agent_id, queue_ids), thresholds)

    def figures(
        self,
        wanted: ReportFilter,
        group: str,
        thresholds: Mapping[int, int],
        agents: frozenset[int] = frozenset(),
    ) -> dict[Any, CallFigures]:
        rows = self._interactions.values()
        return call_figures(rows, wanted, group, thresholds, self._zone, agents, self.categories)

    def agent_times(
        self, since: datetime, until: datetime, now: datetime, agents: frozenset[int] = frozenset()
    ) -> dict[int, AgentTime]:
        intervals = self._intervals  # open ones included (the same objects as in _open)
        found = {}
        for agent_id in sorted({i.agent_id for i in intervals if not agents or i.agent_id in agents}):
            mine = [i for i in intervals if i.agent_id == agent_id]
            spent = agent_time(agent_id, mine, since, until, now)
            if spent.seconds:
                found[agent_id] = spent
        return found

    def ivr_nodes(self, wanted: ReportFilter) -> dict[str, dict[str, NodeTotals]]:
        def chosen(event: Event) -> bool:
            day = event.at.astimezone(self._zone).date()
            return wanted.since <= day <= wanted.until and (
                not wanted.weekdays or day.weekday() in wanted.weekdays
            )

        return sum_node_stats(e for e in self._events if chosen(e))

    def roll_up(self, thresholds: Mapping[int, int], now: datetime) -> dict[str, int]:
        """Nothing to keep: this journal sums its calls in memory for every report."""
        return {"days": 0}

    def _selected(
        self, since: datetime, until: datetime, agent_id: int | None, queue_ids: Collection[int]
    ) -> list[Interaction]:
        return [
            r
            for r in self._interactions.values()
            if r.arrived_at is not None
            and since <= r.arrived_at < until
            and (agent_id is None or r.agent_id == agent_id)
            and (not queue_ids or r.queue_id in queue_ids)
        ]


if TYPE_CHECKING:
    from kc_ports.journal import ContactJournal

    def _implements(journal: MemoryJournal) -> ContactJournal:
        return journal  # mypy checks the journal against the union of every narrow journal port
