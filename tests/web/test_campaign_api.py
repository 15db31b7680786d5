"""The campaign JSON API under /api/v1/campaigns (OUT-02, OUT-03, OUT-04, OUT-07, OUT-09, OUT-15):
the same checks and audit as the pages; 422 naming each field with nothing changed, 404, 409, 403."""

from __future__ import annotations

from typing import Any

import pytest

from kc_domain.audit.model import Outcome as AuditOutcome
from kc_domain.audit.service import AuditQuery
from kc_domain.outbound.campaigns import CampaignState
from tests.web.test_campaign_pages import SCRIPT, empty_queue, queue_id

pytestmark = pytest.mark.req("OUT-03")

HUGE = 99999999999999999999


@pytest.fixture
def api(client):
    assert client.login("supervizor").status_code == 302
    return client


def values(queue: int, **changes: Any) -> dict[str, Any]:
    return {"name": "Připomínka nedoplatku", "queue_id": queue, "mode": "progressive",
            "caller_id": "+420261100900", "priority": 7, **changes}  # fmt: skip


def created(api, queue: int, **changes: Any) -> dict[str, Any]:
    response = api.api("POST", "/api/v1/campaigns", values(queue, **changes))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def codes(response) -> set[tuple[str, str]]:
    return {(e["field"], e["code"]) for e in response.get_json()["errors"]}


@pytest.mark.req("OUT-02", "OUT-09", "OUT-04")
def test_a_campaign_is_created_read_listed_and_changed(api, container):
    body = created(api, queue_id(container), hours={"weekly": {"mon": ["08:00-12:00"]}}, abandon_cap=0.02)
    assert body["state"] == "draft" and body["priority"] == 7 and body["abandon_cap"] == 0.02
    assert body["hours"]["weekly"]["mon"] == ["08:00-12:00"] and body["hours"]["weekly"]["tue"] == []
    assert body["progress"] == {
        "total": 0,
        "done": 0,
        "left": 0,
        "attempted": 0,
        "successful": 0,
        "removed": 0,
    }
    novakova = next(u.id for u in container.admin().list("user") if u.username == "novakova")
    assert body["agents"] == [novakova]  # the agents skilled for its queue work it

    second = created(api, empty_queue(container), name="Očkování", priority=9)
    assert [c["id"] for c in api.api("GET", "/api/v1/campaigns").get_json()["items"]] == [
        second["id"],
        body["id"],
    ]

    changed = api.api("PATCH", f"/api/v1/campaigns/{body['id']}", {"priority": 10, "mode": "preview"})
    assert changed.status_code == 200 and (changed.get_json()["priority"], changed.get_json()["mode"]) == (
        10,
        "preview",
    )
    assert api.api("GET", f"/api/v1/campaigns/{body['id']}").get_json()["priority"] == 10
    audit = container.audit().search(container.uow_factory(), AuditQuery(action="campaign.update"), 1)[0]
    assert audit.actor == "supervizor" and audit.params["after"]["priority"] == 10


def test_bad_input_is_a_422_naming_each_field_and_changes_nothing(api, container):
    response = api.api(
        "POST",
        "/api/v1/campaigns",
        values(queue_id(container), name="", priority=11, ring_s=5, mode="turbo"),
    )
    assert response.status_code == 422
    assert {("mode", "invalid")} <= codes(response)
    response = api.api(
        "POST", "/api/v1/campaigns", values(queue_id(container), name="", priority=11, ring_s=5)
    )
    assert codes(response) == {("name", "required"), ("priority", "out_of_range"), ("ring_s", "out_of_range")}
    assert response.get_json()["errors"][1]["message"] == "Musí být mezi 1 a 10."
    huge = api.api("POST", "/api/v1/campaigns", values(HUGE))
    assert huge.status_code == 422 and codes(huge) == {("queue_id", "out_of_range")}
    assert codes(api.api("POST", "/api/v1/campaigns", values(str(HUGE), script_id=-HUGE))) == {
        ("queue_id", "out_of_range"),
        ("script_id", "out_of_range"),
    }
    endless = {"busy": {"delay_s": 10**20, "max_attempts": 3}}
    assert codes(api.api("POST", "/api/v1/campaigns", values(queue_id(container), retries=endless))) == {
        ("retries", "invalid")
    }
    assert codes(api.api("POST", "/api/v1/campaigns", values(987654))) == {("queue_id", "unknown_queue")}
    assert codes(api.api("POST", "/api/v1/campaigns", [1, 2])) == {("body", "not_json")}
    assert api.api("GET", "/api/v1/campaigns").get_json()["items"] == []
    rejected = container.audit().search(container.uow_factory(), AuditQuery(action="campaign.create"), 1)[0]
    assert rejected.outcome == AuditOutcome.REJECTED


