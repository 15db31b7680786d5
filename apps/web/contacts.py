"""What the agent records about a call (IN-12, AG-04, AG-13, REC-01) and the agent's own history and
statistics (AG-05, AG-07, AG-08, AG-09, AG-15): the JSON API the agent desktop uses, and the page
/me/history. Only the agent of a call (or a supervisor) may write; refusals are audited."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, render_template, request
from flask.typing import ResponseReturnValue

from apps.web.errors import validation_payload
from apps.web.messages import CALL_ENDS, DIRECTIONS
from apps.web.query_args import day_arg, int_arg, int_problem, whole_number
from apps.web.recordings import recording_links
from apps.web.security import actor, current_user, requires
from apps.web.services import services
from apps.web.sight import check_agent, refuse, sight
from kc_domain.commanding.replies import Accepted
from kc_domain.contacts.model import NOTE_MAX
from kc_domain.contacts.service import CallRecord, CallSummary, ContactService
from kc_domain.errors import FieldError, ValidationFailed
from kc_domain.identity.roles import Permission
from kc_domain.plain import to_plain
from kc_domain.routing.commands import DesktopView
from kc_domain.routing.live import live_interaction
from kc_domain.routing.projection import Interaction

bp = Blueprint("contacts", __name__, url_prefix="/me")
api = Blueprint("contacts_api", __name__, url_prefix="/api/v1")

HISTORY = 20
MY_CALLS = 200
CALL_FIELDS = (
    "call_id",
    "caller",
    "dialled",
    "direction",
    "queue_id",
    "agent_id",
    "arrived_at",
    "answered_at",
    "ended_at",
    "end_stage",
    "waited_s",
    "talk_s",
)


def service() -> ContactService:
    found: ContactService = services().contacts()
    return found


def _me() -> tuple[int, bool]:
    """The signed-in user's id and whether they may supervise (write on others' calls)."""
    user = current_user()
    assert user is not None  # guaranteed by @requires
    return user.user_id, Permission.SUPERVISE in user.permissions


# -- JSON shapes -----------------------------------------------------------------------------------
def plain_record(found: CallRecord) -> dict[str, Any]:
    return {
        "call": {name: to_plain(getattr(found.call, name)) for name in CALL_FIELDS},
        "phase": found.phase.value,
        "record": to_plain(found.record),
        "notes": [to_plain(n) for n in found.notes],
        "note_max": NOTE_MAX,
    }


def plain_summary(item: CallSummary) -> dict[str, Any]:
    data: dict[str, Any] = to_plain(item)
    return data


# -- reading ---------------------------------------------------------------------------------------
@api.route("/calls/<call_id>/record", methods=["GET"])
@requires(Permission.AGENT_DESKTOP)
def record(call_id: str) -> dict[str, Any]:
    contacts = service()
    found = contacts.record(call_id, live=lambda: _my_live_call(call_id))
    agents = [found.call.agent_id, found.record.agent_id, *(n.author_id for n in found.notes)]
    if not sight().sees_call(found.call.queue_id, agents):  # SEC-04, GEN-06: her groups and queues
        refuse()
    history = contacts.history_for(found.call.caller, found.record.client_id, HISTORY, exclude=call_id)
    links = recording_links(h.call_id for h in history)  # AG-07, CDB-03: the recordings one may hear
    return {
        **plain_record(found),
        "history": [{**plain_summary(h), "recording": links.get(h.call_id, "")} for h in history],
    }


def _my_live_call(call_id: str) -> Interaction | None:
    """The signed-in agent's live call, when it is ``call_id``, as the engine has it: the desktop
    learns of a new call a moment before the journal has written it."""
    me, _supervise = _me()
    reply = services().engine_client().send(DesktopView(me))
    call = (reply.result or {}).get("call") if isinstance(reply, Accepted) else None
    if not isinstance(call, dict) or call.get("call_id") != call_id:
        return None
    return live_interaction(call)


@api.route("/me/stats", methods=["GET"])
@requires(Permission.AGENT_DESKTOP)
def stats() -> dict[str, Any]:
    """``?queue=ID`` (repeatable): the queues the agent is signed into; none given: every queue the
    agent has a skill in."""
    me, _supervise = _me()
    queue_ids = _queue_ids(request.args.getlist("queue"))
    if queue_ids is None:
        with services().uow_factory()() as uow:
            queue_ids = [s.queue_id for s in uow.skills.list() if s.user_id == me]
    elif not all(sight().sees_queue(q) for q in queue_ids):  # ADM-06: only queues she may see
        refuse()
    data: dict[str, Any] = to_plain(service().personal_stats(me, queue_ids))
    return data


@api.route("/me/calls", methods=["GET"])
@requires(Permission.AGENT_DESKTOP)
def my_calls() -> dict[str, Any]:
    me, _supervise = _me()
    since, until, text = day_period(request.args)
    items = service().my_calls(me, since, until, text, MY_CALLS)
    return {
        "since": since.isoformat(),
        "until": until.isoformat(),
        "q": text,
        "items": [plain_summary(i) for i in items],
    }


@api.route("/me/last-calls", methods=["GET"])
@requires(Permission.AGENT_DESKTOP)
def last_calls() -> dict[str, Any]:
    me, _supervise = _me()
    limit = min(max(int_arg(request.args, "limit", 10) or 10, 1), 100)
    return {"items": [plain_summary(i) for i in service().last_calls(me, limit)]}


# -- writing ---------------------------------------------------------------------------------------
@api.route("/calls/<call_id>/note", methods=["PUT"])
@requires(Permission.AGENT_DESKTOP)
def save_note(call_id: str) -> dict[str, Any]:
    """Autosave (``{"text"}``), or finish the note (``{"text", "final": true}``)."""
    me, supervise = _me()
    body = _json_body()
    final = body.get("final", False) is True
    found = service().save_note(actor(), me, call_id, body.get("text"), final=final, may_supervise=supervise)
    return plain_record(found)


@api.route("/calls/<call_id>/note", methods=["POST"])
@requires(Permission.AGENT_DESKTOP)
def amend_note(call_id: str) -> tuple[dict[str, Any], int]:
    me, supervise = _me()
    text = _json_body().get("text")
    found = service().amend_note(actor(), me, call_id, text, may_supervise=supervise)
    return plain_record(found), 201


@api.route("/calls/<call_id>/category", methods=["PUT"])
@requires(Permission.AGENT_DESKTOP)
def set_category(call_id: str) -> dict[str, Any]:
    me, supervise = _me()
    category_id = _optional_id(_json_body(), "category_id")
    return plain_record(service().set_category(actor(), me, call_id, category_id, may_supervise=supervise))


@api.route("/calls/<call_id>/client", methods=["PUT"])
@requires(Permission.AGENT_DESKTOP)
def set_client(call_id: str) -> dict[str, Any]:
    me, supervise = _me()
    client_id = _optional_id(_json_body(), "client_id")
    return plain_record(service().set_client(actor(), me, call_id, client_id, may_supervise=supervise))


@api.route("/calls/<call_id>/recording", methods=["PUT"])
@requires(Permission.AGENT_DESKTOP)
def set_recording(call_id: str) -> dict[str, Any]:
    me, supervise = _me()
    opt_out = _json_body().get("opt_out")
    if not isinstance(opt_out, bool):
        raise ValidationFailed.one("opt_out", "invalid_type", expected="true/false")
    found = service().set_recording_opt_out(actor(), me, call_id, opt_out, may_supervise=supervise)
    return plain_record(found)


# -- the page ----------------------------------------------------------------------------------------
@bp.route("/history")
@requires(Permission.AGENT_DESKTOP)
def history() -> ResponseReturnValue:
    """The signed-in agent's calls; a supervisor may look at another agent's (``?agent=<id>``, RT-02)."""
    me, supervise = _me()
    errors: dict[str, str] = {}
    agent_name = ""
    raw_agent = request.args.get("agent", "").strip()
    if raw_agent:
        agent = _agent(raw_agent) if supervise else None
        if agent is None:
            abort(404)
        check_agent(agent[0])  # ADM-06: a supervisor limited by report access sees her agents only
        me, agent_name = agent
    try:
        since, until, text = day_period(request.args)
    except ValidationFailed as error:
        errors = {str(e["field"]): str(e["message"]) for e in validation_payload(error)}
        since, until, text = day_period({})
    zone = ZoneInfo(current_app.config["KC_TIMEZONE"])
    html = render_template(
        "contacts/history.html",
        since=since.astimezone(zone).date(),
        until=(until - timedelta(days=1)).astimezone(zone).date(),
        q=text,
        errors=errors,
        agent_name=agent_name,
        agent_id=raw_agent,
        **history_context(service().my_calls(me, since, until, text, MY_CALLS)),
    )
    return (html, 422) if errors else html


def history_context(items: list[CallSummary]) -> dict[str, Any]:
    """What ``contacts/_calls.html`` needs to show a list of calls in words: queue and category names,
    outcomes, directions and the recordings the signed-in user may hear."""
    with services().uow_factory()() as uow:
        queues = {q.id: q.name for q in uow.queues.list()}
        categories = {c.id: c.name for c in uow.categories.list()}
    return {
        "items": items,
        "queues": queues,
        "categories": categories,
        "stages": CALL_ENDS,
        "directions": DIRECTIONS,
        "links": recording_links(c.call_id for c in items),
    }


def _agent(raw: str) -> tuple[int, str] | None:
    """The id and the name of the user with the id ``raw``, or None."""
    number, _problem = int_problem(raw, "agent")
    if number is None:
        return None  # not a number, or beyond any id: nobody
    with services().uow_factory()() as uow:
        user = uow.users.get(number)
    return None if user is None else (number, user.full_name)


# -- input -----------------------------------------------------------------------------------------
def _json_body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValidationFailed([FieldError("", "not_json")])
    return body


def _optional_id(body: Mapping[str, Any], field: str) -> int | None:
    if field not in body:
        raise ValidationFailed.one(field, "required")
    value = body[field]
    if value is None:
        return None
    return whole_number(value, field)


def _queue_ids(raw: list[str]) -> list[int] | None:
    if not raw:
        return None
    return [whole_number(v, "queue") for v in raw]


def day_period(args: Mapping[str, str]) -> tuple[datetime, datetime, str]:
    """[since, until) in UTC from the days ``since`` and ``until`` (YYYY-MM-DD in the configured zone,
    both included; default: the last 7 days up to today) and the search text ``q``."""
    zone = ZoneInfo(current_app.config["KC_TIMEZONE"])
    today = services().clock().now().astimezone(zone).date()
    errors: list[FieldError] = []
    first = day_arg(args, "since", today - timedelta(days=6), errors)
    last = day_arg(args, "until", today, errors)
    if not errors and last < first:
        errors.append(FieldError("until", "ends_before_start"))
    if errors:
        raise ValidationFailed(errors)
    text = str(args.get("q", "")).strip()[:200]
    since = datetime.combine(first, time(), zone)
    until = datetime.combine(last + timedelta(days=1), time(), zone)
    return since, until, text
