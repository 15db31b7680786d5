"""The reports' roll-ups of finished days (migration 0019): read instead of the calls once summed,
dropped when a call or a contact record of their day changes or the thresholds differ, never a
day whose calls still run. The figures themselves are checked against hand-written answers with
and without roll-ups in tests/contract/test_report_figures.py."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from dependency_injector import providers
from sqlalchemy.orm import Session

from kc_adapters.persistence.contacts import SqlContactRepository
from kc_adapters.persistence.ivr_days import fill_ivr_days
from kc_adapters.persistence.journal import PRAGUE, SqlJournal
from kc_adapters.persistence.rollups import day_bounds
from kc_adapters.persistence.tables import (
    agent_state_intervals,
    interactions,
    ivr_choice_days,
    ivr_node_days,
    report_rollup_days,
)
from kc_adapters.system import FixedClock
from kc_domain.contacts.model import ContactRecord
from kc_domain.reports.filters import ReportFilter
from kc_domain.routing import events as ev
from tests.contract.conftest import open_database
from tests.contract.test_report_figures import BOTH_DAYS, DAY, LATER, MONDAY, THRESHOLDS, WALKS, shift

NOW = LATER
MONDAY_ONLY = ReportFilter(date(2026, 11, 23), date(2026, 11, 23))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def journal(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlJournal]:
    database, drop = open_database(request.param, tmp_path)
    try:
        found = SqlJournal(database.engine)
        found.record([*DAY, *shift(17)], [])
        yield found
    finally:
        database.dispose()
        drop()


def rolled(journal: SqlJournal) -> dict[date, str]:
    with journal._engine.connect() as connection:
        rows = connection.execute(sa.select(report_rollup_days.c.day, report_rollup_days.c.thresholds))
        return {d if isinstance(d, date) else date.fromisoformat(d): t for d, t in rows}


@pytest.mark.req("REP-11", "REP-16")
def test_finished_days_are_rolled_up_once_and_then_read_instead_of_the_calls(journal: SqlJournal):
    before = journal.figures(BOTH_DAYS, "queue", THRESHOLDS)
    times = journal.agent_times(*_whole(MONDAY_ONLY), NOW)
    assert journal.roll_up(THRESHOLDS, NOW) == {"days": 3}  # Monday to Wednesday, a day without calls too
    assert set(rolled(journal)) == {date(2026, 11, 23), date(2026, 11, 24), date(2026, 11, 25)}
    assert journal.roll_up(THRESHOLDS, NOW) == {"days": 0}
    with journal._engine.begin() as connection:  # the calls and intervals gone: the sums remain
        connection.execute(sa.delete(interactions))
        connection.execute(sa.delete(agent_state_intervals))
    assert journal.figures(BOTH_DAYS, "queue", THRESHOLDS) == before
    assert journal.agent_times(*_whole(MONDAY_ONLY), NOW) == times


@pytest.mark.req("REP-13")
def test_other_thresholds_read_the_calls_until_the_days_are_summed_again(journal: SqlJournal):
    journal.roll_up(THRESHOLDS, NOW)
    wider = {1: 40, 2: 30}  # c2 waited 33 s in queue 1: now within the service level
    assert journal.figures(BOTH_DAYS, "total", wider)[None].answered_in_sl == 3
    assert journal.roll_up(wider, NOW) == {"days": 2}  # Monday and Tuesday: queue 1 has calls on both
    assert journal.figures(BOTH_DAYS, "total", wider)[None].answered_in_sl == 3
    assert journal.figures(BOTH_DAYS, "total", THRESHOLDS)[None].answered_in_sl == 2


@pytest.mark.req("REP-13")
def test_another_queues_threshold_leaves_the_days_rolled(journal: SqlJournal):
    journal.roll_up(THRESHOLDS, NOW)
    tuesday_only_queue_1 = {1: 20, 2: 45, 7: 10}  # queue 2 (Monday's calls) changed, a new queue 7
    assert set(rolled(journal)) == {date(2026, 11, 23), date(2026, 11, 24), date(2026, 11, 25)}
    assert journal.roll_up(tuesday_only_queue_1, NOW) == {"days": 1}  # Monday, with queue 2's calls
    assert journal.figures(BOTH_DAYS, "total", tuesday_only_queue_1)[None].answered_in_sl == 2


@pytest.mark.req("REP-11")
def test_a_change_to_a_rolled_day_unrolls_it(journal: SqlJournal):
    journal.roll_up(THRESHOLDS, NOW)
    late = [
        ev.CallArrived(MONDAY + timedelta(hours=5), "c9", "+420777000009", "+420261105555"),
        ev.CallEnded(
            MONDAY + timedelta(hours=5, seconds=2), "c9", "abandoned_before_ivr", None, None, "caller"
        ),
    ]
    journal.record(late, [])
    assert set(rolled(journal)) == {date(2026, 11, 24), date(2026, 11, 25)}
    assert journal.figures(MONDAY_ONLY, "total", THRESHOLDS)[None].lost_before_ivr == 1
    assert journal.roll_up(THRESHOLDS, NOW) == {"days": 1}
    assert journal.figures(MONDAY_ONLY, "total", THRESHOLDS)[None].lost_before_ivr == 1


@pytest.mark.req("REP-03")
def test_a_category_given_later_unrolls_the_day_of_its_call(journal: SqlJournal):
    journal.roll_up(THRESHOLDS, NOW)
    with Session(journal._engine) as session:
        SqlContactRepository(session).save(ContactRecord("c7", category_id=32, version=1))
        session.commit()
    assert set(rolled(journal)) == {date(2026, 11, 23), date(2026, 11, 25)}
    assert journal.figures(BOTH_DAYS, "category", THRESHOLDS)[32].answered == 1


@pytest.mark.req("REP-11")
def test_yesterday_waits_for_its_calls_to_end(journal: SqlJournal):
    journal.record(
        [ev.CallArrived(MONDAY + timedelta(days=1, hours=14), "c10", "+420777000010", "+420261105555")], []
    )
    assert journal.roll_up(THRESHOLDS, NOW - timedelta(days=1)) == {"days": 1}  # Monday; Tuesday runs on
    assert set(rolled(journal)) == {date(2026, 11, 23)}
    assert journal.roll_up(THRESHOLDS, NOW) == {"days": 2}  # two days later Tuesday is summed, and Wednesday


def _whole(wanted: ReportFilter) -> tuple[datetime, datetime]:
    return day_bounds(wanted.since, PRAGUE)[0], day_bounds(wanted.until, PRAGUE)[1]


@pytest.mark.req("REP-11")
def test_the_worker_rolls_up_the_finished_days_with_the_queues_thresholds(container):
    from apps.worker import run_once

    queue = container.admin().list("queue")[0]
    call = [
        ev.CallArrived(MONDAY, "w1", "+420777000001", "+420261105555"),
        ev.CallQueued(MONDAY + timedelta(seconds=1), "w1", queue.id, 5),
        ev.CallOffered(MONDAY + timedelta(seconds=2), "w1", queue.id, 7),
        ev.CallAnswered(MONDAY + timedelta(seconds=4), "w1", queue.id, 7, 3.0),
        ev.CallEnded(MONDAY + timedelta(seconds=64), "w1", "completed", queue.id, 7),
    ]
    journal = container.journal()
    journal.record(call, [])
    container.clock.override(providers.Object(FixedClock(NOW)))
    assert run_once(container)["report-rollups"] == {"days": 3}  # Monday to Wednesday
    assert date(2026, 11, 23) in rolled(journal)
    assert (
        journal.figures(MONDAY_ONLY, "queue", {queue.id: queue.sl_threshold_s})[queue.id].answered_in_sl == 1
    )


@pytest.mark.req("REP-09")
def test_walks_journaled_before_the_migration_are_counted_by_it(journal: SqlJournal):
    journal.record(WALKS, [])
    counted = journal.ivr_nodes(BOTH_DAYS)
    with journal._engine.begin() as connection:
        connection.execute(sa.delete(ivr_node_days))
        connection.execute(sa.delete(ivr_choice_days))
    assert journal.ivr_nodes(BOTH_DAYS) == {}
    with journal._engine.begin() as connection:
        assert fill_ivr_days(connection) == len(WALKS)
    assert journal.ivr_nodes(BOTH_DAYS) == counted
