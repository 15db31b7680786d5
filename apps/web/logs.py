"""Logging to stderr with the request id and the user on every line.

The request id comes from the caller's X-Request-Id only when it is a short safe token
(``REQUEST_ID``); anything else (spaces, control characters, a forged log line) is replaced by a new
one, so that nothing a client sends can start a line of its own or pose as another field.
"""

from __future__ import annotations

import logging
import re
import sys
import uuid
from urllib.parse import quote

from flask import Flask, Response, g, has_request_context, request

REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
"""What an incoming X-Request-Id may be: a short token that cannot forge or break a log line."""


def request_id(incoming: str) -> str:
    """The caller's request id when it is a safe token, else a new one."""
    return incoming if REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex[:16]


PATH_SAFE = "/:@!$&'()*+,;=~"
"""Kept as they are in a logged path; a space, a control character or a non-ASCII letter is
percent-encoded, so that the path is one field of the line."""


def logged_path() -> str:
    """The request's path as the log shows it (``PATH_SAFE``): a secret in the path (a kiosk token)
    is not written, the route's pattern stands in for it (``/wallboard/kiosk/<token>``)."""
    rule = request.url_rule
    if rule is not None and "token" in rule.arguments:
        return rule.rule
    return quote(request.path, safe=PATH_SAFE)


class _RequestContext(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context():
            record.request_id = g.get("request_id", "-")
            user = g.get("user")
            record.user = user.username if user else "-"
        else:
            record.request_id, record.user = "-", "-"
        return True


CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


class OneLineFormatter(logging.Formatter):
    """Control characters in a message (a line break in a path or a name a client sent) are written
    escaped, so that one event stays one line; a traceback after it keeps its lines."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        return CONTROL.sub(_escaped, super().formatMessage(record))


def _escaped(control: re.Match[str]) -> str:
    return control.group().encode("unicode_escape").decode("ascii")


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_RequestContext())
    handler.setFormatter(
        OneLineFormatter("%(asctime)s %(levelname)s %(name)s req=%(request_id)s user=%(user)s %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


def init_app(app: Flask) -> None:
    log = logging.getLogger("kc.web")

    @app.before_request
    def _request_id() -> None:
        g.request_id = request_id(request.headers.get("X-Request-Id", ""))

    @app.after_request
    def _log(response: Response) -> Response:
        response.headers["X-Request-Id"] = g.get("request_id", "")
        if request.path != "/healthz":
            log.info("%s %s %s", request.method, logged_path(), response.status_code)
        return response
