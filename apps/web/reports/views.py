"""The reports in the web (REP-01, REP-04..REP-06, ADM-06): a list of the reports the reader may
see, each report with its filter form, tables, charts and exports, and the calls behind a figure.

- ``GET /reports/`` the list; ``GET /reports/<key>`` a report (filters in the query string:
  ``preset`` or ``since``/``until``, ``weekday``, ``from``/``to``, ``queue``, ``agent``, ``group``,
  ``category``, ``campaign``);
- ``GET /reports/<key>/export/<xlsx|csv|csv-semicolon|pdf>`` the same as a file (``csv`` for
  programs, dot decimals; ``csv-semicolon`` for Czech Excel, decimal commas, a file name of its own);
- ``GET /reports/calls`` the calls behind a figure (drill-down), the same filters plus ``hour``;
- ``GET /api/v1/reports/<key>`` the report as JSON.

What a report is (its filters, figures, tables, charts, words) is ``kc_domain.reports``; this module
only parses the request, asks the domain and renders the page or the file (``kc_adapters.exports``).

Who sees what (ADM-06): users with report rights see the reports, queues and groups of their report
access filters (none assigned: everything); an agent without report rights sees the reports made
for agents, with their own figures only. Anything else asked for explicitly is a 403.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any, NoReturn
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from flask_babel import get_translations

from apps.web.errors import validation_payload
from apps.web.i18n import locale_code
from apps.web.messages import CALL_ENDS, DIRECTIONS
from apps.web.recordings import recording_links
from apps.web.security import audit_denied, current_user, may, requires
from apps.web.services import services
from apps.worker.reports import report_service
from kc_adapters.exports import format_cell
from kc_adapters.exports.files import EXPORTS, export_file
from kc_adapters.exports.wording import BabelWording
from kc_domain.errors import Forbidden, ValidationFailed
from kc_domain.identity.roles import Permission
from kc_domain.reports.catalogue import REPORTS
from kc_domain.reports.definition import Context, Report
from kc_domain.reports.document import ColumnKind, Document
from kc_domain.reports.figures import report_times, selected
from kc_domain.reports.filters import PRESETS, ReportFilter, Scope
from kc_domain.reports.service import ReportService, scope_of

__all__ = ["EXPORTS", "scope_of"]

bp = Blueprint("reports", __name__, url_prefix="/reports")
api = Blueprint("reports_api", __name__, url_prefix="/api/v1/reports")

CALLS_LIMIT = 1000  # calls listed behind a figure at most


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["KC_TIMEZONE"])


def service() -> ReportService:
    return report_service(services().container)


def words() -> BabelWording:
    """The reader's language, for the domain's texts and the exports."""
    return BabelWording(get_translations(), locale_code())


def scope() -> Scope:
    """The signed-in reader's scope; 403 for a user with neither report rights nor a desktop."""
    user = current_user()
    assert user is not None
    found = scope_of(services().admin(), user.user_id, user.permissions)
    if found is None:
        _denied()
    return found


def _denied() -> NoReturn:
    user = current_user()
    assert user is not None
    audit_denied(user)
    abort(403)


def _report(key: str, reader: Scope) -> Report:
    report = REPORTS.get(key)
    if report is None:
        abort(404)
    if not reader.allows(key):
        _denied()
    return report


def _filter(key: str, reader: Scope) -> ReportFilter:
    try:
        return service().filter(key, request.args.to_dict(flat=False), reader)
    except Forbidden:
        _denied()


def _drill(key: str = "") -> Any:
    """The URL of the calls behind a figure: the page's filters and the figure's own."""
    skip = ("queue", "agent", "hour", "report")
    base = {k: v for k, v in request.args.to_dict(flat=False).items() if k not in skip}

    def drill(**extra: Any) -> str:
        args: dict[str, Any] = {**base}
        for name in ("queue", "agent"):
            if request.args.getlist(name) and name not in extra:
                args[name] = request.args.getlist(name)
        args.update({k: v for k, v in extra.items() if v is not None})
        if "since" in extra:
            args.pop("preset", None)
        return url_for("reports.calls", report=key, **args) if key else url_for("reports.calls", **args)

    return drill


def _document(key: str, reader: Scope) -> Document:
    report = _report(key, reader)
    return service().document(report, _filter(key, reader), words(), _drill(key))


