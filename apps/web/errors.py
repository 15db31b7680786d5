"""Domain errors mapped to HTTP once: JSON for /api, a page otherwise."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from apps.engine.client import EngineRefused, EngineUnavailable
from apps.web.admin.service import used_by_text
from apps.web.messages import campaign_refusal, error_text, parameter_label, refusal_text
from kc_domain.errors import Conflict, Forbidden, InUse, NotFound, ValidationFailed
from kc_domain.outbound.campaigns import IllegalCampaignTransition
from kc_domain.plain import capped

# the body (JSON for /api, else the error page) and the status
ErrorReply = tuple[dict[str, object] | str, int]


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _reply(status: int, message: str, **extra: object) -> ErrorReply:
    if _wants_json():
        return {"error": message, **extra}, status
    refused = extra.get("errors")
    named = refused if isinstance(refused, list) else []
    errors = [{**e, "label": parameter_label(str(e["field"]))} for e in named]
    return render_template("error.html", status=status, message=message, errors=errors), status


def validation_payload(error: ValidationFailed) -> list[dict[str, object]]:
    # what a refusal repeats of the input is capped (kc_domain.plain.capped), like its audit record
    return [
        {"field": e.field, "code": e.code, "message": error_text(e), **capped(e.params)} for e in error.errors
    ]


def init_app(app: Flask) -> None:
    @app.errorhandler(ValidationFailed)
    def invalid(error: ValidationFailed) -> ErrorReply:
        return _reply(
            422, _("The input was not accepted; nothing was changed."), errors=validation_payload(error)
        )

    @app.errorhandler(NotFound)
    def not_found(error: NotFound) -> ErrorReply:
        return _reply(404, _("Not found."))

    @app.errorhandler(InUse)
    def in_use(error: InUse) -> ErrorReply:
        return _reply(
            409,
            _("It cannot be deleted: it is still used by %(users)s.", users=used_by_text(error.used_by)),
            used_by=list(error.used_by),
        )

    @app.errorhandler(Conflict)
    def conflict(error: Conflict) -> ErrorReply:
        return _reply(
            409,
            _(
                "Someone else changed the same data at the same moment; nothing was saved. "
                "Reload the page and try again."
            ),
        )

    @app.errorhandler(EngineUnavailable)
    def engine_unavailable(error: EngineUnavailable) -> ErrorReply:
        return _reply(
            503, _("The routing engine is not answering; nothing was changed. Try again in a moment.")
        )

    @app.errorhandler(EngineRefused)
    def engine_refused(error: EngineRefused) -> ErrorReply:
        return _reply(409, refusal_text(error.state))

    @app.errorhandler(IllegalCampaignTransition)
    def campaign_state(error: IllegalCampaignTransition) -> ErrorReply:
        return _reply(409, campaign_refusal(error.state), state=error.state.value)

    @app.errorhandler(Forbidden)
    def forbidden(error: Forbidden) -> ErrorReply:
        return _reply(403, _("You do not have the right to do this."))

    @app.errorhandler(CSRFError)
    def csrf(error: CSRFError) -> ErrorReply:
        return _reply(400, _("The form has expired. Reload the page and try again."))

    @app.errorhandler(HTTPException)
    def http(error: HTTPException) -> ErrorReply:
        messages = {
            403: _("You do not have the right to do this."),
            404: _("Not found."),
            405: _("This method is not allowed here."),
        }
        return _reply(error.code or 500, messages.get(error.code or 500, error.description or ""))
