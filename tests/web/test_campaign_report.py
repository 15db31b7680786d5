"""The campaign report in the reports framework (OUT-14, REP-10, REP-05, REP-21) on the web: the page
with its campaign filter, tables and chart, each export (Excel, CSV, CSV for Czech Excel, PDF), a
schedule mailing it, and ``/campaigns/<id>/report`` opening it narrowed to the campaign; the
dialler's attempt without an agent counts in all but the agents' rows."""

from __future__ import annotations

import csv
import email
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import openpyxl
import pytest
from dependency_injector import providers

from apps.worker.reports import send_due
from kc_adapters.mail import SmtpMailer
from kc_adapters.system import FixedClock
from kc_domain.outbound.attempts import CampaignAttempt
from kc_domain.outbound.campaigns import ListEntry
from kc_domain.outbound.outcomes import Outcome
from kc_domain.routing import events as ev
from tests.web.test_campaign_pages import SCRIPT, SUPERVISOR, campaign, queue_id
from tests.web.test_report_schedules import schedule_form, smtp, stored  # noqa: F401  (a fixture)

pytestmark = pytest.mark.req("OUT-14", "REP-10")

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)  # Tuesday 13:00 in Prague
MONDAY = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # 9:00 in Prague
PERIOD = "since=2026-11-23&until=2026-11-24"


def seed_campaign(container: Any) -> int:
    """A campaign with a script and, on Monday 23 November, three attempts by Horák (a success with
    answers, a refusal, no answer), one by Nováková (busy) and one by the dialler that no agent took
    (abandoned); Horák logged in 9:00-10:00 Prague, on calls 20 minutes and in wrap-up 10."""
    script = container.call_scripts().create(SUPERVISOR, SCRIPT)
    campaign_id = campaign(
        container, queue_id(container), mode="preview", name="Prevence", script_id=script.id
    )
    people = {u.username: u.id for u in container.admin().list("user")}
    horak, novakova = people["horak"], people["novakova"]
    container.campaigns().add_entries(
        SUPERVISOR, campaign_id, [ListEntry(0, "603123456", name="Jana Dvořáková")]
    )
    with container.uow_factory()() as uow:
        (entry,) = uow.campaign_lists.of_campaign(campaign_id)
        made = [
            (horak, 0, 10, Outcome.SUCCESS, {"zajem": "ano"}),
            (horak, 10, 5, Outcome.REFUSED, {"zajem": "ne"}),
            (horak, 15, 5, Outcome.NO_ANSWER, {}),
            (novakova, 20, 10, Outcome.BUSY, {}),
            (None, 30, 1, Outcome.ABANDONED, {}),
        ]
        for agent, start, minutes, outcome, answers in made:
            attempt = CampaignAttempt(campaign_id, entry.id, agent, MONDAY + timedelta(minutes=start))
            attempt.answers = answers
            attempt.end(attempt.started_at + timedelta(minutes=minutes), outcome)
            uow.campaign_attempts.append(attempt)
        uow.commit()
    states = [
        ("ready", "logged_out", 0),
        ("busy", "ready", 10),
        ("wrap_up", "busy", 30),
        ("ready", "wrap_up", 40),
    ]
    changes = [ev.AgentStateChanged(MONDAY + timedelta(minutes=m), horak, s, p) for s, p, m in states]
    changes.append(ev.AgentStateChanged(MONDAY + timedelta(minutes=60), horak, "logged_out", "ready"))
    container.journal().record(changes, [])
    return campaign_id


@pytest.fixture
def seeded(container) -> int:
    container.clock.override(providers.Object(FixedClock(NOW)))
    return seed_campaign(container)


def by_title(document: dict[str, Any], title: str) -> dict[str, Any]:
    return next(t for t in document["tables"] if t["title"].startswith(title))


def cell(table: dict[str, Any], row: list[Any], key: str) -> Any:
    return row[[c["key"] for c in table["columns"]].index(key)]


