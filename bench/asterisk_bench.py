"""KC's engine on a real Asterisk 22 under load (issue 19's figures; never pass/fail; JSON out).

    .venv/bin/python bench/asterisk_bench.py [--calls 200] [--rate 2] [--agents 50] [--reconnect]

A test Asterisk (``tests/asterisk_peer.py``: the cached build, a configuration in a temporary
directory, loopback ports) and ``kc engine`` as ``start_engine`` builds it on a SQLite container:
one always-open queue with zero wrap-up, agents whose phones are Local channels into the peer's
``kc-test-slow`` context (they ring 1-5 s, answer, talk 5-15 s and hang up). Callers are Local
channels originated over AMI into KC's context with the queue's number, at a steady rate.

How each figure is measured (the bench watches; KC's behaviour is unchanged):

- ``latency_ms``: from the caller's channel's ``Newchannel`` event on AMI (its ``Timestamp``,
  Asterisk's own clock; ``timestampevents`` is switched on for this instance) to
  ``to_ring_command``: the engine calling the adapter's ``ring_agent`` (wrapped in the bench; the
  ARI request that rings the phone goes out from inside it), ``to_ring_accepted``: ``ring_agent``
  returning (Asterisk answered the originate), and ``to_agent_channel``: the ``Newchannel`` of the
  agent's endpoint on AMI (Asterisk's clock at both ends). ``kc_share_ms``: from KC's adapter
  receiving the caller's ``StasisStart`` over ARI to the ring command. A call's first ring counts,
  unless its last offer came more than 0.5 s after its arrival (``waited_for_agent``: it queued, or
  rang again after ring-no-answer); ``target_p95_ms`` is the issue's.
- ``calls``: offered (reached KC), answered and abandoned from the journal; ``lost_or_open``: calls
  originated that KC never heard of, calls open in the journal or in the engine, agents not ready
  after the load, the adapter's calls not ended, its rejected commands, channels left at Asterisk
  and the journal's consistency (``tests.faults.checks.journal_problems``).
- ``events_per_s``: AMI events the bench's own AMI client handled (KC's control path is ARI, it
  holds no AMI connection) and ARI events through the adapter, over the load window.
- ``cpu_s``: the KC side is this process's CPU time minus the bench's AMI client threads and its
  driving thread (``/proc/self/task``); Asterisk's from ``/proc/<pid>/stat`` of the peer.
- ``--reconnect``: the adapter's ARI events socket is cut (its TCP socket shut down) half-way
  through the load. ``cut`` says whether the socket was opened again and when the adapter had
  caught up with Asterisk (``caught_up_after_ms``: from the cut to the end of ``resync``), how
  many calls were originated after the cut and how many of them KC heard (callers arriving while
  KC's application is inactive try again every second), and how many of the calls up at the cut
  are still open; ``lost_or_open`` must stay all zero.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import logging
import os
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from apps.cli.serve import start_engine, stop_telephony
from apps.container import Container
from apps.engine.host import EngineHost
from kc_adapters.asterisk import resync
from kc_adapters.asterisk.ami import AmiClient, AmiEvent
from kc_adapters.asterisk.ari import AriEvent
from kc_adapters.asterisk.pbx import AsteriskPbx
from kc_adapters.simulated_pbx import LegState
from kc_domain.audit.service import SYSTEM
from kc_domain.identity.roles import Role
from kc_domain.organisation.hours import OpeningHours
from kc_domain.routing.agent import AgentState, IllegalTransition
from kc_domain.routing.call import CallStage
from kc_domain.routing.engine import RoutingEngine
from tests.asterisk_peer import (
    IN_CONTEXT,
    SLOW_CONTEXT,
    VERSION,
    AsteriskPeer,
    AsteriskUnavailable,
    asterisk_home,
    kc_settings,
)
from tests.conftest import make_container
from tests.faults.checks import PRAGUE, calls_since, journal_problems

NUMBER = "+420261100777"  # the queue's number, dialled into KC's context
CALLER_WAIT_S = 90  # a caller gives up after this long (the agent's side normally ends the call first)
SETTLE_S = 120.0  # after the last call: how long the calls may take to end
WAITED_S = 0.5  # a call offered later than this after its arrival waited for a free agent
TARGET_P95_MS = 50
IDLE_S = 5.0


class TimestampedPeer(AsteriskPeer):
    """The test Asterisk with AMI events carrying Asterisk's own time (``Timestamp``)."""

    def write_config(self) -> Path:
        conf = super().write_config()
        manager = conf.parent / "manager.conf"
        timestamped = manager.read_text().replace("[general]\n", "[general]\ntimestampevents = yes\n", 1)
        manager.write_text(timestamped)
        return conf


