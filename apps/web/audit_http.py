"""The audit log page: filter, page through, export CSV, verify the chain (SEC-03)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response as BaseResponse

from apps.audit_checkpoints import configured_checkpoints
from apps.web.messages import OUTCOMES
from apps.web.query_args import int_arg
from apps.web.security import requires
from apps.web.services import services
from kc_adapters.exports.csv import safe_row
from kc_domain.audit.model import Outcome
from kc_domain.audit.service import AuditQuery
from kc_domain.identity.roles import Permission

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")
PAGE = 100
EXPORT_LIMIT = 200_000


def _query() -> tuple[AuditQuery, dict[str, str]]:
    """The filter from the query string; dates are whole local days in the configured zone."""
    args = {
        k: request.args.get(k, "").strip()
        for k in ("since", "until", "actor", "action", "object_type", "outcome")
    }
    zone = ZoneInfo(current_app.config["KC_TIMEZONE"])

    def day(text: str, shift: int) -> datetime | None:
        try:
            parsed = date.fromisoformat(text)
        except ValueError:
            if text:
                flash(
                    _("“%(value)s” is not a date like 2026-12-24; the filter was ignored.", value=text),
                    "error",
                )
            return None
        return datetime.combine(parsed + timedelta(days=shift), time(), zone)

    outcome = args["outcome"] if args["outcome"] in {o.value for o in Outcome} else ""
    return AuditQuery(
        since=day(args["since"], 0),
        until=day(args["until"], 1),
        actor=args["actor"],
        action=args["action"],
        object_type=args["object_type"],
        outcome=outcome,
    ), args


@bp.route("/")
@requires(Permission.VIEW_AUDIT)
def index() -> str:
    query, args = _query()
    page = max(1, int_arg(request.args, "page", 1) or 1)
    records = services().audit().search(services().uow_factory(), query, PAGE + 1, (page - 1) * PAGE)
    return render_template(
        "audit.html",
        records=records[:PAGE],
        args=args,
        page=page,
        has_next=len(records) > PAGE,
        outcomes={o.value: str(OUTCOMES.get(o.value, o.value)) for o in Outcome},
    )


@bp.route("/export.csv")
@requires(Permission.VIEW_AUDIT)
def export() -> Response:
    query, _args = _query()
    records = services().audit().search(services().uow_factory(), query, EXPORT_LIMIT)
    zone = ZoneInfo(current_app.config["KC_TIMEZONE"])

    def rows() -> Iterator[str]:
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";")
        writer.writerow(
            [
                "seq",
                "time_utc",
                "time_local",
                "actor",
                "source",
                "action",
                "object_type",
                "object_id",
                "outcome",
                "params",
                "hash",
            ]
        )
        for r in records:
            writer.writerow(
                safe_row(
                    [
                        r.seq,
                        r.at.isoformat(),
                        r.at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"),
                        r.actor,
                        r.source,
                        r.action,
                        r.object_type,
                        r.object_id,
                        r.outcome.value,
                        json.dumps(r.params, ensure_ascii=False, sort_keys=True),
                        r.hash,
                    ]
                )
            )
            yield out.getvalue()
            out.seek(0)
            out.truncate()

    # BOM so that Excel opens the UTF-8 Czech text correctly
    return Response(
        ("\ufeff", *rows()),
        mimetype="text/csv; charset=utf-8",
        headers={"Content-Disposition": "attachment; filename=kc-audit.csv"},
    )


# what each problem kc_domain.audit.model.examine reports means (kc audit verify prints the codes)
REASONS = {
    "edited": _l("Record %(seq)s was changed after it was written."),
    "missing_before": _l("The record before record %(seq)s is not the one it was chained to."),
    "gap": _l("The numbering of the records breaks at record %(seq)s."),
    "unkeyed": _l("Record %(seq)s is not sealed with the audit key, though an earlier record is."),
    "head_cut": _l("The records up to %(seq)s were removed without a purge record naming them."),
    "tail_cut": _l("Record %(seq)s, kept in a checkpoint, is missing: the newest records were removed."),
}
SHOWN_PROBLEMS = 10


@bp.route("/verify", methods=["POST"])
@requires(Permission.VIEW_AUDIT)
def verify() -> BaseResponse:
    try:
        checkpoints = configured_checkpoints(services().container)
    except ValueError as error:
        flash(_("The checkpoint file cannot be read: %(error)s", error=str(error)), "error")
        checkpoints = []
    report = services().audit().examine(services().uow_factory(), checkpoints)
    problems = report.problems
    if problems:
        flash(
            _(
                "The audit log has been tampered with: %(count)s problems, first at record %(seq)s.",
                count=len(problems),
                seq=problems[0].seq,
            ),
            "error",
        )
        for problem in problems[:SHOWN_PROBLEMS]:
            flash(str(REASONS.get(problem.reason, problem.reason)) % {"seq": problem.seq}, "error")
    else:
        flash(_("The audit log is intact."), "success")
    if report.legacy:
        flash(
            _("The oldest %(count)s records predate the audit key (plain hashes).", count=report.legacy),
            "info",
        )
    return redirect(url_for("audit.index"))
