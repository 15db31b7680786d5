"""The engine's dialler against the real host, the lists in the database and the agent desktop's API
(OUT-01, OUT-13, OUT-18): a progressive campaign dials a number for the free agent through the
(simulated) PBX, the answered callee is put through to her and the contact is hers on the desktop
with the call's id; a busy number is recorded as the dialler's attempt with no agent and is due
again by the campaign's rule; contacts given back are free again; the journal explains the dial."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from dependency_injector import providers

from apps.engine.build import build_engine
from apps.engine.dialling import DiallerFeed
from apps.engine.host import EngineHost
from kc_adapters.simulated_pbx import SimulatedPbx
from kc_adapters.system import FixedClock
from kc_domain.outbound.dialler_list import DIALLER
from kc_domain.routing import events as ev
from tests.web.test_campaign_pages import SUPERVISOR, campaign, contacts, queue_id

pytestmark = pytest.mark.req("OUT-01", "OUT-18", "RT-05")

MONDAY_10 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # 10:00 in Prague: the office hours are open
NEXT = "/api/v1/desktop/campaign/next"


@pytest.fixture
def world(container):
    clock = FixedClock(MONDAY_10)
    container.clock.override(providers.Object(clock))
    pbx = SimulatedPbx(strict=False)
    engine = build_engine(container, pbx, clock)
    feed = DiallerFeed(container.dialler_list())
    host = EngineHost(
        engine,
        container.journal(),
        container.bus(),
        clock,
        ZoneInfo("Europe/Prague"),
        uow_factory=container.uow_factory(),
        dialler=feed,
    )
    pbx.listen(lambda event: host.apply(lambda engine: engine.on_pbx(event)))
    campaign_id = campaign(container, queue_id(container), name="Připomínka nedoplatku")
    contacts(container, campaign_id, "603123456", "777000111", "604555666")
    container.campaigns().start(SUPERVISOR, campaign_id)
    novakova = next(u for u in container.admin().list("user") if u.username == "novakova").id
    return host, feed, pbx, clock, campaign_id, novakova


def busy_number(world) -> str:  # type: ignore[no-untyped-def]
    """Nováková ready, the first number dialled for her and busy after 3 s; its call's id."""
    host, feed, pbx, clock, _campaign_id, novakova = world
    host.command({"command": "log_in", "agent_id": novakova})
    host.command({"command": "ready", "agent_id": novakova})
    feed.feed(host.apply, campaigns=True)
    host.step()
    (call_id,) = dialled(pbx)
    clock.advance(seconds=3)
    pbx.end(call_id, "busy")
    return call_id


def dialled(pbx: SimulatedPbx) -> list[str]:
    return [c.call_id for c in pbx.calls.values() if c.dialled_out]


def test_a_callee_is_put_through_to_the_free_agent_and_the_contact_is_hers(client, container, world):
    host, feed, pbx, clock, campaign_id, novakova = world
    assert host.command({"command": "log_in", "agent_id": novakova})["ok"]
    assert host.command({"command": "ready", "agent_id": novakova})["ok"]
    feed.feed(host.apply, campaigns=True)
    host.step()
    (call_id,) = dialled(pbx)  # one free agent: one number
    (live,) = host.live_view()["campaigns"]  # the supervisor's live view (RT-03, RT-05)
    assert (live["campaign_id"], live["mode"], live["ringing"], live["listed"], live["dealt_with"]) == (
        campaign_id,
        "progressive",
        1,
        3,
        0,
    )
    assert (live["agents"], live["agents_free"], live["abandon_cap"]) == (1, 1, 0.03)  # free until an answer
    entries = container.campaigns().entries(campaign_id)
    assert sum(e.reserved_by == DIALLER for e in entries) == 3  # the hopper holds the list
    first = pbx.calls[call_id]
    assert (first.caller, first.dialled) == ("+420603123456", "+420261100900")  # the campaign's number

    clock.advance(seconds=7)
    pbx.called_party_answers(call_id)
    assert host.engine.agents[novakova].state.value == "busy"
    assert client.login("novakova").status_code == 302
    body = client.api("GET", NEXT).get_json()
    contact = body["contact"]
    assert (contact["phone"], contact["call_id"], contact["mode"]) == (
        "+420603123456",
        call_id,
        "progressive",
    )

    clock.advance(seconds=60)
    pbx.end(call_id)
    done = client.api(
        "POST", "/api/v1/desktop/campaign/outcome",
        {"entry_id": contact["entry_id"], "outcome": "success", "call_id": contact["call_id"]},
    )  # fmt: skip
    assert done.status_code == 200, done.get_json()
    (attempt,) = container.campaigns().attempts(campaign_id)
    assert (attempt.agent_id, attempt.call_id, attempt.outcome.value) == (novakova, call_id, "success")
    assert container.campaigns().progress(campaign_id).successful == 1
    journal = container.contact_history()
    row = journal.interaction(call_id)
    assert (row.direction, row.agent_id, row.end_stage) == ("outbound", novakova, "completed")
    (paced,) = [e for e in journal.events_for(call_id) if isinstance(e, ev.CallPaced)]
    assert paced.mode == "progressive" and "free" in paced.explanation


