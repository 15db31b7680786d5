"""Logging to stderr with the request id and the user on every line."""

from __future__ import annotations

import logging
import sys
import uuid

from flask import Flask, Response, g, has_request_context, request


class _RequestContext(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context():
            record.request_id = g.get("request_id", "-")
            user = g.get("user")
            record.user = user.username if user else "-"
        else:
            record.request_id, record.user = "-", "-"
        return True


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_RequestContext())
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s req=%(request_id)s user=%(user)s %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


def init_app(app: Flask) -> None:
    log = logging.getLogger("kc.web")

    @app.before_request
    def _request_id() -> None:
        incoming = request.headers.get("X-Request-Id", "")
        g.request_id = incoming[:64] if incoming.isascii() and incoming else uuid.uuid4().hex[:16]

    @app.after_request
    def _log(response: Response) -> Response:
        response.headers["X-Request-Id"] = g.get("request_id", "")
        if request.path != "/healthz":
            log.info("%s %s %s", request.method, request.path, response.status_code)
        return response
