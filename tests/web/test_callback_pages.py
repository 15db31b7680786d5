"""Callback requests page and API (IN-09, AG-17, IN-26) with the caller's contact history (AG-05).

The engine is replaced here by a responder on the bus that records each command and answers as
told, so these tests pin the web side of the contract: what is sent, what is shown, what is audited.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_datetime
from dependency_injector import providers

from apps.engine.client import EngineClient
from apps.engine.host import COMMANDS_CHANNEL
from kc_domain.audit.model import Outcome
from kc_domain.audit.service import AuditQuery
from kc_domain.callbacks.model import AttemptOutcome, CallbackRequest, CallbackSource
from kc_domain.routing import events as ev

LIST = pytest.mark.req("IN-09", "AG-17", "IN-26")
HISTORY = pytest.mark.req("AG-05")
T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # 9:00 in Prague
PRAGUE = ZoneInfo("Europe/Prague")


class FakeEngine:
    """Answers every command on its reply channel with ``reply``; keeps what it was sent."""

    def __init__(self, container: Any) -> None:
        self.bus = container.bus()
        self.reply: dict[str, Any] | None = {"ok": True}
        self.seen: list[dict[str, Any]] = []
        self.subscription = self.bus.subscribe(COMMANDS_CHANNEL, self.handle)

    def handle(self, message: dict[str, Any]) -> None:
        envelope = ("reply_to", "request_id", "v")  # the wire version: kc_domain.routing.commands
        self.seen.append({k: v for k, v in message.items() if k not in envelope})
        if self.reply is not None:
            self.bus.publish(message["reply_to"], {**self.reply, "request_id": message["request_id"]})


@pytest.fixture
def engine(container):
    container.engine_client.override(providers.Object(EngineClient(container.bus(), timeout_s=0.3)))
    fake = FakeEngine(container)
    yield fake
    fake.subscription.close()


def user(container, username):
    return next(u for u in container.admin().list("user") if u.username == username)


def queues(container):
    return {q.name: q.id for q in container.admin().list("queue")}


def make(callback_id, queue_id, caller="+420777123456", joined_min=0, seq=1, **extra):
    request = CallbackRequest.create(
        id=callback_id,
        caller=caller,
        queue_id=queue_id,
        created_at=T0 + timedelta(minutes=joined_min + 1),
        joined_at=T0 + timedelta(minutes=joined_min),
        seq=seq,
        source=CallbackSource.QUEUE_DTMF,
        **extra,
    )
    return request


def save(container, *requests):
    with container.uow_factory()() as uow:
        for request in requests:
            uow.callbacks.save(request)
        uow.commit()


def english(client, username="supervizor"):
    assert client.login(username).status_code == 302
    client.post("/language", {"language": "en", "next": "/"})


def rows(page: str) -> list[str]:
    return [part.split('"', 1)[0] for part in page.split('<tr id="callback-')[1:]]


@pytest.fixture
def stored(container):
    q = queues(container)
    horak = user(container, "horak").id
    late = make("cb-late", q["Obecná linka"], caller="+420601111222", joined_min=30)
    early = make(
        "cb-early", q["Platby a dlužné pojistné"], joined_min=0, preferred_at=T0 + timedelta(hours=5)
    )
    mine = make("cb-mine", q["Obecná linka"], caller="+420602333444", joined_min=10)
    mine.assign(horak, T0 + timedelta(minutes=20))
    mine.start_dialling(horak, T0 + timedelta(minutes=21))
    mine.record_attempt(AttemptOutcome.NO_ANSWER, horak, T0 + timedelta(minutes=22))
    mine.assign(horak, T0 + timedelta(minutes=40))
    done = make("cb-done", q["Obecná linka"], caller="+420603555666", joined_min=-60)
    done.mark_done(horak, T0 + timedelta(minutes=5), "Vyřešeno e-mailem")
    save(container, late, early, mine, done)
    container.journal().record(
        [
            ev.CallArrived(T0 - timedelta(days=1), "h1", "+420777123456", "+420261105555"),
            ev.CallQueued(T0 - timedelta(days=1), "h1", q["Platby a dlužné pojistné"], 5),
            ev.CallAnswered(
                T0 - timedelta(days=1) + timedelta(seconds=5), "h1", q["Platby a dlužné pojistné"], horak, 5.0
            ),
            ev.CallEnded(
                T0 - timedelta(days=1) + timedelta(minutes=3),
                "h1",
                "completed",
                q["Platby a dlužné pojistné"],
                horak,
                "normal",
            ),
            ev.CallArrived(T0 - timedelta(minutes=3), "h2", "+420777123456", "+420261105555"),
            ev.CallQueued(T0 - timedelta(minutes=3), "h2", q["Platby a dlužné pojistné"], 5),
            ev.CallEnded(
                T0 - timedelta(minutes=1),
                "h2",
                "abandoned_in_queue",
                q["Platby a dlužné pojistné"],
                None,
                "caller",
            ),
        ],
        [],
    )
    return {"late": late, "early": early, "mine": mine, "done": done, "horak": horak, "queues": q}


@LIST
@HISTORY
def test_the_page_lists_active_requests_in_line_order_with_their_details_and_history(
    client, container, stored
):
    english(client)
    response = client.get("/callbacks/")
    page = html.unescape(response.get_data(as_text=True))

    assert response.status_code == 200
    assert rows(page) == ["cb-early", "cb-mine", "cb-late"]  # joined the queue first, first in line
    early = page.split('id="callback-cb-early"')[1].split("</tr>")[0]
    assert "+420777123456" in early and "Platby a dlužné pojistné" in early and "Waiting" in early
    created = stored["early"].created_at.astimezone(PRAGUE)  # shown in Prague time
    preferred = stored["early"].preferred_at.astimezone(PRAGUE)
    assert format_datetime(created, "medium", locale="en") in early and created.hour == 9
    assert format_datetime(preferred, "medium", locale="en") in early and preferred.hour == 14
    # history: newest first, with queue, agent and how it ended
    assert early.index("Hung up while waiting") < early.index("Handled")
    assert "Tomáš Horák" in early
    mine = page.split('id="callback-cb-mine"')[1].split("</tr>")[0]
    assert "Assigned" in mine and "Tomáš Horák" in mine and "1 · No answer" in mine
    assert "No earlier calls." in mine
    assert 'href="/callbacks/"' in page  # the navigation link


@LIST
def test_filters_by_queue_state_and_mine(client, container, stored):
    english(client, "horak")
    q = stored["queues"]
    assert rows(client.get(f"/callbacks/?queue={q['Obecná linka']}").get_data(as_text=True)) == [
        "cb-mine",
        "cb-late",
    ]
    assert rows(client.get("/callbacks/?mine=1").get_data(as_text=True)) == ["cb-mine"]
    assert rows(client.get("/callbacks/?state=done").get_data(as_text=True)) == ["cb-done"]
    assert rows(client.get("/callbacks/?state=finished").get_data(as_text=True)) == ["cb-done"]
    # an agent sees the requests of the queues she has a skill in (issue 16): Horák not the payments
    # queue's cb-early, which the supervisor sees
    assert rows(client.get("/callbacks/?state=all").get_data(as_text=True)) == [
        "cb-mine",
        "cb-late",
        "cb-done",
    ]
    assert rows(client.get("/callbacks/?state=bogus&queue=x").get_data(as_text=True)) == [
        "cb-mine",
        "cb-late",
    ]
    assert client.get(f"/callbacks/?queue={q['Platby a dlužné pojistné']}").status_code == 403


@LIST
@HISTORY
def test_the_api_lists_the_same_with_history_per_item(client, container, stored):
    client.login("supervizor")
    body = client.api("GET", "/api/v1/callbacks").get_json()
    assert [i["id"] for i in body["items"]] == ["cb-early", "cb-mine", "cb-late"]
    early = body["items"][0]
    assert early["preferred_at"] == "2026-11-23T13:00:00+00:00" and early["state"] == "open"
    assert [(h["call_id"], h["end_stage"]) for h in early["history"]] == [
        ("h2", "abandoned_in_queue"),
        ("h1", "completed"),
    ]
    assert body["items"][1]["attempts"][0]["outcome"] == "no_answer"
    done = client.api("GET", "/api/v1/callbacks?state=done").get_json()["items"]
    assert [i["id"] for i in done] == ["cb-done"]


@LIST
@pytest.mark.parametrize(
    ("action", "form", "command", "extra"),
    [
        ("assign", {}, "callback_assign", {}),
        ("dial", {}, "callback_dial", {}),
        ("done", {"note": "Domluveno"}, "callback_done", {"note": "Domluveno"}),
        ("cancel", {"reason": "Klient už volal"}, "callback_cancel", {"reason": "Klient už volal"}),
    ],
)
def test_each_action_is_a_command_to_the_engine_confirmed_and_audited(
    client, container, stored, engine, action, form, command, extra
):
    english(client)
    me = user(container, "supervizor").id

    response = client.post(f"/callbacks/cb-early/{action}", {**form, "state": "all"}, follow_redirects=True)

    assert response.request.path == "/callbacks/" and response.request.args["state"] == "all"
    assert engine.seen == [{"command": command, "callback_id": "cb-early", "agent_id": me, **extra}]
    assert 'class="flash success"' in response.get_data(as_text=True)
    record = container.audit().search(container.uow_factory(), AuditQuery(action=f"callback.{action}"), 1)[0]
    assert (record.actor, record.object_type, record.object_id, record.outcome) == (
        "supervizor",
        "callback",
        "cb-early",
        Outcome.OK,
    )
    assert record.params["agent_id"] == me


@LIST
def test_a_refusal_is_explained_in_words_and_the_engines_reason_audited(client, container, stored, engine):
    english(client)
    holder = next(u for u in container.admin().list("user") if u.username == "horak")
    engine.reply = {
        "ok": False,
        "error": f"callback 'cb-mine' belongs to agent {holder.id}, not 2",
        "kind": "refused",
        "holder_id": holder.id,
    }

    page = html.unescape(client.post("/callbacks/cb-mine/dial", follow_redirects=True).get_data(as_text=True))

    assert "Tomáš Horák has this callback request; nothing was changed." in page
    assert "belongs to agent" not in page and 'class="flash error"' in page  # not the engine's own text
    record = container.audit().search(container.uow_factory(), AuditQuery(action="callback.dial"), 1)[0]
    assert record.outcome == Outcome.REJECTED and "belongs to agent" in record.params["error"]


@LIST
def test_without_the_engine_the_user_is_told_in_words(client, container, stored, engine):
    english(client)
    engine.reply = None  # the engine does not answer

    page = client.post("/callbacks/cb-early/assign", follow_redirects=True).get_data(as_text=True)

    assert "The routing engine is not answering" in page and "engine_unavailable" not in page
    record = container.audit().search(container.uow_factory(), AuditQuery(action="callback.assign"), 1)[0]
    assert record.outcome == Outcome.FAILED
    api = client.api("POST", "/api/v1/callbacks/cb-early/assign", {})
    assert api.status_code == 503 and api.get_json()["code"] == "engine_unavailable"


@LIST
def test_cancel_needs_a_reason_and_sends_nothing_without_it(client, container, stored, engine):
    english(client)
    page = client.post("/callbacks/cb-early/cancel", {"reason": "  "}, follow_redirects=True).get_data(
        as_text=True
    )
    assert "This field is required." in page and engine.seen == []
    record = container.audit().search(container.uow_factory(), AuditQuery(action="callback.cancel"), 1)[0]
    assert record.outcome == Outcome.REJECTED


@LIST
def test_a_new_request_by_hand_is_sent_with_a_utc_preferred_time(client, container, engine):
    english(client)
    q = queues(container)
    me = user(container, "supervizor").id

    response = client.post(
        "/callbacks/new",
        {
            "caller": "+420 777 888 999",
            "queue_id": str(q["Obecná linka"]),
            "preferred_at": "2026-11-24T15:30",  # Prague time (winter: UTC+1)
            "note": "Chce probrat smlouvu",
        },
        follow_redirects=True,
    )

    assert 'class="flash success"' in response.get_data(as_text=True)
    assert engine.seen == [
        {
            "command": "callback_request",
            "caller": "+420777888999",
            "queue_id": q["Obecná linka"],
            "preferred_at": "2026-11-24T14:30:00+00:00",
            "note": "Chce probrat smlouvu",
            "agent_id": me,
        }
    ]
    record = container.audit().search(container.uow_factory(), AuditQuery(action="callback.request"), 1)[0]
    assert record.outcome == Outcome.OK and record.params["caller"] == "+420777888999"


@LIST
def test_bad_input_for_a_new_request_gives_field_errors_and_sends_nothing(client, container, engine):
    english(client)
    response = client.post(
        "/callbacks/new", {"caller": "777 12", "queue_id": "99999", "preferred_at": "zítra ráno", "note": ""}
    )
    page = html.unescape(response.get_data(as_text=True))

    assert response.status_code == 422
    assert 'id="error-caller"' in page and "E.164" in page
    assert 'id="error-queue_id"' in page and "(id 99999) does not exist" in page
    assert 'id="error-preferred_at"' in page and "“zítra ráno” is not a date and time" in page
    assert 'value="777 12"' in page  # the input is kept for correction
    assert engine.seen == []
    record = container.audit().search(container.uow_factory(), AuditQuery(action="callback.request"), 1)[0]
    assert record.outcome == Outcome.REJECTED


@LIST
def test_the_api_creates_and_acts_and_reports_field_errors(client, container, stored, engine):
    client.login("supervizor")
    q = queues(container)
    me = user(container, "supervizor").id
    engine.reply = {"ok": True, "result": "cb-new"}

    created = client.api(
        "POST",
        "/api/v1/callbacks",
        {"caller": "+420777888999", "queue_id": q["Obecná linka"], "preferred_at": ""},
    )
    assert created.status_code == 201 and created.get_json()["result"] == "cb-new"
    assert engine.seen[-1] == {
        "command": "callback_request",
        "caller": "+420777888999",
        "queue_id": q["Obecná linka"],
        "preferred_at": None,
        "note": "",
        "agent_id": me,
    }
    record = container.audit().search(container.uow_factory(), AuditQuery(action="callback.request"), 1)[0]
    assert record.object_id == "cb-new"

    done = client.api("POST", "/api/v1/callbacks/cb-early/done", {"note": "Hotovo"})
    assert done.status_code == 200 and engine.seen[-1]["note"] == "Hotovo"

    engine.seen.clear()
    bad = client.api(
        "POST", "/api/v1/callbacks", {"caller": "abc", "queue_id": "x", "preferred_at": "2026-13-01T00:00"}
    )
    assert bad.status_code == 422
    assert {e["field"]: e["code"] for e in bad.get_json()["errors"]} == {
        "caller": "bad_external_number",
        "queue_id": "not_a_number",
        "preferred_at": "bad_datetime",
    }
    assert client.api("POST", "/api/v1/callbacks/cb-early/dance", {}).status_code == 404
    assert engine.seen == []

    engine.reply = {"ok": False, "error": "callback 'cb-done': cannot cancel when done", "state": "done"}
    refused = client.api("POST", "/api/v1/callbacks/cb-done/cancel", {"reason": "x"})
    assert refused.status_code == 409  # said in words, not in the engine's text
    assert refused.get_json()["error"] == "Teď to nejde: stav je „Vyřízený“. Nic se nezměnilo."


@LIST
def test_agents_without_the_callback_role_are_refused(client, container, stored, engine):
    client.login("novakova")
    assert client.get("/callbacks/").status_code == 403
    assert client.post("/callbacks/cb-early/assign").status_code == 403
    assert client.api("GET", "/api/v1/callbacks").status_code == 403
    assert client.api("POST", "/api/v1/callbacks/cb-early/assign", {}).status_code == 403
    assert engine.seen == []
    assert 'href="/callbacks/"' not in client.get("/").get_data(as_text=True)


@pytest.mark.req("SEC-04", "ADM-06")
def test_a_callback_of_a_queue_outside_the_sight_is_neither_listed_nor_acted_on(
    client, container, stored, engine
):
    from tests.web.test_data_sight import limit_supervisor_to_kkc

    assist = make("cb-as", stored["queues"]["Asistenční služba"], caller="+420604777888")
    save(container, assist)
    limit_supervisor_to_kkc(container)
    english(client)

    assert "cb-as" not in rows(client.get("/callbacks/?state=all").get_data(as_text=True))
    for action, body in [("assign", {}), ("dial", {}), ("done", {"note": "x"}), ("cancel", {"reason": "x"})]:
        assert client.post(f"/callbacks/cb-as/{action}", body).status_code == 403, action
        assert client.api("POST", f"/api/v1/callbacks/cb-as/{action}", body).status_code == 403, action
    assert engine.seen == []  # nothing reached the engine
    denied = container.audit().search(container.uow_factory(), AuditQuery(action="access.denied"), 10)
    assert {(r.actor, r.outcome) for r in denied} == {("supervizor", Outcome.DENIED)}
    assert not container.audit().search(container.uow_factory(), AuditQuery(action="callback.assign"), 1)

    # a callback of his queues still is
    assert client.api("POST", "/api/v1/callbacks/cb-early/assign", {}).status_code == 200
    assert [s["callback_id"] for s in engine.seen] == ["cb-early"]
    # nor may he ask for a new callback in a queue he does not see
    new = {"caller": "+420604111222", "queue_id": stored["queues"]["Asistenční služba"]}
    assert client.api("POST", "/api/v1/callbacks", new).status_code == 403
    assert client.post("/callbacks/new", new).status_code == 403
    assert [s["callback_id"] for s in engine.seen] == ["cb-early"]
