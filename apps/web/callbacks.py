"""Callback requests (IN-09, AG-17, IN-26) with each caller's contact history (AG-05).

The engine owns callback requests: this page reads what it saved and sends every change to it as a
command over the bus (``EngineClient``); it never writes a request itself. Input is checked here
first, so bad input gets a field error and nothing reaches the engine. Every action is audited,
refusals included. The same lives under /api/v1/callbacks as JSON.
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

from apps.web.errors import validation_payload
from apps.web.messages import CALL_ENDS, CALLBACK_STATES, refusal_text
from apps.web.query_args import int_problem
from apps.web.security import actor, current_user, requires
from apps.web.sight import check_queue, queue_list
from kc_domain.audit.model import Outcome
from kc_domain.audit.service import error_params
from kc_domain.callbacks.model import (
    ACTIVE_STATES,
    FINAL_STATES,
    AttemptOutcome,
    CallbackRequest,
    CallbackState,
)
from kc_domain.errors import FieldError, ValidationFailed
from kc_domain.identity.roles import Permission
from kc_domain.plain import to_plain
from kc_domain.routing.projection import Interaction
from kc_domain.validation import phone_number

bp = Blueprint("callbacks", __name__, url_prefix="/callbacks")
api = Blueprint("callbacks_api", __name__, url_prefix="/api/v1/callbacks")

HISTORY = 5  # calls of the caller shown with each request
NOTE_MAX = 2000
UNAVAILABLE = "engine_unavailable"

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

# action in the URL -> (engine command, audit action, extra form/JSON field sent with it)
ACTIONS: dict[str, tuple[str, str, str]] = {
    "assign": ("callback_assign", "callback.assign", ""),
    "dial": ("callback_dial", "callback.dial", ""),
    "done": ("callback_done", "callback.done", "note"),
    "cancel": ("callback_cancel", "callback.cancel", "reason"),
}
CONFIRMATIONS = {
    "assign": _l("The callback is assigned to you."),
    "dial": _l("The call to the customer is being set up."),
    "done": _l("The callback is marked as done."),
    "cancel": _l("The callback is cancelled."),
    "request": _l("The callback request is entered."),
}


# -- reading ------------------------------------------------------------------------------------
def _kc() -> Any:
    return current_app.extensions["kc"]


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
    with _kc().uow_factory()() as uow:
        found: list[CallbackRequest] = uow.callbacks.search(
            states=_states(filters["state"]),
            queue_ids=shown or None,
            agent_id=_me() if filters["mine"] else None,
        )
    return found


def _histories(requests: list[CallbackRequest]) -> dict[str, list[Interaction]]:
    journal = _kc().journal()
    histories: dict[str, list[Interaction]] = {}
    for item in requests:
        if item.caller not in histories:
            histories[item.caller] = journal.calls_of(item.caller, HISTORY)
    return histories


def _names() -> tuple[dict[int, str], dict[int, str]]:
    admin = _kc().admin()
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
    active_queues = {q.id: q.name for q in _kc().admin().list("queue") if q.active}
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


# -- actions ------------------------------------------------------------------------------------
def _text(values: Mapping[str, Any], field: str, errors: list[FieldError], required: bool = False) -> str:
    raw = values.get(field)
    text = "" if raw is None else str(raw).strip()
    if required and not text:
        errors.append(FieldError(field, "required"))
    elif len(text) > NOTE_MAX:
        errors.append(FieldError(field, "too_long", {"max": NOTE_MAX}))
    return text


def _preferred(raw: Any, errors: list[FieldError]) -> str:
    """ISO 8601 in UTC, or "" for as soon as possible; a time without a zone is Prague time."""
    text = "" if raw is None else str(raw).strip()
    if not text:
        return ""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        errors.append(FieldError("preferred_at", "bad_datetime", {"value": text}))
        return ""
    if value.tzinfo is None or value.utcoffset() is None:
        value = value.replace(tzinfo=ZoneInfo(current_app.config["KC_TIMEZONE"]))
    return value.astimezone(UTC).isoformat()


def new_request_fields(values: Mapping[str, Any]) -> dict[str, Any]:
    """The ``callback_request`` fields from a form or JSON; raises ``ValidationFailed`` listing all."""
    errors: list[FieldError] = []
    caller = "".join(str(values.get("caller") or "").split())  # "+420 777 123 456" is fine
    if not caller:
        errors.append(FieldError("caller", "required"))
    else:
        phone_number(errors, "caller", caller, external=True)
    raw_queue = values.get("queue_id")
    queue_id: int | None = None
    if raw_queue in (None, ""):
        errors.append(FieldError("queue_id", "required"))
    else:
        try:
            queue_id = int(raw_queue)
        except (TypeError, ValueError):
            errors.append(FieldError("queue_id", "not_a_number"))
        else:
            if queue_id not in {q.id for q in _kc().admin().list("queue") if q.active}:
                errors.append(FieldError("queue_id", "unknown_reference", {"id": queue_id}))
    preferred_at = _preferred(values.get("preferred_at"), errors)
    note = _text(values, "note", errors)
    if errors:
        raise ValidationFailed(errors)
    return {"caller": caller, "queue_id": queue_id, "preferred_at": preferred_at, "note": note}


def _audit(action: str, object_id: str, params: dict[str, Any], outcome: Outcome = Outcome.OK) -> None:
    kc = _kc()
    kc.audit().record_alone(
        kc.uow_factory(),
        actor(),
        action,
        object_type="callback",
        object_id=object_id,
        params=params,
        outcome=outcome,
    )


def _send(audit_action: str, object_id: str, command: str, fields: dict[str, Any]) -> dict[str, Any]:
    """Send the command to the engine and audit what came of it; the engine's reply."""
    reply: dict[str, Any] = _kc().engine_client().send(command, **fields)
    if reply.get("ok"):
        result = reply.get("result")  # callback_request: the id of the (new or merged) request
        found = result if command == "callback_request" and isinstance(result, str) else object_id
        _audit(audit_action, found, fields)
    else:
        error = str(reply.get("error") or UNAVAILABLE)
        outcome = Outcome.FAILED if error == UNAVAILABLE else Outcome.REJECTED
        _audit(audit_action, object_id, {**fields, "error": error}, outcome)
    return reply


