"""A realistic history for the report benchmarks (REP-*): months of calls of a contact centre with the
agents' state intervals, written straight into KC's journal tables (never pass/fail; JSON out).

    .venv/bin/python bench/report_data.py --sqlite var/reports-6m.sqlite3 [--months 6] [--agents 150]
    .venv/bin/python bench/report_data.py --fresh-postgres [--calls 3000000]
    .venv/bin/python bench/report_data.py --url URL   # already migrated and seeded with organisation()

``generate`` writes rows only: ``interactions``, ``agent_state_intervals`` and ``contact_records``, as
the engine's projections would have written them, for the local days of [end - months, end). The
organisation (queues with their opening hours and wrap-up, agents with skills, pause codes, call
categories) is read from the database. Deterministic for a given seed and organisation.

The model, day by day (Europe/Prague, Czech public holidays from the ``holidays`` package):

- Volume: ``calls`` in all (about 5 % of them outbound), spread over the period by a day factor
  (Monday 1.3 .. Friday 0.85; January 1.25 .. August 0.75) and an hourly profile with peaks at
  9-11 and 13-14; the office queues only while open (their opening hours, holidays closed); the
  queue that is open round the clock (the assistance line) day and night at a lower rate at night
  and on weekends and holidays. Office volume is shared by the queues in proportion to the agents
  skilled in them (so no queue is starved), the assistance line gets 8 %.
- Agents: every user with a skill. About 12 % of those skilled in the assistance queue staff it
  in three shifts (06-14, 14-22, 22-06) every day; the others work office shifts on working days
  (morning: 8 h from the opening, afternoon: 8 h to the closing, alternating weekly; a day off on
  8 % of the days), each shift with OBED (30 min, mid-shift), two PRESTAVKA (10 min), sometimes
  ADMIN (20 %), PORADA (4 %) or SKOLENI (2 %). A pause waits until the agent is free. No interval
  is written between shifts: no interval means logged out (as the projection itself does).
- Inbound call: arrival, IVR (office queues via the main line, 15-45 s; the assistance line a short
  announcement, 4-10 s), queue, offer to the longest-idle skilled agent at work and free (ringing
  2-8 s), talk (lognormal, mean 4 min), the queue's wrap-up (10 % extended by 30-120 s), ready.
  ``waited_s`` is queue entry to answer. Lost by design: 0.4 % before the IVR, 1.1 % in the IVR,
  5.5 % in the queue (a third of them within 5 s), 0.7 % while ringing; more when the agents cannot
  keep up (every caller gives up after 2 min + an exponential 8 min at the latest). 5 % of the
  answered calls are transferred, 18 % held (a sixth of them twice).
- Outbound call (callbacks ``cb-...`` 60 %, manual ``out-...`` 40 %): an agent of the queue dials
  when free (ringing), 75 % connect (busy, lognormal mean 3 min, wrap-up), the rest not reached.
- Contact records for 75 % of the answered calls, category of kind "call" (Zipf-like skew),
  client_id None, version 1, 1 % with the recording opted out.

Each agent's intervals follow each other without gaps or overlaps within a shift: ready, ringing,
busy, wrap_up, ready..., paused. Capacity: an agent handles at most ~60-70 calls of 4 min in a shift,
so 150 agents answer at most ~1.4 million calls in six months. 1.2 million gives a busy but sane
centre (about 10 % lost, 60-70 % answered within 20 s); the requested 3 million overloads it (more
than half lost in the queue), which ``generate`` reports as ``lost_share``.
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import json
import math
import random
import sqlite3
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import holidays as holiday_calendars
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from kc_adapters.persistence.tables import (  # noqa: E402
    agent_skills,
    call_categories,
    pause_codes,
    queues,
    users,
)
from kc_domain.organisation.hours import OpeningHours  # noqa: E402
from kc_domain.reports.figures import report_times  # noqa: E402
from kc_domain.routing.projection import Interaction  # noqa: E402

ZONE = ZoneInfo("Europe/Prague")
EPOCH = datetime(1970, 1, 1)
INF = 1 << 62
MAIN_LINE = "+420261105550"  # the IVR in front of the office queues (apps.seed.MAIN_LINE)
MIN, HOUR = 60_000, 3_600_000

INTERACTION_COLUMNS = (
    "call_id, caller, dialled, direction, queue_id, agent_id, priority, rule, arrived_at, queued_at, "
    "offered_at, answered_at, ended_at, end_stage, cause, waited_s, talk_s, offers, rona_count, holds, "
    "transferred_to, overflow_reason"
)
_CALL_NAMES = [name.strip() for name in INTERACTION_COLUMNS.split(",")]
REPORT_COLUMNS = "local_day, local_weekday, local_minute, caller_wait_s, ring_s"  # migration 0013
CALL_COLUMNS = f"{INTERACTION_COLUMNS}, {REPORT_COLUMNS}"
INTERVAL_COLUMNS = "agent_id, state, started_at, ended_at, pause_code, call_id"
RECORD_COLUMNS = "call_id, agent_id, client_id, category_id, recording_opt_out, updated_at, version"

WEEKDAY_FACTOR = (1.3, 1.1, 1.0, 0.95, 0.85, 0.6, 0.5)
MONTH_FACTOR = {1: 1.25, 2: 1.1, 3: 1.05, 4: 1.0, 5: 0.95, 6: 0.85}
MONTH_FACTOR |= {7: 0.75, 8: 0.75, 9: 1.0, 10: 1.05, 11: 1.05, 12: 0.9}
OFFICE_HOUR = {8: 1.0, 9: 1.5, 10: 1.5, 11: 1.2, 12: 0.85, 13: 1.25, 14: 1.1, 15: 0.9, 16: 0.7}
ASSIST_SHARE = 0.08
OUTBOUND_SHARE = 0.05
# inbound outcomes decided up front (the rest may still be lost when no agent is free in time)
P_BEFORE_IVR, P_IN_IVR, P_IN_QUEUE, P_RINGING = 0.004, 0.011, 0.055, 0.007
TALK_SIGMA = 0.8
TALK_MU = math.log(240) - TALK_SIGMA**2 / 2  # mean 240 s
OUT_TALK_MU = math.log(180) - TALK_SIGMA**2 / 2
TRANSFER_TARGETS = ("number:2410", "number:2450", "number:2460", "number:+420261105100")


def ts(ms: int) -> str:
    """Milliseconds since the epoch as ``UTCDateTime`` stores them: naive UTC text with microseconds
    (SQLAlchemy's SQLite format; PostgreSQL parses the same text into ``timestamp``)."""
    return (EPOCH + timedelta(milliseconds=ms)).isoformat(" ", "microseconds")


def local_ms(day: date, minute: int) -> int:
    """The UTC instant (ms) of ``minute`` after local midnight of ``day`` in Prague (may pass midnight)."""
    on = day + timedelta(days=minute // 1440)
    minute %= 1440
    at = datetime(on.year, on.month, on.day, minute // 60, minute % 60, tzinfo=ZONE)
    return int(at.timestamp() * 1000)


def months_before(end: date, months: int) -> date:
    index = end.year * 12 + end.month - 1 - months
    year, month = divmod(index, 12)
    day = min(end.day, 28) if month + 1 == 2 else min(end.day, 30 if month + 1 in (4, 6, 9, 11) else 31)
    return date(year, month + 1, day)


# -- the organisation --------------------------------------------------------------------------------
class Queue:
    __slots__ = ("always", "dialled", "hours", "id", "share", "wrap_ms")

    def __init__(self, queue_id: int, hours: OpeningHours, wrap_up_s: int, number: str) -> None:
        self.id, self.hours, self.wrap_ms = queue_id, hours, wrap_up_s * 1000
        self.always = all(iv and iv[0].start == 0 and iv[-1].end == 1440 for iv in hours.weekly) and not (
            hours.closed_on_holidays or hours.exceptions
        )
        self.dialled = number if self.always else MAIN_LINE
        self.share = 0.0


class Agent:
    """One agent's timeline while generating: shifts (windows) with their planned pauses; ``free``
    is when the agent's next interval starts (the end of the last one written)."""

    __slots__ = ("free", "id", "next_pause", "pauses", "queues", "wi", "windows")

    def __init__(self, agent_id: int, queue_ids: list[int]) -> None:
        self.id, self.queues = agent_id, queue_ids
        self.windows: list[tuple[int, int, list[tuple[int, int, str]]]] = []
        self.wi = 0
        self.free = INF
        self.pauses: list[tuple[int, int, str]] = []
        self.next_pause = INF


class Timeline:
    """Writes the agents' intervals as calls and pauses are given to them."""

    def __init__(self, emit: Callable[[tuple[Any, ...]], None]) -> None:
        self.emit = emit

    def add_window(self, agent: Agent, start: int, end: int, pauses: list[tuple[int, int, str]]) -> None:
        if end <= start:
            return
        if agent.windows and start < agent.windows[-1][1]:
            start = agent.windows[-1][1]  # never two shifts at once
            if end <= start:
                return
        agent.windows.append((start, end, sorted(pauses)))
        if agent.wi == len(agent.windows) - 1:
            self._enter(agent)

    def _enter(self, agent: Agent) -> None:
        start, _end, pauses = agent.windows[agent.wi]
        agent.free = start if agent.free == INF else max(agent.free, start)
        agent.pauses = list(pauses)
        agent.next_pause = agent.pauses[0][0] if agent.pauses else INF

    def _ready_until(self, agent: Agent, at: int) -> None:
        if at > agent.free:
            self.emit((agent.id, "ready", ts(agent.free), ts(at), "", ""))
            agent.free = at

    def _pauses(self, agent: Agent, upto: int) -> None:
        window_end = agent.windows[agent.wi][1]
        while agent.next_pause <= upto:
            wanted, duration, code = agent.pauses.pop(0)
            start = max(agent.free, wanted)
            if start < window_end:
                self._ready_until(agent, start)
                self.emit((agent.id, "paused", ts(start), ts(start + duration), code, ""))
                agent.free = start + duration
            agent.next_pause = agent.pauses[0][0] if agent.pauses else INF

    def finish_window(self, agent: Agent) -> None:
        end = agent.windows[agent.wi][1]
        self._pauses(agent, INF - 1)
        self._ready_until(agent, end)  # then logged out: no interval
        agent.wi += 1
        if agent.wi < len(agent.windows):
            self._enter(agent)
        else:
            agent.pauses, agent.next_pause = [], INF

    def available(self, agent: Agent, at: int) -> int:
        """When the agent can be offered a call wanted at ``at`` (INF: not at work any more)."""
        while agent.wi < len(agent.windows):
            x = agent.free if agent.free > at else at
            if agent.next_pause <= x:
                self._pauses(agent, x)
                continue
            if x >= agent.windows[agent.wi][1]:
                self.finish_window(agent)
                continue
            return x
        return INF

    def settle(self, agent: Agent, until: int) -> None:
        """Close the shifts that ended by ``until``."""
        while agent.wi < len(agent.windows) and agent.windows[agent.wi][1] <= until:
            self.finish_window(agent)
        if agent.wi >= len(agent.windows):
            agent.windows, agent.wi = [], 0

    def call(
        self, agent: Agent, offered: int, answered: int | None, ended: int, wrap_ms: int, call_id: str
    ) -> None:
        self._ready_until(agent, offered)
        ring_end = ended if answered is None else answered
        self.emit((agent.id, "ringing", ts(offered), ts(ring_end), "", call_id))
        agent.free = ring_end
        if answered is not None:
            self.emit((agent.id, "busy", ts(answered), ts(ended), "", call_id))
            agent.free = ended
            if wrap_ms > 0:
                self.emit((agent.id, "wrap_up", ts(ended), ts(ended + wrap_ms), "", call_id))
                agent.free = ended + wrap_ms


# -- the writers -------------------------------------------------------------------------------------
class Sink:
    def write(
        self, calls: list[tuple[Any, ...]], spans: list[tuple[Any, ...]], recs: list[tuple[Any, ...]]
    ) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class SqliteSink(Sink):
    def __init__(self, path: str) -> None:
        self.db = sqlite3.connect(path)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=OFF")
        self.db.execute("PRAGMA cache_size=-200000")

    def write(
        self, calls: list[tuple[Any, ...]], spans: list[tuple[Any, ...]], recs: list[tuple[Any, ...]]
    ) -> None:
        with self.db:
            self.db.executemany(
                f"INSERT INTO interactions ({CALL_COLUMNS}) VALUES ({_marks(27)})",
                [_with_report_columns(c) for c in calls],
            )
            self.db.executemany(
                f"INSERT INTO agent_state_intervals ({INTERVAL_COLUMNS}) VALUES ({_marks(6)})", spans
            )
            self.db.executemany(f"INSERT INTO contact_records ({RECORD_COLUMNS}) VALUES ({_marks(7)})", recs)

    def close(self) -> None:
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.db.close()


class PostgresSink(Sink):
    def __init__(self, url: sa.engine.URL) -> None:
        import psycopg

        self.db = psycopg.connect(url.set(drivername="postgresql").render_as_string(hide_password=False))

    def write(
        self, calls: list[tuple[Any, ...]], spans: list[tuple[Any, ...]], recs: list[tuple[Any, ...]]
    ) -> None:
        with self.db.cursor() as cursor:
            for table, columns, rows in (
                ("interactions", CALL_COLUMNS, [_with_report_columns(c) for c in calls]),
                ("agent_state_intervals", INTERVAL_COLUMNS, spans),
                ("contact_records", RECORD_COLUMNS, recs),
            ):
                with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
        self.db.commit()

    def close(self) -> None:
        self.db.close()


def _with_report_columns(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """The call's row with the columns the journal stores for the reports, computed as it does
    (``kc_domain.reports.figures.report_times``)."""
    values = dict(zip(_CALL_NAMES, row, strict=True))

    def instant(name: str) -> datetime | None:
        raw = values[name]
        return None if raw is None else datetime.fromisoformat(raw).replace(tzinfo=UTC)

    call = Interaction(
        str(values["call_id"]),
        arrived_at=instant("arrived_at"),
        offered_at=instant("offered_at"),
        answered_at=instant("answered_at"),
        ended_at=instant("ended_at"),
        end_stage=str(values["end_stage"]),
    )
    times = report_times(call, ZONE)
    day = times["local_day"]
    return (
        *row,
        None if day is None else day.isoformat(),
        times["local_weekday"],
        times["local_minute"],
        times["caller_wait_s"],
        times["ring_s"],
    )


def _marks(n: int) -> str:
    return ", ".join("?" * n)


# -- the generator -----------------------------------------------------------------------------------
def _read_organisation(url: str) -> tuple[list[Queue], list[Agent], set[str], list[int]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            found = connection.execute(
                sa.select(queues.c.id, queues.c.hours, queues.c.wrap_up_s, queues.c.number)
                .where(queues.c.active)
                .order_by(queues.c.id)
            ).all()
            skills = connection.execute(
                sa.select(agent_skills.c.user_id, agent_skills.c.queue_id)
                .join(users, users.c.id == agent_skills.c.user_id)
                .where(users.c.active)
                .order_by(agent_skills.c.user_id, agent_skills.c.queue_id)
            ).all()
            codes = {r.code for r in connection.execute(sa.select(pause_codes.c.code))}
            categories = [
                r.id
                for r in connection.execute(
                    sa.select(call_categories.c.id)
                    .where(call_categories.c.kind == "call", call_categories.c.active)
                    .order_by(call_categories.c.id)
                )
            ]
    finally:
        engine.dispose()
    queue_list = [Queue(r.id, r.hours, r.wrap_up_s, r.number) for r in found]
    known = {q.id for q in queue_list}
    by_agent: dict[int, list[int]] = {}
    for user_id, queue_id in skills:
        if queue_id in known:
            by_agent.setdefault(user_id, []).append(queue_id)
    agents = [Agent(user_id, qs) for user_id, qs in sorted(by_agent.items())]
    if not queue_list or not agents:
        raise SystemExit("no queues or no skilled agents: seed the organisation first")
    return queue_list, agents, codes, categories


class Generator:
    def __init__(
        self, url: str, *, start: date, calls: int, seed: int, end: date, log: Callable[[str], None]
    ) -> None:
        self.rng = random.Random(seed)
        self.queues, self.agents, codes, self.categories = _read_organisation(url)
        self.codes = codes
        self.start, self.end = start, end
        self.calls, self.log = calls, log
        self.holidays = holiday_calendars.country_holidays(
            "CZ", years=range(self.start.year, self.end.year + 1)
        )
        self.calls_out: list[tuple[Any, ...]] = []
        self.spans: list[tuple[Any, ...]] = []
        self.recs: list[tuple[Any, ...]] = []
        self.timeline = Timeline(self.spans.append)
        self.counts = dict.fromkeys(("calls", "inbound", "outbound", "answered", "lost", "intervals"), 0)
        self.counts["records"] = 0
        self._roster()
        rank = list(range(len(self.categories)))
        self.rng.shuffle(rank)
        self.category_weights = list(itertools.accumulate(1.0 / (r + 1) for r in rank))

    # - who works when -
    def _roster(self) -> None:
        assist = [q for q in self.queues if q.always]
        self.assist = assist[0] if assist else None
        skilled_assist = [a for a in self.agents if self.assist and self.assist.id in a.queues]
        # AS staff: first those with no office skill, then a fixed share of the others
        only = [a for a in skilled_assist if len(a.queues) == 1]
        rest = [a for a in skilled_assist if len(a.queues) > 1]
        self.rng.shuffle(rest)
        wanted = max(3, round(0.12 * len(skilled_assist))) if skilled_assist else 0
        self.as_staff = (only + rest)[: max(wanted, len(only))]
        staff_ids = {a.id for a in self.as_staff}
        self.office_staff = [a for a in self.agents if a.id not in staff_ids and len(a.queues) > 0]
        office_ids = {q.id for q in self.queues if not q.always}
        for agent in self.office_staff:
            agent.queues = [q for q in agent.queues if q in office_ids]
        self.office_staff = [a for a in self.office_staff if a.queues]
        if self.assist is not None:
            for agent in self.as_staff:
                agent.queues = [self.assist.id]
        # volume shares: office queues by their agents, the assistance line a fixed share
        weight = {q.id: 0.0 for q in self.queues}
        for agent in self.office_staff:
            for queue_id in agent.queues:
                weight[queue_id] += 1 / len(agent.queues)
        office_total = sum(weight.values()) or 1.0
        assist_share = ASSIST_SHARE if self.as_staff else 0.0
        for q in self.queues:
            if q.always:
                q.share = assist_share if q is self.assist else 0.0
            else:
                q.share = (1 - assist_share) * weight[q.id] / office_total
        self.rotation = 0

    def _pauses(self, start: int, end: int, n: int) -> list[tuple[int, int, str]]:
        """A shift's planned pauses; ``n`` staggers the lunches of colleagues over two hours."""
        rng, length = self.rng, end - start
        plan: list[tuple[int, int, str]] = []

        def add(code: str, at: int, duration: int) -> None:
            if code in self.codes:
                plan.append((at, duration, code))

        if length >= 6 * HOUR:
            add("OBED", start + length // 2 + ((n % 4) * 30 - 60 + rng.randint(-10, 10)) * MIN, 30 * MIN)
        add("PRESTAVKA", start + 2 * HOUR + ((n % 3) * 15 + rng.randint(-10, 10)) * MIN, 10 * MIN)
        if length >= 7 * HOUR:
            add("PRESTAVKA", start + 6 * HOUR + ((n % 3) * 15 + rng.randint(-10, 10)) * MIN, 10 * MIN)
        roll = rng.random()
        if roll < 0.02:
            add("SKOLENI", start + HOUR, 120 * MIN)
        elif roll < 0.06:
            add("PORADA", start + 30 * MIN, 60 * MIN)
        elif roll < 0.26:
            add(
                "ADMIN", start + rng.randint(60, max(61, length // MIN - 60)) * MIN, rng.randint(15, 30) * MIN
            )
        return plan

    def _plan_day(self, day: date, index: int) -> None:
        rng, timeline = self.rng, self.timeline
        week = (day - self.start).days // 7
        period_start, period_end = local_ms(self.start, 0), local_ms(self.end, 0)
        turn: dict[int, int] = {}
        for agent in self.office_staff:
            n = turn[agent.queues[0]] = turn.get(agent.queues[0], -1) + 1  # alternate within a queue
            if rng.random() < 0.08:
                continue  # a day off
            opens = [iv for q in agent.queues for iv in self._queue(q).hours.intervals_on(day, self.holidays)]
            if not opens:
                continue
            first, last = min(iv.start for iv in opens), max(iv.end for iv in opens)
            if (n + week) % 2 == 0:
                start, end = first, min(last, first + 480)
            else:
                start, end = max(first, last - 480), last
            s, e = local_ms(day, start), local_ms(day, end)
            timeline.add_window(agent, s, e, self._pauses(s, e, n))
        staff = self.as_staff
        if not staff:
            return
        quiet = day.weekday() >= 5 or day in self.holidays
        night_count = max(1, round(len(staff) * 0.1))
        if index == 0:  # the night shift that began the evening before the period
            for _ in range(night_count):
                agent = staff[self.rotation % len(staff)]
                self.rotation += 1
                timeline.add_window(agent, period_start, local_ms(day, 360), [])
        day_count = max(1, round(len(staff) * (0.18 if quiet else 0.3)))
        for start, count in ((360, day_count), (840, day_count), (1320, night_count)):
            for _ in range(count):
                agent = staff[self.rotation % len(staff)]
                self.rotation += 1
                s, e = max(local_ms(day, start), period_start), min(local_ms(day, start + 480), period_end)
                timeline.add_window(agent, s, e, self._pauses(s, e, self.rotation))

    def _queue(self, queue_id: int) -> Queue:
        for q in self.queues:
            if q.id == queue_id:
                return q
        raise KeyError(queue_id)

    # - when calls come -
    def _segments(self, day: date) -> list[tuple[Queue, int, int, float]]:
        """(queue, local start minute, end minute, weight) of the day's open quarters."""
        found = []
        factor = WEEKDAY_FACTOR[day.weekday()] * MONTH_FACTOR[day.month]
        quiet = day.weekday() >= 5 or day in self.holidays
        for q in self.queues:
            if q.share <= 0:
                continue
            for iv in q.hours.intervals_on(day, self.holidays):
                for m in range(iv.start - iv.start % 15, iv.end, 15):
                    lo, hi = max(m, iv.start), min(m + 15, iv.end)
                    if hi <= lo:
                        continue
                    hour = m // 60
                    if q.always:
                        rate = 1.0 if 8 <= hour < 20 else 0.5 if 6 <= hour < 23 else 0.15
                        w = rate * (0.6 if quiet else 1.0) * MONTH_FACTOR[day.month]
                    else:
                        w = factor * OFFICE_HOUR.get(hour, 0.5)
                    found.append((q, lo, hi, w * (hi - lo)))
        return found

    def _days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days)]

    def run(self, sink: Sink) -> dict[str, Any]:
        days = self._days()
        segments = {d: self._segments(d) for d in days}
        totals: dict[int, float] = {}
        for segs in segments.values():
            for q, _lo, _hi, w in segs:
                totals[q.id] = totals.get(q.id, 0.0) + w
        began = time.perf_counter()
        month = None
        for index, day in enumerate(days):
            if day.month != month and month is not None:
                self.log(f"{day:%Y-%m}: {self.counts['calls']} calls, {time.perf_counter() - began:.0f} s")
            month = day.month
            weighted = [(q, lo, hi, w * q.share / totals[q.id]) for q, lo, hi, w in segments[day]]
            self._plan_day(day, index)
            self._day(day, index, weighted)
            day_end = local_ms(day + timedelta(days=1), 0)
            for agent in self.agents:
                self.timeline.settle(agent, day_end if day != days[-1] else INF - 1)
            self._flush(sink)
        seconds = time.perf_counter() - began
        rows = self.counts["calls"] + self.counts["intervals"] + self.counts["records"]
        calls = self.counts["calls"] or 1
        return {
            **self.counts,
            "lost_share": round(self.counts["lost"] / max(1, self.counts["inbound"]), 4),
            "period": [self.start.isoformat(), self.end.isoformat()],
            "agents": len(self.agents),
            "seconds": round(seconds, 1),
            "rows_per_s": round(rows / seconds) if seconds else 0,
            "calls_per_s": round(calls / seconds) if seconds else 0,
        }

    def _flush(self, sink: Sink) -> None:
        sink.write(self.calls_out, self.spans, self.recs)
        self.counts["calls"] += len(self.calls_out)
        self.counts["intervals"] += len(self.spans)
        self.counts["records"] += len(self.recs)
        self.calls_out.clear()
        self.spans.clear()
        self.recs.clear()

    def _day(self, day: date, index: int, segments: list[tuple[Queue, int, int, float]]) -> None:
        if not segments:
            return
        rng = self.rng
        expected = self.calls * sum(s[3] for s in segments)
        count = max(0, round(expected * rng.gauss(1.0, 0.03)))
        cum = list(itertools.accumulate(s[3] for s in segments))
        # each wanted call: (time it wants an agent, kind, queue, arrival or, outbound, the queue's
        # closing): kind 0 inbound, 1 outbound (made only while the queue is open)
        wanted: list[tuple[int, int, Queue, int]] = []
        for segment in rng.choices(segments, cum_weights=cum, k=count):
            q, lo, hi, _w = segment
            at = local_ms(day, lo) + int(rng.random() * (hi - lo) * MIN)
            if rng.random() < OUTBOUND_SHARE:
                opened = q.hours.intervals_on(day, self.holidays)
                closing = next(iv.end for iv in opened if iv.start <= lo < iv.end)
                wanted.append((at, 1, q, local_ms(day, closing)))
            else:
                ivr = rng.randint(4_000, 10_000) if q.always else rng.randint(15_000, 45_000)
                wanted.append((at + ivr, 0, q, at))
        wanted.sort(key=lambda w: (w[0], w[3]))
        pools: dict[int, list[Agent]] = {q.id: [] for q in self.queues}
        for agent in itertools.chain(self.office_staff, self.as_staff):
            if agent.windows:
                for q_id in agent.queues:
                    pools[q_id].append(agent)
        prefix = f"{day:%Y%m%d}"
        for n, (at, kind, q, arrived) in enumerate(wanted):
            call_id = f"{prefix}-{n:05d}"
            if kind:
                self._outbound(call_id, q, at, arrived, pools[q.id])
            else:
                self._inbound(call_id, q, arrived, at, pools[q.id])

    def _best(self, pool: Sequence[Agent], at: int) -> tuple[Agent | None, int]:
        available = self.timeline.available
        best, best_at, best_free = None, INF, INF
        for agent in pool:
            x = available(agent, at)
            if x < best_at or (x == best_at and agent.free < best_free):
                best, best_at, best_free = agent, x, agent.free
        return best, best_at

    def _inbound(self, call_id: str, q: Queue, arrived: int, queued: int, pool: Sequence[Agent]) -> None:
        rng = self.rng
        self.counts["inbound"] += 1
        caller = f"+420{rng.choice('67')}{rng.randrange(300_000):08d}"
        vip = rng.random() < 0.003
        priority, rule = (1, "VIP klienti") if vip else (5, "")
        roll = rng.random()
        base = (call_id, caller, q.dialled, "inbound")
        if roll < P_BEFORE_IVR + P_IN_IVR:
            ended = arrived + (rng.randint(500, 3_000) if roll < P_BEFORE_IVR else rng.randint(3_000, 30_000))
            ended = min(ended, queued - 1)
            stage = "abandoned_before_ivr" if roll < P_BEFORE_IVR else "abandoned_in_ivr"
            self._row(base, None, None, priority, rule, arrived, None, None, None, ended, stage)
            return
        agent, offered = self._best(pool, queued)
        patience = 120_000 + int(rng.expovariate(1 / 480_000))
        roll -= P_BEFORE_IVR + P_IN_IVR
        if roll < P_IN_QUEUE:  # gives up before being offered
            limit = offered - queued if agent is not None else INF
            if rng.random() < 1 / 3 or limit <= 5_000:
                gave_up = rng.randint(500, 4_900)
            else:
                gave_up = min(int(rng.lognormvariate(math.log(45_000), 0.8)), limit - 1_000)
            patience = gave_up
            agent = None
        if agent is None or offered - queued > patience:
            ended = queued + patience
            self._row(
                base, q.id, None, priority, rule, arrived, queued, None, None, ended, "abandoned_in_queue"
            )
            return
        ring = rng.randint(2_000, 8_000)
        if roll - P_IN_QUEUE < P_RINGING or offered + ring > queued + patience:
            if offered + ring > queued + patience:  # patience ran out while ringing
                ended = max(queued + patience, offered + 500)
            else:
                ended = offered + rng.randint(500, ring)
            self.timeline.call(agent, offered, None, ended, 0, call_id)
            self._row(
                base,
                q.id,
                agent.id,
                priority,
                rule,
                arrived,
                queued,
                offered,
                None,
                ended,
                "abandoned_ringing",
            )
            return
        answered = offered + ring
        talk = 10_000 + int(rng.lognormvariate(TALK_MU, TALK_SIGMA) * 1000)
        talk = min(talk, 2 * HOUR)
        ended = answered + talk
        transferred = rng.random() < 0.05
        wrap = q.wrap_ms + (rng.randint(30, 120) * 1000 if rng.random() < 0.1 else 0)
        self.timeline.call(agent, offered, answered, ended, wrap, call_id)
        self._row(
            base,
            q.id,
            agent.id,
            priority,
            rule,
            arrived,
            queued,
            offered,
            answered,
            ended,
            "transferred" if transferred else "completed",
            transferred_to=rng.choice(TRANSFER_TARGETS) if transferred else "",
        )
        self._record(call_id, agent.id, ended, wrap)

    def _outbound(self, call_id: str, q: Queue, at: int, closing: int, pool: Sequence[Agent]) -> None:
        rng = self.rng
        agent, dialled = self._best(pool, at)
        if agent is None or dialled - at > HOUR or dialled >= closing:
            return  # nobody at work to call back: the call is not made
        self.counts["outbound"] += 1
        call_id = f"cb-{call_id}-1" if rng.random() < 0.6 else f"out-{call_id}"
        number = f"+420{rng.choice('67')}{rng.randrange(300_000):08d}"
        base = (call_id, number, number, "outbound")
        if rng.random() < 0.25:
            ended = dialled + rng.randint(15_000, 30_000)
            self.timeline.call(agent, dialled, None, ended, 0, call_id)
            self._row(base, q.id, agent.id, 5, "", dialled, None, dialled, None, ended, "not_reached")
            return
        answered = dialled + rng.randint(5_000, 20_000)
        talk = min(10_000 + int(rng.lognormvariate(OUT_TALK_MU, TALK_SIGMA) * 1000), 2 * HOUR)
        ended = answered + talk
        self.timeline.call(agent, dialled, answered, ended, q.wrap_ms, call_id)
        self._row(base, q.id, agent.id, 5, "", dialled, None, dialled, answered, ended, "completed")
        self._record(call_id, agent.id, ended, q.wrap_ms)

    def _row(
        self,
        base: tuple[str, str, str, str],
        queue_id: int | None,
        agent_id: int | None,
        priority: int,
        rule: str,
        arrived: int,
        queued: int | None,
        offered: int | None,
        answered: int | None,
        ended: int,
        stage: str,
        transferred_to: str = "",
    ) -> None:
        rng = self.rng
        if answered is not None:
            self.counts["answered"] += 1
            holds = 0 if rng.random() < 0.82 else 1 if rng.random() < 0.85 else 2
            waited = None if queued is None else (answered - queued) / 1000
            talk: float | None = (ended - answered) / 1000
        else:
            holds, waited, talk = 0, None, None
            if stage.startswith("abandoned"):
                self.counts["lost"] += 1
        self.calls_out.append(
            (
                *base,
                queue_id,
                agent_id,
                priority,
                rule,
                ts(arrived),
                None if queued is None else ts(queued),
                None if offered is None else ts(offered),
                None if answered is None else ts(answered),
                ts(ended),
                stage,
                "normal",
                waited,
                talk,
                0 if offered is None else 1,
                0,
                holds,
                transferred_to,
                "",
            )
        )

    def _record(self, call_id: str, agent_id: int, ended: int, wrap: int) -> None:
        rng = self.rng
        if rng.random() >= 0.75:
            return
        category = None
        if self.categories:
            category = self.categories[
                bisect.bisect_left(self.category_weights, rng.random() * self.category_weights[-1])
            ]
        saved = ended + int(rng.random() * max(wrap, 1_000))
        self.recs.append((call_id, agent_id, None, category, rng.random() < 0.01, ts(saved), 1))


def generate(
    url: str,
    *,
    months: int = 6,
    agents: int = 150,
    calls: int = 3_000_000,
    seed: int = 1,
    end: date = date(2026, 11, 23),
    days: int | None = None,
    log: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Write the history into the migrated, seeded database at ``url``; returns the counts.

    ``agents`` is the size the caller seeded (the generator uses every skilled user it finds and
    reports how many); ``calls`` is the target over the whole period (the result may differ by a few
    per cent: day-to-day noise and outbound calls nobody was at work to make). ``days``, when given,
    replaces ``months`` (a shorter period, for tests); ``log`` gets the progress (default: stderr)."""
    del agents  # read from the database
    parsed = sa.engine.make_url(url)
    out = log or (lambda text: print(text, file=sys.stderr, flush=True))
    start = end - timedelta(days=days) if days is not None else months_before(end, months)
    generator = Generator(url, start=start, calls=calls, seed=seed, end=end, log=out)
    sink: Sink
    if parsed.get_backend_name() == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            raise ValueError("an SQLite file database is needed")
        sink = SqliteSink(parsed.database)
    else:
        sink = PostgresSink(parsed)
    try:
        result = generator.run(sink)
    finally:
        sink.close()
    result["ivr_node_days"] = add_ivr_walks(url)
    return result


def add_ivr_walks(url: str) -> int:
    """The IVR walks of the generated calls, summed by day and node into ``ivr_node_days`` and
    ``ivr_choice_days`` as the journal would have (REP-09): every inbound call that got past the
    greeting walked the main tree (``otevreno`` → ``nabidka``, the key of its queue → ``fronta_<id>``)
    or the assistance line's (``uvod``); those lost in the IVR hung up in its menu. Returns the rows."""
    from kc_adapters.persistence.ivr_days import add_counts
    from kc_adapters.persistence.tables import interactions, ivr_choice_days, ivr_node_days

    engine = sa.create_engine(url)
    rows = []
    try:
        with engine.begin() as connection:
            c = interactions.c
            groups = connection.execute(
                sa.select(c.local_day, c.queue_id, c.end_stage, c.dialled, sa.func.count())
                .where(
                    c.direction == "inbound",
                    c.end_stage != "abandoned_before_ivr",
                    c.local_day.is_not(None),
                )
                .group_by(c.local_day, c.queue_id, c.end_stage, c.dialled)
            ).all()
            office = sorted(
                {q for _d, q, _s, dialled, _n in groups if dialled == MAIN_LINE and q is not None}
            )
            keys = {queue_id: str(n + 1) for n, queue_id in enumerate(office)}
            nodes: dict[tuple[Any, str, str], list[int]] = {}
            choices: dict[tuple[Any, str, str, str], int] = {}

            def add(day: Any, tree: str, node: str, n: int, exits: bool) -> None:
                # calls, entries, exits, timeouts, invalid, abandons
                into = nodes.setdefault((day, tree, node), [0] * 6)
                into[0] += n
                into[1] += n
                into[2 if exits else 5] += n

            for day, queue_id, stage, dialled, n in groups:
                lost = stage == "abandoned_in_ivr"
                if dialled != MAIN_LINE:
                    add(day, "asistence", "uvod", n, not lost)
                    continue
                add(day, "hlavni", "otevreno", n, True)
                add(day, "hlavni", "nabidka", n, not lost)
                if not lost and queue_id in keys:
                    key = (day, "hlavni", "nabidka", keys[queue_id])
                    choices[key] = choices.get(key, 0) + n
                    add(day, "hlavni", f"fronta_{queue_id}", n, True)
            names = ("calls", "entries", "exits", "timeouts", "invalid", "abandons")
            rows = [
                {"day": d, "tree": t, "node": node, **dict(zip(names, v, strict=True))}
                for (d, t, node), v in nodes.items()
            ]
            if rows:
                add_counts(connection, ivr_node_days, ("day", "tree", "node"), names, rows)
            keyed = [
                {"day": d, "tree": t, "node": node, "key": k, "count": n}
                for (d, t, node, k), n in choices.items()
            ]
            if keyed:
                add_counts(connection, ivr_choice_days, ("day", "tree", "node", "key"), ("count",), keyed)
    finally:
        engine.dispose()
    return len(rows)


def prepare(url: str, agents: int) -> None:
    """Migrate the database at ``url`` and seed the demo organisation with ``agents`` agents."""
    from apps.container import Container
    from apps.settings import Settings
    from bench.desktop_bench import organisation

    env = {"KC_DATABASE_URL": url, "KC_SECRET_KEY": "r" * 40}
    container = Container(settings=Settings.from_env(env))
    container.database().upgrade()
    organisation(container, agents)


def main(argv: Iterable[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--url", help="an existing, migrated and seeded database")
    where.add_argument("--sqlite", metavar="PATH", help="create, migrate and seed this SQLite file first")
    where.add_argument("--fresh-postgres", action="store_true", help="a new PostgreSQL database")
    parser.add_argument("--months", type=int, default=6)
    parser.add_argument("--agents", type=int, default=150)
    parser.add_argument("--calls", type=int, default=3_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--end", type=date.fromisoformat, default=date(2026, 11, 23))
    args = parser.parse_args(None if argv is None else list(argv))
    url = args.url
    if args.sqlite:
        path = Path(args.sqlite).resolve()
        if path.exists():
            raise SystemExit(f"{path} exists; remove it first")
        path.parent.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{path}"
    elif args.fresh_postgres:
        from tests.databases import fresh_postgres_url

        url, _drop = fresh_postgres_url()  # left there for the report bench
    if url != args.url:
        began = time.perf_counter()
        prepare(url, args.agents)
        print(f"prepared in {time.perf_counter() - began:.1f} s", file=sys.stderr)
    result = generate(
        url, months=args.months, agents=args.agents, calls=args.calls, seed=args.seed, end=args.end
    )
    result["url"] = url
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
