"""The do-not-call list (OUT-01, OUT-03): numbers no campaign may dial, each with why and who put it
there; added with a reason, taken off again. Changes go through ``CampaignService`` (audited)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from apps.web.errors import validation_payload
from apps.web.security import actor, requires
from apps.web.services import services
from kc_domain.errors import ValidationFailed
from kc_domain.identity.roles import Permission

bp = Blueprint("do_not_call", __name__, url_prefix="/campaigns/do-not-call")


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