def test_permissions_an_agent_gets_403_and_nobody_signed_in_401(client, container):
    assert client.api("GET", "/api/v1/campaigns").status_code == 401
    client.login("novakova")
    for method, path in [
        ("GET", "/api/v1/campaigns"),
        ("POST", "/api/v1/campaigns"),
        ("GET", "/api/v1/campaigns/do-not-call"),
        ("GET", "/api/v1/campaigns/scripts"),
    ]:
        assert (
            client.api(method, path, values(queue_id(container)) if method == "POST" else None).status_code
            == 403
        )
    assert container.campaigns().campaigns() == []


def test_unknown_objects_are_404(api, container):
    assert api.api("GET", "/api/v1/campaigns/987654").status_code == 404
    assert api.api("POST", "/api/v1/campaigns/987654/start").status_code == 404
    assert api.api("GET", f"/api/v1/campaigns/{HUGE}").status_code == 404
    campaign_id = created(api, queue_id(container))["id"]
    assert (
        api.api("PATCH", f"/api/v1/campaigns/{campaign_id}/entries/987654", {"priority": 3}).status_code
        == 404
    )
    assert api.api("DELETE", "/api/v1/campaigns/do-not-call/987654").status_code == 404
    assert api.api("GET", "/api/v1/campaigns/scripts/987654").status_code == 404


@pytest.mark.req("OUT-02")
def test_start_is_refused_without_agents_and_contacts_then_runs_pauses_and_stops(api, container):
    lonely = created(api, empty_queue(container), name="Průzkum")["id"]
    refused = api.api("POST", f"/api/v1/campaigns/{lonely}/start")
    assert refused.status_code == 422
    assert codes(refused) == {("agents", "no_agents"), ("contacts", "empty_list")}
    assert container.campaigns().get(lonely).state == CampaignState.DRAFT

    campaign_id = created(api, queue_id(container))["id"]
    assert api.api("POST", f"/api/v1/campaigns/{campaign_id}/start").status_code == 422  # nobody to call
    api.api("POST", f"/api/v1/campaigns/{campaign_id}/entries", [{"phone": "603123456", "name": "Jan Novák"}])
    assert api.api("POST", f"/api/v1/campaigns/{campaign_id}/start").get_json()["state"] == "running"
    assert api.api("POST", f"/api/v1/campaigns/{campaign_id}/pause").get_json()["state"] == "paused"
    assert api.api("POST", f"/api/v1/campaigns/{campaign_id}/stop").get_json()["state"] == "stopped"
    again = api.api("POST", f"/api/v1/campaigns/{campaign_id}/start")
    assert again.status_code == 409 and again.get_json()["state"] == "stopped"
    assert again.get_json()["error"] == "Teď to nejde: kampaň je „Ukončená“. Nic se nezměnilo."
    stopped = api.api("PATCH", f"/api/v1/campaigns/{campaign_id}", {"priority": 2})
    assert stopped.status_code == 422 and codes(stopped) == {("state", "campaign_stopped")}


@pytest.mark.req("OUT-07")
def test_the_list_is_added_to_paged_and_edited_while_the_campaign_runs(api, container):
    campaign_id = created(api, queue_id(container))["id"]
    rows = [{"phone": f"603 {n:06d}", "name": f"Klient {n}", "priority": 1 + n % 10} for n in range(130)]
    added = api.api("POST", f"/api/v1/campaigns/{campaign_id}/entries", {"entries": rows})
    assert added.status_code == 201 and added.get_json()["added"] == 130
    api.api("POST", f"/api/v1/campaigns/{campaign_id}/start")

    page = api.api("GET", f"/api/v1/campaigns/{campaign_id}/entries?limit=50&offset=100").get_json()
    assert (page["total"], page["limit"], page["offset"], len(page["items"])) == (130, 50, 100, 30)
    first = page["items"][0]
    assert (first["phone"], first["name"], first["attempts"], first["done"]) == (
        "+420603000100",
        "Klient 100",
        0,
        False,
    )

    changed = api.api(
        "PATCH",
        f"/api/v1/campaigns/{campaign_id}/entries/{first['id']}",
        {"phone": "777 000 111", "priority": 10},
    )
    assert changed.status_code == 200 and (changed.get_json()["phone"], changed.get_json()["priority"]) == (
        "+420777000111",
        10,
    )
    removed = api.api("PATCH", f"/api/v1/campaigns/{campaign_id}/entries/{first['id']}", {"removed": True})
    assert removed.get_json()["removed"] is True
    progress = api.api("GET", f"/api/v1/campaigns/{campaign_id}/progress").get_json()
    assert (progress["total"], progress["removed"], progress["left"]) == (129, 1, 129)
    assert api.api("GET", f"/api/v1/campaigns/{campaign_id}").get_json()["state"] == "running"

    second = page["items"][1]
    taken = api.api(
        "PATCH", f"/api/v1/campaigns/{campaign_id}/entries/{second['id']}", {"phone": "+420603000000"}
    )
    assert taken.status_code == 422 and codes(taken) == {("phone", "already_listed")}
    assert codes(
        api.api(
            "PATCH",
            f"/api/v1/campaigns/{campaign_id}/entries/{second['id']}",
            {"colour": "red", "priority": "9"},
        )
    ) == {
        ("colour", "unexpected_field"),
        ("priority", "not_a_number"),
    }
    assert codes(api.api("GET", f"/api/v1/campaigns/{campaign_id}/entries?limit=5000")) == {
        ("limit", "out_of_range")
    }


