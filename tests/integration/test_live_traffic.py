"""Real-time callers and robot agents against the engine host, as ``kc demo`` runs them."""

from __future__ import annotations

import threading
import time
from zoneinfo import ZoneInfo

import attrs
import pytest

from apps.engine.build import build_engine
from apps.engine.host import EngineHost
from apps.simulator.live_traffic import LiveTraffic, TrafficProfile
from kc_adapters.memory.bus import MemoryBus
from kc_adapters.memory.journal import MemoryJournal
from kc_adapters.simulated_pbx import SimulatedPbx
from kc_adapters.system import SystemClock
from kc_domain.organisation.hours import OpeningHours
from kc_domain.routing.agent import AgentState


@pytest.mark.req("IN-01", "IN-04")
def test_robots_answer_the_calls_rung_to_them_and_everything_is_journaled(container):
    pbx, journal = SimulatedPbx(strict=False, record_commands=False), MemoryJournal()
    host = EngineHost(
        build_engine(container, pbx, SystemClock()),
        journal,
        MemoryBus(),
        SystemClock(),
        ZoneInfo("Europe/Prague"),
    )
    assistance = next(q.id for q in container.admin().list("queue") if q.name == "Asistenční služba")
    robots = frozenset(
        u.id for u in container.admin().list("user") if u.username in ("prochazka", "kucerova")
    )
    profile = TrafficProfile(
        {assistance: 7200.0}, robots, handling_mean_s=0.05, ring_s=0.02, patience_mean_s=60
    )
    stop = threading.Event()
    engine_thread = threading.Thread(target=host.run, args=(stop, 0.02), daemon=True)
    engine_thread.start()
    LiveTraffic(host, pbx, profile, seed=3).start(stop)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with host.lock:
            done = [c for c in host.engine.calls.values() if c.end is not None and c.end.value == "completed"]
        if len(done) >= 2:  # one each: then both are in the queue's 30 s wrap-up
            break
        time.sleep(0.05)
    stop.set()
    engine_thread.join(10)  # the journal is written by the engine's writer thread until it stops
    assert len(done) >= 2, "the robots did not complete a call each within 20 s"
    row = journal.interaction(done[0].call_id)
    assert row is not None and row.agent_id in robots and row.end_stage == "completed"
    assert journal.decisions_for(done[0].call_id)[0].chosen in robots


@pytest.mark.req("IN-06", "IN-09", "IN-10")
def test_demo_callers_walk_the_ivr_hear_announcements_and_get_called_back(container):
    from apps.seed import seed_ivr

    ids = {q.name: q.id for q in container.admin().list("queue")}
    seed_ivr(
        container.ivr(),
        {
            "obecna": ids["Obecná linka"],
            "platby": ids["Platby a dlužné pojistné"],
            "zamestnavatele": ids["Zaměstnavatelé"],
            "poskytovatele": ids["Poskytovatelé zdravotních služeb"],
        },
    )
    pbx, journal = SimulatedPbx(strict=False, record_commands=False), MemoryJournal()
    clock = SystemClock()
    host = EngineHost(
        build_engine(container, pbx, clock), journal, MemoryBus(), clock, ZoneInfo("Europe/Prague")
    )
    # the office is open only on working days: the test is about the flow, so open every queue
    for queue_id, queue in host.engine.queues.items():
        host.engine.queues[queue_id] = attrs.evolve(queue, hours=OpeningHours.always_open(), wrap_up_s=0)
    robots = frozenset(u.id for u in container.admin().list("user") if u.username == "horak")
    profile = TrafficProfile(
        {},
        robots,
        handling_mean_s=0.05,
        ring_s=0.02,
        patience_mean_s=600,
        ivr_calls_per_hour=3600,
        chars_per_s=20000,
        callback_acceptance=1.0,
        callback_answer_rate=1.0,
        customer_answer_s=0.05,
    )
    stop = threading.Event()
    threading.Thread(target=host.run, args=(stop, 0.02), daemon=True).start()
    LiveTraffic(host, pbx, profile, seed=5).start(stop)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with host.lock:
            calls = list(host.engine.calls.values())
        routed = [c for c in calls if c.queue_id is not None and c.direction == "inbound"]
        called_back = [c for c in calls if c.direction == "outbound" and c.connected]
        if routed and called_back:
            break
        time.sleep(0.05)
    stop.set()
    assert routed, "no caller got through the IVR to a queue within 30 s"
    assert called_back, "no callback was dialled and answered within 30 s"


def memory_host(container, pbx: SimulatedPbx) -> EngineHost:  # type: ignore[no-untyped-def]
    """An engine host as ``kc demo`` has it, its journal and bus in memory."""
    return EngineHost(
        build_engine(container, pbx, SystemClock()),
        MemoryJournal(),
        MemoryBus(),
        SystemClock(),
        ZoneInfo("Europe/Prague"),
    )