class Probe:
    """What the bench sees: AMI events on its own client, and around the adapter (wrapped)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.created: dict[str, float] = {}  # Uniqueid -> Newchannel's Timestamp
        self.agent_created: dict[str, float] = {}  # KC call id -> the agent endpoint's Newchannel
        self.heard: dict[str, float] = {}  # KC call id -> the adapter received its StasisStart
        self.rings: dict[str, tuple[float, float]] = {}  # KC call id -> ring_agent entered, returned
        self.names: dict[str, str] = {}  # Uniqueid -> channel name
        self.hung_up: dict[str, tuple[float, str]] = {}  # Uniqueid -> Hangup's Timestamp, its cause
        self.ami_events = 0
        self.ari_events = 0

    def on_ami(self, event: AmiEvent) -> None:
        with self.lock:
            self.ami_events += 1
            unique, stamp = event.get("Uniqueid"), event.get("Timestamp")
            if not unique or not stamp:
                return
            if event.name == "Hangup":
                self.hung_up.setdefault(unique, (float(stamp), event.get("Cause-txt")))
            if event.name != "Newchannel":
                return
            self.created.setdefault(unique, float(stamp))
            self.names.setdefault(unique, event.get("Channel"))
            if "-agent" in unique:  # KC's agent legs are named <call id>-agent<id>-<n>
                self.agent_created.setdefault(unique.split("-agent")[0], float(stamp))

    def on_ari(self, event: AriEvent) -> None:
        at = time.time()
        with self.lock:
            self.ari_events += 1
            if event.get("type") == "StasisStart" and not event.get("args"):
                channel = event.get("channel") or {}
                self.heard.setdefault(str(channel.get("id", "")), at)

    def on_ring(self, call_id: str, entered: float, returned: float) -> None:
        with self.lock:
            self.rings.setdefault(call_id, (entered, returned))


def instrument(probe: Probe) -> None:
    """Wrap the adapter's ring command and event intake to timestamp them; what they do is unchanged."""
    ring, on_event = AsteriskPbx.ring_agent, AsteriskPbx._on_event

    def timed_ring(self: AsteriskPbx, call_id: str, agent_id: int) -> None:
        entered = time.time()
        try:
            ring(self, call_id, agent_id)
        finally:
            probe.on_ring(call_id, entered, time.time())

    def counted(self: AsteriskPbx, event: AriEvent) -> None:
        probe.on_ari(event)
        on_event(self, event)

    setattr(AsteriskPbx, "ring_agent", timed_ring)  # noqa: B010 (a method replaced for the bench)
    setattr(AsteriskPbx, "_on_event", counted)  # noqa: B010


def centre(workdir: Path, peer: AsteriskPeer, agents: int) -> tuple[Container, list[int]]:
    container = make_container(
        f"sqlite:///{workdir / 'kc.sqlite3'}",
        **kc_settings(peer, workdir),
    )
    admin = container.admin()
    queue = admin.create(
        SYSTEM,
        "queue",
        {"name": "Zátěžová linka", "number": NUMBER, "hours": OpeningHours.always_open(), "wrap_up_s": 0},
    )
    ids: list[int] = []
    for n in range(1, agents + 1):
        user = admin.create(
            SYSTEM,
            "user",
            {
                "username": f"agent{n:03d}",
                "full_name": f"Agentka {n}",
                "roles": {Role.AGENT, Role.ADMIN} if n == 1 else {Role.AGENT},
                "agent_number": str(3000 + n),
                "endpoint": f"Local/agent{n}@{SLOW_CONTEXT}/n",
            },
            password="Dlouhe-heslo-2026!",
        )
        admin.create(SYSTEM, "skill", {"user_id": user.id, "queue_id": queue.id, "level": 5})
        ids.append(user.id)
    return container, ids


