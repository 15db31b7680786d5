"""A progressive campaign dialled by ``kc engine`` through the real Asterisk with answering-machine
detection (``KC_ASTERISK_AMD``, OUT-01, INT-04): the number whose greeting is long is an answering
machine (AMD() says MACHINE), hung up and recorded as the attempt's outcome without an agent; the
number answered with a short "haló" is a person, put through to the agent's phone at once, and the
contact is hers with the call's id."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from apps.container import Container
from kc_domain.audit.service import SYSTEM
from kc_domain.identity.roles import Role
from kc_domain.organisation.hours import OpeningHours
from kc_domain.outbound.campaigns import ListEntry
from kc_domain.routing import pbx_events as pbx
from tests.asterisk_harness import wait_for
from tests.asterisk_peer import ANSWERING_CONTEXT, AsteriskPeer, kc_settings
from tests.conftest import make_container

pytestmark = pytest.mark.req("OUT-01", "INT-04")

PERSON, MACHINE = "+420999100001", "+420999200002"  # the test peer's callee numbers (asterisk_peer)


@pytest.fixture
def kc_on_asterisk(
    asterisk: AsteriskPeer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Container]:
    """As the telephony tests' own, with answering-machine detection on."""
    monkeypatch.chdir(tmp_path)
    settings = kc_settings(asterisk, tmp_path) | {"KC_ASTERISK_AMD": "true"}
    container = make_container(f"sqlite:///{tmp_path / 'kc.sqlite3'}", **settings)
    yield container
    container.database().dispose()


def administer(container: Container) -> tuple[int, int]:
    admin = container.admin()
    queue = admin.create(SYSTEM, "queue", {"name": "Platby", "hours": OpeningHours.always_open()})
    values = {
        "username": "novakova",
        "full_name": "Marie Nováková",
        "roles": {Role.AGENT, Role.ADMIN},
        "agent_number": "2101",
        "endpoint": f"Local/agent7@{ANSWERING_CONTEXT}/n",  # her phone answers at once
    }
    agent = int(admin.create(SYSTEM, "user", values, password="Dlouhe-heslo-2026!").id)
    admin.create(SYSTEM, "skill", {"user_id": agent, "queue_id": queue.id, "level": 5})
    campaigns = container.campaigns()
    campaign = campaigns.create(
        SYSTEM,
        {"name": "Připomínka nedoplatku", "queue_id": queue.id, "mode": "progressive",
         "caller_id": "+420261100900", "hours": OpeningHours.always_open().to_plain()},
    )  # fmt: skip
    assert campaign.id is not None
    rows = [  # the machine first (higher priority), then the person
        ListEntry(campaign.id, MACHINE, name="Záznamník", priority=9),
        ListEntry(campaign.id, PERSON, name="Jana Dvořáková", priority=5),
    ]
    campaigns.add_entries(SYSTEM, campaign.id, rows)
    campaigns.start(SYSTEM, campaign.id)
    return campaign.id, agent


def test_a_machine_is_an_outcome_and_a_person_is_put_through_to_the_agent(kc_on_asterisk, kc_engine):
    campaign_id, agent = administer(kc_on_asterisk)
    kc = kc_engine()
    kc.command("log_in", agent_id=agent)
    kc.command("ready", agent_id=agent)
    campaigns = kc_on_asterisk.campaigns()

    def attempts() -> list:
        return campaigns.attempts(campaign_id)

    wait_for(
        lambda: any(a.outcome is not None and a.agent_id is None for a in attempts()),
        "the machine's outcome",
        40,
    )
    (machine,) = [a for a in attempts() if a.agent_id is None]
    assert machine.outcome is not None and machine.outcome.value == "answering_machine"
    answered = kc.heard_of(pbx.CalledPartyAnswered, machine.call_id)
    assert [e.machine for e in answered] == [True]  # AMD() said MACHINE

    put_through = wait_for(
        lambda: [a for a in attempts() if a.agent_id == agent], "the person put through", 40
    )
    (hers,) = put_through
    assert [e.machine for e in kc.heard_of(pbx.CalledPartyAnswered, hers.call_id)] == [False]
    call = kc.call(hers.call_id)
    assert call.caller == PERSON and call.agent_id == agent
    wait_for(lambda: kc.host.engine.agents[agent].state.value == "busy", "the agent talking")
    entries = {e.phone: e for e in campaigns.entries(campaign_id)}
    assert entries[MACHINE].attempts == 1 and entries[MACHINE].next_try_at is not None  # retried in 4 h
    assert entries[PERSON].reserved_by == agent  # hers, with its outcome buttons on her desktop