@pytest.mark.req("OUT-07")
def test_a_bad_row_refuses_the_whole_batch_naming_the_row(api, container):
    campaign_id = created(api, queue_id(container))["id"]
    api.api("POST", f"/api/v1/campaigns/{campaign_id}/entries", [{"phone": "603123456"}])
    response = api.api(
        "POST",
        f"/api/v1/campaigns/{campaign_id}/entries",
        [
            {"phone": "777000111", "name": "Eva"},
            {"phone": "+420603123456"},
            {"phone": "nevím"},
            {"name": "Bez čísla", "priority": HUGE},
            "text",
        ],
    )
    assert response.status_code == 422
    assert codes(response) == {
        ("rows[4].phone", "required"),
        ("rows[4].priority", "out_of_range"),
        ("rows[5]", "invalid_type"),
    }
    second = api.api(
        "POST", f"/api/v1/campaigns/{campaign_id}/entries", [{"phone": "+420603123456"}, {"phone": "nevím"}]
    )
    assert codes(second) == {("rows[1].phone", "already_listed"), ("rows[2].phone", "bad_phone")}
    assert api.api("GET", f"/api/v1/campaigns/{campaign_id}/progress").get_json()["total"] == 1


@pytest.mark.req("OUT-01")
def test_the_do_not_call_list(api):
    added = api.api(
        "POST", "/api/v1/campaigns/do-not-call", {"phone": "603 111 222", "reason": "Nepřeje si volat"}
    )
    assert added.status_code == 201
    body = added.get_json()
    assert (body["phone"], body["reason"], body["added_by"]) == (
        "+420603111222",
        "Nepřeje si volat",
        "supervizor",
    )
    assert body["added_at"].endswith("+00:00")
    again = api.api("POST", "/api/v1/campaigns/do-not-call", {"phone": "+420603111222"})
    assert again.status_code == 422 and codes(again) == {("phone", "already_listed")}
    assert codes(api.api("POST", "/api/v1/campaigns/do-not-call", {"reason": 5})) == {
        ("phone", "required"),
        ("reason", "invalid_type"),
    }
    assert [d["phone"] for d in api.api("GET", "/api/v1/campaigns/do-not-call").get_json()["items"]] == [
        "+420603111222"
    ]
    assert api.api("DELETE", f"/api/v1/campaigns/do-not-call/{body['id']}").status_code == 204
    assert api.api("GET", "/api/v1/campaigns/do-not-call").get_json()["items"] == []


@pytest.mark.req("OUT-15")
def test_call_scripts_are_stored_versioned_and_named_by_campaigns(api, container):
    response = api.api("POST", "/api/v1/campaigns/scripts", {"script": SCRIPT})
    assert response.status_code == 201
    stored = response.get_json()
    assert (stored["name"], stored["version"], stored["saved_by"]) == ("Prevence 2026", 1, "supervizor")
    assert stored["script"]["questions"][1]["integer"] is True
    listed = api.api("GET", "/api/v1/campaigns/scripts").get_json()["items"]
    assert [(s["id"], s["name"]) for s in listed] == [
        (stored["id"], "Prevence 2026")
    ] and "script" not in listed[0]

    changed = {**SCRIPT, "name": "Prevence 2027"}
    saved = api.api("PUT", f"/api/v1/campaigns/scripts/{stored['id']}", {"script": changed, "version": 1})
    assert saved.status_code == 200 and saved.get_json()["version"] == 2
    stale = api.api("PUT", f"/api/v1/campaigns/scripts/{stored['id']}", {"script": SCRIPT, "version": 1})
    assert stale.status_code == 409
    assert api.api("GET", f"/api/v1/campaigns/scripts/{stored['id']}").get_json()["name"] == "Prevence 2027"

    unknown = api.api("POST", "/api/v1/campaigns", values(queue_id(container), script_id=987654))
    assert codes(unknown) == {("script_id", "unknown_script")}
    campaign = created(api, queue_id(container), script_id=stored["id"])
    assert campaign["script_id"] == stored["id"]


@pytest.mark.req("OUT-15")
def test_a_script_with_problems_is_refused_naming_each_place(api):
    looped: dict[str, Any] = {**SCRIPT, "questions": [dict(q) for q in SCRIPT["questions"]]}
    looped["questions"][1]["branches"] = [{"low": 50, "next": "vek"}]
    looped["questions"][1]["next"] = "vek"
    response = api.api("POST", "/api/v1/campaigns/scripts", {"script": looped})
    assert response.status_code == 422
    assert ("questions[1]", "loop_without_end") in codes(response)
    assert codes(api.api("POST", "/api/v1/campaigns/scripts", {"definition": SCRIPT})) == {
        ("definition", "unexpected_field"),
        ("script", "required"),
    }
    assert api.api("GET", "/api/v1/campaigns/scripts").get_json()["items"] == []
