"""The desktop's list of missed calls still to return (AG-17, IN-26): GET /api/v1/callbacks/missed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from dependency_injector import providers

from kc_adapters.system import FixedClock
from kc_domain.callbacks.model import CallbackRequest, CallbackSource
from kc_domain.routing import events as ev

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def lost(call_id, caller, queue_id, at):
    return [
        ev.CallArrived(at, call_id, caller, "+420261105555"),
        ev.CallQueued(at, call_id, queue_id, 5),
        ev.CallEnded(at + timedelta(seconds=40), call_id, "abandoned_in_queue", queue_id, None, "caller"),
    ]


@pytest.fixture
def missed(container):
    container.clock.override(providers.Object(FixedClock(NOW)))
    queues = {q.name: q.id for q in container.admin().list("queue")}
    general, payments = queues["Obecná linka"], queues["Platby a dlužné pojistné"]
    horak = next(u.id for u in container.admin().list("user") if u.username == "horak")
    events = [
        *lost("m1", "+420601000001", general, NOW - timedelta(hours=1)),
        *lost("m2", "+420601000002", payments, NOW - timedelta(hours=2)),
        *lost("m3", "+420601000003", general, NOW - timedelta(hours=3)),  # a callback is open
        *lost("m4", "+420601000004", general, NOW - timedelta(hours=30)),  # older than a day
        *lost("m5", "+420601000005", general, NOW - timedelta(hours=4)),
        ev.CallDialled(NOW - timedelta(hours=3), "o5", "+420601000005", general, horak),  # reached
        ev.CallConnected(NOW - timedelta(hours=3), "o5"),
        ev.CallEnded(NOW - timedelta(hours=2, minutes=58), "o5", "completed", general, horak, "normal"),
    ]
    container.journal().record(events, [])
    request = CallbackRequest.create(
        id="cb-1",
        caller="+420601000003",
        queue_id=general,
        created_at=NOW - timedelta(hours=3),
        joined_at=NOW - timedelta(hours=3),
        seq=1,
        source=CallbackSource.QUEUE_DTMF,
    )
    with container.uow_factory()() as uow:
        uow.callbacks.save(request)
        uow.commit()
    return {"general": general, "payments": payments}


@pytest.mark.req("AG-17", "IN-26")
def test_the_missed_calls_of_my_queues_still_to_return(client, container, missed):
    client.login("horak")
    body = client.api("GET", f"/api/v1/callbacks/missed?queue={missed['general']}").get_json()
    assert [(i["call_id"], i["caller"]) for i in body["items"]] == [("m1", "+420601000001")]
    assert body["items"][0]["history"][0]["end_stage"] == "abandoned_in_queue"
    every = client.api("GET", "/api/v1/callbacks/missed?hours=48").get_json()["items"]
    assert [i["call_id"] for i in every] == ["m1", "m4"]  # not m2: Horák has no skill in the payments queue
    assert client.api("GET", f"/api/v1/callbacks/missed?queue={missed['payments']}").status_code == 403
    client.login("supervizor")
    every = client.api("GET", "/api/v1/callbacks/missed?hours=48").get_json()["items"]
    assert [i["call_id"] for i in every] == ["m1", "m2", "m4"]


@pytest.mark.req("AG-17")
@pytest.mark.parametrize(
    ("query", "field"),
    [("hours=0", "hours"), ("hours=9999", "hours"), ("hours=abc", "hours"), ("queue=x", "queue")],
)
def test_bad_filters_are_refused_with_the_field(client, container, missed, query, field):
    client.login("horak")
    response = client.api("GET", f"/api/v1/callbacks/missed?{query}")
    assert response.status_code == 422
    assert [e["field"] for e in response.get_json()["errors"]] == [field]


@pytest.mark.req("AG-17")
def test_an_agent_without_the_callback_role_is_refused(client, container, missed):
    client.login("novakova")
    assert client.api("GET", "/api/v1/callbacks/missed").status_code == 403


@pytest.mark.req("AG-17", "IN-26")
def test_an_agent_without_the_callback_role_gets_the_calls_she_missed_and_those_of_her_queues(
    client, container, missed
):
    """GET /api/v1/desktop/missed: her own missed calls (lost after ringing her, even in a queue
    she is not in) and her queues' missed calls still to return; not other queues' calls."""
    queues = {q.name: q.id for q in container.admin().list("queue")}
    employers = queues["Zaměstnavatelé"]
    novakova = next(u.id for u in container.admin().list("user") if u.username == "novakova")
    at = NOW - timedelta(minutes=30)
    container.journal().record(
        [
            ev.CallArrived(at, "r1", "+420601000011", "+420261105557"),
            ev.CallQueued(at, "r1", employers, 5),
            ev.CallOffered(at + timedelta(seconds=2), "r1", employers, novakova),  # transferred to her
            ev.CallEnded(at + timedelta(seconds=9), "r1", "abandoned_ringing", employers, novakova, "caller"),
            *lost("e1", "+420601000012", employers, at),  # not her queue, never rang her
        ],
        [],
    )
    client.login("novakova")
    body = client.api("GET", "/api/v1/desktop/missed").get_json()
    assert [(i["call_id"], i["caller"]) for i in body["items"]] == [
        ("r1", "+420601000011"),
        ("m1", "+420601000001"),
        ("m2", "+420601000002"),
    ]
    assert body["items"][0]["history"][0]["end_stage"] == "abandoned_ringing"
