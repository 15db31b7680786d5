"""The do-not-call list (OUT-01, OUT-03): numbers no campaign may dial, each with why and who put it
there; added with a reason, taken off again; a page and /api/v1/campaigns/do-not-call. Changes go
through ``CampaignService`` (audited)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from apps.web.campaign_api import iso_time
from apps.web.documents import json_object
from apps.web.errors import validation_payload
from apps.web.security import actor, requires
from apps.web.services import services
from kc_domain.errors import FieldError, ValidationFailed
from kc_domain.identity.roles import Permission
from kc_domain.outbound.campaigns import DoNotCall

bp = Blueprint("do_not_call", __name__, url_prefix="/campaigns/do-not-call")
api = Blueprint("do_not_call_api", __name__, url_prefix="/api/v1/campaigns/do-not-call")


@bp.route("", methods=["GET"])
@requires(Permission.MANAGE_CAMPAIGNS)
def index() -> ResponseReturnValue:
    return _page()


def _page(
    typed: dict[str, str] | None = None, errors: dict[str, list[str]] | None = None
) -> ResponseReturnValue:
    users = {u.username: u.full_name for u in services().admin().list("user")}
    html = render_template(
        "campaigns/do_not_call.html",
        numbers=sorted(services().campaigns().do_not_call(), key=lambda d: d.phone),
        users=users,
        typed=typed or {},
        errors=errors or {},
    )
    return (html, 422) if errors else html


@bp.route("", methods=["POST"])
@requires(Permission.MANAGE_CAMPAIGNS)
def add() -> ResponseReturnValue:
    phone, reason = request.form.get("phone", "").strip(), request.form.get("reason", "")
    try:
        if not phone:
            raise ValidationFailed.one("phone", "required")
        added = services().campaigns().forbid(actor(), phone, reason)
    except ValidationFailed as error:
        errors: dict[str, list[str]] = {}
        for item in validation_payload(error):
            errors.setdefault(str(item["field"]), []).append(str(item["message"]))
        return _page({"phone": phone, "reason": reason}, errors)
    flash(_("No campaign will call %(phone)s.", phone=added.phone), "success")
    return redirect(url_for("do_not_call.index"))


@bp.route("/<int:entry_id>/remove", methods=["POST"])
@requires(Permission.MANAGE_CAMPAIGNS)
def remove(entry_id: int) -> ResponseReturnValue:
    services().campaigns().allow(actor(), entry_id)
    flash(_("The number is off the do-not-call list; campaigns may call it again."), "success")
    return redirect(url_for("do_not_call.index"))


# -- JSON API --------------------------------------------------------------------------------------
@api.route("", methods=["GET"])
@requires(Permission.MANAGE_CAMPAIGNS)
def api_do_not_call() -> dict[str, Any]:
    return {"items": [plain_do_not_call(d) for d in services().campaigns().do_not_call()]}


@api.route("", methods=["POST"])
@requires(Permission.MANAGE_CAMPAIGNS)
def api_forbid() -> tuple[dict[str, Any], int]:
    body = json_object()
    phone, reason = body.get("phone"), body.get("reason", "")
    errors = [FieldError(k, "unexpected_field") for k in body if k not in ("phone", "reason")]
    if not isinstance(phone, str) or not phone.strip():
        errors.append(FieldError("phone", "required"))
    if not isinstance(reason, str):
        errors.append(FieldError("reason", "invalid_type", {"expected": "string"}))
    if errors:
        raise ValidationFailed(errors)
    return plain_do_not_call(services().campaigns().forbid(actor(), str(phone), str(reason))), 201


@api.route("/<int:entry_id>", methods=["DELETE"])
@requires(Permission.MANAGE_CAMPAIGNS)
def api_allow(entry_id: int) -> Response:
    services().campaigns().allow(actor(), entry_id)
    return Response(status=204)


def plain_do_not_call(entry: DoNotCall) -> dict[str, Any]:
    return {
        "id": entry.id,
        "phone": entry.phone,
        "reason": entry.reason,
        "added_at": iso_time(entry.added_at),
        "added_by": entry.added_by,
    }
