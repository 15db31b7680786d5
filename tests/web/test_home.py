"""The start page of each role and the site icon (GEN-01)."""

from __future__ import annotations

import re

import pytest

from apps.web.admin.resources import RESOURCES


@pytest.mark.req("GEN-01")
def test_the_site_icon_is_served_and_named_by_every_page(client):
    with client.get("/favicon.ico") as icon:  # asked for by browsers without signing in
        assert icon.status_code == 200
        assert icon.mimetype == "image/vnd.microsoft.icon" and icon.data[:4] == b"\x00\x00\x01\x00"
    login = client.get("/login").get_data(as_text=True)
    linked = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', login)
    assert linked is not None
    with client.get(linked.group(1)) as svg:
        assert svg.status_code == 200 and svg.data.lstrip().startswith(b"<svg")


@pytest.mark.req("GEN-01")
@pytest.mark.parametrize(
    ("username", "daily", "absent"),
    [
        ("admin", ["home-admin-user", "home-admin-group", "home-admin-queue"], []),
        (
            "supervizor",
            [
                "home-supervisor",
                "home-alerts",
                "home-reports",
                "home-recordings",
                "home-evaluations",
                "home-callbacks",
            ],
            ["home-ivr", "home-audit"],
        ),
        (
            "novakova",
            ["home-desktop", "home-clients", "home-my-history", "home-evaluations", "home-reports"],
            ["home-admin", "home-supervisor", "home-recordings", "home-callbacks"],
        ),
        ("nahravky", ["home-recordings"], ["home-desktop", "home-admin"]),
        ("nastenka", ["home-wallboard"], ["home-desktop", "home-reports"]),
    ],
)
def test_each_role_starts_with_its_daily_tools_and_sees_only_what_it_may_open(
    client, username, daily, absent
):
    client.login(username)
    page = client.get("/").get_data(as_text=True)
    first = page[page.index('id="home-daily"') : page.index("</section>", page.index('id="home-daily"'))]
    found = re.findall(r'id="(home-[\w-]+)"', first)[2:]  # after the section's own ids
    assert found[: len(daily)] == daily
    if username == "admin":  # the configuration: every kind, the IVR and the audit log
        assert found[-2:] == ["home-ivr", "home-audit"] and len(found) == len(RESOURCES) + 2
    for tool in absent:
        assert f'id="{tool}"' not in page
    for link in re.findall(r'<a href="([^"#]+)" id="home-', page):
        assert client.get(link).status_code == 200, link  # every tile opens


@pytest.mark.req("GEN-01")
def test_the_menu_marks_the_page_shown_and_the_group_holding_it(admin_client):
    audit = admin_client.get("/admin/audit/").get_data(as_text=True)
    assert re.findall(r'id="(nav-[\w-]+)" aria-current="page"', audit) == [
        "nav-audit"
    ]  # not the administration
    missed = admin_client.get("/calls/missed").get_data(as_text=True)
    assert re.findall(r'id="(nav-[\w-]+)" aria-current="page"', missed) == ["nav-missed"]
    assert 'class="menu-group current" id="nav-group-follow_up"' in missed
