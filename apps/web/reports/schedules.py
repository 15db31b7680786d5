"""Scheduled reports (REP-21): a user's own schedules on ``/reports/schedules``; the use cases are
``kc_domain.reports.service.ScheduleService``, the sending ``apps.worker.reports`` (every minute).

A schedule keeps the report's filters as a query string (a relative preset such as
``preset=yesterday`` makes sense); each run builds the report as its owner would see it now (their
report access, ADM-06), renders it in the chosen format and mails it to the recipients. Success and
failure are stored on the schedule, shown on the page and audited; a failure is retried (see
``kc_domain.reports.schedule``).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from apps.web.messages import error_text
from apps.web.reports.views import scope, words
from apps.web.security import actor, current_user, requires
from apps.web.services import services
from apps.worker.reports import schedule_service, send
from kc_domain.errors import NotFound, ValidationFailed
from kc_domain.reports.catalogue import REPORTS
from kc_domain.reports.filters import Scope
from kc_domain.reports.schedule import FORMATS, Frequency, ReportSchedule
from kc_domain.reports.service import ScheduleService

bp = Blueprint("report_schedules", __name__, url_prefix="/reports/schedules")

FREQUENCIES = {
    Frequency.DAILY: _l("Every day"),
    Frequency.WEEKLY: _l("Every week"),
    Frequency.MONTHLY: _l("Every month"),
}


def _schedules() -> ScheduleService:
    return schedule_service(services().container)


def _user_id() -> int:
    user = current_user()
    assert user is not None
    return int(user.user_id)


@bp.route("/", methods=["GET"])
@requires()
def index() -> ResponseReturnValue:
    reader = scope()
    form = {"report": request.args.get("report", ""), "query": request.args.get("query", "preset=yesterday")}
    return _page(reader, form, {})


def _page(
    reader: Scope, form: dict[str, Any], errors: dict[str, list[str]], status: int = 200
) -> ResponseReturnValue:
    reports = [r for r in REPORTS.values() if reader.allows(r.key)]
    html = render_template(
        "reports/schedules.html",
        schedules=_schedules().mine(_user_id()),
        reports=reports,
        titles={r.key: _(r.title) for r in REPORTS.values()},
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
    form = request.form.to_dict()
    try:
        _schedules().create(actor(), _user_id(), reader, form)
    except ValidationFailed as error:
        shown: dict[str, list[str]] = {}
        for problem in error.errors:
            shown.setdefault(problem.field, []).append(error_text(problem))
        return _page(reader, form, shown, 422)
    flash(_("The report is scheduled."), "success")
    return redirect(url_for("report_schedules.index"))


@bp.route("/<int:schedule_id>/delete", methods=["POST"])
@requires()
def delete(schedule_id: int) -> ResponseReturnValue:
    _own(schedule_id)
    _schedules().delete(actor(), _user_id(), schedule_id)
    flash(_("The schedule is deleted."), "success")
    return redirect(url_for("report_schedules.index"))


@bp.route("/<int:schedule_id>/send", methods=["POST"])
@requires()
def send_now(schedule_id: int) -> ResponseReturnValue:
    """Send it at once (e.g. to try the recipients), in the reader's language; the regular times stay."""
    plan = _own(schedule_id)
    kc = services()
    if send(kc.container, plan, kc.clock().now(), words(), keep_schedule=True):
        flash(_("The report was sent."), "success")
    else:
        flash(_("The report could not be sent: %(error)s", error=plan.last_error), "error")
    return redirect(url_for("report_schedules.index"))


def _own(schedule_id: int) -> ReportSchedule:
    try:
        return _schedules().own(_user_id(), schedule_id)
    except NotFound:
        abort(404)
