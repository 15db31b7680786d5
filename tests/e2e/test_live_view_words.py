"""Words, not codes, where supervisors look (design/ui.md, "Words and numbers"): an agent paused by
KC itself or with an administered pause code is shown with the pause's name."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import LIVE_MS, ring, user_id
from tests.e2e.test_supervisor import open_supervisor

pytestmark = pytest.mark.e2e


@pytest.mark.req("GEN-04", "RT-01")
def test_the_live_view_names_every_pause_in_czech(page, container, running_host):
    host = running_host
    novakova, cerna, kucerova = (user_id(container, u) for u in ("novakova", "cerna", "kucerova"))
    host.apply(lambda e: (e.log_in(novakova), e.ready(novakova)))
    host.apply(lambda e: (e.log_in(cerna), e.pause(cerna, "PRESTAVKA")))
    host.apply(lambda e: e.log_in(kucerova))
    open_supervisor(page)

    def state(agent_id: int):  # type: ignore[no-untyped-def]
        return page.get_by_test_id(f"agent-{agent_id}-state")

    expect(state(cerna)).to_have_text("Pauza: Přestávka")
    expect(state(kucerova)).to_have_text("Pauza: Po přihlášení")
    ring(host, "c1", "+420603123456")
    expect(state(novakova)).to_have_attribute("data-state", "ringing", timeout=LIVE_MS)
    host.clock.advance(seconds=60)  # rings out: KC pauses her (ring-no-answer)
    expect(state(novakova)).to_have_text("Pauza: Nepřijatý hovor", timeout=LIVE_MS)
    expect(page.locator("#supervisor")).not_to_contain_text("RONA")
    expect(page.locator("#supervisor")).not_to_contain_text("LOGIN")
