"""Preview campaigns on the agent desktop, as JSON (OUT-10, OUT-11, OUT-12, OUT-13): the signed-in
agent gets the next contact of the running preview campaigns of her queues, skips it only with a
reason, says how her attempt ended (a callback in Prague local time, checked against the calling
hours and her other agreed calls); another agent's contact is refused with ``not_yours``."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from dependency_injector import providers

from kc_adapters.system import FixedClock
from kc_domain.audit.service import AuditQuery
from kc_domain.outbound.campaigns import ListEntry
from kc_domain.outbound.outcomes import BY_AGENT
from kc_domain.outbound.service import SEEN_BY_AGENT
from tests.conftest import Client
from tests.web.test_campaign_pages import SUPERVISOR, campaign, queue_id

pytestmark = pytest.mark.req("OUT-10")

MONDAY_10 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # 10:00 in Prague: the office hours are open
NEXT = "/api/v1/desktop/campaign/next"


@pytest.fixture
def running(container) -> int:
    """A running preview campaign of Nováková's queue with two contacts, the first linked to a client."""
    container.clock.override(providers.Object(FixedClock(MONDAY_10)))
    campaign_id = campaign(container, queue_id(container), mode="preview", name="Ověření kontaktů")
    rows = [
        ListEntry(0, "603123456", name="Jana Dvořáková", priority=9, client_id=1, extra={"dluh": "1 200 Kč"}),
        ListEntry(0, "777000111", name="Petr Malý", priority=3),
    ]
    container.campaigns().add_entries(SUPERVISOR, campaign_id, rows)
    container.campaigns().start(SUPERVISOR, campaign_id)
    return campaign_id


@pytest.fixture
def agent(client):
    assert client.login("novakova").status_code == 302
    return client


def post(client, what: str, **body):
    return client.api("POST", f"/api/v1/desktop/campaign/{what}", body)


def codes(response) -> set[tuple[str, str]]:
    return {(e["field"], e["code"]) for e in response.get_json()["errors"]}


def test_the_agent_gets_the_next_contact_and_the_same_one_again_after_a_reload(agent, running, container):
    body = agent.api("GET", NEXT).get_json()
    assert [c["name"] for c in body["campaigns"]] == ["Ověření kontaktů"]
    contact = body["contact"]
    assert (contact["campaign"], contact["name"], contact["phone"]) == (
        "Ověření kontaktů",
        "Jana Dvořáková",
        "+420603123456",
    )
    assert (contact["priority"], contact["attempts"], contact["last_outcome"]) == (9, 0, None)
    assert contact["extra"] == {"dluh": "1 200 Kč"} and contact["client_url"] == "/clients/?id=1"
    assert set(body["outcomes"]) == BY_AGENT | SEEN_BY_AGENT  # a button for each the agent may set
    assert agent.api("GET", NEXT).get_json()["contact"]["entry_id"] == contact["entry_id"]


def test_an_agent_without_a_campaign_gets_no_panel(client, running):
    assert client.login("prochazka").status_code == 302  # AS: not skilled for the campaign's queue
    assert client.api("GET", NEXT).get_json() == {"campaigns": [], "contact": None, "script": None,
                                                  "outcomes": [
        "success", "refused", "callback", "wrong_number", "no_answer", "busy", "answering_machine", "invalid"
    ]}  # fmt: skip


def test_a_skip_needs_a_reason_and_then_the_next_contact_comes(agent, running, container):
    first = agent.api("GET", NEXT).get_json()["contact"]
    refused = post(agent, "skip", entry_id=first["entry_id"], reason="  ")
    assert refused.status_code == 422 and codes(refused) == {("reason", "required")}
    assert "required" not in refused.get_json()["errors"][0]["message"]  # a sentence, not a code
    assert post(agent, "skip", entry_id=first["entry_id"], reason="Klient je v nemocnici").status_code == 200
    second = agent.api("GET", NEXT).get_json()["contact"]
    assert second["name"] == "Petr Malý"
    audit = container.audit().search(container.uow_factory(), AuditQuery(action="campaign.skip"), 1)[0]
    assert audit.actor == "novakova" and audit.params["reason"] == "Klient je v nemocnici"


