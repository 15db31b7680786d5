"""The reports in the web (REP-01, REP-04..REP-06, ADM-06): a list of the reports the reader may
see, each report with its filter form, tables, charts and exports, and the calls behind a figure.

- ``GET /reports/`` the list; ``GET /reports/<key>`` a report (filters in the query string:
  ``preset`` or ``since``/``until``, ``weekday``, ``from``/``to``, ``queue``, ``agent``, ``group``);
- ``GET /reports/<key>/export/<xlsx|csv|csv-semicolon|pdf>`` the same as a file (``csv`` for
  programs, dot decimals; ``csv-semicolon`` for Czech Excel, decimal commas, a file name of its own);
- ``GET /reports/calls`` the calls behind a figure (drill-down), the same filters plus ``hour``;
- ``GET /api/v1/reports/<key>`` the report as JSON.

Who sees what (ADM-06): users with report rights see the reports, queues and groups of their report
access filters (none assigned: everything); an agent without report rights sees the reports made
for agents, with their own figures only. Anything else asked for explicitly is a 403.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from flask_babel import gettext as _

from apps.web.errors import validation_payload
from apps.web.i18n import locale_code
from apps.web.messages import CALL_ENDS, DIRECTIONS, pause_names
from apps.web.recordings import recording_links
from apps.web.reports import REPORTS
from apps.web.reports.base import Context, Report
from apps.web.security import audit_denied, current_user, may, requires
from kc_adapters.exports import date_text, format_cell
from kc_domain.errors import Forbidden, ValidationFailed
from kc_domain.identity.roles import Permission
from kc_domain.identity.sight import granted
from kc_domain.reports.document import Document
from kc_domain.reports.figures import report_times, selected, sl_thresholds
from kc_domain.reports.filters import PRESETS, ReportFilter, Scope, parse_filter, restrict

bp = Blueprint("reports", __name__, url_prefix="/reports")
api = Blueprint("reports_api", __name__, url_prefix="/api/v1/reports")

CALLS_LIMIT = 1000  # calls listed behind a figure at most
EXPORTS = {  # format -> content type, the end of the file name
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "csv": ("text/csv; charset=utf-8", "csv"),
    "csv-semicolon": ("text/csv; charset=utf-8", "excel-cs.csv"),  # not the plain CSV's name
    "pdf": ("application/pdf", "pdf"),
}


def _kc() -> Any:
    return current_app.extensions["kc"]


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["KC_TIMEZONE"])




def scope() -> Scope:
    """The signed-in reader's scope; 403 for a user with neither report rights nor a desktop."""
    user = current_user()
    assert user is not None
    found = scope_of(_kc().admin(), user.user_id, user.permissions)
    if found is None:
        audit_denied(user)
        abort(403)
    return found


def scope_of(admin: Any, user_id: int, permissions: frozenset[Permission]) -> Scope | None:
    """What a user may see in the reports (ADM-06): with report rights, the reports, queues and
    groups of the report-access filters assigned to the account (none: everything; several add up);
    an agent, the agents' reports with their own figures; anyone else nothing (None)."""
    if Permission.VIEW_REPORTS in permissions:
        # the same grant as every other page's sight (kc_domain.identity.sight, apps/web/sight.py)
        return Scope(*granted(admin.get("user", user_id), admin.list("report_filter")))
    if Permission.AGENT_DESKTOP in permissions:
        mine = frozenset(r.key for r in REPORTS.values() if r.for_agents)
        return Scope(reports=mine, own_agent_id=user_id)
    return None


def known_ids(admin: Any) -> dict[str, set[int]]:
    """What a report filter may name: the ids of queues, users, groups and call categories."""
    return {
        "queues": {q.id for q in admin.list("queue")},
        "agents": {u.id for u in admin.list("user")},
        "groups": {g.id for g in admin.list("group")},
        "categories": {c.id for c in admin.list("category")},
    }


def _report(key: str, reader: Scope) -> Report:
    report = REPORTS.get(key)
    if report is None:
        abort(404)
    if not reader.allows(key):
        audit_denied(current_user())
        abort(403)
    return report


def _filter(key: str, reader: Scope) -> ReportFilter:
    admin = _kc().admin()
    today = _kc().clock().now().astimezone(_zone()).date()
    wanted = parse_filter(request.args.to_dict(flat=False), today, **known_ids(admin))
    try:
        return restrict(key, wanted, reader)
    except Forbidden:
        audit_denied(current_user())
        abort(403)


def _context(wanted: ReportFilter, key: str = "") -> Context:
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

    return make_context(_kc(), wanted, _zone(), drill)


def make_context(kc: Any, wanted: ReportFilter, zone: ZoneInfo, drill: Any = None) -> Context:
    """A report's context from the container: names, thresholds, the groups' agents resolved."""
    admin = kc.admin()
    users = admin.list("user")
    queues = admin.list("queue")
    agents = wanted.agent_ids
    if wanted.group_ids:
        members = frozenset(u.id for u in users if u.group_id in wanted.group_ids)
        agents = (agents & members if agents else members) or frozenset({-1})  # -1: nobody
    return Context(
        wanted,
        agents,
        kc.journal(),
        sl_thresholds(queues),
        {q.id: q.name for q in queues},
        {u.id: u.full_name for u in users},
        zone,
        kc.clock().now(),
        drill or (lambda **_extra: ""),
        lambda: _ivr_trees(kc),
        lambda: pause_names(admin.list("pause_code")),  # read only by the report that needs them
    )


