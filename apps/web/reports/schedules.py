"""Scheduled reports (REP-21): a user's own schedules on ``/reports/schedules`` and their sending
by the worker (``send_due``, every minute).

A schedule keeps the report's filters as a query string (a relative preset such as
``preset=yesterday`` makes sense); each run builds the report as its owner would see it now (their
report access, ADM-06), renders it in the chosen format and mails it to the recipients. Success and
failure are stored on the schedule, shown on the page and audited; a failure is retried (see
``kc_domain.reports.schedule``).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

from flask import Blueprint, Flask, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from apps.web.messages import error_text
from apps.web.reports import REPORTS
from apps.web.reports.views import build_document, known_ids, make_context, render, scope, scope_of
from apps.web.security import actor, current_user, requires
from kc_domain.audit.model import Outcome
from kc_domain.audit.service import Actor
from kc_domain.errors import DomainError, FieldError, Forbidden, ValidationFailed
from kc_domain.reports.filters import parse_filter, restrict
from kc_domain.reports.schedule import FORMATS, Frequency, ReportSchedule
from kc_ports.mail import Attachment, MailError

log = logging.getLogger("kc.reports")
bp = Blueprint("report_schedules", __name__, url_prefix="/reports/schedules")
WORKER = Actor("worker", "system")

FREQUENCIES = {
    Frequency.DAILY: _l("Every day"),
    Frequency.WEEKLY: _l("Every week"),
    Frequency.MONTHLY: _l("Every month"),
}


def _kc() -> Any:
    return current_app.extensions["kc"]


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["KC_TIMEZONE"])


def _mine() -> list[ReportSchedule]:
    user = current_user()
    assert user is not None
    with _kc().uow_factory()() as uow:
        return [s for s in uow.report_schedules.list() if s.owner_id == user.user_id]


@bp.route("/", methods=["GET"])
@requires()
def index() -> ResponseReturnValue:
    reader = scope()
    form = {"report": request.args.get("report", ""), "query": request.args.get("query", "preset=yesterday")}
    return _page(reader, form, {})


def _page(
    reader: Any, form: dict[str, Any], errors: dict[str, list[str]], status: int = 200
) -> ResponseReturnValue:
    reports = [r for r in REPORTS.values() if reader.allows(r.key)]
    html = render_template(
        "reports/schedules.html",
        schedules=_mine(),
        reports=reports,
        titles={r.key: r.title for r in REPORTS.values()},
        formats=FORMATS,
        frequencies=FREQUENCIES,
        form=form,
        errors=errors,
    )
    return html, status


@bp.route("/", methods=["POST"])
@requires()
def create() -> ResponseReturnValue:
    reader = scope()
    user = current_user()
    assert user is not None
    form = request.form.to_dict()
    recipients = tuple(
        line.strip() for line in form.get("recipients", "").replace(",", "\n").splitlines() if line.strip()
    )
    errors: list[FieldError] = []
    number = {}
    for field in ("weekday", "day"):
        raw = form.get(field, "0" if field == "weekday" else "1").strip() or "0"
        if not raw.isdecimal():
            errors.append(FieldError(field, "not_a_number"))
        number[field] = int(raw) if raw.isdecimal() else 0
    try:
        frequency = Frequency(form.get("frequency", "daily"))
    except ValueError:
        errors.append(FieldError("frequency", "invalid_choice", {"value": form.get("frequency", "")}))
        frequency = Frequency.DAILY
    plan = ReportSchedule(
        user.user_id,
        form.get("name", "").strip(),
        form.get("report", ""),
        form.get("query", "").strip().lstrip("?"),
        form.get("format", "xlsx"),
        recipients,
        frequency,
        number["weekday"],
        number["day"],
        form.get("at", "").strip(),
    )
    errors += plan.problems(frozenset(r.key for r in REPORTS.values() if reader.allows(r.key)))
    if not errors:
        try:
            _check_query(plan, reader)
        except ValidationFailed as error:
            errors += [FieldError("query", e.code, {**e.params, "field": e.field}) for e in error.errors]
        except Forbidden:
            errors.append(FieldError("query", "outside_access"))
    if errors:
        _kc().audit().record_alone(
            _kc().uow_factory(),
            actor(),
            "report.schedule_create",
            object_type="report_schedule",
            params={"errors": [f"{e.field}:{e.code}" for e in errors]},
            outcome=Outcome.REJECTED,
        )
        shown: dict[str, list[str]] = {}
        for error in errors:
            shown.setdefault(error.field, []).append(error_text(error))
        return _page(reader, form, shown, 422)
    plan.next_run_at = plan.next_run(_kc().clock().now(), _zone())
    with _kc().uow_factory()() as uow:
        uow.report_schedules.add(plan)
        uow.commit()
    _audit(
        actor(), "report.schedule_create", plan, {"report": plan.report, "recipients": list(plan.recipients)}
    )
    flash(_("The report is scheduled."), "success")
    return redirect(url_for("report_schedules.index"))


def _check_query(plan: ReportSchedule, reader: Any) -> None:
    """The schedule's filters must be valid now and within the owner's access."""
    admin = _kc().admin()
    today = _kc().clock().now().astimezone(_zone()).date()
    wanted = parse_filter(parse_qs(plan.query), today, **known_ids(admin))
    restrict(plan.report, wanted, reader)


@bp.route("/<int:schedule_id>/delete", methods=["POST"])
@requires()
def delete(schedule_id: int) -> ResponseReturnValue:
    plan = _own(schedule_id)
    with _kc().uow_factory()() as uow:
        stored = uow.report_schedules.get(schedule_id)
        uow.report_schedules.delete(stored)
        uow.commit()
    _audit(actor(), "report.schedule_delete", plan, {"name": plan.name})
    flash(_("The schedule is deleted."), "success")
    return redirect(url_for("report_schedules.index"))


@bp.route("/<int:schedule_id>/send", methods=["POST"])
@requires()
def send_now(schedule_id: int) -> ResponseReturnValue:
    """Send it at once (e.g. to try the recipients); the regular times stay."""
    plan = _own(schedule_id)
    ok = send(_kc(), current_app, plan, _kc().clock().now(), keep_schedule=True)
    if ok:
        flash(_("The report was sent."), "success")
    else:
        flash(_("The report could not be sent: %(error)s", error=plan.last_error), "error")
    return redirect(url_for("report_schedules.index"))


def _own(schedule_id: int) -> ReportSchedule:
    user = current_user()
    assert user is not None
    with _kc().uow_factory()() as uow:
        plan = uow.report_schedules.get(schedule_id)
    if plan is None or plan.owner_id != user.user_id:
        abort(404)
    return plan


def _audit(
    who: Actor, action: str, plan: ReportSchedule, params: dict[str, Any], outcome: Outcome = Outcome.OK
) -> None:
    kc = _kc()
    kc.audit().record_alone(
        kc.uow_factory(),
        who,
        action,
        object_type="report_schedule",
        object_id=str(plan.id),
        params=params,
        outcome=outcome,
    )


# -- sending -------------------------------------------------------------------------------------------
def send_due(kc: Any, app: Flask) -> dict[str, int]:
    """Send every active schedule that is due (the worker, every minute)."""
    now = kc.clock().now()
    with kc.uow_factory()() as uow:
        due = [
            s
            for s in uow.report_schedules.list()
            if s.active and s.next_run_at is not None and s.next_run_at <= now
        ]
    sent = sum(1 for plan in due if send(kc, app, plan, now))
    return {"due": len(due), "sent": sent}


def send(kc: Any, app: Flask, plan: ReportSchedule, now: datetime, *, keep_schedule: bool = False) -> bool:
    """Build the report as its owner sees it, mail it, store the outcome; True when sent."""
    zone = ZoneInfo(app.config["KC_TIMEZONE"])
    with app.test_request_context(f"/reports/{plan.report}?{plan.query}"):
        try:
            attachment, subject, body = _made(kc, plan, zone)
            kc.mailer().send(plan.recipients, subject, body, attachment)
        except (MailError, DomainError, ValueError) as error:
            problem = str(error) or type(error).__name__
            log.warning("schedule %s (%s) failed: %s", plan.id, plan.name, problem)
            if not keep_schedule:
                plan.failed(now, zone, problem)
            else:
                plan.last_error = problem[:500]
            _store(kc, plan)
            _audit(WORKER, "report.schedule_send", plan, {"error": problem[:200]}, Outcome.REJECTED)
            return False
        if keep_schedule:
            plan.last_run_at, plan.last_error = now, ""
        else:
            plan.sent(now, zone)
        _store(kc, plan)
        _audit(
            WORKER,
            "report.schedule_send",
            plan,
            {"recipients": list(plan.recipients), "file": attachment.filename},
        )
        return True


def _made(kc: Any, plan: ReportSchedule, zone: ZoneInfo) -> tuple[Attachment, str, str]:
    admin = kc.admin()
    owner = admin.get("user", plan.owner_id)
    groups = {g.id: g.roles for g in admin.list("group")}
    reader = scope_of(admin, owner.id, owner.permissions(groups.get(owner.group_id, frozenset())))
    if reader is None or not owner.active:
        raise Forbidden(_("The schedule's owner may no longer see reports."))
    report = REPORTS.get(plan.report)
    if report is None:
        raise ValueError(_("The report no longer exists."))
    today = kc.clock().now().astimezone(zone).date()
    wanted = parse_filter(parse_qs(plan.query), today, **known_ids(admin))
    document = build_document(report, make_context(kc, restrict(plan.report, wanted, reader), zone))
    data, content_type, filename = render(document, plan.report, plan.format, zone)
    period = dict(document.filters).get(_("Period"), "")
    subject = f"KC: {document.title} ({period})"
    lines = [document.title, "", *(f"{label}: {value}" for label, value in document.filters), "", plan.name]
    return Attachment(filename, content_type.split(";")[0], data), subject, "\n".join(lines)


def _store(kc: Any, plan: ReportSchedule) -> None:
    with kc.uow_factory()() as uow:
        stored = uow.report_schedules.get(plan.id)
        if stored is None:
            return
        for name in ("next_run_at", "last_run_at", "last_error", "failures"):
            setattr(stored, name, getattr(plan, name))
        uow.commit()
