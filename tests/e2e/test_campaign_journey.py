"""A supervisor's campaign, in a real browser: create it in the form (a refusal said next to its
field first), put a contact on its list, start it, change the contact while it runs, write its
call script as JSON and see the diagram, then change it in the form (a refusal shown next to the
question first)."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.e2e.test_admin_journey import sign_in
from tests.web.test_campaign_pages import SCRIPT

pytestmark = pytest.mark.e2e


@pytest.mark.req("OUT-03", "OUT-02", "OUT-07", "OUT-15")
def test_a_supervisor_builds_starts_and_edits_a_campaign(page):
    sign_in(page, "supervizor")
    page.goto("/")
    page.locator("#nav-group-supervision summary").click()
    page.locator("#nav-campaigns").click()
    expect(page.get_by_role("heading", name="Kampaně")).to_be_visible()

    page.locator("#new-campaign").click()
    page.locator("#f-name").fill("Připomínka nedoplatku")
    page.locator("#f-queue_id").select_option(label="Platby a dlužné pojistné")
    page.locator("#f-caller_id").fill("261 100 900")
    page.locator("#f-abandon_cap").fill("12")
    page.locator("#save").click()
    expect(page.locator("#form-error-list")).to_contain_text("Musí být mezi 0,1 % a 10,0 %.")
    expect(page.locator("#f-name")).to_have_value("Připomínka nedoplatku")  # what was typed is kept
    screenshot(page, "campaign-form-refused")
    page.locator("#f-abandon_cap").fill("2,5")
    page.locator("#save").click()
    expect(page.locator("#campaign-state")).to_have_text("Nespuštěná")

    page.locator("#start").click()
    expect(page.get_by_role("alert")).to_contain_text("Na seznamu kampaně nezbývá nikdo, komu volat.")
    page.locator("#new-name").fill("Jan Novák")
    page.locator("#new-phone").fill("603 123 456")
    page.locator("#add-entry-button").click()
    expect(page.locator("#entries")).to_contain_text("Jan Novák")
    page.locator("#start").click()
    expect(page.locator("#campaign-state")).to_have_text("Běží")

    page.locator("#entries input[name=priority]").fill("9")
    page.locator("#entries button", has_text="Uložit").click()
    expect(page.get_by_role("status")).to_contain_text("Kontakt +420603123456 je změněn.")
    expect(page.locator("#entries input[name=priority]")).to_have_value("9")
    screenshot(page, "campaign-running")

    page.goto("/campaigns/scripts/new/json")
    page.locator("#definition").fill(json.dumps(SCRIPT, ensure_ascii=False, indent=2))
    page.locator("#save").click()
    expect(page.locator("#ivr-diagram")).to_be_visible()
    expect(page.locator("#node-vek")).to_contain_text("Kolik je vám let?")
    screenshot(page, "call-script")

    page.locator("#form-view").click()  # the same script in the form
    page.locator("#f-q2-type").select_option("choice")  # the fields of a type show at once
    expect(page.locator("#f-q2-choices")).to_be_visible()
    expect(page.locator("#f-q2-ranges")).to_be_hidden()
    page.locator("#f-q2-type").select_option("date")
    page.locator("#f-q0-c0-next").select_option("termin")
    page.locator("#save").click()
    expect(page.locator("#f-q1 .field-error").first).to_have_text("K otázce „vek“ nevede žádná odpověď.")
    screenshot(page, "call-script-form-refused")
    page.locator("#f-q0-c0-next").select_option("vek")
    page.locator("#f-q0-c1-label").fill("Ne, děkuji")
    page.locator("#save").click()
    expect(page.locator("#script-version")).to_contain_text("Verze 2")
    expect(page.locator("#ivr-diagram")).to_contain_text("Ne, děkuji")
    screenshot(page, "call-script-form")
