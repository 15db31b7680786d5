"""Every role starts at its work (design/ui.md): the menu fits on one line at 1366 × 768 with the
sign-out visible, what does not fit is under a named group that opens and closes, and the start page
shows the role's daily tools first."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.e2e.test_admin_journey import sign_in

pytestmark = pytest.mark.e2e

LAPTOP = {"width": 1366, "height": 768}


def menu_layout(page):  # type: ignore[no-untyped-def]
    """The top bar's geometry: the tops of the menu's entries, the sign-out button's box, overflow."""
    page.wait_for_load_state("load")  # the style sheet applied
    return page.evaluate(
        """() => {
          const bar = document.querySelector("header.topbar");
          const entries = [...bar.querySelectorAll("nav > a, nav > details > summary")];
          const out = document.querySelector("#logout").getBoundingClientRect();
          const after = bar.querySelector("nav ~ *:not(.spacer)").getBoundingClientRect();
          return {
            tops: entries.map((e) => Math.round(e.getBoundingClientRect().top)),
            rights: entries.map((e) => e.getBoundingClientRect().right),
            next: after.left,
            names: entries.map((e) => e.textContent.trim()),
            bar: bar.getBoundingClientRect().height,
            logout: {left: out.left, right: out.right, top: out.top, bottom: out.bottom},
            scroll: document.documentElement.scrollWidth,
            width: window.innerWidth,
          };
        }"""
    )


@pytest.mark.req("GEN-01")
@pytest.mark.parametrize(
    "username", ["admin", "supervizor", "novakova", "horak", "fronty", "nahravky", "nastenka"]
)
def test_the_menu_is_one_line_at_1366_and_sign_out_is_visible(page, username):
    page.set_viewport_size(LAPTOP)
    sign_in(page, username)
    expect(page.locator("#logout")).to_be_visible()
    layout = menu_layout(page)
    assert layout["names"], "the menu offers something"
    lines = list(zip(layout["names"], layout["tops"], strict=True))
    assert len(set(layout["tops"])) == 1, f"the menu wraps: {lines}"
    assert max(layout["rights"]) <= layout["next"], "the menu runs under what follows it"
    assert layout["bar"] < 60, f"the top bar is {layout['bar']} px high"
    logout = layout["logout"]
    assert logout["left"] >= 0 and logout["right"] <= LAPTOP["width"], logout
    assert layout["scroll"] <= layout["width"], "the page scrolls sideways"
    page.locator("#logout").click(trial=True)  # nothing covers it
    screenshot(page, f"menu-{username}")


@pytest.mark.req("GEN-01")
def test_the_supervisor_starts_at_the_live_view_and_opens_the_other_tools_from_named_groups(page):
    page.set_viewport_size(LAPTOP)
    sign_in(page, "supervizor")
    daily = page.locator("#home-daily li a")
    expect(daily).to_have_text(
        ["Živý provoz", "Upozornění", "Přehledy", "Nahrávky", "Hodnocení", "Zpětná volání"]
    )
    expect(page.locator("nav.menu > a").first).to_have_text("Živý provoz")
    group = page.locator("#nav-group-desk")
    expect(group.locator("summary")).to_have_text("Operátor")
    expect(page.locator("#nav-desktop")).to_be_hidden()
    group.locator("summary").click()
    expect(page.locator("#nav-desktop")).to_be_visible()
    screenshot(page, "menu-supervizor-group-open")
    page.keyboard.press("Escape")
    expect(page.locator("#nav-desktop")).to_be_hidden()
    group.locator("summary").click()
    page.locator("#nav-desktop").click()
    expect(page).to_have_url(re.compile(r"/desktop/$"))
    expect(page.locator("#nav-group-desk")).to_have_class("menu-group current")


@pytest.mark.req("GEN-01")
def test_the_administrator_starts_at_the_configuration(page):
    page.set_viewport_size(LAPTOP)
    sign_in(page, "admin")
    expect(page.locator("#home-daily #home-admin-user")).to_be_visible()
    expect(page.locator("#home-daily #home-admin-queue")).to_be_visible()
    expect(page.locator("#home-daily #home-ivr")).to_be_visible()
    expect(page.locator("#home-daily #home-supervisor")).to_have_count(0)
    expect(page.locator("#home-area-supervision #home-supervisor")).to_be_visible()


@pytest.mark.req("GEN-01")
def test_the_agent_starts_at_her_desktop(page):
    page.set_viewport_size(LAPTOP)
    sign_in(page, "novakova")
    expect(page.locator("#home-daily li a").first).to_have_text("Pracoviště operátora")
    expect(page.locator("#home-admin, #home-supervisor, #home-recordings")).to_have_count(0)


@pytest.mark.req("GEN-01")
def test_the_first_pages_log_no_console_error(page):
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto("/login")
    sign_in(page, "supervizor")
    expect(page.locator("#home-daily")).to_be_visible()
    page.wait_for_load_state("load")
    assert page.request.get("/favicon.ico").status == 200  # for what names no icon (files, JSON)
    assert errors == []