def test_the_campaign_report_shows_its_figures_with_the_campaign_filter(client, seeded):
    client.login("supervizor")
    page = client.http.get(f"/reports/campaigns?campaign={seeded}&{PERIOD}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'id="f-campaign"' in html and f'<option value="{seeded}" selected' in html
    assert (
        "Prevence" in html and "<svg" in html and 'id="export-pdf"' in html and 'id="schedule-link"' in html
    )
    document = client.api("GET", f"/api/v1/reports/campaigns?campaign={seeded}&{PERIOD}").get_json()
    campaigns = by_title(document, "Kampaně")
    (row,) = campaigns["rows"]
    assert row[0] == "Prevence" and cell(campaigns, row, "attempts") == 5
    assert cell(campaigns, row, "live") == 3  # a success, a refusal and the dialler's abandoned call
    assert cell(campaigns, row, "reach_rate") == 0.6 and cell(campaigns, row, "success_rate") == 0.2
    assert cell(campaigns, row, "abandoned") == 1 and cell(campaigns, row, "abandon_rate") == 0.3333
    assert cell(campaigns, row, "per_agent_hour") == 8.0  # 4 attempts by agents in 30 minutes
    agents = by_title(document, "Podle operátorů")
    assert len(agents["rows"]) == 2  # Horák and Nováková; no row for the dialler
    horak = next(r for r in agents["rows"] if "Horák" in r[0])
    assert cell(agents, horak, "occupancy") == 0.5  # 20 min on calls + 10 min wrap-up of 60 logged in
    assert any(t["title"].endswith("Prevence") for t in document["tables"])  # the questionnaire results
    wrong = client.http.get(f"/reports/campaigns?campaign=999&{PERIOD}")
    assert wrong.status_code == 422 and 'data-field="campaign"' in wrong.get_data(as_text=True)


def test_the_campaign_s_own_report_link_opens_the_report_narrowed_to_it(client, seeded):
    client.login("supervizor")
    page = client.http.get(f"/campaigns/{seeded}/report")
    assert page.status_code == 302
    assert (
        page.headers["Location"] == f"/reports/campaigns?campaign={seeded}&{PERIOD}"
    )  # from the first attempt
    old_csv = client.http.get(f"/campaigns/{seeded}/report.csv")
    assert old_csv.headers["Location"].startswith("/reports/campaigns/export/csv-semicolon?")
    assert client.http.get("/campaigns/999/report").status_code == 404


@pytest.mark.req("REP-05")
def test_the_campaign_report_exports_to_excel_csv_and_pdf(client, seeded):
    client.login("supervizor")
    query = f"campaign={seeded}&{PERIOD}"
    xlsx = client.http.get(f"/reports/campaigns/export/xlsx?{query}")
    assert xlsx.status_code == 200 and "attachment" in xlsx.headers["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.data)).active
    assert sheet is not None
    assert "Prevence" in {c.value for row in sheet.iter_rows() for c in row}
    plain = client.http.get(f"/reports/campaigns/export/csv?{query}").data.decode("utf-8-sig")
    rows = [r for r in csv.reader(io.StringIO(plain)) if r]
    assert any(r[:3] == ["Prevence", "5", "0"] for r in rows)  # 5 attempts, none skipped
    czech = client.http.get(f"/reports/campaigns/export/csv-semicolon?{query}").data.decode("utf-8-sig")
    assert any(r[:1] == ["Prevence"] and "60,00%" in r for r in csv.reader(io.StringIO(czech), delimiter=";"))
    pdf = client.http.get(f"/reports/campaigns/export/pdf?{query}")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


@pytest.mark.req("REP-21")
def test_the_campaign_report_is_scheduled_and_mailed_like_the_others(client, container, seeded, smtp):  # noqa: F811
    inbox, port = smtp
    container.mailer.override(providers.Object(SmtpMailer(f"smtp://127.0.0.1:{port}", "kc@ozp.example")))
    client.login("supervizor")
    form = schedule_form(report="campaigns", query=f"campaign={seeded}&preset=yesterday", format="pdf")
    assert client.post("/reports/schedules/", form).status_code == 302
    (plan,) = stored(container)
    container.clock.override(providers.Object(FixedClock(plan.next_run_at)))
    assert send_due(container) == {"due": 1, "sent": 1}
    (message,) = inbox.messages
    assert "Kampaně" in str(email.header.make_header(email.header.decode_header(message["Subject"])))
    attachment = next(p for p in message.walk() if p.get_filename())
    assert attachment.get_payload(decode=True).startswith(b"%PDF")