def _refusal(reply: dict[str, Any]) -> str:
    error = str(reply.get("error") or UNAVAILABLE)
    if error == UNAVAILABLE:
        return str(_("The routing engine is not answering; nothing was changed. Try again in a moment."))
    if reply.get("kind") == "not_found":
        key = str(reply.get("key", ""))
        return str(_("The callback request “%(id)s” no longer exists; nothing was changed.", id=key))
    holder = reply.get("holder_id")
    if isinstance(holder, int):
        name = _names()[1].get(holder) or str(_("another agent"))
        return str(_("%(name)s has this callback request; nothing was changed.", name=name))
    return refusal_text(reply.get("state"))


def _within_sight(callback_id: str) -> None:
    """A callback of a queue outside the user's sight is refused (403, audited as denied) before any
    action reaches the engine, as the list leaves it out (SEC-04, ADM-06). One that does not exist
    is for the engine to refuse, as before."""
    with _kc().uow_factory()() as uow:
        found: CallbackRequest | None = uow.callbacks.get(callback_id)
    if found is not None:
        check_queue(found.queue_id)


def _action_fields(action: str, callback_id: str, values: Mapping[str, Any]) -> dict[str, Any]:
    _within_sight(callback_id)
    _command, audit_action, extra = ACTIONS[action]
    fields: dict[str, Any] = {"callback_id": callback_id, "agent_id": _me()}
    if extra:
        errors: list[FieldError] = []
        fields[extra] = _text(values, extra, errors, required=extra == "reason")
        if errors:
            error = ValidationFailed(errors)
            _audit(audit_action, callback_id, {**fields, **error_params(error)}, Outcome.REJECTED)
            raise error
    return fields


def _flash_invalid(error: ValidationFailed) -> None:
    details = "; ".join(str(e["message"]) for e in validation_payload(error))
    flash(_("The input was not accepted: %(details)s", details=details), "error")


def _back() -> ResponseReturnValue:
    keep: dict[str, Any] = {k: request.form[k] for k in ("state", "queue", "mine") if request.form.get(k)}
    return redirect(url_for("callbacks.index", **keep))


def _page_action(action: str) -> Callable[[str], ResponseReturnValue]:
    def view(callback_id: str) -> ResponseReturnValue:
        try:
            fields = _action_fields(action, callback_id, request.form)
        except ValidationFailed as error:
            _flash_invalid(error)
            return _back()
        command, audit_action, _extra = ACTIONS[action]
        reply = _send(audit_action, callback_id, command, fields)
        if reply.get("ok"):
            flash(str(CONFIRMATIONS[action]), "success")
        else:
            flash(_refusal(reply), "error")
        return _back()

    view.__name__ = action
    return view


for _action in ACTIONS:
    bp.add_url_rule(
        f"/<callback_id>/{_action}",
        endpoint=_action,
        view_func=requires(Permission.HANDLE_CALLBACKS)(_page_action(_action)),
        methods=["POST"],
    )


@bp.route("/new", methods=["POST"])
@requires(Permission.HANDLE_CALLBACKS)
def create() -> ResponseReturnValue:
    try:
        fields = new_request_fields(request.form)
    except ValidationFailed as error:
        _audit("callback.request", "", error_params(error), Outcome.REJECTED)
        messages = {str(e["field"]): str(e["message"]) for e in validation_payload(error)}
        return _page(request.form, messages)
    check_queue(fields["queue_id"])  # ADM-06: a request only for a queue the user may see
    reply = _send("callback.request", "", "callback_request", {**fields, "agent_id": _me()})
    if reply.get("ok"):
        flash(str(CONFIRMATIONS["request"]), "success")
        return _back()
    flash(_refusal(reply), "error")
    return _page(request.form, {})


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
    missed = _kc().contacts().missed_of_queues(shown, int(hours))
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


def _api_reply(reply: dict[str, Any], status: int = 200) -> tuple[dict[str, Any], int]:
    if reply.get("ok"):
        return reply, status
    error = str(reply.get("error") or UNAVAILABLE)
    if error == UNAVAILABLE:
        return {"error": _refusal(reply), "code": UNAVAILABLE}, 503
    return {"error": _refusal(reply), "code": "refused"}, 409  # in words; the engine's text is audited


@api.route("", methods=["POST"])
@requires(Permission.HANDLE_CALLBACKS)
def api_create() -> tuple[dict[str, Any], int]:
    try:
        fields = new_request_fields(_json_body())
    except ValidationFailed as error:
        _audit("callback.request", "", error_params(error), Outcome.REJECTED)
        raise
    check_queue(fields["queue_id"])  # ADM-06: a request only for a queue the user may see
    return _api_reply(_send("callback.request", "", "callback_request", {**fields, "agent_id": _me()}), 201)


@api.route("/<callback_id>/<action>", methods=["POST"])
@requires(Permission.HANDLE_CALLBACKS)
def api_action(callback_id: str, action: str) -> tuple[dict[str, Any], int]:
    if action not in ACTIONS:
        return {"error": _("Not found.")}, 404
    fields = _action_fields(action, callback_id, _json_body())
    command, audit_action, _extra = ACTIONS[action]
    return _api_reply(_send(audit_action, callback_id, command, fields))
