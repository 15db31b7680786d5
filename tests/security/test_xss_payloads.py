"""A script payload in the name and text fields of every kind of object, in a failed sign-in's user
name and in a request path, never comes back unescaped on a page or as a formula in a CSV export
(issue 16, GEN-01, SEC-03).

The admin JSON API writes the payload into every text field of the first object of each admin kind
(a field that refuses it, like a user name, is left as it was); then every GET route, for the admin
and the supervisor, is fetched with every export format.
"""

from __future__ import annotations

import csv
import io

import pytest

from apps.web.admin.resources import RESOURCES
from tests.security.probes import client_for, demo_ids, probed_app, probes

PAYLOAD = "=x<script>kc()</script>\"'><img src=x onerror=kc()>"  # short: fits a 64-character name
RAW = ("<script>kc()", "<img src=x onerror=kc()>", "onerror=kc()>")
FORMULA = ("=", "+", "-", "@")


@pytest.fixture
def app(container):  # type: ignore[no-untyped-def]
    return probed_app(container)


def plant(app, container) -> list[str]:  # type: ignore[no-untyped-def]
    """The payload in every text field of each admin kind's first object; the fields that took it."""
    admin = client_for(app, "admin")
    ids = demo_ids(container)["entities"]
    planted = []
    for kind, resource in sorted(RESOURCES.items()):
        for field in resource.fields:
            if field.kind != "text":
                continue
            response = admin.api("PATCH", f"/api/v1/{kind}/{ids[kind]}", {field.name: PAYLOAD})
            assert response.status_code in (200, 404, 422), (kind, field.name, response.status_code)
            if response.status_code == 200:
                planted.append(f"{kind}.{field.name}")
    client = admin.api("POST", "/api/v1/clients", {"name": PAYLOAD, "phone": "+420601000999"})
    if client.status_code == 201:
        planted.append("client.name")
    stranger = client_for(app, "-")
    stranger.login(PAYLOAD, "wrong password")  # a failed sign-in: audited with the name given
    stranger.get("/" + PAYLOAD)  # a request path: 404, in the log
    return planted


def formulas(body: str, delimiter: str) -> list[str]:
    """CSV cells a spreadsheet would run: text beginning with = + - @ (numbers aside)."""
    found = []
    for row in csv.reader(io.StringIO(body), delimiter=delimiter):
        for cell in row:
            number = cell.replace(",", ".").replace(" ", "").replace("\xa0", "")
            if cell.startswith(FORMULA) and not number.lstrip("+-").replace(".", "", 1).isdigit():
                found.append(cell)
    return found


@pytest.mark.req("GEN-01", "SEC-03", "SEC-04")
def test_a_script_in_every_name_never_runs_on_a_page_nor_in_an_export(app, container):
    planted = plant(app, container)
    present = {kind for kind in RESOURCES if container.admin().list(kind)}
    taken = {field.split(".")[0] for field in planted}
    assert len(taken) >= len(present) // 2, sorted(present - taken)  # codes and numbers may refuse it

    problems, pages = [], 0
    for username in ("admin", "supervizor"):
        client = client_for(app, username)
        for probe in probes(app, container, ("GET",), formats=True):
            if probe.endpoint in ("auth.login", "auth.password"):
                continue  # nothing stored is shown there
            response = client.get(probe.path)
            body = response.get_data(as_text=response.mimetype.startswith("text/"))
            response.close()
            if isinstance(body, bytes):
                continue  # XLSX, PDF, audio: no markup a browser would run
            pages += 1
            if response.status_code >= 500 and response.status_code != 503:
                problems.append(f"{username}: {probe} -> {response.status_code}")
            if response.mimetype == "text/html" and any(raw in body for raw in RAW):
                problems.append(f"{username}: {probe} shows the payload unescaped")
            if response.mimetype == "text/csv":
                delimiter = ";" if probe.path.endswith("csv-semicolon") else ","
                problems += [f"{username}: {probe} cell {cell[:30]!r}" for cell in formulas(body, delimiter)]

    assert problems == []
    assert pages > 200
