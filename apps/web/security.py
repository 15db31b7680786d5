"""Who is asking, may they, and the headers every response carries.

Every view declares what it needs with ``@requires(...)`` or ``@public``; a test walks the URL
map and fails for any view that declares neither, so no route can be left unguarded.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, Response, abort, current_app, g, redirect, request, session, url_for

from kc_domain.audit.model import Outcome
from kc_domain.audit.service import Actor
from kc_domain.identity.roles import Permission
from kc_domain.identity.service import SignedIn

F = TypeVar("F", bound=Callable[..., Any])

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
                expired = 1 if g.get("session_expired") else None
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
    return g.get("user")


def may(permission: Permission) -> bool:
    """Whether the signed-in user holds ``permission`` (False when nobody is signed in)."""
    user = current_user()
    return user is not None and permission in user.permissions


def actor() -> Actor:
    user = current_user()
    return Actor(user.username if user else "-", request.remote_addr or "")


def audit_denied(user: SignedIn) -> None:
    container = current_app.extensions["kc"]
    container.audit().record_alone(
        container.uow_factory(),
        actor(),
        "access.denied",
        params={"path": request.path, "method": request.method},
        outcome=Outcome.DENIED,
    )


def sign_in_session(user: SignedIn) -> None:
    session.clear()
    session["uid"] = user.user_id
    session["seen"] = int(time.time())
    session["lang"] = user.language
    session.permanent = True


def _load_user() -> None:
    uid = session.get("uid")
    g.user = None
    if uid is None:
        return
    idle = current_app.config["KC_SESSION_IDLE_SECONDS"]
    now = int(time.time())
    if now - int(session.get("seen", 0)) > idle:
        session.clear()
        g.session_expired = True
        return
    user = current_app.extensions["kc"].sign_in().identity(uid)
    if user is None:
        session.clear()
        return
    session["seen"] = now
    g.user = user


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
    app.before_request(_load_user)
    app.after_request(_headers)


def new_secret() -> str:
    return secrets.token_urlsafe(48)
