"""The supervisor's live view (issue 6: RT-01..RT-07, IN-17).

- ``GET /supervisor/`` the page: the agent grid by group, the queue panel with totals, the open
  alerts; ``GET /supervisor/ws`` the live view over a WebSocket (``apps.web.live``).
- ``GET /api/v1/supervisor/state`` what the page needs besides the live view: who each agent is
  (number, group), the groups, queues, pause codes and alert rules, and the links to other pages.
- ``POST /api/v1/supervisor/<command>`` an action of the signed-in supervisor: listen, whisper,
  barge and leave a call; pause or log out an agent (after their call when busy); sign an agent
  into or out of a queue; acknowledge an alert. Every action is audited (``supervise.<command>``).
- ``GET /supervisor/alerts`` the alerts of a period, with who acknowledged them.

Everything here follows the supervisor's sight (SEC-04, ADM-06; ``apps.web.sight``): a supervisor
limited by a report-access filter gets only the queues and agents she may see (their calls, the
alerts concerning them) in the state, in every view the socket sends (``supervisor_view``, with the
sight computed at the handshake and again at every re-check of the socket) and in the alerts' history;
a command on an agent, a queue, a call or an alert outside it is refused (403, audited as denied)
before it reaches the engine.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from simple_websocket import Server

from apps.web import live
from apps.web.commands import carry_out
from apps.web.contacts import day_period
from apps.web.errors import validation_payload
from apps.web.messages import pause_names
from apps.web.security import current_user, requires
from apps.web.services import services
from apps.web.sight import SocketSight, check_agent, check_queue, refuse, sight
from kc_domain.commanding.wire import AcknowledgeAlert
from kc_domain.errors import ValidationFailed
from kc_domain.identity.roles import Permission
from kc_domain.identity.sight import Sight
from kc_domain.messages import LiveFrame
from kc_domain.routing import commands as c
from kc_domain.routing.commands import Command
from kc_domain.supervision.model import AlertKind
from kc_domain.supervision.sighted import sees_alert, supervisor_view

bp = Blueprint("supervisor", __name__, url_prefix="/supervisor")
api = Blueprint("supervisor_api", __name__, url_prefix="/api/v1/supervisor")

ALERT_KINDS = {
    AlertKind.LONG_WAIT: _l("Long wait"),
    AlertKind.LONG_CALL: _l("Long call"),
    AlertKind.LONG_WRAP_UP: _l("Long wrap-up"),
    AlertKind.LONG_PAUSE: _l("Pause over its limit"),
    AlertKind.LOW_SERVICE_LEVEL: _l("Service level under target"),
}


# the command in the URL -> the engine's command; the supervisor is always the signed-in user
# (supervisor_id), never taken from the request
COMMANDS: dict[str, type[Command]] = {
    "monitor": c.Monitor,
    "stop_monitor": c.StopMonitor,
    "force_pause": c.ForcePause,
    "force_log_out": c.ForceLogOut,
    "sign_in": c.SupervisorSignIn,
    "sign_out": c.SupervisorSignOut,
    "alert_ack": AcknowledgeAlert,
}


def _me() -> int:
    user = current_user()
    assert user is not None  # @requires let the request in
    return user.user_id


@bp.route("/")
@requires(Permission.SUPERVISE)
def index() -> str:
    return render_template(
        "supervisor/index.html", alert_kinds={k.value: str(v) for k, v in ALERT_KINDS.items()}
    )


@live.route(bp, "/ws", requires(Permission.SUPERVISE))
def socket(ws: Server) -> None:
    """The live view, as the engine publishes it, narrowed to the supervisor's sight; the permission
    is checked at the handshake and again every few seconds (``live.accept``), and the sight is
    computed again then (a report-access filter changed meanwhile applies within seconds)."""
    seen = SocketSight()
    live.serve(live.accept(ws, seen.refresh), lambda view: LiveFrame(supervisor_view(view, seen.now)))


@api.route("/state")
@requires(Permission.SUPERVISE)
def api_state() -> dict[str, Any]:
    admin = services().admin()
    seen = sight()
    groups = {g.id: g.name for g in admin.list("group")}
    users = admin.list("user")
    agents = [u for u in users if seen.sees_agent(u.id)]
    if seen.agent_ids is not None:  # only the groups of the agents she may see
        groups = {i: n for i, n in groups.items() if any(u.group_id == i for u in agents)}
    pause_codes = admin.list("pause_code")
    return {
        "agents": {
            str(u.id): {"number": u.agent_number, "group_id": u.group_id, "group": groups.get(u.group_id, "")}
            for u in agents
        },
        "groups": [{"id": i, "name": n} for i, n in sorted(groups.items(), key=lambda g: g[1])],
        "queues": [{"id": q.id, "name": q.name} for q in admin.list("queue") if seen.sees_queue(q.id)],
        "pause_codes": [{"code": p.code, "name": p.name} for p in pause_codes if p.active],
        "pause_names": pause_names(pause_codes),  # every code an agent may be paused with, KC's own too
        "alert_rules": {str(r.id): r.name for r in admin.list("alert_rule")},
        # who acknowledged an alert: the users who are no agents, and the agents she may see
        "supervisors": {str(u.id): u.full_name for u in users if not u.agent_number or seen.sees_agent(u.id)},
        "links": _links(),
        "server_time": services().clock().now().isoformat(),
        "me": _me(),
    }


def _permissions() -> frozenset[Permission]:
    user = current_user()
    return user.permissions if user is not None else frozenset()


def _links() -> dict[str, str]:
    """Pages one click away from an agent or a queue (RT-02), those installed; ``{id}`` is filled in
    by the page."""
    found = {}
    links: list[tuple[str, str, dict[str, Any], str]] = [  # url_for takes its values as Any
        ("agent_calls", "contacts.history", {}, "agent"),
        ("agent_report", "reports.show", {"key": "agent_activity", "preset": "today"}, "agent"),
        ("agent_recordings", "recordings.index", {}, "agent"),
        ("queue_report", "reports.show", {"key": "calls_overview", "preset": "today"}, "queue"),
        ("queue_missed", "calls.missed", {}, "queue"),
        ("queue_callbacks", "callbacks.index", {}, "queue"),
        ("queue_recordings", "recordings.index", {}, "queue"),
    ]
    for name, endpoint, values, arg in links:
        if endpoint == "recordings.index" and Permission.LISTEN_RECORDINGS not in _permissions():
            continue  # a supervisor without the right to listen gets no link to a refusal
        if endpoint in current_app.view_functions:
            address = url_for(endpoint, **values)
            found[name] = f"{address}{'&' if '?' in address else '?'}{arg}={{id}}"
    if "campaigns.show" in current_app.view_functions and Permission.MANAGE_CAMPAIGNS in _permissions():
        found["campaign"] = url_for("campaigns.show", campaign_id=0).removesuffix("0") + "{id}"
    return found


@api.route("/<command>", methods=["POST"])
@requires(Permission.SUPERVISE)
def api_command(command: str) -> tuple[dict[str, Any], int]:
    """An action of the signed-in supervisor, audited as ``supervise.<command>`` (``apps.web.commands``)."""
    return carry_out(COMMANDS, command, {"supervisor_id": _me()}, "supervise", "supervision", _within_sight)


def _within_sight(fields: Mapping[str, Any]) -> None:
    """A command on an agent, a queue, a call or an alert outside the supervisor's sight is refused
    (403, audited as denied) and changes nothing (SEC-04, ADM-06). A call is seen when the agent on it
    is shown with it in her live view (``supervisor_view``); an alert by whom or what it concerns."""
    seen = sight()
    if seen.everything:
        return
    check_agent(fields.get("agent_id"))
    check_queue(fields.get("queue_id"))
    if "call_id" in fields and not _sees_call(seen, fields["call_id"]):
        refuse()
    if "alert_id" in fields:
        with services().uow_factory()() as uow:
            alert = uow.alerts.get(fields["alert_id"])
        if alert is not None and not sees_alert(seen, alert.queue_id, alert.agent_id):
            refuse()


def _sees_call(seen: Sight, call_id: str) -> bool:
    shown = supervisor_view(live.current_view(), seen)
    return any(a.get("call_id") == call_id for a in shown.get("agents", ()))


@bp.route("/alerts")
@requires(Permission.SUPERVISE)
def alerts() -> tuple[str, int] | str:
    """The alerts raised in a period (the days ``since`` and ``until``, default the last 7), newest
    first, with who acknowledged them (RT-06)."""
    errors: dict[str, str] = {}
    try:
        since, until, _text_filter = day_period(request.args)
    except ValidationFailed as error:
        errors = {str(e["field"]): str(e["message"]) for e in validation_payload(error)}
        since, until, _text_filter = day_period({})
    with services().uow_factory()() as uow:
        seen = sight()
        found = [
            a
            for a in uow.alerts.list()
            if a.raised_at is not None
            and since <= a.raised_at < until
            and sees_alert(seen, a.queue_id, a.agent_id)
        ]
        queues = {q.id: q.name for q in uow.queues.list()}
        users = {u.id: u.full_name for u in uow.users.list()}
        rules = {r.id: r.name for r in uow.alert_rules.list()}
    found.sort(key=lambda a: (a.raised_at, a.id or 0), reverse=True)
    zone = ZoneInfo(current_app.config["KC_TIMEZONE"])
    html = render_template(
        "supervisor/alerts.html",
        alerts=found,
        queues=queues,
        users=users,
        rules=rules,
        kinds=ALERT_KINDS,
        since=since.astimezone(zone).date(),
        until=(until - timedelta(days=1)).astimezone(zone).date(),
        errors=errors,
    )
    return (html, 422) if errors else html
