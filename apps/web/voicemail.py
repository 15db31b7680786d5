"""Voicemail (IN-08): messages left by callers, played in the browser, taken by an agent and marked done."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response as BaseResponse

from apps.web.errors import validation_payload
from apps.web.security import actor, current_user, may, requires
from apps.web.services import services
from apps.web.sight import refuse, sight
from kc_domain.errors import ValidationFailed
from kc_domain.identity.roles import Permission
from kc_domain.identity.sight import Sight
from kc_domain.voicemail import Voicemail, VoicemailService, VoicemailState

bp = Blueprint("voicemail", __name__, url_prefix="/voicemail")

STATES = {
    VoicemailState.NEW: _l("New"),
    VoicemailState.ASSIGNED: _l("Assigned"),
    VoicemailState.DONE: _l("Done"),
}


def service() -> VoicemailService:
    found: VoicemailService = services().voicemail()
    return found


def _agent_id() -> int:
    user = current_user()
    assert user is not None  # guaranteed by @requires
    return user.user_id


@bp.route("/")
@requires(Permission.HANDLE_CALLBACKS)
def index() -> str:
    kc = services()
    raw = request.args.get("state", "")
    state = next((s for s in VoicemailState if s.value == raw), None)
    seen = sight()  # ADM-06, GEN-06: messages of the queues and agents the user may see
    messages = [m for m in service().list(state) if _sees(seen, m)]
    queues = {q.id: q.name for q in kc.admin().list("queue")}
    agents = {u.id: u.full_name for u in kc.admin().list("user")}
    return render_template(
        "voicemail/index.html",
        messages=messages,
        queues=queues,
        agents=agents,
        states=STATES,
        state=state.value if state else "",
        me=_agent_id(),
    )


@bp.route("/<int:voicemail_id>/audio")
@requires(Permission.HANDLE_CALLBACKS)
def audio(voicemail_id: int) -> Response:
    _visible(voicemail_id)
    data = service().audio(actor(), voicemail_id)
    return Response(
        data,
        mimetype="audio/wav",
        headers={"Content-Disposition": f'inline; filename="voicemail-{voicemail_id}.wav"'},
    )


@bp.route("/<int:voicemail_id>/assign", methods=["POST"])
@requires(Permission.HANDLE_CALLBACKS)
def assign(voicemail_id: int) -> BaseResponse:
    _visible(voicemail_id)
    try:
        service().assign_to_self(actor(), _agent_id(), voicemail_id)
    except ValidationFailed as error:
        _refused(error)
    else:
        flash(_("The message is assigned to you."), "success")
    return _back()


@bp.route("/<int:voicemail_id>/done", methods=["POST"])
@requires(Permission.HANDLE_CALLBACKS)
def done(voicemail_id: int) -> BaseResponse:
    _visible(voicemail_id)
    try:
        service().mark_done(
            actor(),
            _agent_id(),
            voicemail_id,
            request.form.get("note", ""),
            supervisor=may(Permission.SUPERVISE),  # only the assignee or a supervisor settles it
        )
    except ValidationFailed as error:
        _refused(error)
    else:
        flash(_("The message is marked as done."), "success")
    return _back()


def _sees(seen: Sight, message: Voicemail) -> bool:
    return message.queue_id is None or seen.sees_call(message.queue_id, [message.agent_id])


def _visible(voicemail_id: int) -> None:
    """A message outside the queues and agents the user may see: 403, audited (as recordings are:
    ids count up, so stepping through them must leave a trace)."""
    if not _sees(sight(), service().get(voicemail_id)):
        refuse()


def _refused(error: ValidationFailed) -> None:
    details = "; ".join(str(e["message"]) for e in validation_payload(error))
    flash(_("The change was refused: %(details)s", details=details), "error")


def _back() -> BaseResponse:
    state = request.form.get("state", "")
    target = url_for("voicemail.index", state=state) if state else url_for("voicemail.index")
    return redirect(target)
