"""The contact record API and the own-history page (IN-12, AG-04, AG-05, AG-07, AG-08, AG-09, AG-13,
AG-15, REC-01): what the agent desktop calls, with authorisation, validation and audit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from dependency_injector import providers

from kc_adapters.system import FixedClock
from kc_domain.audit.model import Outcome
from kc_domain.audit.service import AuditQuery
from kc_domain.routing import events as ev

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # 9:00 in Prague
NOW = T0 + timedelta(hours=2)
CALLER = "+420777123456"


def user_id(container, username):
    return next(u.id for u in container.admin().list("user") if u.username == username)


def first_queue(container):
    return container.admin().list("queue")[0]


def categories(container):
    with container.uow_factory()() as uow:
        return [c for c in uow.categories.list() if c.kind.value == "call"]


def answered(container, call_id, agent, start=timedelta(0), caller=CALLER, ended=True):
    queue = first_queue(container).id
    events = [
        ev.CallArrived(T0 + start, call_id, caller, "+420261105555"),
        ev.CallQueued(T0 + start, call_id, queue, 5),
        ev.CallAnswered(T0 + start + timedelta(seconds=8), call_id, queue, agent, 8.0),
    ]
    if ended:
        events.append(
            ev.CallEnded(T0 + start + timedelta(minutes=3), call_id, "completed", queue, agent, "normal")
        )
    container.journal().record(events, [])


@pytest.fixture
def calls(container):
    container.clock.override(providers.Object(FixedClock(NOW)))
    novakova, horak = user_id(container, "novakova"), user_id(container, "horak")
    answered(container, "earlier", horak, start=timedelta(minutes=-60 * 24))
    answered(container, "mine", novakova)
    answered(container, "live", novakova, start=timedelta(minutes=100), ended=False)
    return {"novakova": novakova, "horak": horak}


def agent(client, username="novakova"):
    assert client.login(username).status_code == 302
    client.post("/language", {"language": "en", "next": "/"})
    return client


def audited(container, action):
    return container.audit().search(container.uow_factory(), AuditQuery(action=action), 50)


@pytest.mark.req("AG-04", "IN-12")
def test_an_agent_autosaves_finishes_and_amends_a_note_and_sees_both_versions(client, container, calls):
    agent(client)
    draft = client.api("PUT", "/api/v1/calls/live/note", {"text": "Klient volá kvůli"})
    assert draft.status_code == 200, draft.get_json()
    assert draft.get_json()["phase"] == "live" and draft.get_json()["notes"][0]["draft"] is True

    sealed = client.api("PUT", "/api/v1/calls/mine/note", {"text": "Zaslán nový průkaz"})
    amended = client.api("POST", "/api/v1/calls/mine/note", {"text": "Zaslán nový průkaz, adresa opravena"})

    assert sealed.status_code == 200 and amended.status_code == 201
    shown = client.get("/api/v1/calls/mine/record").get_json()
    assert [(n["number"], n["text"], n["draft"], n["author_name"]) for n in shown["notes"]] == [
        (1, "Zaslán nový průkaz", False, "Marie Nováková"),
        (2, "Zaslán nový průkaz, adresa opravena", False, "Marie Nováková"),
    ]
    assert shown["note_max"] == 4000 and shown["record"]["agent_id"] == calls["novakova"]
    assert [r.outcome for r in audited(container, "contact.note")] == [Outcome.OK, Outcome.OK, Outcome.OK]


@pytest.mark.req("AG-04")
def test_a_note_on_someone_elses_call_is_refused_with_403_and_audited(client, container, calls):
    agent(client, "horak")

    refused = client.api("PUT", "/api/v1/calls/mine/note", {"text": "cizí"})

    assert refused.status_code == 403
    record = audited(container, "contact.note")[0]
    assert (record.actor, record.object_id, record.outcome) == ("horak", "mine", Outcome.REJECTED)
    assert client.get("/api/v1/calls/mine/record").get_json()["notes"] == []


@pytest.mark.req("AG-04")
def test_a_supervisor_may_amend_the_note_of_any_call(client, container, calls):
    agent(client, "supervizor")
    assert client.api("POST", "/api/v1/calls/mine/note", {"text": "Doplněno vedoucím"}).status_code == 201


@pytest.mark.req("AG-04")
def test_a_note_over_4000_characters_is_refused_with_422_and_nothing_is_saved(client, container, calls):
    agent(client)

    refused = client.api("PUT", "/api/v1/calls/live/note", {"text": "x" * 4001})

    assert refused.status_code == 422
    assert refused.get_json()["errors"][0] | {"message": ""} == {
        "field": "note",
        "code": "too_long",
        "max": 4000,
        "message": "",
    }
    assert "4000" in refused.get_json()["errors"][0]["message"]
    assert client.get("/api/v1/calls/live/record").get_json()["notes"] == []


def test_an_unknown_call_is_404_and_a_body_that_is_not_json_is_422(client, container, calls):
    agent(client)
    assert client.get("/api/v1/calls/nope/record").status_code == 404
    assert client.api("PUT", "/api/v1/calls/nope/note", {"text": "x"}).status_code == 404
    assert client.api("PUT", "/api/v1/calls/mine/category", ["x"]).status_code == 422


@pytest.mark.req("AG-13", "IN-12", "REC-01")
def test_category_client_and_recording_choice_are_set_and_the_category_changed_later(
    client, container, calls
):
    agent(client)
    first, second = [c.id for c in categories(container) if c.active][:2]

    assert client.api("PUT", "/api/v1/calls/mine/category", {"category_id": first}).status_code == 200
    later = client.api("PUT", "/api/v1/calls/mine/category", {"category_id": second})
    recording = client.api("PUT", "/api/v1/calls/live/recording", {"opt_out": True})
    bad = client.api("PUT", "/api/v1/calls/mine/category", {"category_id": "abc"})
    unknown_client = client.api("PUT", "/api/v1/calls/mine/client", {"client_id": 99999})

    assert later.get_json()["record"]["category_id"] == second
    assert recording.get_json()["record"]["recording_opt_out"] is True
    assert (bad.status_code, bad.get_json()["errors"][0]["code"]) == (422, "not_a_number")
    assert (unknown_client.status_code, unknown_client.get_json()["errors"][0]["field"]) == (422, "client_id")
    changes = [r.params for r in audited(container, "contact.category") if r.outcome == Outcome.OK]
    assert changes[0]["before"] == first and changes[0]["after"] == second


@pytest.mark.req("AG-05", "AG-07")
def test_the_record_shows_the_callers_earlier_calls_with_agent_note_and_category(client, container, calls):
    agent(client, "horak")
    category = categories(container)[0].id
    client.api("PUT", "/api/v1/calls/earlier/note", {"text": "Dotaz na průkaz", "final": True})
    client.api("PUT", "/api/v1/calls/earlier/category", {"category_id": category})
    agent(client)

    history = client.get("/api/v1/calls/live/record").get_json()["history"]

    assert [h["call_id"] for h in history] == ["mine", "earlier"]
    earlier = history[1]
    assert (earlier["agent_id"], earlier["note"], earlier["category_id"], earlier["direction"]) == (
        calls["horak"],
        "Dotaz na průkaz",
        category,
        "inbound",
    )
    assert earlier["at"] == (T0 - timedelta(days=1)).isoformat() and earlier["recording"] == ""


@pytest.mark.req("AG-08", "AG-09", "AG-15")
def test_own_statistics_history_search_and_last_calls(client, container, calls):
    agent(client)
    client.api("PUT", "/api/v1/calls/mine/note", {"text": "Přeplatek vrácen"})
    queue = first_queue(container)

    stats = client.get(f"/api/v1/me/stats?queue={queue.id}").get_json()
    found = client.get("/api/v1/me/calls?since=2026-11-23&until=2026-11-23&q=přeplatek").get_json()
    everything = client.get("/api/v1/me/calls").get_json()
    last = client.get("/api/v1/me/last-calls").get_json()
    bad = client.get("/api/v1/me/calls?since=23.11.2026")

    day = stats["periods"][0]
    assert (day["period"], day["handled"], day["queues"][0]["queue_id"]) == ("24h", 2, queue.id)
    assert day["queues"][0]["service_level"] == 100.0
    assert [i["call_id"] for i in found["items"]] == ["mine"]
    assert [i["call_id"] for i in everything["items"]] == ["live", "mine"]
    assert [i["call_id"] for i in last["items"]] == ["live", "mine"]
    assert (bad.status_code, bad.get_json()["errors"][0]["field"]) == (422, "since")


@pytest.mark.req("AG-09")
def test_the_history_page_lists_own_calls_in_prague_time_and_searches(client, container, calls):
    agent(client)
    client.api("PUT", "/api/v1/calls/mine/note", {"text": "Přeplatek vrácen"})

    page = client.get("/me/history?since=2026-11-22&until=2026-11-23").get_data(as_text=True)
    searched = client.get("/me/history?since=2026-11-22&until=2026-11-23&q=nic").get_data(as_text=True)

    assert 'id="call-mine"' in page and 'id="call-live"' in page and 'id="call-earlier"' not in page
    assert "Přeplatek vrácen" in page and "9:00" in page  # 08:00 UTC in Prague
    assert 'id="call-mine"' not in searched
    assert client.get("/me/history?until=x").status_code == 422


def test_the_api_needs_the_agent_desktop_permission(client, container, calls):
    assert client.login("nastenka").status_code == 302
    assert client.get("/api/v1/me/last-calls").status_code == 403
    assert client.get("/me/history").status_code == 403


@pytest.mark.req("AG-09", "AG-05", "IN-16")
def test_a_call_handed_on_stays_in_the_first_agents_history_as_transferred_with_its_client(
    client, container, calls
):
    novakova, horak = calls["novakova"], calls["horak"]
    queue = first_queue(container).id
    at = T0 + timedelta(minutes=30)
    container.journal().record(
        [
            ev.CallArrived(at, "handed", "+420603111222", "+420261105555"),
            ev.CallQueued(at, "handed", queue, 5),
            ev.AgentStateChanged(at, novakova, "busy", "ready", "", "handed"),
            ev.CallAnswered(at, "handed", queue, novakova, 0.0),
            ev.CallTransferred(at + timedelta(minutes=1), "handed", novakova, "agent", str(horak)),
            ev.AgentStateChanged(at + timedelta(minutes=1), novakova, "wrap_up", "busy", "", "handed"),
            ev.AgentStateChanged(at + timedelta(minutes=1), horak, "busy", "ready", "", "handed"),
            ev.CallAnswered(at + timedelta(minutes=1), "handed", queue, horak, 0.0),
            ev.CallEnded(at + timedelta(minutes=4), "handed", "completed", queue, horak, "normal"),
        ],
        [],
    )
    with container.uow_factory()() as uow:
        jana = next(c for c in uow.clients.search("Svobodová", 5) if c.first_name == "Jana")
    agent(client, "horak")
    assert client.api("PUT", "/api/v1/calls/handed/client", {"client_id": jana.id}).status_code == 200
    theirs = client.get("/me/history?since=2026-11-23&until=2026-11-23").get_data(as_text=True)
    assert "Handled" in row_of(theirs, "handed")

    agent(client, "novakova")
    mine = row_of(
        client.get("/me/history?since=2026-11-23&until=2026-11-23").get_data(as_text=True), "handed"
    )
    assert "Transferred to Tomáš Horák" in mine and "Handled" not in mine
    assert f'href="/clients/?id={jana.id}"' in mine and jana.name in mine


def row_of(page: str, call_id: str) -> str:
    start = page.index(f'<tr id="call-{call_id}">')
    return page[start : page.index("</tr>", start)]


@pytest.mark.req("CDB-03", "AG-05")
def test_the_client_card_page_shows_the_clients_contact_history(client, container, calls):
    with container.uow_factory()() as uow:
        jana = next(c for c in uow.clients.search("Svobodová", 5) if c.first_name == "Jana")
    agent(client)
    assert client.api("PUT", "/api/v1/calls/mine/client", {"client_id": jana.id}).status_code == 200
    client.api("PUT", "/api/v1/calls/mine/note", {"text": "Dotaz na přeplatek"})
    page = client.get(f"/clients/?id={jana.id}").get_data(as_text=True)
    history = page[page.index('id="client-calls"') :]
    assert 'id="call-mine"' in history and "Dotaz na přeplatek" in history and "Marie Nováková" in history
    assert 'id="call-earlier"' not in history  # Horák's call of that number was not Jana's
