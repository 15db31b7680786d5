"""Who is asking, may they, and the headers every response carries.

Every view declares what it needs with ``@requires(...)`` or ``@public``; a test walks the URL
map and fails for any view that declares neither, so no route can be left unguarded.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, Response, abort, current_app, g, redirect, request, session, url_for

from apps.web.services import services
from kc_domain.audit.model import Outcome
from kc_domain.audit.service import Actor
from kc_domain.identity.roles import Permission
from kc_domain.identity.service import SignedIn

F = TypeVar("F", bound=Callable[..., Any])
log = logging.getLogger(__name__)

EXPIRED = {"idle": "1", "lifetime": "2", "ended": "3"}
"""Why a session ended by itself, as the sign-in page's ``expired`` argument."""

PASSWORD_CHANGE_ENDPOINTS = {"auth.password", "auth.logout"}
"""All a user whose password has expired may do until it is changed."""

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)


def public(view: F) -> F:
    view.kc_access = "public"  # type: ignore[attr-defined]
    return view


def requires(*permissions: Permission) -> Callable[[F], F]:
    """The signed-in user must hold every one of ``permissions`` (none: any signed-in user)."""

    def decorate(view: F) -> F:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            user = current_user()
            if user is None:
                if request.path.startswith("/api/"):
                    abort(401)
                expired = EXPIRED.get(g.get("session_expired", ""))
                return redirect(url_for("auth.login", next=request.full_path, expired=expired))
            if user.password_expired and request.endpoint not in PASSWORD_CHANGE_ENDPOINTS:
                return redirect(url_for("auth.password"))
            if not set(permissions) <= user.permissions:
                audit_denied(user)
                abort(403)
            return view(*args, **kwargs)

        guarded.kc_access = permissions  # type: ignore[attr-defined]
        return guarded  # type: ignore[return-value]

    return decorate


def current_user() -> SignedIn | None:
    found: SignedIn | None = g.get("user")
    return found


def may(permission: Permission) -> bool:
    """Whether the signed-in user holds ``permission`` (False when nobody is signed in)."""
    user = current_user()
    return user is not None and permission in user.permissions


def actor() -> Actor:
    user = current_user()
    return Actor(user.username if user else "-", request.remote_addr or "")


def audit_denied(user: SignedIn) -> None:
    """A signed-in user refused a page: audited; repeats of one route from one address within a
    minute as one count (``AuditTrail.record_denial``)."""
    container = services()
    container.audit().record_denial_alone(
        container.uow_factory(),
        actor(),
        "access.denied",
        params={"path": request.path, "method": request.method},
        outcome=Outcome.DENIED,
        kind=f"{request.method} {request.url_rule.rule if request.url_rule else request.path}",
    )


def now_s() -> int:
    """Seconds since the epoch: the time sessions are measured in."""
    return int(time.time())


def sign_in_session(user: SignedIn) -> None:
    """A new session for ``user``: it carries the account's session epoch (sign-out and a new
    password end it, everywhere), when it began (for KC_SESSION_MAX_HOURS) and was last used."""
    session.clear()
    session["uid"] = user.user_id
    session["epoch"] = user.session_epoch
    session["since"] = session["seen"] = now_s()
    session["lang"] = user.language
    session.permanent = True


def renew_session_epoch(user: SignedIn) -> None:
    """Keep this session after the user ended all others (own password change); it does not
    lengthen the session's lifetime."""
    session["epoch"] = user.session_epoch


def _load_user() -> None:
    """Who the session belongs to, checked on every request: not idle too long, not older than its
    absolute lifetime, its epoch still the account's, the account still active (roles re-read)."""
    g.user = None
    if request.endpoint == "static":
        return  # a style sheet or a script needs nobody's identity: no database read for it
    uid = session.get("uid")
    # a session found ended by an earlier request (a live page's API call, say) is explained on the
    # next page, which sends the user to the sign-in with the reason
    if not request.path.startswith("/api/") and session.pop("ended", None):
        g.session_expired = "ended"
    if uid is None:
        return
    now = now_s()
    since, seen, epoch = session.get("since"), session.get("seen"), session.get("epoch")
    if not (isinstance(since, int) and isinstance(seen, int) and isinstance(epoch, int)):
        session.clear()  # a session of an older KC, without these: sign in again
        return
    if now - seen > current_app.config["KC_SESSION_IDLE_SECONDS"]:
        g.session_expired = "idle"
    elif now - since > current_app.config["KC_SESSION_MAX_SECONDS"]:
        g.session_expired = "lifetime"
    if g.get("session_expired"):
        session.clear()
        return
    user = services().sign_in().identity(uid, epoch)
    if user is None:  # signed out elsewhere, a new password, deactivated: say so at the sign-in
        g.session_expired = "ended"
        session.clear()
        session["ended"] = True  # until a page shows it (the first request may be an API call)
        return
    session["seen"] = now
    g.user = user


def _flush_denials() -> None:
    """Record the counts of repeated refusals whose minute is over (AuditTrail.record_denial). A
    failed write keeps the counts for a later request and does not fail this one."""
    if request.endpoint == "static":
        return
    container = services()
    try:
        container.audit().flush_denials(container.uow_factory())
    except Exception:
        log.exception("the counts of repeated refusals could not be recorded now; kept for later")


def _headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Permissions-Policy"] = "camera=(), geolocation=(), microphone=()"
    if current_app.config["SESSION_COOKIE_SECURE"]:
        response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if g.get("user") is not None:
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def init_app(app: Flask) -> None:
    app.before_request(_flush_denials)
    app.before_request(_load_user)
    app.after_request(_headers)
