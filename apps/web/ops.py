"""Liveness and readiness for load balancers and orchestrators."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app

from apps.web.security import public

bp = Blueprint("ops", __name__)
log = logging.getLogger(__name__)


@bp.route("/healthz")
@public
def healthz() -> dict[str, str]:
    """The process answers; says nothing about its dependencies."""
    return {"status": "ok"}


@bp.route("/readyz")
@public
def readyz() -> tuple[dict[str, object], int]:
    """Ready to serve: the database and the event bus both answer."""
    kc = current_app.extensions["kc"]
    checks: dict[str, str] = {}
    for name, ping in (("database", lambda: kc.uow_factory().ping()), ("bus", lambda: kc.bus().ping())):
        try:
            ping()
            checks[name] = "ok"
        except Exception as error:  # any failure means not ready; the reason goes to the log
            log.warning("readiness check %s failed: %s", name, error)
            checks[name] = "unavailable"
    ready = all(v == "ok" for v in checks.values())
    return {"status": "ok" if ready else "unavailable", "checks": checks}, 200 if ready else 503
