"""The engine survives its surroundings (GEN-03, IN-04): a journal or bus that fails for a while,
a crash between the write-ahead file and the journal, a restart after a kill, a step that keeps
failing. Faults are injected around the real SQLite journal and the in-memory bus; the tests with
real PostgreSQL and Redis outages are in tests/faults."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from apps.engine.build import build_engine
from apps.engine.desktops import DESKTOP_CHANNEL
from apps.engine.health import HEALTH_CHANNEL
from apps.engine.host import EngineFailed, EngineHost
from apps.engine.outbox import read_wal
from kc_adapters.memory.bus import MemoryBus
from kc_adapters.simulated_pbx import SimulatedPbx
from kc_adapters.system import FixedClock
from kc_domain.reports.filters import ReportFilter
from kc_domain.routing.call import CallEnd

MONDAY_10 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # 10:00 in Prague, the queues are open
PRAGUE = ZoneInfo("Europe/Prague")


class Switch:
    """Wraps a port; while ``down``, every call of the named methods raises."""

    def __init__(self, inner, *methods: str) -> None:
        self._inner, self._methods, self.down = inner, set(methods), False

    def __getattr__(self, name):
        attribute = getattr(self._inner, name)
        if name not in self._methods:
            return attribute

        def call(*args, **kwargs):
            if self.down:
                raise ConnectionError(f"{name}: the service is away")
            return attribute(*args, **kwargs)

        return call


def user_id(container, username: str) -> int:
    return next(u.id for u in container.admin().list("user") if u.username == username)


def make_host(container, tmp_path, *, journal=None, bus=None, clock=None, **options) -> EngineHost:
    clock = clock or FixedClock(MONDAY_10)
    engine = build_engine(container, SimulatedPbx(strict=False), clock)
    return EngineHost(
        engine,
        journal or container.journal(),
        bus or MemoryBus(),
        clock,
        PRAGUE,
        wal=tmp_path / "engine" / "journal.wal",
        **options,
    )


def wait_for(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "waited in vain"
        time.sleep(0.02)


class Running:
    """The host's ``run`` in a thread, stopped (and joined) on leaving."""

    def __init__(self, host: EngineHost) -> None:
        self.host, self.stop, self.error = host, threading.Event(), None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            self.host.run(self.stop, period_s=0.02)
        except BaseException as error:
            self.error = error

    def __enter__(self) -> Running:
        self.thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.stop.set()
        self.thread.join(timeout=30)
        assert not self.thread.is_alive()


def answered_call(host: EngineHost, agent: int, call_id: str) -> None:
    host.apply(lambda e: e.call_arrived(call_id, "+420777123456", "+420261105555"))
    host.engine.clock.advance(seconds=3)
    host.apply(lambda e: e.call_answered(call_id, agent))
    host.engine.clock.advance(seconds=60)
    host.apply(lambda e: e.call_ended(call_id))


@pytest.mark.req("GEN-03", "IN-04")
def test_calls_go_on_while_the_journal_is_away_and_nothing_is_lost_when_it_is_back(container, tmp_path):
    journal = Switch(container.journal(), "record")
    host = make_host(container, tmp_path, journal=journal)
    agent = user_id(container, "novakova")
    with Running(host):
        host.command({"command": "log_in", "agent_id": agent})
        host.command({"command": "ready", "agent_id": agent})
        wait_for(lambda: host.health.gauges.get("journal_backlog", 1) == 0)
        journal.down = True
        for n in range(3):
            answered_call(host, agent, f"during-{n}")
            host.engine.clock.advance(seconds=40)  # past the wrap-up
            host.apply(lambda e: e.tick())
        assert host.engine.agents[agent].state.value == "ready"  # routing never waited
        wait_for(lambda: "journal" in host.health.problems)
        assert len(read_wal(tmp_path / "engine" / "journal.wal")) >= 3  # safe on disk meanwhile
        journal.down = False
        wait_for(lambda: "journal" not in host.health.problems and host._outbox.backlog() == 0)
    for n in range(3):
        row = container.journal().interaction(f"during-{n}")
        assert row is not None and row.answered_at is not None and row.end_stage == CallEnd.COMPLETED
    assert host.health.failures["journal"] >= 1


@pytest.mark.req("GEN-03")
def test_calls_go_on_while_the_bus_is_away_and_the_desktops_get_their_state_again(container, tmp_path):
    bus = MemoryBus()
    flaky = Switch(bus, "publish")
    host = make_host(container, tmp_path, bus=flaky)
    agent = user_id(container, "novakova")
    desktops: list[dict] = []
    bus.subscribe(DESKTOP_CHANNEL, desktops.append)
    with Running(host):
        flaky.down = True
        host.command({"command": "log_in", "agent_id": agent})
        host.command({"command": "ready", "agent_id": agent})
        answered_call(host, agent, "while-the-bus-is-away")
        wait_for(lambda: "bus" in host.health.problems)
        assert desktops == []
        flaky.down = False
        wait_for(lambda: any(d["agent"]["agent_id"] == agent for d in desktops))
    assert container.journal().interaction("while-the-bus-is-away").end_stage == CallEnd.COMPLETED


