"""Callback requests (IN-09, AG-17, IN-26) with each caller's contact history (AG-05).

The engine owns callback requests: this page reads what it saved and sends every change to it as a
typed command the one way of every page's command (``apps.web.commands``, ``CommandService``); it
never writes a request itself. Input is checked first, so bad input gets a field error and nothing
reaches the engine. Every action is audited, refusals included. The same lives under
/api/v1/callbacks as JSON.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from apps.web.commands import Reader, read, service
from apps.web.errors import validation_payload
from apps.web.messages import CALL_ENDS, CALLBACK_STATES, refusal_text
from apps.web.query_args import int_problem
from apps.web.security import actor, current_user, requires
from apps.web.services import services
from apps.web.sight import check_queue, queue_list
from kc_domain.callbacks.model import (
    ACTIVE_STATES,
    FINAL_STATES,
    AttemptOutcome,
    CallbackRequest,
    CallbackState,
)
from kc_domain.commanding.replies import UNAVAILABLE, Accepted, Refused, Reply, reply_to_wire
from kc_domain.commanding.service import Audited, CommandRequest
from kc_domain.errors import FieldError, ValidationFailed
from kc_domain.identity.roles import Permission
from kc_domain.plain import to_plain
from kc_domain.routing import commands as c
from kc_domain.routing.commands import Command
from kc_domain.routing.projection import Interaction
from kc_domain.validation import phone_number

bp = Blueprint("callbacks", __name__, url_prefix="/callbacks")
api = Blueprint("callbacks_api", __name__, url_prefix="/api/v1/callbacks")

HISTORY = 5  # calls of the caller shown with each request
NOTE_MAX = 2000

STATES = CALLBACK_STATES
STATE_FILTERS = {
    "": _l("Active"),
    **{s.value: label for s, label in STATES.items()},
    "finished": _l("Finished"),
    "all": _l("All states"),
}
OUTCOMES = {
    AttemptOutcome.ANSWERED: _l("Answered"),
    AttemptOutcome.NO_ANSWER: _l("No answer"),
    AttemptOutcome.BUSY: _l("Busy"),
    AttemptOutcome.FAILED: _l("Call failed"),
}

# action in the URL (audited as ``callback.<action>``) -> the engine's command
ACTIONS: dict[str, type[Command]] = {
    "assign": c.AssignCallback,
    "dial": c.DialCallback,
    "done": c.CallbackDone,
    "cancel": c.CancelCallback,
}
CONFIRMATIONS = {
    "assign": _l("The callback is assigned to you."),
    "dial": _l("The call to the customer is being set up."),
    "done": _l("The callback is marked as done."),
    "cancel": _l("The callback is cancelled."),
    "request": _l("The callback request is entered."),
}


# -- reading ------------------------------------------------------------------------------------
def _me() -> int:
    user = current_user()
    assert user is not None  # guaranteed by @requires
    return user.user_id


def _filters(args: Mapping[str, str]) -> dict[str, Any]:
    """The list filters from the query string; unknown values fall back to the default."""
    raw_state = args.get("state", "")
    state = raw_state if raw_state in STATE_FILTERS else ""
    queue_id = int_problem(args.get("queue", ""), "queue")[0] or None  # beyond any id too: no filter
    mine = args.get("mine", "") in ("1", "true", "on", "yes")
    return {"state": state, "queue_id": queue_id, "mine": mine}


def _states(state: str) -> frozenset[CallbackState] | None:
    if state == "":
        return ACTIVE_STATES
    if state == "finished":
        return FINAL_STATES
    if state == "all":
        return None
    return frozenset({CallbackState(state)})


def _requests(filters: dict[str, Any]) -> list[CallbackRequest]:
    """Active requests in line order (then finished ones, most recently closed first)."""
    queue_id = filters["queue_id"]
    shown = queue_list([queue_id] if queue_id is not None else [])  # ADM-06: the queues one may see
    if shown is None:
        return []
    with services().uow_factory()() as uow:
        found: list[CallbackRequest] = uow.callbacks.search(
            states=_states(filters["state"]),
            queue_ids=shown or None,
            agent_id=_me() if filters["mine"] else None,
        )
    return found


def _histories(requests: list[CallbackRequest]) -> dict[str, list[Interaction]]:
    journal = services().contact_history()
    histories: dict[str, list[Interaction]] = {}
    for item in requests:
        if item.caller not in histories:
            histories[item.caller] = journal.calls_of(item.caller, HISTORY)
    return histories


def _names() -> tuple[dict[int, str], dict[int, str]]:
    admin = services().admin()
    queues = {q.id: q.name for q in admin.list("queue")}
    agents = {u.id: u.full_name for u in admin.list("user")}
    return queues, agents


@bp.route("/")
@requires(Permission.HANDLE_CALLBACKS)
def index() -> ResponseReturnValue:
    return _page()


def _page(form: Mapping[str, str] | None = None, errors: dict[str, str] | None = None) -> ResponseReturnValue:
    filters = _filters(request.args)
    requests = _requests(filters)
    queues, agents = _names()
    active_queues = {q.id: q.name for q in services().admin().list("queue") if q.active}
    html = render_template(
        "callbacks/index.html",
        requests=requests,
        histories=_histories(requests),
        queues=queues,
        active_queues=active_queues,
        agents=agents,
        states=STATES,
        state_filters=STATE_FILTERS,
        outcomes=OUTCOMES,
        call_ends=CALL_ENDS,
        filters=filters,
        me=_me(),
        form=form or {},
        errors=errors or {},
        note_max=NOTE_MAX,
    )
    return (html, 422) if errors else html


# -- actions ----------------------------------------------------------------------------------
def _note(values: Mapping[str, Any], field: str) -> str:
    text = "" if values.get(field) is None else str(values.get(field)).strip()
    if len(text) > NOTE_MAX:
        raise ValidationFailed([FieldError(field, "too_long", {"max": NOTE_MAX})])
    return text


def _reason(values: Mapping[str, Any], field: str) -> str:
    text = _note(values, field)
    if not text:
        raise ValidationFailed([FieldError(field, "required")])
    return text


READERS: dict[str, Reader] = {"note": _note, "reason": _reason}


def _preferred(values: Mapping[str, Any], field: str) -> datetime | None:
    """UTC, or None for as soon as possible; a time without a zone is Prague time."""
    text = "" if values.get(field) is None else str(values.get(field)).strip()
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ValidationFailed([FieldError(field, "bad_datetime", {"value": text})]) from None
    if value.tzinfo is None or value.utcoffset() is None:
        value = value.replace(tzinfo=ZoneInfo(current_app.config["KC_TIMEZONE"]))
    return value.astimezone(UTC)


def _caller(values: Mapping[str, Any], field: str) -> str:
    caller = "".join(str(values.get(field) or "").split())  # "+420 777 123 456" is fine
    errors: list[FieldError] = []
    if not caller:
        errors.append(FieldError(field, "required"))
    else:
        phone_number(errors, field, caller, external=True)
    if errors:
        raise ValidationFailed(errors)
    return caller


def _queue(values: Mapping[str, Any], field: str) -> int:
    raw = values.get(field)
    if raw in (None, ""):
        raise ValidationFailed([FieldError(field, "required")])
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise ValidationFailed([FieldError(field, "not_a_number")]) from None


NEW_REQUEST: dict[str, Reader] = {
    "caller": _caller,
    "queue_id": _queue,
    "preferred_at": _preferred,
    "note": _note,
}


def new_request(values: Mapping[str, Any]) -> CommandRequest:
    """A callback entered by hand, from a form or JSON (whether its queue is an active one is the
    domain's rule: ``CommandService``)."""
    return read(c.RequestCallback, values, {"agent_id": _me()}, NEW_REQUEST)


def _carry_out(action: str, object_id: str, command: CommandRequest) -> Reply:
    """The command checked, sent to the engine and audited as ``callback.<action>``; its reply."""
    audited = Audited(f"callback.{action}", "callback", object_id, request=to_plain(dict(command.values)))
    return service().carry_out(actor(), command, audited)


def _refusal(reply: Refused) -> str:
    if reply.kind == "unavailable":
        return str(_("The routing engine is not answering; nothing was changed. Try again in a moment."))
    if reply.kind == "not_found":
        return str(_("The callback request “%(id)s” no longer exists; nothing was changed.", id=reply.key))
    if reply.holder_id is not None:
        name = _names()[1].get(reply.holder_id) or str(_("another agent"))
        return str(_("%(name)s has this callback request; nothing was changed.", name=name))
    return refusal_text(reply.state)


def _within_sight(callback_id: str) -> None:
    """A callback of a queue outside the user's sight is refused (403, audited as denied) before any
    action reaches the engine, as the list leaves it out (SEC-04, ADM-06). One that does not exist
    is for the engine to refuse, as before."""
    with services().uow_factory()() as uow:
        found: CallbackRequest | None = uow.callbacks.get(callback_id)
    if found is not None:
        check_queue(found.queue_id)


def _action(action: str, callback_id: str, values: Mapping[str, Any]) -> Reply:
    _within_sight(callback_id)
    implied = {"callback_id": callback_id, "agent_id": _me()}
    return _carry_out(action, callback_id, read(ACTIONS[action], values, implied, READERS))


def _flash_invalid(error: ValidationFailed) -> None:
    details = "; ".join(str(e["message"]) for e in validation_payload(error))
    flash(_("The input was not accepted: %(details)s", details=details), "error")


def _back() -> ResponseReturnValue:
    keep: dict[str, Any] = {k: request.form[k] for k in ("state", "queue", "mine") if request.form.get(k)}
    return redirect(url_for("callbacks.index", **keep))


def _page_action(action: str) -> Callable[[str], ResponseReturnValue]:
    def view(callback_id: str) -> ResponseReturnValue:
        try:
            reply = _action(action, callback_id, request.form)
        except ValidationFailed as error:
            _flash_invalid(error)
            return _back()
        if isinstance(reply, Refused):
            flash(_refusal(reply), "error")
        else:
            flash(str(CONFIRMATIONS[action]), "success")
        return _back()

    view.__name__ = action
    return view


for _name in ACTIONS:
    bp.add_url_rule(
        f"/<callback_id>/{_name}",
        endpoint=_name,
        view_func=requires(Permission.HANDLE_CALLBACKS)(_page_action(_name)),
        methods=["POST"],
    )


@bp.route("/new", methods=["POST"])
@requires(Permission.HANDLE_CALLBACKS)
def create() -> ResponseReturnValue:
    command = new_request(request.form)
    try:
        if not command.errors:
            check_queue(command.values["queue_id"])  # ADM-06: only for a queue the user may see
        reply = _carry_out("request", "", command)
    except ValidationFailed as error:
        messages = {str(e["field"]): str(e["message"]) for e in validation_payload(error)}
        return _page(request.form, messages)
    if isinstance(reply, Refused):
        flash(_refusal(reply), "error")
        return _page(request.form, {})
    flash(str(CONFIRMATIONS["request"]), "success")
    return _back()


# -- JSON API -----------------------------------------------------------------------------------
def plain_request(item: CallbackRequest, history: list[Interaction]) -> dict[str, Any]:
    data: dict[str, Any] = to_plain(item)
    data["history"] = [
        {
            "call_id": c.call_id,
            "arrived_at": None if c.arrived_at is None else c.arrived_at.isoformat(),
            "queue_id": c.queue_id,
            "agent_id": c.agent_id,
            "end_stage": c.end_stage,
            "talk_s": c.talk_s,
        }
        for c in history
    ]
    return data


@api.route("", methods=["GET"])
@requires(Permission.HANDLE_CALLBACKS)
def api_list() -> dict[str, Any]:
    requests = _requests(_filters(request.args))
    histories = _histories(requests)
    return {"items": [plain_request(r, histories[r.caller]) for r in requests]}


MISSED_HOURS = 24  # how far back the desktop's list of missed calls looks, by default
MISSED_MAX_HOURS = 7 * 24


@api.route("/missed", methods=["GET"])
@requires(Permission.HANDLE_CALLBACKS)
def api_missed() -> dict[str, Any]:
    """The missed calls of the given queues still to return (AG-17, IN-26), with each caller's
    history: one per caller, without those with an open callback or reached since."""
    errors: list[FieldError] = []
    hours = request.args.get("hours", str(MISSED_HOURS))
    if not hours.isdecimal() or not 1 <= int(hours) <= MISSED_MAX_HOURS:
        errors.append(FieldError("hours", "out_of_range", {"min": 1, "max": MISSED_MAX_HOURS}))
    queue_ids = []
    for raw in request.args.getlist("queue"):
        number, problem = int_problem(raw, "queue")
        if problem is not None:
            errors.append(problem)
        else:
            assert number is not None
            queue_ids.append(number)
    if errors:
        raise ValidationFailed(errors)
    shown = queue_list(queue_ids)  # ADM-06: only the queues the user may see
    if shown is None:
        return {"items": []}
    missed = services().contacts().missed_of_queues(shown, int(hours))
    return {"items": [plain_missed(m.call, m.history) for m in missed]}


def plain_missed(row: Interaction, history: Sequence[Interaction]) -> dict[str, Any]:
    """A missed call to return as the desktop lists it (here and at ``/api/v1/desktop/missed``)."""
    return {
        "call_id": row.call_id,
        "caller": row.caller,
        "queue_id": row.queue_id,
        "arrived_at": None if row.arrived_at is None else row.arrived_at.isoformat(),
        "end_stage": row.end_stage,
        "history": [
            {
                "call_id": c.call_id,
                "arrived_at": None if c.arrived_at is None else c.arrived_at.isoformat(),
                "direction": c.direction,
                "end_stage": c.end_stage,
                "talk_s": c.talk_s,
            }
            for c in history
        ],
    }


def _json_body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if body is None and not request.get_data():
        return {}
    if not isinstance(body, dict):
        raise ValidationFailed([FieldError("", "not_json")])
    return body


def _api_reply(reply: Reply, status: int = 200) -> tuple[dict[str, Any], int]:
    if isinstance(reply, Accepted):
        return reply_to_wire(reply), status
    if reply.kind == "unavailable":
        return {"error": _refusal(reply), "code": UNAVAILABLE}, 503
    return {"error": _refusal(reply), "code": "refused"}, 409  # in words; the engine's text is audited


@api.route("", methods=["POST"])
@requires(Permission.HANDLE_CALLBACKS)
def api_create() -> tuple[dict[str, Any], int]:
    command = new_request(_json_body())
    if not command.errors:
        check_queue(command.values["queue_id"])  # ADM-06: only for a queue the user may see
    return _api_reply(_carry_out("request", "", command), 201)


@api.route("/<callback_id>/<action>", methods=["POST"])
@requires(Permission.HANDLE_CALLBACKS)
def api_action(callback_id: str, action: str) -> tuple[dict[str, Any], int]:
    if action not in ACTIONS:
        return {"error": _("Not found.")}, 404
    return _api_reply(_action(action, callback_id, _json_body()))