@pytest.mark.req("OUT-13")
def test_another_agents_outcome_is_refused_as_not_yours(agent, running, app, container):
    contact = agent.api("GET", NEXT).get_json()["contact"]
    other = Client(app.test_client())
    assert other.login("horak").status_code == 302
    refused = post(other, "outcome", entry_id=contact["entry_id"], outcome="success")
    assert refused.status_code == 422 and codes(refused) == {("entry", "not_yours")}
    assert container.campaigns().progress(running).done == 0
    not_hers = post(agent, "outcome", entry_id=contact["entry_id"], outcome="abandoned")
    assert codes(not_hers) == {("outcome", "invalid_choice")}  # the dialler's word, not hers


@pytest.mark.req("OUT-11")
def test_a_callback_is_agreed_in_prague_time_within_the_calling_hours(agent, running, container):
    contact = agent.api("GET", NEXT).get_json()["contact"]
    entry = contact["entry_id"]
    late = post(agent, "outcome", entry_id=entry, outcome="callback", agreed_at="2026-11-23T19:30")
    assert late.status_code == 422 and codes(late) == {("agreed_at", "outside_calling_hours")}
    assert codes(post(agent, "outcome", entry_id=entry, outcome="callback")) == {("agreed_at", "required")}
    assert codes(post(agent, "agree", entry_id=entry, at="zítra")) == {("at", "bad_datetime")}

    agreed = post(agent, "agree", entry_id=entry, at="2026-11-24T14:30")  # 14:30 in Prague is 13:30 UTC
    assert agreed.status_code == 200 and agreed.get_json()["next_try_at"] == "2026-11-24T13:30:00+00:00"
    done = post(agent, "outcome", entry_id=entry, outcome="callback")
    assert done.get_json() == {"ok": True, "done": False, "next_try_at": "2026-11-24T13:30:00+00:00"}

    other = agent.api("GET", NEXT).get_json()["contact"]  # her next one: no second call at 14:35
    clash = post(
        agent, "outcome", entry_id=other["entry_id"], outcome="callback", agreed_at="2026-11-24T14:35"
    )
    assert clash.status_code == 422 and codes(clash) == {("agreed_at", "agent_has_appointment")}


@pytest.mark.req("OUT-13", "OUT-12")
def test_success_ends_the_contact_and_a_busy_line_brings_it_back_later(agent, running, container):
    first = agent.api("GET", NEXT).get_json()["contact"]
    ended = post(agent, "outcome", entry_id=first["entry_id"], outcome="success")
    assert ended.status_code == 200 and ended.get_json()["done"] is True
    progress = container.campaigns().progress(running)
    assert (progress.done, progress.successful, progress.left) == (1, 1, 1)
    again = post(agent, "outcome", entry_id=first["entry_id"], outcome="success")
    assert codes(again) == {("entry", "not_yours")}  # she holds it no more

    second = agent.api("GET", NEXT).get_json()["contact"]
    busy = post(agent, "outcome", entry_id=second["entry_id"], outcome="busy")
    assert busy.get_json()["done"] is False and busy.get_json()["next_try_at"] == "2026-11-23T09:15:00+00:00"
    assert agent.api("GET", NEXT).get_json()["contact"] is None  # nobody left to call now


def test_bad_input_names_every_field_at_once(agent, running):
    refused = post(agent, "outcome", entry_id="x", outcome="", agreed_at="later")
    assert refused.status_code == 422
    assert {f for f, _ in codes(refused)} == {"entry_id", "outcome", "agreed_at"}
    assert agent.api("POST", "/api/v1/desktop/campaign/skip", [1, 2]).status_code == 422