def _ivr_trees(kc: Any) -> dict[str, Any]:
    """Each IVR tree by name: its active version, else its newest."""
    catalogue = kc.ivr()
    found = {}
    for name in catalogue.names():
        versions = catalogue.versions(name)
        chosen = next((v for v in versions if v.active), None) or (versions[-1] if versions else None)
        if chosen is not None:
            found[name] = chosen.tree()
    return found


def build_document(report: Report, ctx: Context) -> Document:
    built = report.build(ctx)
    return Document(
        str(report.title),
        _filter_words(ctx),
        ctx.now,
        built.tables,
        built.charts,
        (
            _("Service level: calls answered within the queue's threshold among answered and lost calls."),
            _("Lost within 5 s: callers who hung up within 5 seconds of calling (short abandons)."),
        ),
    )


def _filter_words(ctx: Context) -> tuple[tuple[str, str], ...]:
    w = ctx.wanted
    found = [(_("Period"), f"{date_text(w.since, locale_code())} – {date_text(w.until, locale_code())}")]
    if w.weekdays:
        from apps.web.reports.calls import WEEKDAYS

        found.append((_("Days of the week"), ", ".join(str(WEEKDAYS[d]) for d in sorted(w.weekdays))))
    if w.minutes is not None:
        start, end = w.minutes
        found.append(
            (_("Time of day"), f"{start // 60:02d}:{start % 60:02d} – {end // 60:02d}:{end % 60:02d}")
        )
    if w.queue_ids:
        found.append((_("Queues"), ", ".join(sorted(ctx.queue_names.get(q, str(q)) for q in w.queue_ids))))
    if ctx.agents:
        found.append(
            (_("Agents"), ", ".join(sorted(ctx.agent_names.get(a, str(a)) for a in ctx.agents if a > 0)))
        )
    return tuple(found)


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _labels() -> dict[str, str]:
    return {"generated": _("Generated"), "total": _("Total"), "empty": _("No data")}


@bp.app_template_filter("report_cell")
def report_cell(value: Any, kind: Any) -> str:
    return format_cell(kind, value, _zone(), locale_code())


@bp.route("/")
@requires()
def index() -> str:
    reader = scope()
    allowed = [r for r in REPORTS.values() if reader.allows(r.key)]
    return render_template("reports/index.html", reports=allowed, own=reader.own_agent_id is not None)


def _form_choices(reader: Scope) -> dict[str, Any]:
    admin = _kc().admin()
    queues = [q for q in admin.list("queue") if not reader.queue_ids or q.id in reader.queue_ids]
    groups = [g for g in admin.list("group") if not reader.group_ids or g.id in reader.group_ids]
    agents = [] if reader.own_agent_id is not None else [u for u in admin.list("user") if u.agent_number]
    categories = [c for c in admin.list("category") if c.active and c.kind.value == "call"]
    return {
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
    errors: dict[str, str] = {}
    try:
        wanted = _filter(key, reader)
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
    document = build_document(report, _context(wanted, key))
    return render_template(
        "reports/report.html",
        report=report,
        document=document,
        errors=errors,
        args=request.args,
        exports=list(EXPORTS),
        **_form_choices(reader),
    )


@bp.route("/<key>/export/<fmt>")
@requires()
def export(key: str, fmt: str) -> Response:
    reader = scope()
    report = _report(key, reader)
    if fmt not in EXPORTS:
        abort(404)
    document = build_document(report, _context(_filter(key, reader), key))
    body, mimetype, filename = render(document, key, fmt, _zone())
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def render(document: Document, key: str, fmt: str, zone: ZoneInfo) -> tuple[bytes, str, str]:
    """The document as a file in ``fmt`` (EXPORTS): its bytes, content type and file name."""
    if fmt == "xlsx":
        from kc_adapters.exports.xlsx import to_xlsx

        body = to_xlsx(document, zone, _labels(), locale_code())
    elif fmt == "pdf":
        from kc_adapters.exports.pdf import to_pdf

        body = to_pdf(document, zone, _labels(), locale_code())
    elif fmt == "csv-semicolon":  # for Czech Excel: semicolons and decimal commas
        from kc_adapters.exports.csv import to_csv

        body = to_csv(document, zone, ";", _labels(), czech_excel=True)
    else:
        from kc_adapters.exports.csv import to_csv

        body = to_csv(document, zone, ",", _labels())
    mimetype, extension = EXPORTS[fmt]
    day = document.generated_at.astimezone(zone).strftime("%Y%m%d-%H%M")
    return body, mimetype, f"kc-{key}-{day}.{extension}"


@bp.route("/calls")
@requires()
def calls() -> tuple[str, int] | str:
    """The calls behind a figure (drill-down): the report's filters, plus ``hour`` (0-23)."""
    reader = scope()
    key = request.args.get("report", "calls_overview")
    report = _report(key, reader)
    wanted = _filter(key, reader)
    ctx = _context(wanted)
    hour = request.args.get("hour", "")
    if hour and (not hour.isdecimal() or int(hour) > 23):
        raise ValidationFailed.one("hour", "out_of_range", min=0, max=23)
    zone = _zone()
    since = datetime.combine(wanted.since, time(), zone)
    until = datetime.combine(wanted.until + timedelta(days=1), time(), zone)
    candidates = ctx.journal.interactions(since, until, queue_ids=wanted.queue_ids)
    categories: dict[str, int | None] = {}
    if wanted.category_ids:  # the calls' categories, from their contact records
        with _kc().uow_factory()() as uow:
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
    reader = scope()
    report = _report(key, reader)
    return build_document(report, _context(_filter(key, reader), key)).plain()
