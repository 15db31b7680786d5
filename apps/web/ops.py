"""Liveness and readiness for load balancers and orchestrators."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app

from apps.web import engine_watch
from apps.web.security import public

bp = Blueprint("ops", __name__)
bp.record_once(lambda state: engine_watch.init_app(state.app))
log = logging.getLogger(__name__)


@bp.route("/healthz")
@public
def healthz() -> dict[str, str]:
    """The process answers; says nothing about its dependencies."""
    return {"status": "ok"}


@bp.route("/readyz")
@public
def readyz() -> tuple[dict[str, object], int]:
    """Ready to serve: the database and the event bus answer, and the engine's heartbeat is fresh
    (``engine``: ok, degraded — working, with a part failing, e.g. the journal waiting for the
    database — or down). 503 when any is not."""
    kc = current_app.extensions["kc"]
    watch = engine_watch.watch()
    checks: dict[str, str] = {}
    for name, ping in (
        ("database", lambda: kc.uow_factory().ping()),
        ("bus", lambda: (kc.bus().ping(), watch.ensure_subscribed())),
    ):
        try:
            ping()
            checks[name] = "ok"
        except Exception as error:  # any failure means not ready; the reason goes to the log
            log.warning("readiness check %s failed: %s", name, error)
            checks[name] = "unavailable"
    state, reasons, heartbeat = watch.state()
    checks["engine"] = state
    recordings = _recordings()
    checks["recordings"] = recordings.get("state", "unavailable")
    ready = all(v in ("ok", "degraded") for v in checks.values())
    engine = {"state": state, "reasons": reasons, "heartbeat": heartbeat}
    body = {"status": "ok" if ready else "unavailable", "checks": checks, "engine": engine}
    return {**body, "recordings": recordings}, 200 if ready else 503


def _recordings() -> dict[str, object]:
    """The recordings' store: ``degraded`` (still ready) when its free space is under the threshold
    or recordings wait in the spool to be stored again (REC-02, GEN-03)."""
    try:
        storage = current_app.extensions["kc"].recordings().storage()
    except Exception as error:
        log.warning("readiness check recordings failed: %s", error)
        return {"state": "degraded", "error": str(error)[:200]}
    low = storage["space"] == "low" or storage["waiting"] > 0
    return {"state": "degraded" if low else "ok", **storage}
