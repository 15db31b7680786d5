"""Callback pages against the real engine host on the container's bus (IN-09, AG-17, IN-26).

The host answers each command on its ``reply_to`` channel and saves every changed request, so what
the page shows after an action is what the engine did.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from apps.engine.build import build_engine
from apps.engine.host import COMMANDS_CHANNEL, EngineHost
from kc_adapters.memory.bus import MemoryBus
from kc_adapters.simulated_pbx import SimulatedPbx
from kc_adapters.system import FixedClock
from kc_domain.audit.model import Outcome
from kc_domain.audit.service import AuditQuery

pytestmark = pytest.mark.req("IN-09", "AG-17", "IN-26")

MONDAY_10 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # 10:00 in Prague, the queues are open


@pytest.fixture
def host(container):
    bus = container.bus()
    assert isinstance(bus, MemoryBus)  # the test settings use memory://
    clock = FixedClock(MONDAY_10)
    engine = build_engine(container, SimulatedPbx(strict=False), clock)
    host = EngineHost(
        engine,
        container.journal(),
        bus,
        clock,
        ZoneInfo("Europe/Prague"),
        uow_factory=container.uow_factory(),
    )
    subscription = bus.subscribe(COMMANDS_CHANNEL, host.command)
    yield host
    subscription.close()


def listed(client, query=""):
    return client.api("GET", f"/api/v1/callbacks{query}").get_json()["items"]


def test_a_request_entered_by_hand_is_worked_to_done_through_the_engine(client, container, host):
    client.login("horak")
    horak = next(u for u in container.admin().list("user") if u.username == "horak").id
    queue = next(q for q in container.admin().list("queue") if q.name == "Obecná linka")

    created = client.api(
        "POST", "/api/v1/callbacks", {"caller": "+420777888999", "queue_id": queue.id, "note": "Smlouva"}
    )
    assert created.status_code == 201, created.get_json()
    (item,) = listed(client)
    assert created.get_json()["result"] == item["id"]
    assert (item["caller"], item["queue_id"], item["state"], item["source"]) == (
        "+420777888999",
        queue.id,
        "open",
        "web",
    )
    callback_id = item["id"]

    assert client.post(f"/callbacks/{callback_id}/assign").status_code == 302
    assert listed(client)[0]["state"] == "assigned" and listed(client)[0]["agent_id"] == horak
    assert host.command({"command": "log_in", "agent_id": horak})["ok"]
    assert host.command({"command": "pause", "agent_id": horak, "code": "ADMIN"})["ok"]  # not offered calls
    assert client.post(f"/callbacks/{callback_id}/dial").status_code == 302
    assert listed(client)[0]["state"] == "dialling"

    refused = client.post(f"/callbacks/{callback_id}/cancel", {"reason": "omyl"}, follow_redirects=True)
    said = html.unescape(refused.get_data(as_text=True))
    assert "Teď to nejde: stav je „Vytáčí se“. Nic se nezměnilo." in said
    assert "cannot cancel" not in said  # not the engine's own text

    assert client.post(f"/callbacks/{callback_id}/done", {"note": "Domluveno"}).status_code == 302
    assert listed(client) == []
    (done,) = listed(client, "?state=done")
    assert done["id"] == callback_id and "Domluveno" in done["note"]

    actions = [
        (r.action, r.outcome)
        for r in container.audit().search(container.uow_factory(), AuditQuery(action="callback."), 10)
    ]
    assert actions == [
        ("callback.done", Outcome.OK),
        ("callback.cancel", Outcome.REJECTED),
        ("callback.dial", Outcome.OK),
        ("callback.assign", Outcome.OK),
        ("callback.request", Outcome.OK),
    ]


def test_a_command_for_an_unknown_request_shows_the_engines_error(client, container, host):
    client.login("horak")
    page = client.post("/callbacks/no-such-id/assign", follow_redirects=True).get_data(as_text=True)
    assert 'class="flash error"' in page and "no-such-id" in html.unescape(page)
