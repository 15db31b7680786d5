"""Scheduled reports (REP-21) against a real SMTP server (aiosmtpd): a user schedules a report, the
worker's job sends it when due with the file attached; a failure is shown and retried; bad input is
refused field by field and nothing is stored or sent."""

from __future__ import annotations

import email
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from email.message import Message

import pytest
from aiosmtpd.controller import Controller
from dependency_injector import providers

from apps.worker.reports import send_due
from kc_adapters.mail import SmtpMailer
from kc_adapters.system import FixedClock
from kc_domain.audit.service import AuditQuery
from tests.contract.test_report_figures import DAY

NOW = datetime(2026, 11, 24, 5, 0, tzinfo=UTC)  # Tuesday 6:00 in Prague


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, _server, _session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield inbox, controller.port
    controller.stop()


@pytest.fixture
def setup(container, smtp):
    _inbox, port = smtp
    clock = FixedClock(NOW)
    container.clock.override(providers.Object(clock))
    container.mailer.override(providers.Object(SmtpMailer(f"smtp://127.0.0.1:{port}", "kc@ozp.example")))
    container.journal().record(DAY, [])
    return clock


def schedule_form(**values: str) -> dict[str, str]:
    return {
        "name": "Včerejší přehled",
        "report": "calls_overview",
        "query": "preset=yesterday",
        "format": "xlsx",
        "recipients": "vedouci@ozp.example\nkvalita@ozp.example",
        "frequency": "daily",
        "weekday": "0",
        "day": "1",
        "at": "07:00",
        **values,
    }


def stored(container):
    with container.uow_factory()() as uow:
        return uow.report_schedules.list()


@pytest.mark.req("REP-21", "REP-05")
def test_a_scheduled_report_is_mailed_with_its_file_when_due(client, container, app, smtp, setup):
    inbox, _port = smtp
    clock = setup
    client.login("supervizor")
    created = client.post("/reports/schedules/", schedule_form())
    assert created.status_code == 302
    (plan,) = stored(container)
    assert plan.next_run_at == datetime(2026, 11, 24, 6, 0, tzinfo=UTC)  # 7:00 in Prague
    assert send_due(container) == {"due": 0, "sent": 0}
    clock.advance(hours=1)
    assert send_due(container) == {"due": 1, "sent": 1}
    (message,) = inbox.messages
    assert message["To"] == "vedouci@ozp.example, kvalita@ozp.example"
    assert "Přehled hovorů" in str(email.header.make_header(email.header.decode_header(message["Subject"])))
    attachment = next(p for p in message.walk() if p.get_filename())
    assert attachment.get_filename().endswith(".xlsx") and len(attachment.get_payload(decode=True)) > 1000
    (plan,) = stored(container)
    assert plan.last_run_at == clock.now() and plan.next_run_at == datetime(2026, 11, 25, 6, 0, tzinfo=UTC)
    page = client.get("/reports/schedules/").get_data(as_text=True)
    assert f'id="schedule-{plan.id}"' in page
    records = container.audit().search(container.uow_factory(), AuditQuery(action="report.schedule"), 10)
    assert {r.action for r in records} == {"report.schedule_create", "report.schedule_send"}


@pytest.mark.req("REP-21")
def test_a_failed_sending_is_shown_and_retried(client, container, app, setup):
    clock = setup
    container.mailer.override(
        providers.Object(SmtpMailer(f"smtp://127.0.0.1:{free_port()}", "kc@ozp.example"))
    )
    client.login("supervizor")
    client.post("/reports/schedules/", schedule_form(format="pdf"))
    clock.advance(hours=1)
    assert send_due(container) == {"due": 1, "sent": 0}
    (plan,) = stored(container)
    assert plan.failures == 1 and "127.0.0.1" in plan.last_error
    assert plan.next_run_at == clock.now() + timedelta(minutes=5)
    assert "127.0.0.1" in client.get("/reports/schedules/").get_data(as_text=True)


@pytest.mark.req("REP-21")
def test_bad_schedules_are_refused_and_nothing_is_stored_or_sent(client, container, app, smtp, setup):
    inbox, _port = smtp
    client.login("supervizor")
    refused = client.post(
        "/reports/schedules/",
        schedule_form(recipients="vedouci@ozp.example\nnot an address", at="25:00", query="since=2026-13-01"),
    )
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "not an address" in page and "25:00" in page and "2026-13-01" in page
    client.login("novakova")  # an agent: only the agents' reports
    assert client.post("/reports/schedules/", schedule_form(report="lost_calls")).status_code == 422
    assert stored(container) == [] and inbox.messages == []


def attached(message: Message) -> tuple[str, bytes]:
    part = next(p for p in message.walk() if p.get_filename())
    return part.get_filename(), part.get_payload(decode=True)


@pytest.mark.req("REP-21", "REP-05")
@pytest.mark.parametrize("fmt", ["csv", "csv-semicolon"])
def test_the_mailed_report_is_the_file_the_page_exports_for_the_same_report_and_filters(
    client, container, smtp, setup, fmt
):
    """The worker makes the file without the web; the recipient gets what the export link gives the
    schedule's owner: the same name, the same bytes (columns, figures, Czech words)."""
    inbox, _port = smtp
    clock = setup
    query = "preset=yesterday&queue=1&interval=30"
    client.login("supervizor")
    assert (
        client.post(
            "/reports/schedules/", schedule_form(report="hourly", query=query, format=fmt)
        ).status_code
        == 302
    )
    clock.advance(hours=1)
    assert send_due(container) == {"due": 1, "sent": 1}
    exported = client.http.get(f"/reports/hourly/export/{fmt}?{query}")
    assert exported.status_code == 200
    name, body = attached(inbox.messages[0])
    assert f'filename="{name}"' in exported.headers["Content-Disposition"]
    assert body == exported.data and "Hovory podle denní doby".encode() in body


@pytest.mark.req("REP-21")
def test_the_worker_makes_reports_without_the_web_or_flask():
    """The worker loads neither the web nor Flask: no app, no request context (issue 18)."""
    code = (
        "import sys, apps.worker, apps.worker.reports; "
        "found = sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'flask_babel') "
        "or m.startswith('apps.web')); print(found); sys.exit(1 if found else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
