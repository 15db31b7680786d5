"""The start page after sign-in: what this user may open."""

from __future__ import annotations

from flask import Blueprint, render_template

from apps.web.security import requires

bp = Blueprint("home", __name__)


@bp.route("/")
@requires()
def index() -> str:
    return render_template("home.html")