def staff(engine: RoutingEngine, agent_ids: list[int], present: bool) -> int:
    """Every agent logged in and ready, or logged out; how many could not log out (still on a call)."""
    refused = 0
    for agent_id in agent_ids:
        if present:
            engine.log_in(agent_id)
            engine.ready(agent_id)
            continue
        try:
            engine.log_out(agent_id)
        except IllegalTransition:
            refused += 1
    return refused


class Running:
    """The engine host's loop on a thread of its own, as ``kc engine`` runs it."""

    def __init__(self, host: EngineHost) -> None:
        self.host, self.stop = host, threading.Event()
        self.thread = threading.Thread(target=host.run, args=(self.stop,), name="kc-engine", daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.stop.set()
        self.thread.join(60)
        stop_telephony(self.host)


def ticks(path: str) -> float:
    """utime + stime of a /proc stat file, in seconds."""
    fields = Path(path).read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def ami_threads_cpu() -> float:
    """CPU of the bench's AMI client (its threads are named ami-*; KC itself holds no AMI connection)."""
    total = 0.0
    for thread in threading.enumerate():
        if thread.name.startswith("ami-") and thread.native_id is not None:
            with contextlib.suppress(OSError):  # ended meanwhile
                total += ticks(f"/proc/self/task/{thread.native_id}/stat")
    return total


def percentiles(samples: list[float]) -> dict[str, float | int | None]:
    if len(samples) < 2:
        return {"n": len(samples), "p50": None, "p95": None, "p99": None, "max": None}
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return {
        "n": len(samples),
        "p50": round(cuts[49], 1),
        "p95": round(cuts[94], 1),
        "p99": round(cuts[98], 1),
        "max": round(max(samples), 1),
    }


def wait_until(condition: Callable[[], bool], timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.25)
    return True


def channels_at(ami: AmiClient) -> int:
    return len(ami.list_action("CoreShowChannels", timeout_s=10).events)


def engine_state(host: EngineHost) -> dict[str, Any]:
    adapter = host.engine.pbx
    assert isinstance(adapter, AsteriskPbx)
    with host.lock:
        calls = [c for c in host.engine.calls.values() if c.stage != CallStage.ENDED]
        agents = [a for a in host.engine.agents.values() if a.state != AgentState.READY]
        stuck: dict[str, int] = {}
        for agent in agents:
            stuck[agent.state.value] = stuck.get(agent.state.value, 0) + 1
    return {
        "engine_calls_open": len(calls),
        "agents_not_ready": stuck,
        "adapter_calls_open": sum(c.state != LegState.ENDED for c in list(adapter.calls.values())),
        "adapter_phones_busy": len(adapter.endpoints),
        "rejected": len(adapter.rejected),
        "rejected_first": [f"{c}{a!r}: {r}" for c, a, r in adapter.rejected[:3]],
        "ari_connected": adapter.ari.connected,
        "health_problems": dict(host.health.problems),
    }


def run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    peer = TimestampedPeer(directory=workdir / "asterisk", home=asterisk_home())
    peer.directory.mkdir(parents=True)
    peer.start()
    probe = Probe()
    instrument(probe)
    ami = AmiClient(peer.host, peer.port, peer.username, peer.secret, timeout_s=10.0)
    try:
        ami.subscribe(probe.on_ami)
        ami.connect()
        container, agent_ids = centre(workdir, peer, args.agents)
        return load(args, peer, ami, probe, container, agent_ids)
    finally:
        ami.close()
        peer.stop()


def load(
    args: argparse.Namespace,
    peer: AsteriskPeer,
    ami: AmiClient,
    probe: Probe,
    container: Container,
    agent_ids: list[int],
) -> dict[str, Any]:
    journal = container.journal()
    since = datetime.now(PRAGUE)
    host = start_engine(container)
    running = Running(host)
    adapter = host.engine.pbx
    assert isinstance(adapter, AsteriskPbx)
    host.apply(functools.partial(staff, agent_ids=agent_ids, present=True))
    assert peer.process is not None
    asterisk_stat = f"/proc/{peer.process.pid}/stat"
    cut: dict[str, Any] = {}
    idle0 = ticks(asterisk_stat)
    time.sleep(IDLE_S)  # Asterisk's own CPU at rest, with the agents logged in and no call
    asterisk_idle = (ticks(asterisk_stat) - idle0) / IDLE_S
    cpu0, driver0 = time.process_time(), time.thread_time()
    ami0, asterisk0 = ami_threads_cpu(), ticks(asterisk_stat)
    ami_events0, ari_events0 = probe.ami_events, probe.ari_events
    began = time.monotonic()
    originated: list[float] = []
    for n in range(args.calls):
        pause = began + n / args.rate - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        if args.reconnect and n == args.calls // 2:
            cut = cut_ari(adapter, n)
        originated.append(time.time())
        ami.action(
            "Originate",
            Channel=f"Local/{NUMBER}@{IN_CONTEXT}",
            CallerID=f"+420602{n:06d}",
            Application="Wait",
            Data=str(CALLER_WAIT_S),
            Async="true",
        )
    last = time.monotonic()

    def settled() -> bool:
        state = engine_state(host)
        return len(probe.heard) >= args.calls and not state["engine_calls_open"] and channels_at(ami) == 0

    done = wait_until(settled, SETTLE_S)
    wait_until(lambda: not engine_state(host)["agents_not_ready"], 5.0)
    window = time.monotonic() - began
    cpu = {
        "window_s": round(window, 1),
        "load_s": round(last - began, 1),
        "kc": round(
            (time.process_time() - cpu0) - (time.thread_time() - driver0) - (ami_threads_cpu() - ami0), 2
        ),
        "bench_ami_client": round(ami_threads_cpu() - ami0, 2),
        "bench_driver": round(time.thread_time() - driver0, 2),
        "asterisk": round(ticks(asterisk_stat) - asterisk0, 2),
        "asterisk_at_rest_per_s": round(asterisk_idle, 3),
    }
    cpu["kc_percent_of_a_core"] = round(100 * cpu["kc"] / window, 1)
    events = {
        "ami_per_s": round((probe.ami_events - ami_events0) / window, 1),
        "ari_per_s": round((probe.ari_events - ari_events0) / window, 1),
        "ami_total": probe.ami_events - ami_events0,
        "ari_total": probe.ari_events - ari_events0,
    }
    state = engine_state(host)
    state["asterisk_channels_left"] = channels_at(ami)
    state["settled"] = done
    log_out = functools.partial(staff, agent_ids=agent_ids, present=False)
    state["agents_could_not_log_out"] = host.apply(log_out)
    running.close()
    rows = [r for r in calls_since(journal, since) if r.direction == "inbound"]
    waited = {r.call_id for r in rows if r.offered_at and r.arrived_at and
              (r.offered_at - r.arrived_at).total_seconds() > WAITED_S}  # fmt: skip
    result: dict[str, Any] = {
        "bench": "asterisk",
        "asterisk": VERSION,
        "calls_originated": args.calls,
        "rate_per_s": args.rate,
        "agents": args.agents,
        "latency_ms": latency(probe, waited),
        "target_p95_ms": TARGET_P95_MS,
        "calls": {
            "offered": len(rows),
            "answered": sum(r.answered_at is not None for r in rows),
            "abandoned": sum(r.end_stage.startswith("abandoned") for r in rows),
            "end_stages": _count(r.end_stage or "(open)" for r in rows),
            "waited_for_agent": len(waited),
        },
        "lost_or_open": {
            "never_reached_kc": args.calls - len(rows),
            "journal_open": len(journal.open_calls()),
            **state,
            "journal_problems": journal_problems(journal, since)[:5],
        },
        "events_per_s": events,
        "cpu_s": cpu,
    }
    if args.reconnect:
        result["cut"] = {**cut, **after_cut(probe, cut, originated, rows)}
    return result


def cut_ari(adapter: AsteriskPbx, n: int) -> dict[str, Any]:
    """The adapter's ARI events socket cut under it, as a network fault would (TCP shut down)."""
    ws = adapter.ari._ws
    assert ws is not None
    caught_up: list[float] = []
    catch_up = resync.catch_up

    def timed_catch_up(*args: Any) -> None:
        catch_up(*args)
        caught_up.append(time.monotonic())

    resync.catch_up = timed_catch_up  # type: ignore[assignment]  # the adapter calls it through the module
    reconnects = adapter.ari.reconnects
    began, at = time.monotonic(), time.time()
    ws.sock.shutdown(socket.SHUT_RDWR)
    back = wait_until(lambda: adapter.ari.reconnects > reconnects and bool(caught_up), 30.0)
    return {
        "socket": "ARI events",
        "at_call": n,
        "at": at,
        "reconnected": back,
        "caught_up_after_ms": round(1000 * (caught_up[0] - began), 1) if caught_up else None,
    }


def after_cut(probe: Probe, cut: dict[str, Any], originated: list[float], rows: list[Any]) -> dict[str, Any]:
    at = cut.pop("at")
    later = [t for t in originated if t >= at]
    heard_later = sum(t >= at for t in probe.heard.values())
    up_at_cut = [r for r in rows if r.arrived_at and r.arrived_at.timestamp() < at]
    prefix = f"Local/{NUMBER}@{IN_CONTEXT}"
    callers = [  # the half of each later caller's channel that runs KC's context (;2)
        unique
        for unique, name in probe.names.items()
        if name.startswith(prefix) and name.endswith(";2") and probe.created[unique] >= at
    ]
    lived = [probe.hung_up[u][0] - probe.created[u] for u in callers if u in probe.hung_up]
    return {
        "calls_after_lifetime_ms": percentiles([1000 * s for s in lived]),
        "calls_after_hangup_causes": _count(probe.hung_up[u][1] for u in callers if u in probe.hung_up),
        "calls_originated_after": len(later),
        "calls_after_heard_by_kc": heard_later,
        "calls_before_still_open_in_journal": sum(r.ended_at is None for r in up_at_cut),
    }


def latency(probe: Probe, waited: set[str]) -> dict[str, Any]:
    to_command, to_accepted, to_channel, kc_share = [], [], [], []
    for call_id, (entered, returned) in probe.rings.items():
        created = probe.created.get(call_id)
        if call_id in waited or created is None:
            continue
        to_command.append(1000 * (entered - created))
        to_accepted.append(1000 * (returned - created))
        if call_id in probe.agent_created:
            to_channel.append(1000 * (probe.agent_created[call_id] - created))
        if call_id in probe.heard:
            kc_share.append(1000 * (entered - probe.heard[call_id]))
    return {
        "from": "AMI Newchannel Timestamp of the caller's channel (Asterisk's clock)",
        "to_ring_command": percentiles(to_command),
        "to_ring_accepted": percentiles(to_accepted),
        "to_agent_channel": percentiles(to_channel),
        "kc_share_stasis_start_to_ring_command": percentiles(kc_share),
    }


def _count(values: Any) -> dict[str, int]:
    counted: dict[str, int] = {}
    for value in values:
        counted[value] = counted.get(value, 0) + 1
    return counted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--rate", type=float, default=2.0, help="calls a second")
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--reconnect", action="store_true", help="cut ARI's events socket half-way")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    with tempfile.TemporaryDirectory(prefix="kc-asterisk-bench-") as tmp:
        workdir = Path(tmp)
        os.chdir(workdir)  # var/: the engine's write-ahead file and the speech cache
        try:
            result = run(args, workdir)
        except AsteriskUnavailable as exc:
            sys.exit(f"the test Asterisk is unavailable: {exc}")
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
