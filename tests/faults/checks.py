"""What the fault tests and the outage bench ask of the journal after a fault: nothing lost,
nothing written twice, nothing left open, and the reports' calls overview adding up."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apps.container import Container
from kc_domain.audit.service import SYSTEM
from kc_domain.organisation.hours import OpeningHours
from kc_domain.reports.filters import ReportFilter
from kc_domain.routing import events as ev
from kc_domain.routing.call import CallEnd
from kc_domain.routing.projection import Interaction, call_id_of
from kc_ports.journal import ContactJournal

PRAGUE = ZoneInfo("Europe/Prague")
END_STAGES = {e.value for e in CallEnd}
BEGINNINGS = (ev.CallArrived, ev.CallDialled)


def open_round_the_clock(container: Container, wrap_up_s: int = 2) -> None:
    """The demo centre with every queue open at any hour and a short wrap-up, so that the robots
    answer calls whenever the tests run."""
    admin = container.admin()
    for queue in admin.list("queue"):
        admin.update(SYSTEM, "queue", queue.id, {"hours": OpeningHours.always_open(), "wrap_up_s": wrap_up_s})


def calls_since(journal: ContactJournal, since: datetime) -> list[Interaction]:
    return journal.interactions(since, datetime.now(PRAGUE) + timedelta(minutes=5))


def journal_problems(journal: ContactJournal, since: datetime) -> list[str]:
    """Everything wrong with the calls arrived since ``since``, in words (empty: all is well)."""
    rows = calls_since(journal, since)
    problems = [f"call {c.call_id} is open" for c in journal.open_calls()]
    problems += [f"agent {i.agent_id}'s {i.state} interval is open" for i in journal.open_intervals()]
    twice = [call_id for call_id, n in Counter(r.call_id for r in rows).items() if n > 1]
    problems += [f"call {call_id} has two rows" for call_id in twice]
    for row in rows:
        if row.end_stage not in END_STAGES or row.ended_at is None:
            problems.append(f"call {row.call_id} has no end ({row.end_stage!r})")
        if row.direction == "inbound" and row.arrived_at is None:
            problems.append(f"call {row.call_id} has no arrival")
        kinds = Counter(type(e) for e in journal.events_for(row.call_id))
        beginnings = sum(kinds[k] for k in BEGINNINGS)
        if beginnings != 1 or kinds[ev.CallEnded] != 1:
            problems.append(f"call {row.call_id}: {beginnings} beginnings, {kinds[ev.CallEnded]} ends")
    return problems + _overview_problems(journal, since)


def _overview_problems(journal: ContactJournal, since: datetime) -> list[str]:
    """The calls overview of the days since ``since`` counts every inbound call of those days once,
    by how it ended."""
    first = since.astimezone(PRAGUE).date()
    days = ReportFilter(first, datetime.now(PRAGUE).date())
    rows = calls_since(journal, datetime(first.year, first.month, first.day, tzinfo=PRAGUE))
    totals = list(journal.figures(days, "total", {}).values())
    inbound = [r for r in rows if r.direction == "inbound"]
    answered = sum(r.answered_at is not None for r in inbound)
    lost = sum(r.lost for r in inbound)
    if not totals:
        return [] if not inbound else [f"no figures for {len(inbound)} inbound calls"]
    total = totals[0]
    seen = (total.inbound, total.answered, total.lost)
    if seen != (len(inbound), answered, lost):
        return [f"the overview's inbound/answered/lost {seen} != the calls' {(len(inbound), answered, lost)}"]
    return []


def answered_between(
    journal: ContactJournal, since: datetime, start: datetime, end: datetime
) -> list[Interaction]:
    """Calls arrived since ``since`` that an agent answered within [start, end]."""
    rows = calls_since(journal, since)
    return [r for r in rows if r.answered_at is not None and start <= r.answered_at <= end]


def missing_events(
    journal: ContactJournal, batches: list[tuple[int, list[ev.Event], list[Any]]]
) -> list[ev.Event]:
    """The calls' events of write-ahead batches (``read_wal``) that the journal lacks."""
    return [
        event
        for _number, events, _decisions in batches
        for event in events
        if (call_id := call_id_of(event)) and event not in journal.events_for(call_id)
    ]
