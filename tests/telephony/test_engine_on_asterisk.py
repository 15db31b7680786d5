"""``kc engine`` with ``KC_TELEPHONY=asterisk``: KC takes a real call through the real Asterisk, from
the administration (a queue, an agent with her phone's endpoint) to the journal (INT-04, IN-01)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from apps.cli import main
from apps.cli.serve import start_engine, stop_telephony
from apps.container import Container
from apps.engine.host import EngineHost
from kc_adapters.asterisk.ami import AmiClient
from kc_domain.audit.service import SYSTEM
from kc_domain.identity.roles import Role
from kc_domain.organisation.hours import OpeningHours
from kc_domain.routing.events import PbxCommandRefused
from tests.asterisk_peer import ANSWERING_CONTEXT, IN_CONTEXT, AsteriskPeer, kc_settings
from tests.conftest import make_container

pytestmark = pytest.mark.req("INT-04")
NUMBER = "+420261100999"  # the queue's number, sent into KC's context
CALLER = "+420602123456"
WAIT_S = 15.0


def wait_for(condition: Callable[[], object], what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        assert time.monotonic() < deadline, f"waited in vain for {what}"
        time.sleep(0.05)


@pytest.fixture
def kc_on_asterisk(
    asterisk: AsteriskPeer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Container]:
    monkeypatch.chdir(tmp_path)  # var/: the engine's write-ahead file and the speech cache
    container = make_container(
        f"sqlite:///{tmp_path / 'kc.sqlite3'}",
        **kc_settings(asterisk, tmp_path),
    )
    yield container
    container.database().dispose()


class Running:
    def __init__(self, host: EngineHost) -> None:
        self.host, self.stop = host, threading.Event()
        self.thread = threading.Thread(target=host.run, args=(self.stop,), daemon=True)

    def __enter__(self) -> Running:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop.set()
        self.thread.join(30)
        stop_telephony(self.host)


def test_kc_engine_on_asterisk_routes_a_real_call_to_the_agents_phone_and_journals_it(
    kc_on_asterisk: Container, asterisk: AsteriskPeer
) -> None:
    admin = kc_on_asterisk.admin()
    queue = admin.create(
        SYSTEM, "queue", {"name": "Zkušební linka", "number": NUMBER, "hours": OpeningHours.always_open()}
    )
    agent = admin.create(
        SYSTEM,
        "user",
        {
            "username": "novakova",
            "full_name": "Marie Nováková",
            "roles": {Role.AGENT, Role.ADMIN},  # the first account must be able to administer KC
            "agent_number": "2101",
            "endpoint": f"Local/agent7@{ANSWERING_CONTEXT}/n",  # her stand-in phone answers at once
        },
        password="Dlouhe-heslo-2026!",
    )
    admin.create(SYSTEM, "skill", {"user_id": agent.id, "queue_id": queue.id, "level": 5})
    host = start_engine(kc_on_asterisk)
    ami = AmiClient(asterisk.host, asterisk.port, asterisk.username, asterisk.secret, timeout_s=5.0)
    ami.connect()
    try:
        with Running(host):
            host.apply(lambda engine: (engine.log_in(agent.id), engine.ready(agent.id)))
            ami.action("Originate", Channel=f"Local/{NUMBER}@{IN_CONTEXT}", CallerID=CALLER,
                       Application="Wait", Data="60", Async="true")  # fmt: skip
            calls = host.engine.calls
            wait_for(
                lambda: any(c.stage.value == "answered" for c in list(calls.values())), "the agent's answer"
            )
            call = next(c for c in list(calls.values()) if c.stage.value == "answered")
            assert (call.caller, call.dialled, call.agent_id) == (CALLER, NUMBER, agent.id)
            channels = [e.headers.get("Channel", "") for e in ami.list_action("CoreShowChannels").events]
            caller_half = next(c for c in channels if c.startswith(f"Local/{NUMBER}@") and c.endswith(";1"))
            ami.action("Hangup", Channel=caller_half)  # the caller hangs up
            wait_for(lambda: call.stage.value == "ended", "the call's end")
        journal = kc_on_asterisk.journal()
        wait_for(lambda: journal.interaction(call.call_id) is not None, "the journal")
        names = [e.name for e in journal.events_for(call.call_id)]
        assert names[:4] == ["CallArrived", "CallQueued", "CallOffered", "CallAnswered"], names
        assert "CallEnded" in names
        assert host.engine.agents[agent.id].state.value in ("wrap_up", "ready")
    finally:
        ami.close()


def test_a_phone_asterisk_cannot_ring_is_refused_the_engine_hears_it_and_the_next_agent_takes_the_call(
    kc_on_asterisk: Container, asterisk: AsteriskPeer
) -> None:
    """Nováková's endpoint is one Asterisk cannot dial (it answers KC's ring with "Allocation
    failed"): the engine hears ``CommandRefusedAtPbx``, journals it, says it on her desktop and
    pauses her, and the call rings Horák, whose phone answers."""
    admin = kc_on_asterisk.admin()
    queue = admin.create(
        SYSTEM, "queue", {"name": "Zkušební linka", "number": NUMBER, "hours": OpeningHours.always_open()}
    )
    phones = {"novakova": "PJSIP/nonexistent", "horak": f"Local/agent8@{ANSWERING_CONTEXT}/n"}
    agents = {}
    for username, level in (("novakova", 9), ("horak", 5)):  # she is the more skilled: rung first
        user = admin.create(
            SYSTEM,
            "user",
            {
                "username": username,
                "full_name": username,
                "roles": {Role.AGENT, Role.ADMIN},
                "agent_number": f"21{level:02d}",
                "endpoint": phones[username],
            },
            password="Dlouhe-heslo-2026!",
        )
        admin.create(SYSTEM, "skill", {"user_id": user.id, "queue_id": queue.id, "level": level})
        agents[username] = user.id
    host = start_engine(kc_on_asterisk)
    ami = AmiClient(asterisk.host, asterisk.port, asterisk.username, asterisk.secret, timeout_s=5.0)
    ami.connect()
    try:
        with Running(host):
            for agent_id in agents.values():
                host.apply(lambda engine, a=agent_id: (engine.log_in(a), engine.ready(a)))
            ami.action("Originate", Channel=f"Local/{NUMBER}@{IN_CONTEXT}", CallerID=CALLER,
                       Application="Wait", Data="60", Async="true")  # fmt: skip
            calls = host.engine.calls
            wait_for(lambda: any(c.stage.value == "answered" for c in list(calls.values())), "Horák's answer")
            call = next(c for c in list(calls.values()) if c.stage.value == "answered")
            assert call.agent_id == agents["horak"]
            novakova = host.engine.agents[agents["novakova"]]
            assert (novakova.state.value, novakova.pause_code) == ("paused", "RONA")
            told = host.engine.view_of(novakova.agent_id)["refusal"]
            assert (told["command"], told["reason"]) == ("ring_agent", "Allocation failed")
        journal = kc_on_asterisk.journal()
        wait_for(lambda: journal.interaction(call.call_id) is not None, "the journal")
        events = journal.events_for(call.call_id)
        names = [e.name for e in events]
        assert names[:5] == [
            "CallArrived",
            "CallQueued",
            "CallOffered",
            "PbxCommandRefused",
            "CallRingNoAnswer",
        ]
        refused = events[3]
        assert isinstance(refused, PbxCommandRefused) and refused.agent_id == agents["novakova"]
        assert names.count("CallOffered") == 2 and "CallAnswered" in names
    finally:
        ami.close()


def test_kc_engine_refuses_asterisk_without_its_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KC_DATABASE_URL", f"sqlite:///{tmp_path / 'kc.sqlite3'}")
    monkeypatch.setenv("KC_TELEPHONY", "asterisk")
    monkeypatch.delenv("KC_ASTERISK_SECRET", raising=False)
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    result = runner.invoke(main, ["engine"])
    assert result.exit_code == 2 and "KC_ASTERISK_SECRET" in result.output


def test_the_phones_kc_rings_are_the_administered_endpoints_else_the_agent_numbers(tmp_path: Path) -> None:
    from apps.engine.telephony import endpoints_of, refresh_endpoints

    container = make_container(f"sqlite:///{tmp_path / 'kc.sqlite3'}")
    admin = container.admin()

    def user(name: str, roles: set[Role], number: str = "", endpoint: str = "") -> int:
        values = {
            "username": name,
            "full_name": name,
            "roles": roles,
            "agent_number": number,
            "endpoint": endpoint,
        }
        return int(admin.create(SYSTEM, "user", values, password="Dlouhe-heslo-2026!").id)

    boss = user("spravce", {Role.ADMIN})
    novakova = user("novakova", {Role.AGENT}, "2101", "PJSIP/desk-7")
    horak = user("horak", {Role.AGENT}, "2102")
    cerna = user("cerna", {Role.AGENT})  # neither: a ring for her is refused and shown
    svoboda = user("svoboda", {Role.SUPERVISOR}, "2001")
    phones = endpoints_of(container, "PJSIP/{number}")
    assert phones == {novakova: "PJSIP/desk-7", horak: "PJSIP/2102", svoboda: "PJSIP/2001"}
    assert boss not in phones and cerna not in phones
    admin.update(SYSTEM, "user", horak, {"endpoint": "IAX2/horak"})
    refresh_endpoints(container, phones)  # the live table the adapter holds, changed in place
    assert phones[horak] == "IAX2/horak"
    container.database().dispose()


def test_a_lost_connection_to_asterisk_shows_at_once_as_the_engine_being_down(
    kc_on_asterisk: Container,
) -> None:
    from apps.engine.health import judge
    from kc_adapters.asterisk.pbx import AsteriskPbx

    host = start_engine(kc_on_asterisk)
    adapter = host.engine.pbx
    assert isinstance(adapter, AsteriskPbx)
    with Running(host):
        assert "pbx" not in host.health.problems  # connected: nothing to show
        adapter.ari.close()  # the events socket gone, as a network fault or an Asterisk restart does
        wait_for(lambda: "pbx" in host.health.problems, "the problem shown")
        state, reasons = judge(host.health.heartbeat(kc_on_asterisk.clock().now()), 0.0)
        assert state == "down" and any("PBX" in r for r in reasons), reasons
