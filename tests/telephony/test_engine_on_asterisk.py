"""``kc engine`` with ``KC_TELEPHONY=asterisk``: KC takes a real call through the real Asterisk, from
the administration (a queue, an agent with her phone's endpoint) to the journal (INT-04, IN-01)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from apps.cli import main
from apps.container import Container
from kc_domain.audit.service import SYSTEM
from kc_domain.identity.roles import Role
from kc_domain.organisation.hours import OpeningHours
from kc_domain.routing.events import PbxCommandRefused
from tests.asterisk_engine import KcOnAsterisk
from tests.asterisk_harness import wait_for
from tests.asterisk_peer import ANSWERING_CONTEXT
from tests.conftest import make_container

pytestmark = pytest.mark.req("INT-04")
NUMBER = "+420261100999"  # the queue's number, sent into KC's context
CALLER = "+420602123456"


def test_kc_engine_on_asterisk_routes_a_real_call_to_the_agents_phone_and_journals_it(
    kc_on_asterisk: Container, kc_engine: Callable[[], KcOnAsterisk]
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
    kc = kc_engine()
    kc.command("log_in", agent_id=agent.id)
    kc.command("ready", agent_id=agent.id)
    call_id = kc.dials(NUMBER, CALLER)
    call = kc.call(call_id)
    wait_for(lambda: call.stage.value == "answered", "the agent's answer")
    assert (call.caller, call.dialled, call.agent_id) == (CALLER, NUMBER, agent.id)
    kc.hangs_up(call_id)  # the caller
    wait_for(lambda: call.stage.value == "ended", "the call's end")
    journal = kc_on_asterisk.journal()
    wait_for(lambda: journal.interaction(call_id) is not None, "the journal")
    names = [e.name for e in journal.events_for(call_id)]
    assert names[:4] == ["CallArrived", "CallQueued", "CallOffered", "CallAnswered"], names
    assert "CallEnded" in names
    assert kc.host.engine.agents[agent.id].state.value in ("wrap_up", "ready")


def test_a_phone_asterisk_cannot_ring_is_refused_the_engine_hears_it_and_the_next_agent_takes_the_call(
    kc_on_asterisk: Container, kc_engine: Callable[[], KcOnAsterisk]
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
    kc = kc_engine()
    for agent_id in agents.values():
        kc.command("log_in", agent_id=agent_id)
        kc.command("ready", agent_id=agent_id)
    call_id = kc.dials(NUMBER, CALLER)
    call = kc.call(call_id)
    wait_for(lambda: call.stage.value == "answered", "Horák's answer")
    assert call.agent_id == agents["horak"]
    novakova = kc.host.engine.agents[agents["novakova"]]
    assert (novakova.state.value, novakova.pause_code) == ("paused", "RONA")
    told = kc.host.engine.view_of(novakova.agent_id)["refusal"]
    assert (told["command"], told["reason"]) == ("ring_agent", "Allocation failed")
    journal = kc_on_asterisk.journal()
    wait_for(lambda: journal.interaction(call_id) is not None, "the journal")
    events = journal.events_for(call_id)
    names = [e.name for e in events]
    assert names[:5] == ["CallArrived", "CallQueued", "CallOffered", "PbxCommandRefused", "CallRingNoAnswer"]
    refused = events[3]
    assert isinstance(refused, PbxCommandRefused) and refused.agent_id == agents["novakova"]
    assert names.count("CallOffered") == 2 and "CallAnswered" in names


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
    kc_on_asterisk: Container, kc_engine: Callable[[], KcOnAsterisk]
) -> None:
    from apps.engine.health import judge

    kc = kc_engine()
    clock = kc_on_asterisk.clock()
    wait_for(lambda: kc.host.health.heartbeat(clock.now()).step_age_s is not None, "the engine's first step")
    assert "pbx" not in kc.host.health.problems  # connected: nothing to show
    kc.adapter.ari.close()  # the events socket gone, as a network fault or an Asterisk restart does
    wait_for(lambda: "pbx" in kc.host.health.problems, "the problem shown")
    state, reasons = judge(kc.host.health.heartbeat(clock.now()), 0.0)
    assert state == "down" and any("PBX" in r for r in reasons), reasons
