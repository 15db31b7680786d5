"""A preview campaign on the agent desktop, in a real browser against the engine host and the
simulated PBX (OUT-10, OUT-13, OUT-18): the supervisor's running campaign shows its next contact in
the "Kampaň" panel; the agent skips one (a reason is required), dials the next through the engine as
any manual call, marks success while the call lasts, and the campaign counts one contact done."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from kc_domain.outbound.campaigns import ListEntry
from kc_domain.routing import events as ev
from kc_domain.routing import pbx_events as pbx
from tests.e2e.conftest import LIVE_MS, screenshot, user_id
from tests.e2e.test_desktop import desk, open_desktop, state  # noqa: F401  (desk: the fixture)
from tests.web.test_campaign_pages import SUPERVISOR, campaign, queue_id

pytestmark = pytest.mark.e2e


def preview_campaign(container) -> int:  # type: ignore[no-untyped-def]
    campaign_id = campaign(container, queue_id(container), mode="preview", name="Ověření kontaktů")
    rows = [
        ListEntry(0, "603123456", name="Jana Dvořáková", priority=9, extra={"Dluh": "1 200 Kč"}),
        ListEntry(0, "777000111", name="Petr Malý", priority=3),
    ]
    container.campaigns().add_entries(SUPERVISOR, campaign_id, rows)
    container.campaigns().start(SUPERVISOR, campaign_id)
    return campaign_id


@pytest.mark.req("OUT-10", "OUT-13", "OUT-18")
def test_the_agent_skips_one_contact_dials_the_next_and_marks_success(desk, container, host):  # noqa: F811
    page = desk
    campaign_id = preview_campaign(container)
    novakova = user_id(container, "novakova")
    open_desktop(page)
    page.get_by_test_id("btn-log-in").click()
    expect(state(page)).to_have_attribute("data-state", "paused", timeout=LIVE_MS)

    panel = page.get_by_test_id("campaign-panel")
    expect(panel.get_by_role("heading", name="Kampaň")).to_be_visible()
    expect(page.get_by_test_id("campaign-name")).to_have_text("Ověření kontaktů")
    expect(page.get_by_test_id("contact-name")).to_have_text("Jana Dvořáková")
    expect(page.get_by_test_id("contact-phone")).to_have_text("+420603123456")
    expect(page.get_by_test_id("contact-attempts")).to_have_text("0 z 5")
    expect(page.get_by_test_id("contact-extra")).to_contain_text("1 200 Kč")
    screenshot(page, "desktop-campaign-preview")

    page.keyboard.press("Alt+KeyS")  # Přeskočit asks why
    expect(page.get_by_test_id("skip-reason")).to_be_focused()
    page.get_by_test_id("skip-confirm").click()
    expect(page.get_by_test_id("skip-error")).to_have_text("Toto pole je povinné.")
    expect(page.get_by_test_id("contact-name")).to_have_text("Jana Dvořáková")  # nothing changed
    page.get_by_test_id("skip-reason").fill("Klientka je v nemocnici")
    page.get_by_test_id("skip-reason").press("Enter")
    expect(page.get_by_test_id("contact-name")).to_have_text("Petr Malý")
    expect(page.get_by_test_id("skip-form")).to_be_hidden()
    expect(page.get_by_test_id("skip-reason")).to_have_value("")  # nothing of the last contact

    page.get_by_test_id("btn-campaign-dial").click()  # Vytočit: the desktop's dial, with the contact
    expect(page.get_by_test_id("call-direction")).to_have_text("Odchozí na +420777000111", timeout=LIVE_MS)
    expect(page.get_by_test_id("outcome-box")).to_be_visible()
    expect(page.get_by_test_id("btn-campaign-dial")).to_be_hidden()
    call_id = next(args[0] for name, args in host.pbx.commands if name == "originate")
    assert [args[2] for name, args in host.pbx.commands if name == "originate"] == ["+420777000111"]
    host.apply(lambda engine: engine.call_answered(call_id, novakova))  # she picks up her phone
    host.apply(lambda engine: engine.on_pbx(pbx.CalledPartyAnswered(host.clock.now(), call_id)))
    expect(state(page)).to_have_attribute("data-state", "busy", timeout=LIVE_MS)
    screenshot(page, "desktop-campaign-outcome")

    page.get_by_test_id("outcome-success").click()  # while the call lasts
    expect(page.get_by_test_id("desk-status")).to_have_text("Výsledek byl uložen: Úspěch.")
    expect(page.get_by_test_id("campaign-empty")).to_be_visible()  # Jana is due again in an hour
    page.get_by_test_id("btn-hang-up").click()
    expect(state(page)).to_have_attribute("data-state", "wrap_up", timeout=LIVE_MS)

    progress = container.campaigns().progress(campaign_id)
    assert (progress.done, progress.successful, progress.left) == (1, 1, 1)
    petr = next(e for e in container.campaigns().entries(campaign_id) if e.name == "Petr Malý")
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:  # the journal is written just after the desktop hears
        dialled = [
            e for e in container.contact_history().events_for(call_id) if isinstance(e, ev.CallDialled)
        ]
        if dialled:
            break
        time.sleep(0.1)
    assert [e.campaign_entry_id for e in dialled] == [petr.id]
    attempt = next(a for a in container.campaigns().attempts(campaign_id) if a.entry_id == petr.id)
    assert attempt.call_id == call_id  # the attempt names the call KC placed for it (OUT-18)


@pytest.mark.req("OUT-01", "OUT-08", "OUT-13")
def test_a_callee_put_through_by_the_dialler_comes_with_the_clients_card_and_outcomes(desk, container, host):  # noqa: F811
    page = desk
    campaign_id = campaign(container, queue_id(container), mode="progressive", name="Připomínka nedoplatku")
    rows = [ListEntry(0, "603123456", name="Jana Svobodová", client_id=1, extra={"Dluh": "2 400 Kč"})]
    container.campaigns().add_entries(SUPERVISOR, campaign_id, rows)
    container.campaigns().start(SUPERVISOR, campaign_id)
    novakova = user_id(container, "novakova")
    open_desktop(page)
    page.get_by_test_id("btn-log-in").click()
    expect(state(page)).to_have_attribute("data-state", "paused", timeout=LIVE_MS)
    page.get_by_test_id("btn-ready").click()
    expect(state(page)).to_have_attribute("data-state", "ready", timeout=LIVE_MS)

    host.dialler.feed(host.apply, campaigns=True)  # the hopper, as the engine's thread fills it
    host.step()  # the dialler paces: one number for the one free agent
    (call_id,) = [c.call_id for c in host.pbx.calls.values() if c.dialled_out]
    host.apply(lambda engine: engine.on_pbx(pbx.CalledPartyAnswered(host.clock.now(), call_id)))
    expect(state(page)).to_have_attribute("data-state", "busy", timeout=LIVE_MS)  # her phone answered
    expect(page.get_by_test_id("contact-name")).to_have_text("Jana Svobodová", timeout=LIVE_MS)
    expect(page.get_by_test_id("outcome-box")).to_be_visible()
    expect(page.get_by_test_id("btn-campaign-dial")).to_be_hidden()  # the dialler dialled already
    icis = page.get_by_test_id("icis-link").or_(page.get_by_test_id("in-icis"))
    expect(icis).to_be_visible(timeout=LIVE_MS)  # OUT-08: the client's card with ICIS
    screenshot(page, "desktop-campaign-put-through")

    page.get_by_test_id("outcome-success").click()
    expect(page.get_by_test_id("desk-status")).to_have_text("Výsledek byl uložen: Úspěch.")
    (attempt,) = container.campaigns().attempts(campaign_id)
    assert (attempt.agent_id, attempt.call_id, attempt.outcome.value) == (novakova, call_id, "success")
