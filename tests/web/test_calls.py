"""The missed-call list for supervisors and callback handlers (IN-26)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from kc_domain.routing import events as ev


@pytest.mark.req("IN-26")
def test_missed_calls_page_lists_todays_lost_calls_with_their_stage(client, container):
    prague = ZoneInfo("Europe/Prague")
    now = datetime.combine(container.clock().now().astimezone(prague).date(), time(10, 0), prague)
    queue = next(q for q in container.admin().list("queue") if q.name == "Platby a dlužné pojistné")
    container.journal().record(
        [
            ev.CallArrived(now - timedelta(minutes=5), "m1", "+420777555666", queue.number),
            ev.CallQueued(now - timedelta(minutes=5), "m1", queue.id, 5),
            ev.CallEnded(now - timedelta(minutes=4), "m1", "abandoned_in_queue", queue.id, None, "caller"),
        ],
        [],
    )
    client.login("supervizor")
    page = client.get("/calls/missed").get_data(as_text=True)
    assert "+420777555666" in page and "Při čekání ve frontě" in page and "60 s" in page
    other = next(q for q in container.admin().list("queue") if q.name == "Obecná linka")
    assert "+420777555666" not in client.get(f"/calls/missed?queue={other.id}").get_data(as_text=True)
    yesterday = (now - timedelta(days=1)).date().isoformat()
    assert "Žádné zmeškané hovory." in client.get(f"/calls/missed?day={yesterday}").get_data(as_text=True)
    assert "není datum" in client.get("/calls/missed?day=vcera").get_data(as_text=True)


def test_agents_without_the_callback_role_cannot_see_missed_calls(client):
    client.login("novakova")
    assert client.get("/calls/missed").status_code == 403
