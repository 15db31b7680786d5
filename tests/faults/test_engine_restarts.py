"""``kc engine --traffic`` killed (-9) or stopped (SIGTERM) in the middle of its calls, then
started again, on SQLite and on PostgreSQL (GEN-03, IN-04): nothing lost, nothing written twice,
nothing left open, and the calls overview adds up."""

from __future__ import annotations

import signal
import time
from datetime import datetime

import pytest

from tests.faults.checks import PRAGUE, journal_problems
from tests.faults.conftest import database_url

TRAFFIC_S = 8.0  # of busy traffic before the fault: dozens of calls in every stage
AFTER_S = 3.0  # the restarted engine runs this long before it is stopped


def start_of(log: str) -> str:
    """What a run logged before it took calls: replaying the journal's file, reconciling."""
    return log.split("kc engine:", 1)[0]


@pytest.mark.req("GEN-03", "IN-04")
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
@pytest.mark.parametrize("fault", [signal.SIGKILL, signal.SIGTERM], ids=["kill-9", "sigterm"])
def test_given_busy_traffic_when_the_engine_is_stopped_and_restarted_then_nothing_is_lost_or_left_open(
    backend, fault, tmp_path, request, engines, containers
):
    url = database_url(backend, tmp_path, request)
    container = containers(url)
    journal = container.journal()
    since = datetime.now(PRAGUE)
    engine = engines(url)
    engine.start()
    time.sleep(TRAFFIC_S)
    open_at_the_fault = {c.call_id for c in journal.open_calls()}
    assert open_at_the_fault, "the traffic left no call open to be caught by the fault"

    code = engine.signal(fault)

    if fault == signal.SIGTERM:
        assert code == 0 and "kc engine: stopped" in engine.log(), engine.log()
        assert journal_problems(journal, since) == []  # a graceful stop leaves nothing open
    else:
        assert code == -signal.SIGKILL
    engine.start()
    time.sleep(AFTER_S)
    assert engine.signal(signal.SIGTERM) == 0, engine.log()
    assert "kc engine: stopped" in engine.log()
    restart = start_of(engine.log())
    if fault == signal.SIGTERM:
        assert "reconciled" not in restart and "replayed" not in restart, restart
    else:
        assert "reconciled:" in restart, restart
        ended = journal.interactions_of(open_at_the_fault).values()
        assert all(row.ended_at is not None for row in ended)
        assert any(row.cause == "kc_down" for row in ended)  # closed at the restart, as of the kill
    assert journal_problems(journal, since) == []