@pytest.mark.req("IN-04")
def test_a_restarted_demo_gives_its_calls_ids_never_used_before(container):
    """``kc demo`` restarted runs the same seeded traffic: its calls must still get new ids, or the
    journal, notes and recordings of a new call would land on an earlier one."""
    assistance = next(q.id for q in container.admin().list("queue") if q.name == "Asistenční služba")
    profile = TrafficProfile({assistance: 60.0}, frozenset())
    ids = []
    for _start in range(2):  # two runs of the demo, the same seed
        pbx = SimulatedPbx(strict=False, record_commands=False)
        host = memory_host(container, pbx)
        traffic = LiveTraffic(host, pbx, profile, seed=7)
        for _call in range(3):
            traffic._arrive(assistance)
        ids.append(set(pbx.calls))
    first, second = ids
    assert len(first) == len(second) == 3 and not first & second


@pytest.mark.req("IN-15")
def test_a_robot_given_a_call_by_a_transfer_hangs_up_like_after_any_call(container):
    """In ``kc demo`` a human consults a robot and transfers the caller to it: the robot talks and
    hangs up, instead of keeping the call (and leaving its queue short) for good."""
    users = {u.username: u.id for u in container.admin().list("user")}
    human, robot = users["prochazka"], users["kucerova"]  # the assistance line, open round the clock
    pbx = SimulatedPbx(strict=False, record_commands=False)
    host = memory_host(container, pbx)
    stop = threading.Event()
    engine_thread = threading.Thread(target=host.run, args=(stop, 0.02), daemon=True)
    engine_thread.start()
    try:
        host.apply(lambda e: (e.log_in(human), e.ready(human)))
        assistance = next(q for q in host.engine.queues.values() if q.name == "Asistenční služba")
        pbx.incoming("t-1", "+420603111222", assistance.number)
        host.apply(lambda e: e.call_arrived("t-1", "+420603111222", assistance.number))
        assert host.engine.calls["t-1"].agent_id == human
        host.apply(lambda e: e.answer_call(human, "t-1"))
        # the robots' traffic starts now: the robot signs in, and the caller went to the human
        LiveTraffic(host, pbx, TrafficProfile({}, frozenset({robot}), handling_mean_s=0.05)).start(stop)
        _until(lambda: host.engine.agents[robot].state == AgentState.READY, "the robot is not ready")
        host.apply(lambda e: e.consult(human, "t-1", f"agent:{robot}"))
        host.apply(lambda e: e.complete_transfer(human, "t-1"))
        _until(lambda: host.engine.calls["t-1"].end is not None, "the robot kept the transferred call")
        assert host.engine.calls["t-1"].agent_id == robot
    finally:
        stop.set()
        engine_thread.join(10)


def _until(condition, failure: str, seconds: float = 10) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError(failure)


@pytest.mark.req("OUT-01")
def test_the_demo_campaign_is_dialled_and_its_callees_put_through_to_the_robots(container):
    from apps.cli.serve import robot_outcome
    from apps.engine.dialling import DiallerFeed
    from apps.seed import seed_campaign

    payments = next(q.id for q in container.admin().list("queue") if q.name == "Platby a dlužné pojistné")
    campaign_id = seed_campaign(container.campaigns(), payments)
    assert campaign_id is not None and seed_campaign(container.campaigns(), payments) is None  # once
    pbx, journal = SimulatedPbx(strict=False, record_commands=False), MemoryJournal()
    host = EngineHost(
        build_engine(container, pbx, SystemClock()),
        journal,
        MemoryBus(),
        SystemClock(),
        ZoneInfo("Europe/Prague"),
        dialler=DiallerFeed(container.dialler_list()),
    )
    robots = frozenset(a for a, agent in host.engine.agents.items() if payments in agent.skills)
    profile = TrafficProfile({}, robots, handling_mean_s=0.05, customer_answer_s=0.05, ivr_calls_per_hour=0)
    profile = attrs.evolve(profile, callees=(0.6, 0.0, 0.4, 0.0))
    stop = threading.Event()
    engine_thread = threading.Thread(target=host.run, args=(stop, 0.02), daemon=True)
    engine_thread.start()
    LiveTraffic(host, pbx, profile, seed=5, campaign_outcome=robot_outcome(container)).start(stop)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        attempts = container.campaigns().attempts(campaign_id)
        said = any(a.agent_id is not None and a.outcome is not None for a in attempts)
        if said and any(a.agent_id is None for a in attempts):
            break
        time.sleep(0.2)
    stop.set()
    engine_thread.join(10)
    put_through = [a for a in attempts if a.agent_id is not None]
    assert put_through, f"no callee put through to a robot within 30 s: {attempts}"
    assert all(a.agent_id in robots and a.call_id.startswith("cmp-") for a in put_through)
    assert {a.outcome.value for a in put_through if a.outcome is not None} <= {"success", "refused"}
    assert any(a.outcome is not None for a in put_through)  # the robot said how it went
    busy = [a for a in attempts if a.agent_id is None]
    assert busy and {a.outcome.value for a in busy} <= {"busy", "abandoned"}
    row = journal.interaction(put_through[0].call_id)
    assert row is not None and row.direction == "outbound" and row.agent_id in robots
