"""Call lists built from the engine's journal: the missed calls (IN-26)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, flash, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from apps.web.security import requires
from kc_domain.identity.roles import Permission

bp = Blueprint("calls", __name__, url_prefix="/calls")

STAGES = {
    "abandoned_before_ivr": _l("Before the IVR"),
    "abandoned_in_ivr": _l("In the IVR"),
    "abandoned_in_queue": _l("Waiting in queue"),
    "abandoned_ringing": _l("Ringing at an agent"),
}


@bp.route("/missed")
@requires(Permission.HANDLE_CALLBACKS)
def missed() -> str:
    kc = current_app.extensions["kc"]
    zone = ZoneInfo(current_app.config["KC_TIMEZONE"])
    today = kc.clock().now().astimezone(zone).date()
    raw = request.args.get("day", "").strip()
    try:
        day = date.fromisoformat(raw) if raw else today
    except ValueError:
        flash(_("“%(value)s” is not a date like 2026-12-24; the filter was ignored.", value=raw), "error")
        day = today
    queue_id = request.args.get("queue", type=int)
    since = datetime.combine(day, time(), zone)
    rows = kc.journal().missed_calls(since, since + timedelta(days=1), [queue_id] if queue_id else ())
    queues = {q.id: q.name for q in kc.admin().list("queue")}
    return render_template(
        "calls/missed.html", rows=rows, queues=queues, day=day, queue_id=queue_id, stages=STAGES
    )
