"""The reports' call figures (REP-11..REP-20) on a small hand-made day whose right answers are
written here: the reference computation (memory journal) and the SQL journal on SQLite and
PostgreSQL give them alike, filters included (REP-06), from the calls and from the days' roll-ups
("-rolled": every question asked after the worker summed the finished days)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest
import sqlalchemy as sa

from kc_adapters.memory.journal import MemoryJournal
from kc_adapters.persistence.journal import SqlJournal
from kc_adapters.persistence.tables import contact_records
from kc_domain.reports.figures import CallFigures
from kc_domain.reports.filters import ReportFilter
from kc_domain.routing import events as ev
from kc_ports.journal import ContactJournal
from tests.contract.conftest import open_database

MONDAY = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # 9:00 in Prague
TUESDAY = MONDAY + timedelta(days=1)
THRESHOLDS = {1: 20, 2: 30}
BOTH_DAYS = ReportFilter(date(2026, 11, 23), date(2026, 11, 24))


def at(seconds: float, day: datetime = MONDAY) -> datetime:
    return day + timedelta(seconds=seconds)


def answered(
    call_id: str,
    queue: int,
    agent: int,
    arrive: float,
    queued: float,
    offered: float,
    picked: float,
    talk: float,
    day: datetime = MONDAY,
) -> list[ev.Event]:
    return [
        ev.CallArrived(at(arrive, day), call_id, "+420777000001", "+420261105555"),
        ev.CallQueued(at(queued, day), call_id, queue, 5),
        ev.CallOffered(at(offered, day), call_id, queue, agent),
        ev.CallAnswered(at(picked, day), call_id, queue, agent, picked - queued),
        ev.CallEnded(at(picked + talk, day), call_id, "completed", queue, agent),
    ]


DAY: list[ev.Event] = [
    # c1: waits 8 s (6 in the queue, within the SL), rings 5 s, talks 2 min
    *answered("c1", 1, 7, 0, 2, 3, 8, 120),
    # c2: waits 35 s (33 in the queue: outside the SL), rings 15 s, talks 1 min
    *answered("c2", 1, 8, 60, 62, 80, 95, 60),
    # c3: hangs up waiting after 3 s: a short abandon
    ev.CallArrived(at(100), "c3", "+420777000003", "+420261105555"),
    ev.CallQueued(at(101), "c3", 1, 5),
    ev.CallEnded(at(103), "c3", "abandoned_in_queue", 1, None, "caller"),
    # c4 (10:00 in Prague): hangs up while it rings at agent 7, after 25 s
    ev.CallArrived(at(3600), "c4", "+420777000004", "+420261105556"),
    ev.CallQueued(at(3601), "c4", 2, 5),
    ev.CallOffered(at(3620), "c4", 2, 7),
    ev.CallEnded(at(3625), "c4", "abandoned_ringing", 2, 7, "caller"),
    # c5: hangs up in the IVR after 10 s
    ev.CallArrived(at(3700), "c5", "+420777000005", "+420261105556"),
    ev.CallEnded(at(3710), "c5", "abandoned_in_ivr", 2, None, "caller"),
    # c6: agent 8 calls out, connected for 100 s
    ev.CallDialled(at(3800), "c6", "+420603000006", None, 8),
    ev.CallConnected(at(3810), "c6"),
    ev.CallEnded(at(3910), "c6", "completed", None, 8),
    # c7 (Tuesday 9:00): answered at once by agent 8
    *answered("c7", 1, 8, 0, 0.5, 1, 2, 30, TUESDAY),
    # c8 (Tuesday 11:00): chooses a callback after 40 s in the queue: neither answered nor lost
    ev.CallArrived(at(7200, TUESDAY), "c8", "+420777000008", "+420261105555"),
    ev.CallQueued(at(7201, TUESDAY), "c8", 1, 5),
    ev.CallEnded(at(7241, TUESDAY), "c8", "called_back", 1, None, "callback"),
]


LATER = MONDAY + timedelta(days=3)  # Thursday: every day of the fixture is over for the roll-ups


class RollingJournal(SqlJournal):
    """The SQL journal whose finished days are rolled up before each question is answered."""

    def figures(self, wanted: Any, group: str, thresholds: Any, agents: Any = frozenset()) -> Any:
        self.roll_up(thresholds, LATER)
        return super().figures(wanted, group, thresholds, agents)

    def agent_times(self, since: datetime, until: datetime, now: datetime, agents: Any = frozenset()) -> Any:
        self.roll_up(THRESHOLDS, LATER)
        return super().agent_times(since, until, now, agents)


@pytest.fixture(params=["memory", "sqlite", "postgres", "sqlite-rolled", "postgres-rolled"])
def journal(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ContactJournal]:
    if request.param == "memory":
        found: ContactJournal = MemoryJournal()
        found.record(DAY, [])
        yield found
        return
    backend, _, rolled = request.param.partition("-")
    database, drop = open_database(backend, tmp_path)
    try:
        found = (RollingJournal if rolled else SqlJournal)(database.engine)
        found.record(DAY, [])
        yield found
    finally:
        database.dispose()
        drop()


@pytest.mark.req("REP-11", "REP-12", "REP-13", "REP-14", "REP-15", "REP-18", "REP-20")
def test_the_totals_of_the_two_days(journal: ContactJournal):
    total = journal.figures(BOTH_DAYS, "total", THRESHOLDS)[None]
    assert total == CallFigures(
        inbound=7,
        outbound=1,
        answered=3,
        outbound_connected=1,
        lost=3,
        lost_in_ivr=1,
        lost_in_queue=1,
        lost_ringing=1,
        short_abandons=1,
        called_back=1,
        answered_in_sl=2,  # c1 and c7
        talk_s=210.0,
        outbound_talk_s=100.0,
        wait_s=45.0,  # 8 + 35 + 2
        queue_wait_s=40.5,  # 6 + 33 + 1.5
        ring_s=21.0,  # 5 + 15 + 1
        wait_10=2,
        wait_more=1,
        ring_10=2,
        ring_20=1,
    )
    assert total.service_level == round(2 / 6, 4)
    assert total.lost_share == 0.5
    assert (total.average_wait_s, total.average_talk_s, total.average_outbound_talk_s) == (15.0, 70.0, 100.0)


@pytest.mark.req("REP-11", "REP-17", "REP-19")
def test_by_queue_by_agent_by_hour_by_day_and_weekday(journal: ContactJournal):
    queues = journal.figures(BOTH_DAYS, "queue", THRESHOLDS)
    assert {q: (f.inbound, f.answered, f.lost, f.outbound) for q, f in queues.items()} == {
        1: (5, 3, 1, 0),
        2: (2, 0, 2, 0),
        None: (0, 0, 0, 1),
    }
    agents = journal.figures(BOTH_DAYS, "agent", THRESHOLDS)
    assert {a: (f.answered, f.lost_ringing, f.outbound) for a, f in agents.items()} == {
        7: (1, 1, 0),
        8: (2, 0, 1),
        None: (0, 0, 0),
    }
    hours = journal.figures(BOTH_DAYS, "hour", THRESHOLDS)
    assert {h: f.calls for h, f in hours.items()} == {9: 4, 10: 3, 11: 1}
    days = journal.figures(BOTH_DAYS, "day", THRESHOLDS)
    assert {d: f.calls for d, f in days.items()} == {date(2026, 11, 23): 6, date(2026, 11, 24): 2}
    weekdays = journal.figures(BOTH_DAYS, "weekday", THRESHOLDS)
    assert {w: f.answered for w, f in weekdays.items()} == {0: 2, 1: 1}


@pytest.mark.req("REP-06")
def test_filters_by_weekday_time_of_day_queue_and_agent(journal: ContactJournal):
    def calls(wanted: ReportFilter, agents: frozenset[int] = frozenset()) -> int:
        return journal.figures(wanted, "total", THRESHOLDS, agents).get(None, CallFigures()).calls

    assert calls(ReportFilter(date(2026, 11, 23), date(2026, 11, 24), weekdays=frozenset({1}))) == 2
    assert (
        calls(ReportFilter(date(2026, 11, 23), date(2026, 11, 24), time_from=time(10), time_to=time(11))) == 3
    )
    assert calls(ReportFilter(date(2026, 11, 23), date(2026, 11, 24), queue_ids=frozenset({2}))) == 2
    assert calls(BOTH_DAYS, frozenset({7})) == 2
    assert calls(ReportFilter(date(2026, 11, 25), date(2026, 11, 25))) == 0


def shift(agent: int) -> list[ev.Event]:
    def change(minutes: float, state: str, previous: str, code: str = "") -> ev.Event:
        return ev.AgentStateChanged(at(minutes * 60), agent, state, previous, code)

    return [
        change(0, "ready", "logged_out"),
        change(10, "busy", "ready"),
        change(25, "wrap_up", "busy"),
        change(27, "paused", "wrap_up", "OBED"),
        change(57, "ready", "paused"),
        change(60, "logged_out", "ready"),
    ]


@pytest.mark.req("REP-16", "REP-08")
def test_agent_times_clipped_to_the_period(journal: ContactJournal):
    journal.record(shift(17), [])
    noon = MONDAY + timedelta(hours=4)
    whole = journal.agent_times(MONDAY, MONDAY + timedelta(hours=2), noon)[17]
    assert whole.seconds == {
        "ready": 780.0,
        "busy": 900.0,
        "wrap_up": 120.0,
        "paused": 1800.0,
    }
    assert (whole.logged_in_s, whole.pauses, whole.pause_count) == (3600.0, {"OBED": 1800.0}, 1)
    part = journal.agent_times(MONDAY + timedelta(minutes=20), MONDAY + timedelta(minutes=30), noon)[17]
    assert part.seconds == {"busy": 300.0, "wrap_up": 120.0, "paused": 180.0}
    assert journal.agent_times(MONDAY, noon, noon, frozenset({99})) == {}


@pytest.mark.req("REP-03")
def test_calls_by_their_category(journal: ContactJournal):
    given = {"c1": 31, "c2": 31, "c7": 32}
    if isinstance(journal, MemoryJournal):
        journal.categories.update(given)
    else:
        assert isinstance(journal, SqlJournal)
        with journal._engine.begin() as connection:
            connection.execute(
                sa.insert(contact_records),
                [
                    {"call_id": k, "category_id": v, "recording_opt_out": False, "version": 1}
                    for k, v in given.items()
                ],
            )
    found = journal.figures(BOTH_DAYS, "category", THRESHOLDS)
    assert {k: (f.calls, f.answered) for k, f in found.items()} == {31: (2, 2), 32: (1, 1), None: (5, 0)}
    only = journal.figures(attrs.evolve(BOTH_DAYS, category_ids=frozenset({31})), "queue", THRESHOLDS)
    assert {q: f.calls for q, f in only.items()} == {1: 2}  # the category filter (REP-06)


@pytest.mark.req("REP-19")
def test_intervals_of_a_chosen_length(journal: ContactJournal):
    quarter = ReportFilter(date(2026, 11, 23), date(2026, 11, 24), interval_min=15)
    found = journal.figures(quarter, "interval", THRESHOLDS)
    assert {minute: f.calls for minute, f in found.items()} == {540: 4, 600: 3, 660: 1}  # 9:00, 10:00, 11:00
    halves = journal.figures(attrs.evolve(quarter, interval_min=30), "interval", THRESHOLDS)
    assert sorted(halves) == [540, 600, 660]


def prague(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), ZoneInfo("Europe/Prague"))


@pytest.mark.req("REP-16", "REP-08")
def test_agent_times_over_whole_days_and_a_pause_over_midnight(journal: ContactJournal):
    monday, tuesday = date(2026, 11, 23), date(2026, 11, 24)
    journal.record(shift(17), [])
    journal.record(
        [
            ev.AgentStateChanged(prague(monday, 23), 18, "ready", "logged_out", ""),
            ev.AgentStateChanged(prague(monday, 23, 30), 18, "paused", "ready", "OBED"),
            ev.AgentStateChanged(prague(tuesday, 0, 30), 18, "logged_out", "paused", "OBED"),
        ],
        [],
    )
    later = prague(date(2026, 11, 26), 12)
    both = journal.agent_times(prague(monday, 0), prague(date(2026, 11, 25), 0), later)
    assert both[17].seconds == {"ready": 780.0, "busy": 900.0, "wrap_up": 120.0, "paused": 1800.0}
    assert (both[18].seconds, both[18].pause_count) == ({"ready": 1800.0, "paused": 3600.0}, 1)
    tuesday_only = journal.agent_times(prague(tuesday, 0), prague(date(2026, 11, 25), 0), later)
    assert 17 not in tuesday_only or not tuesday_only[17].logged_in_s
    assert (tuesday_only[18].pauses, tuesday_only[18].pause_count) == ({"OBED": 1800.0}, 1)
    # a period ending in the middle of a day: the rolled Monday and Tuesday's first quarter hour
    part = journal.agent_times(prague(monday, 0), prague(tuesday, 0, 15), later)[18]
    assert (part.seconds, part.pause_count) == ({"ready": 1800.0, "paused": 2700.0}, 1)


def walk(call_id: str, day: datetime, stats: dict[str, Any], tree: str = "hlavni") -> ev.CallLeftIvr:
    return ev.CallLeftIvr(day, call_id, tree, 1, "route", "", stats)


WALKS = [
    # Monday: one caller presses 1 at once, one presses 9 (invalid) then 2, one hangs up in the menu
    walk(
        "i1",
        at(10),
        {"uvod": {"entries": 1, "exits": 1}, "menu": {"entries": 1, "exits": 1, "choices": {"1": 1}}},
    ),
    walk(
        "i2",
        at(20),
        {
            "uvod": {"entries": 1, "exits": 1},
            "menu": {"entries": 2, "exits": 1, "invalid": 1, "choices": {"2": 1}},
        },
    ),
    walk("i3", at(30), {"uvod": {"entries": 1, "exits": 1}, "menu": {"entries": 1, "abandons": 1}}),
    # Tuesday: a timeout, then 1; and a walk through another tree
    walk("i4", at(40, TUESDAY), {"menu": {"entries": 2, "exits": 1, "timeouts": 1, "choices": {"1": 1}}}),
    walk("i5", at(50, TUESDAY), {"start": {"entries": 1, "exits": 1}}, tree="asistence"),
]


@pytest.mark.req("REP-09")
def test_ivr_counts_per_tree_and_node(journal: ContactJournal):
    journal.record(WALKS, [])
    found = journal.ivr_nodes(BOTH_DAYS)
    assert list(found) == ["asistence", "hlavni"]
    assert found["hlavni"]["menu"] == {
        "calls": 4,
        "entries": 6,
        "exits": 3,
        "timeouts": 1,
        "invalid": 1,
        "abandons": 1,
        "choices": {"1": 2, "2": 1},
    }
    assert found["hlavni"]["uvod"]["calls"] == 3 and found["asistence"]["start"]["exits"] == 1
    tuesdays = journal.ivr_nodes(attrs.evolve(BOTH_DAYS, weekdays=frozenset({1})))
    assert tuesdays["hlavni"]["menu"]["choices"] == {"1": 1} and "uvod" not in tuesdays["hlavni"]
    assert journal.ivr_nodes(ReportFilter(date(2026, 11, 25), date(2026, 11, 25))) == {}
