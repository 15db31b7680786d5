"""The start page after sign-in: the user's daily tools first (apps/web/navigation.py); the page
that tells a user who is not an agent why there is no desktop for them; and the site icon."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, render_template, send_from_directory

from apps.web.admin.resources import RESOURCES
from apps.web.security import current_user, public, requires

bp = Blueprint("home", __name__)


@bp.route("/")
@requires()
def index() -> str:
    user = current_user()
    assert user is not None
    resources = [r for r in RESOURCES.values() if r.permission in user.permissions]
    return render_template(
        "home.html",
        admin_resources=resources,
        admin_summary=", ".join(str(r.title) for r in resources),
    )


def not_an_agent() -> tuple[str, int] | None:
    """The page for a user who may open the agent desktop (an administrator may open everything)
    but whom the routing engine does not know as an agent; None for an agent."""
    user = current_user()
    assert user is not None
    admin = current_app.extensions["kc"].admin()
    account = admin.get("user", user.user_id)
    group_roles: frozenset[Any] = next(
        (g.roles for g in admin.list("group") if g.id == account.group_id), frozenset()
    )
    has_skill = any(s.user_id == account.id for s in admin.list("skill"))
    if account.takes_calls(group_roles, has_skill):
        return None
    return render_template("not_an_agent.html"), 200


@bp.route("/favicon.ico")
@public
def favicon() -> Response:
    """Browsers ask for /favicon.ico on pages that do not name an icon (files, error pages)."""
    static = current_app.static_folder
    assert static is not None
    return send_from_directory(static, "favicon.ico", mimetype="image/vnd.microsoft.icon", max_age=86400)
