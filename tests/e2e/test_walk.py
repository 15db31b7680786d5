"""A day's walk through KC as each demo role, in Chromium at 1366 px: every page the role's menu
and start page offer opens without a server error, a JavaScript error or a console error, and is
kept as a screenshot in test-artifacts/ (walk-<user>-<page>.png) for a person to look through."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.e2e.test_admin_journey import sign_in

pytestmark = pytest.mark.e2e

ROLES = ["admin", "supervizor", "fronty", "novakova", "horak", "nahravky", "nastenka"]
LEAVE_OUT = ("/logout", "/language", "/favicon", "/static/")  # actions and files, not pages


def offered_pages(page) -> list[str]:  # type: ignore[no-untyped-def]
    """The same-origin paths linked from the menu and the start page, in the order shown."""
    hrefs = page.eval_on_selector_all(
        "header.topbar a[href], main a[href]", "links => links.map(a => a.getAttribute('href'))"
    )
    paths: list[str] = []
    for href in hrefs:
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or not parts.path.startswith("/") or parts.path.startswith(LEAVE_OUT):
            continue
        if parts.path not in paths:
            paths.append(parts.path)
    return paths


@pytest.mark.req("GEN-02", "GEN-04", "GEN-01")
@pytest.mark.parametrize("username", ROLES)
def test_every_page_a_role_is_offered_opens_cleanly(page, username, running_host):
    problems: list[str] = []
    page.on(
        "console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None
    )
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    sign_in(page, username)
    expect(page.locator("#logout")).to_be_visible()
    paths = offered_pages(page)
    assert paths, f"{username} is offered no page"
    for path in paths:
        response = page.goto(path)
        assert response is not None and response.status < 500, f"{path}: {response and response.status}"
        page.wait_for_load_state("load")
        slug = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"
        screenshot(page, f"walk-{username}-{slug}")
    assert problems == [], f"{username}: {problems}"
