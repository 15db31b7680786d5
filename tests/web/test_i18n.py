"""Czech by default, English on request, every string translated (GEN-04 UI language part)."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.req("GEN-04")
def test_ui_is_czech_by_default_and_english_on_request(admin_client):
    assert "Administrace" in admin_client.get("/").get_data(as_text=True)
    admin_client.post("/language", {"language": "en", "next": "/"})
    page = admin_client.get("/admin/queue/").get_data(as_text=True)
    assert "Queues" in page and "Fronty" not in page
    admin_client.post("/language", {"language": "cs", "next": "/"})
    assert "Fronty" in admin_client.get("/admin/queue/").get_data(as_text=True)


@pytest.mark.req("GEN-04")
def test_every_translatable_string_has_a_czech_translation():
    method_map = [("apps/**.py", "python"), ("apps/web/templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None}
    in_code = {
        message[2] if isinstance(message[2], str) else message[2][0]
        for message in extract_from_dir(str(ROOT), method_map, keywords=keywords)
    }
    with open(ROOT / "apps/web/translations/cs/LC_MESSAGES/messages.po", "rb") as po:
        catalog = read_po(po)
    translated = {m.id for m in catalog if m.id and m.string and "fuzzy" not in m.flags}
    assert sorted(in_code - translated) == []


@pytest.mark.req("GEN-04")
def test_times_are_shown_in_prague_time(admin_client, container):
    from kc_domain.audit.service import AuditQuery

    record = container.audit().search(container.uow_factory(), AuditQuery(), 1)[0]
    local = record.at.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Prague"))
    page = admin_client.get("/admin/audit/").get_data(as_text=True)
    assert f"{local.hour}:{local.minute:02d}" in page