@pytest.mark.req("OUT-12")
def test_a_busy_number_is_the_dialler_attempt_with_no_agent_and_due_again_later(container, world):
    host, feed, pbx, clock, campaign_id, _novakova = world
    call_id = busy_number(world)
    feed.feed(host.apply, campaigns=True)
    assert host.live_view()["campaigns"][0]["attempts_today"] == 1  # as the host read it
    (attempt,) = container.campaigns().attempts(campaign_id)
    assert (attempt.agent_id, attempt.call_id, attempt.outcome.value) == (None, call_id, "busy")
    entry = next(e for e in container.campaigns().entries(campaign_id) if e.phone == "+420603123456")
    assert entry.attempts == 1 and entry.next_try_at == clock.now() + timedelta(minutes=15)
    assert entry.reserved_by is None
    host.step()
    assert len(dialled(pbx)) == 2  # the agent is still free: the next number


@pytest.mark.req("OUT-03")
def test_a_paused_campaign_gives_its_contacts_back_free(container, world):
    host, feed, pbx, _clock, campaign_id, novakova = world
    host.command({"command": "log_in", "agent_id": novakova})
    feed.feed(host.apply, campaigns=True)  # nobody ready: the hopper fills, nothing is dialled
    assert dialled(pbx) == []
    container.campaigns().pause(SUPERVISOR, campaign_id)
    feed.feed(host.apply, campaigns=True)
    assert all(e.reserved_by is None for e in container.campaigns().entries(campaign_id))


@pytest.mark.req("OUT-01")
def test_contacts_an_earlier_run_held_are_free_again_at_the_start(container, world):
    host, feed, _pbx, _clock, campaign_id, novakova = world
    host.command({"command": "log_in", "agent_id": novakova})
    feed.feed(host.apply, campaigns=True)
    assert all(e.reserved_by == DIALLER for e in container.campaigns().entries(campaign_id))
    # the engine stops with its hopper full; the next run's feed frees them first (``release_all``)
    assert container.dialler_list().release_all() == 3
    assert all(e.reserved_by is None for e in container.campaigns().entries(campaign_id))


@pytest.mark.req("OUT-07")
def test_a_contact_taken_off_or_forbidden_while_in_the_hopper_is_never_dialled(container, world):
    host, feed, pbx, _clock, campaign_id, novakova = world
    host.command({"command": "log_in", "agent_id": novakova})  # nobody ready: the hopper fills
    feed.feed(host.apply, campaigns=True)
    first, second, third = container.campaigns().entries(campaign_id)
    container.campaigns().change_entry(SUPERVISOR, campaign_id, first.id, remove=True)
    container.campaigns().forbid(SUPERVISOR, second.phone, "nepřeje si volat")
    feed.feed(host.apply, campaigns=True)  # the hopper is checked against the list
    host.command({"command": "ready", "agent_id": novakova})
    host.step()
    assert [pbx.calls[c].caller for c in dialled(pbx)] == [third.phone]
    freed = {e.id: e.reserved_by for e in container.campaigns().entries(campaign_id)}
    assert freed[first.id] is None and freed[second.id] is None


@pytest.mark.req("OUT-05")
def test_kc_explain_of_a_dialled_call_prints_the_pacing_decision(container, world, monkeypatch):
    from click.testing import CliRunner

    from apps.cli import main

    _host, _feed, _pbx, _clock, _campaign_id, _novakova = world
    call_id = busy_number(world)
    monkeypatch.setattr("apps.cli.explain._container", lambda: container)
    shown = CliRunner().invoke(main, ["explain", call_id])
    assert shown.exit_code == 0, shown.output
    assert f"call {call_id}: +420603123456" in shown.output
    assert "pacing decision (progressive) of campaign" in shown.output
    assert "CallAttemptEnded" in shown.output and "outcome=busy" in shown.output
