"""Liveness and readiness for load balancers and orchestrators."""

from __future__ import annotations

import logging

from flask import Blueprint

from apps.web import engine_watch
from apps.web.security import public
from apps.web.services import services

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
    kc = services()
    watch = engine_watch.watch()
    checks: dict[str, str] = {}

    def database() -> None:
        kc.uow_factory().ping()

    def bus() -> None:
        kc.bus().ping()
        watch.ensure_subscribed()

    for name, ping in (("database", database), ("bus", bus)):
        try:
            ping()
            checks[name] = "ok"
        except Exception as error:  # any failure means not ready; the reason goes to the log
            log.warning("readiness check %s failed: %s", name, error)
            checks[name] = "unavailable"
    state, reasons, heartbeat = watch.state()
    checks["engine"] = state
    checks["recordings"], recordings = _recordings()
    ready = all(v in ("ok", "degraded") for v in checks.values())
    engine = {"state": state, "reasons": reasons, "heartbeat": heartbeat}
    body = {"status": "ok" if ready else "unavailable", "checks": checks, "engine": engine}
    return {**body, "recordings": recordings}, 200 if ready else 503


def _recordings() -> tuple[str, dict[str, object]]:
    """The recordings' store's state and what /readyz tells of it: ``degraded`` (still ready) when its
    free space is under the threshold or recordings wait in the spool to be stored again (REC-02, GEN-03)."""
    try:
        storage = services().recordings().storage()
    except Exception as error:
        log.warning("readiness check recordings failed: %s", error)
        return "degraded", {"state": "degraded", "error": str(error)[:200]}
    state = "degraded" if storage["space"] == "low" or storage["waiting"] > 0 else "ok"
    return state, {"state": state, **storage}