@pytest.mark.req("GEN-03", "IN-04")
def test_after_a_crash_the_write_ahead_file_fills_the_journal_without_writing_anything_twice(
    container, tmp_path
):
    journal = Switch(container.journal(), "record")
    host = make_host(container, tmp_path, journal=journal)
    agent = user_id(container, "novakova")
    stop = threading.Event()
    host.start()
    host._outbox.start(stop)  # the writer runs; the database is away, then the process dies
    host.apply(lambda e: (e.log_in(agent), e.ready(agent)))
    answered_call(host, agent, "before")
    host.engine.clock.advance(seconds=40)  # past the wrap-up
    host.apply(lambda e: e.tick())
    wait_for(lambda: host._outbox.backlog() == 0)
    journal.down = True
    answered_call(host, agent, "lost-in-memory")
    wait_for(lambda: "journal" in host.health.problems)
    # kill -9: nothing more happens in this host; the next one starts from the file
    restarted = make_host(container, tmp_path, clock=FixedClock(host.engine.clock.now()))
    replayed, _closed = restarted.start()
    stop.set()
    host._outbox.join()
    restarted._outbox.join()
    assert replayed >= 1
    row = container.journal().interaction("lost-in-memory")
    assert row.answered_at is not None and row.end_stage == CallEnd.COMPLETED
    events = container.journal()
    assert len(events.events_for("before")) == len(events.events_for("lost-in-memory"))  # none twice
    assert container.journal().recorded_through() == restarted._outbox._written


@pytest.mark.req("GEN-03", "IN-04", "IN-26")
def test_a_restart_closes_what_the_killed_engine_left_open_and_the_figures_add_up(container, tmp_path):
    host = make_host(container, tmp_path)
    agents = [user_id(container, u) for u in ("novakova", "horak")]
    host.apply(lambda e: [(e.log_in(a), e.ready(a)) for a in agents])
    host.apply(lambda e: e.call_arrived("talking", "+420777000001", "+420261105555"))
    host.engine.clock.advance(seconds=2)
    ringing = host.engine.calls["talking"].agent_id
    host.apply(lambda e: e.call_answered("talking", ringing))
    host.apply(lambda e: e.call_arrived("ringing", "+420777000002", "+420261105555"))
    host.apply(lambda e: e.call_arrived("waiting", "+420777000003", "+420261105555"))
    host.engine.clock.advance(seconds=30)
    host.apply(lambda e: e.tick())
    # the process is killed here; ten minutes later a new engine starts
    clock = FixedClock(host.engine.clock.now())
    clock.advance(minutes=10)
    restarted = make_host(container, tmp_path, clock=clock)
    assert restarted.start()[1] >= 3
    journal = container.journal()
    assert journal.open_calls() == [] and journal.open_intervals() == []
    talking = journal.interaction("talking")
    assert talking.end_stage == CallEnd.INTERRUPTED and talking.cause == "kc_down"
    assert talking.ended_at == host.engine.clock.now()  # when KC was last heard of, not the restart
    assert journal.interaction("waiting").lost
    wanted = ReportFilter(MONDAY_10.date(), MONDAY_10.date())
    [total] = journal.figures(wanted, "total", {}).values()
    assert total.inbound == total.answered + total.lost == 3
    for agent in agents:
        assert all(i.ended_at is not None for i in journal.intervals(agent, MONDAY_10, clock.now()))
    assert restarted.start() == (0, 0)  # once
    restarted._outbox.join()


@pytest.mark.req("GEN-03")
def test_an_engine_whose_step_keeps_failing_ends_the_run_instead_of_living_on_as_a_zombie(
    container, tmp_path
):
    host = make_host(container, tmp_path)
    heartbeats: list[dict] = []
    host._bus.subscribe(HEALTH_CHANNEL, heartbeats.append)

    def broken() -> None:
        raise RuntimeError("a bug in a timer")

    host.engine.tick = broken
    running = Running(host)
    with running:
        running.thread.join(timeout=30)
    assert isinstance(running.error, EngineFailed)
    assert host.health.failures["engine"] >= 25


@pytest.mark.req("GEN-03", "IN-04")
def test_a_graceful_stop_on_the_simulated_pbx_leaves_nothing_open(container, tmp_path):
    host = make_host(container, tmp_path, closes_on_stop=True)
    agent = user_id(container, "novakova")
    with Running(host):
        host.command({"command": "log_in", "agent_id": agent})
        host.command({"command": "ready", "agent_id": agent})
        host.apply(lambda e: e.call_arrived("at-the-stop", "+420777000004", "+420261105555"))
        host.apply(lambda e: e.call_answered("at-the-stop", agent))
    journal = container.journal()
    assert journal.open_calls() == [] and journal.open_intervals() == []
    assert journal.interaction("at-the-stop").end_stage == CallEnd.INTERRUPTED
