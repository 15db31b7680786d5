"""Call lists built from the engine's journal: the missed calls (IN-26)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, flash, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from apps.web.query_args import int_arg
from apps.web.security import requires
from apps.web.services import services
from apps.web.sight import queue_list, sight
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
    kc = services()
    zone = ZoneInfo(current_app.config["KC_TIMEZONE"])
    today = kc.clock().now().astimezone(zone).date()
    raw = request.args.get("day", "").strip()
    try:
        day = date.fromisoformat(raw) if raw else today
    except ValueError:
        flash(_("“%(value)s” is not a date like 2026-12-24; the filter was ignored.", value=raw), "error")
        day = today
    queue_id = int_arg(request.args, "queue")
    since = datetime.combine(day, time(), zone)
    shown = queue_list([queue_id] if queue_id else [])  # ADM-06: only the queues the user may see
    rows = [] if shown is None else kc.contact_history().missed_calls(since, since + timedelta(days=1), shown)
    queues = {q.id: q.name for q in kc.admin().list("queue") if sight().sees_queue(q.id)}
    agents = {u.id: u.full_name for u in kc.admin().list("user")}  # the agent rung, by name
    return render_template(
        "calls/missed.html",
        rows=rows,
        queues=queues,
        agents=agents,
        day=day,
        queue_id=queue_id,
        stages=STAGES,
    )