@bp.app_template_filter("report_cell")
def report_cell(value: Any, kind: ColumnKind) -> str:
    return format_cell(kind, value, _zone(), locale_code())


@bp.route("/")
@requires()
def index() -> str:
    reader = scope()
    allowed = [r for r in REPORTS.values() if reader.allows(r.key)]
    return render_template("reports/index.html", reports=allowed, own=reader.own_agent_id is not None)


def _form_choices(reader: Scope) -> dict[str, Any]:
    admin = services().admin()
    queues = [q for q in admin.list("queue") if not reader.queue_ids or q.id in reader.queue_ids]
    groups = [g for g in admin.list("group") if not reader.group_ids or g.id in reader.group_ids]
    agents = [] if reader.own_agent_id is not None else [u for u in admin.list("user") if u.agent_number]
    categories = [c for c in admin.list("category") if c.active and c.kind.value == "call"]
    campaigns = sorted(services().campaigns().campaigns(), key=lambda c: c.name.casefold())
    return {
        "campaigns": [c for c in campaigns if not reader.queue_ids or c.queue_id in reader.queue_ids],
        "queues": queues,
        "groups": groups,
        "agents": agents,
        "presets": PRESETS,
        "categories": categories,
    }


@bp.route("/<key>")
@requires()
def show(key: str) -> tuple[str, int] | str:
    reader = scope()
    report = _report(key, reader)
    try:
        document = _document(key, reader)
    except ValidationFailed as error:
        errors = {str(e["field"]): str(e["message"]) for e in validation_payload(error)}
        html = render_template(
            "reports/report.html",
            report=report,
            document=None,
            errors=errors,
            args=request.args,
            **_form_choices(reader),
        )
        return html, 422
    return render_template(
        "reports/report.html",
        report=report,
        document=document,
        errors={},
        args=request.args,
        exports=list(EXPORTS),
        **_form_choices(reader),
    )


@bp.route("/<key>/export/<fmt>")
@requires()
def export(key: str, fmt: str) -> Response:
    reader = scope()
    _report(key, reader)
    if fmt not in EXPORTS:
        abort(404)
    made = export_file(_document(key, reader), key, fmt, _zone(), words())
    response = Response(made.body, mimetype=made.content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{made.filename}"'
    return response


@bp.route("/calls")
@requires()
def calls() -> tuple[str, int] | str:
    """The calls behind a figure (drill-down): the report's filters, plus ``hour`` (0-23)."""
    reader = scope()
    key = request.args.get("report", "calls_overview")
    report = _report(key, reader)
    wanted = _filter(key, reader)
    ctx: Context = service().context(wanted, words(), _drill())
    hour = request.args.get("hour", "")
    if hour and (not hour.isdecimal() or int(hour) > 23):
        raise ValidationFailed.one("hour", "out_of_range", min=0, max=23)
    zone = _zone()
    since = datetime.combine(wanted.since, time(), zone)
    until = datetime.combine(wanted.until + timedelta(days=1), time(), zone)
    candidates = ctx.journal.interactions(since, until, queue_ids=wanted.queue_ids)
    categories: dict[str, int | None] = {}
    if wanted.category_ids:  # the calls' categories, from their contact records
        with services().uow_factory()() as uow:
            found = uow.contacts.records_of([r.call_id for r in candidates])
        categories = {call_id: record.category_id for call_id, record in found.items()}
    rows = []
    for row in candidates:
        times = report_times(row, zone)
        if not selected(row, times, wanted, ctx.agents, categories):
            continue
        if hour and times["local_minute"] // 60 != int(hour):
            continue
        rows.append((row, times))
        if len(rows) >= CALLS_LIMIT:
            break
    return render_template(
        "reports/calls.html",
        rows=rows,
        ctx=ctx,
        limit=CALLS_LIMIT,
        report=report,
        stages=CALL_ENDS,
        directions=DIRECTIONS,
        cards=may(Permission.AGENT_DESKTOP),  # the caller's number opens the client card (CDB-03)
        links=recording_links(r.call_id for r, _times in rows),  # REP-07
    )


@api.route("/<key>")
@requires()
def api_report(key: str) -> dict[str, Any]:
    return _document(key, scope()).plain()
