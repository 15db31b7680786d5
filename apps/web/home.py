"""The start page after sign-in: the user's daily tools first (apps/web/navigation.py); the page
that tells a user who is not an agent why there is no desktop for them; and the site icon."""

from __future__ import annotations

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


@bp.route("/favicon.ico")
@public
def favicon() -> Response:
    """Browsers ask for /favicon.ico on pages that do not name an icon (files, error pages)."""
    static = current_app.static_folder
    assert static is not None
    return send_from_directory(static, "favicon.ico", mimetype="image/vnd.microsoft.icon", max_age=86400)
