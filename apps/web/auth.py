"""Sign-in, sign-out, own password and UI language."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from apps.web.errors import validation_payload
from apps.web.messages import SIGN_IN_REFUSALS
from apps.web.security import current_user, public, renew_session_epoch, requires, sign_in_session
from apps.web.services import services
from kc_domain.errors import AuthenticationFailed, FieldError, ValidationFailed

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only local paths, so the sign-in page cannot be used to send users elsewhere."""
    if not target or urlsplit(target).netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("home.index")
    return target


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> Response | str | tuple[str, int]:
    if request.method == "GET":
        if current_user():
            return redirect(url_for("home.index"))
        return render_template("login.html", expired=request.args.get("expired", ""))
    username = request.form.get("username", "")
    password = request.form.get("password", "")
    try:
        user = services().sign_in().sign_in(username, password, request.remote_addr or "")
    except AuthenticationFailed as refused:
        return render_template("login.html", error=SIGN_IN_REFUSALS[refused.reason], username=username), 401
    sign_in_session(user)
    if user.password_expired:
        flash(_("Your password has expired. Choose a new one."), "warning")
        return redirect(url_for("auth.password"))
    return redirect(_safe_next(request.args.get("next")))


@bp.route("/logout", methods=["POST"])
@requires()
def logout() -> Response:
    user = current_user()
    assert user is not None
    services().sign_in().sign_out(user.user_id, request.remote_addr or "")
    session.clear()  # and every other session of the user has ended with it
    flash(_("You have been signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@requires()
def password() -> Response | str | tuple[str, int]:
    if request.method == "GET":
        return render_template("password.html", errors={})
    user = current_user()
    assert user is not None
    new = request.form.get("password", "")
    try:
        if new != request.form.get("password_again", ""):
            raise ValidationFailed([FieldError("password_again", "password_mismatch")])
        current = request.form.get("current_password", "")
        sign_in = services().sign_in()
        changed = sign_in.change_own_password(user.user_id, current, new, request.remote_addr or "")
    except ValidationFailed as error:
        errors: dict[str, list[str]] = {}
        for item in validation_payload(error):
            errors.setdefault(str(item["field"]), []).append(str(item["message"]))
        return render_template("password.html", errors=errors), 422
    renew_session_epoch(changed)  # this session goes on; every other one of the user has ended
    flash(_("The password has been changed."), "success")
    return redirect(url_for("home.index"))


@bp.route("/language", methods=["POST"])
@public
def language() -> Response:
    chosen = request.form.get("language", "")
    if chosen in ("cs", "en"):
        session["lang"] = chosen
    return redirect(_safe_next(request.form.get("next")))
