"""Real-time callers and robot agents against the engine host, as ``kc demo`` runs them."""

from __future__ import annotations

import threading
import time
from zoneinfo import ZoneInfo

import pytest

from apps.engine.build import build_engine
from apps.engine.host import EngineHost
from apps.simulator.live_traffic import LiveTraffic, TrafficProfile
from kc_adapters.memory.bus import MemoryBus
from kc_adapters.memory.journal import MemoryJournal
from kc_adapters.simulated_pbx import SimulatedPbx
from kc_adapters.system import SystemClock


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
    threading.Thread(target=host.run, args=(stop, 0.02), daemon=True).start()
    LiveTraffic(host, pbx, profile, seed=3).start(stop)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with host.lock:
            done = [c for c in host.engine.calls.values() if c.end is not None and c.end.value == "completed"]
        if len(done) >= 2:  # one each: then both are in the queue's 30 s wrap-up
            break
        time.sleep(0.05)
    stop.set()
    assert len(done) >= 2, "the robots did not complete a call each within 20 s"
    row = journal.interaction(done[0].call_id)
    assert row is not None and row.agent_id in robots and row.end_stage == "completed"
    assert journal.decisions_for(done[0].call_id)[0].chosen in robots
