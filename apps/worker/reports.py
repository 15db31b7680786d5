"""Scheduled reports (REP-21) sent without the web: the domain makes the owner's report, the exporters
write it in the schedule's format and the mailer sends it; the outcome is stored with its audit
record. The worker sends due schedules in the configured default language (as a page seen by nobody
signed in); the schedules page's "send now" passes the reader's language and wording."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import apps
from apps.container import Container
from kc_adapters.exports.files import export_file
from kc_adapters.exports.wording import BabelWording, catalogue_wording
from kc_domain.errors import DomainError
from kc_domain.reports.schedule import ReportSchedule
from kc_domain.reports.service import ReportService, ScheduleService, mail_text
from kc_domain.texts import Wording
from kc_ports.mail import Attachment, MailError

log = logging.getLogger("kc.reports")
TRANSLATIONS = Path(apps.__file__).parent / "web" / "translations"  # the web's compiled catalogue
_WORDINGS: dict[str, BabelWording] = {}


def wording(locale: str) -> BabelWording:
    """The words of ``locale`` from the compiled catalogue, loaded once."""
    if locale not in _WORDINGS:
        _WORDINGS[locale] = catalogue_wording(TRANSLATIONS, locale)
    return _WORDINGS[locale]


def report_service(container: Container) -> ReportService:
    zone = ZoneInfo(container.settings().timezone)
    return ReportService(
        container.admin(),
        container.journal(),
        container.ivr(),
        container.clock(),
        zone,
        container.uow_factory(),
    )


def schedule_service(container: Container) -> ScheduleService:
    return ScheduleService(
        container.uow_factory(), container.audit(), container.clock(), report_service(container)
    )


def send_due(container: Container) -> dict[str, int]:
    """Send every active schedule that is due (the worker, every minute)."""
    now = container.clock().now()
    words = wording(container.settings().default_language)
    due = schedule_service(container).due(now)
    sent = sum(1 for plan in due if send(container, plan, now, words))
    return {"due": len(due), "sent": sent}


def send(
    container: Container, plan: ReportSchedule, now: datetime, words: Wording, *, keep_schedule: bool = False
) -> bool:
    """Make the report as its owner sees it, mail it, store the outcome; True when sent."""
    schedules = schedule_service(container)
    try:
        document = schedules.document(plan, words)
        made = export_file(document, plan.report, plan.format, ZoneInfo(container.settings().timezone), words)
        subject, body = mail_text(plan, document, words)
        attachment = Attachment(made.filename, made.content_type.split(";")[0], made.body)
        container.mailer().send(plan.recipients, subject, body, attachment)
    except (MailError, DomainError, ValueError) as error:
        problem = str(error) or type(error).__name__
        log.warning("schedule=%s failed: %s", plan.id, problem)
        schedules.failed(plan, now, problem, keep_schedule=keep_schedule)
        return False
    schedules.sent(plan, now, made.filename, keep_schedule=keep_schedule)
    return True
