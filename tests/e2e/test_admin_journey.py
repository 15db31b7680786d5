"""An administrator's day one, in a real browser: sign in, create a queue with opening hours,
give an agent a skill in it, and find both changes in the audit log."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e


def sign_in(page, username: str = "admin", password: str = "Kontakt-2026") -> None:  # type: ignore[no-untyped-def]
    page.goto("/login")
    page.get_by_label("Uživatelské jméno").fill(username)
    page.get_by_label("Heslo").fill(password)
    page.get_by_role("button", name="Přihlásit").click()


@pytest.mark.req("ADM-05", "ADM-10", "SEC-03", "GEN-02", "IN-18")
def test_admin_creates_queue_gives_skill_and_sees_it_in_the_audit_log(page):
    sign_in(page)
    expect(page.get_by_role("heading", name="Vítejte, Alena Adámková")).to_be_visible()

    page.get_by_role("link", name="Administrace").first.click()
    page.locator("#admin-queue").click()
    page.locator("#new").click()
    page.locator("#f-name").fill("Lázeňská péče")
    page.locator("#f-number").fill("+420261105562")
    page.locator("#f-hours_mon").fill("08:00-11:30, 12:30-17:00")
    for day in ("tue", "wed", "thu"):
        page.locator(f"#f-hours_{day}").fill("08:00-17:00")
    page.locator("#f-hours_fri").fill("08:00-15:00")
    page.locator("#f-exceptions").fill("2026-12-24 08:00-12:00 Štědrý den")
    page.locator("#f-overflow_kind").select_option("voicemail")
    page.locator("#f-overflow_target").fill("lazne")
    screenshot(page, "admin-queue-form")
    page.locator("#save").click()
    expect(page.get_by_text("Uloženo: Lázeňská péče")).to_be_visible()
    expect(page.locator("#items")).to_contain_text("Lázeňská péče")

    page.goto("/admin/skill/new")
    page.locator("#f-user_id").select_option(label="Lucie Černá (cerna)")
    page.locator("#f-queue_id").select_option(label="Lázeňská péče")
    page.locator("#f-level").fill("8")
    page.locator("#f-priority").fill("1")
    page.locator("#save").click()
    expect(page.locator("#items")).to_contain_text("Lázeňská péče")

    page.get_by_role("link", name="Auditní záznam").first.click()
    audit = page.locator("#audit")
    expect(audit).to_contain_text("queue.create")
    expect(audit).to_contain_text("skill.create")
    expect(audit).to_contain_text("Lázeňská péče")
    screenshot(page, "admin-audit-log")


@pytest.mark.req("ADM-05")
def test_overlapping_hours_are_explained_next_to_the_field_and_nothing_is_saved(page):
    sign_in(page)
    page.goto("/admin/queue/new")
    page.locator("#f-name").fill("Chybná fronta")
    page.locator("#f-hours_mon").fill("08:00-12:00, 11:00-17:00")
    page.locator("#save").click()
    expect(page.locator("#form-error")).to_be_visible()
    overlap = "08:00-12:00 a 11:00-17:00 se překrývají."
    expect(page.locator(".field-error", has_text=overlap)).to_be_visible()  # next to the field
    expect(page.locator("#form-error-list")).to_contain_text(f"Provozní doba – Pondělí: {overlap}")
    expect(page.locator("#f-hours_mon")).to_have_value("08:00-12:00, 11:00-17:00")
    screenshot(page, "admin-queue-error")
    page.goto("/admin/queue/")
    expect(page.locator("#items")).not_to_contain_text("Chybná fronta")


@pytest.mark.req("GEN-01", "ADM-04")
def test_agent_cannot_open_administration(page):
    sign_in(page, "novakova")
    expect(page.get_by_role("link", name="Administrace")).to_have_count(0)
    response = page.goto("/admin/user/")
    assert response is not None and response.status == 403
    expect(page.locator("#error-message")).to_have_text("K této akci nemáte oprávnění.")


def test_wrong_password_shows_a_clear_message(page):
    sign_in(page, "admin", "spatne")
    expect(page.locator("#login-error")).to_have_text("Nesprávné uživatelské jméno nebo heslo.")


@pytest.mark.req("GEN-04")
def test_language_switch_to_english(page):
    sign_in(page)
    page.get_by_role("button", name="EN").click()
    expect(page.get_by_role("link", name="Administration").first).to_be_visible()
    page.get_by_role("button", name="CS").click()
    expect(page.get_by_role("link", name="Administrace").first).to_be_visible()
