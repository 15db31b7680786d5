"""KC's client for the Asterisk REST Interface (ARI): REST over HTTP, events over a WebSocket.

Standard library (``urllib.request``) for REST and ``simple-websocket`` (already used by the web
pages) for the events of KC's Stasis application; why ARI: ``docs/adr/0006-asterisk-control-path.md``.
A refused request (HTTP 4xx/5xx) raises ``AriError`` with Asterisk's message; a connection problem
raises ``AriConnectionError``. Events (decoded JSON objects) go to one callback on the client's
reader thread; a callback that raises is logged and the reader goes on.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any

import simple_websocket

log = logging.getLogger(__name__)

AriEvent = Mapping[str, Any]
_RECEIVE_POLL_S = 0.5


class AriError(Exception):
    """Asterisk refused a request."""

    def __init__(self, method: str, path: str, status: int, message: str) -> None:
        super().__init__(f"{method} {path}: {status} {message}")
        self.status, self.message = status, message


class AriConnectionError(AriError):
    """Asterisk's HTTP server or events socket could not be reached."""

    def __init__(self, method: str, path: str, reason: str) -> None:
        super().__init__(method, path, 0, reason)


class AriClient:
    def __init__(
        self, host: str, port: int, username: str, password: str, app: str, timeout_s: float = 5.0
    ) -> None:
        self.host, self.port, self.app, self.timeout_s = host, port, app, timeout_s
        self._username, self._password = username, password
        token = base64.b64encode(f"{username}:{password}".encode()).decode()
        self._auth = f"Basic {token}"
        self._ws: simple_websocket.Client | None = None
        self._reader: threading.Thread | None = None
        self._stopping = threading.Event()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/ari"

    def request(self, method: str, path: str, *, body: Any = None, **params: str | int) -> Any:
        """One REST call; the decoded JSON answer, or None for an empty one (204). ``body`` is sent as
        JSON (what ARI takes only there, e.g. the channel variables of an originate)."""
        answer = self._call(method, path, params, body)
        return json.loads(answer) if answer else None

    def fetch(self, path: str) -> bytes:
        """A GET whose answer is not JSON (a stored recording's file): its bytes."""
        return self._call("GET", path, {})

    def _call(
        self, method: str, path: str, params: Mapping[str, str | int], body: Mapping[str, Any] | None = None
    ) -> bytes:
        query = urllib.parse.urlencode({k: str(v) for k, v in params.items()})
        url = f"{self.base_url}{path}" + (f"?{query}" if query else "")
        headers = {"Authorization": self._auth}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as answer:
                received: bytes = answer.read()
                return received
        except urllib.error.HTTPError as refused:
            raise AriError(method, path, refused.code, _message(refused.read())) from None
        except (urllib.error.URLError, OSError) as exc:
            raise AriConnectionError(method, path, f"Asterisk's ARI unreachable: {exc}") from None

    # -- events ---------------------------------------------------------------------------------
    def connect(self, on_event: Callable[[AriEvent], None]) -> None:
        """Open the events socket of KC's application and deliver its events to ``on_event``."""
        query = urllib.parse.urlencode({"app": self.app, "api_key": f"{self._username}:{self._password}"})
        url = f"ws://{self.host}:{self.port}/ari/events?{query}"
        try:
            self._ws = simple_websocket.Client.connect(url)
        except (simple_websocket.ConnectionError, OSError) as exc:
            raise AriConnectionError("GET", "/events", f"cannot open ARI events: {exc}") from None
        self._stopping.clear()
        self._reader = threading.Thread(
            target=self._read, args=(self._ws, on_event), name="ari-events", daemon=True
        )
        self._reader.start()

    @property
    def connected(self) -> bool:
        return self._reader is not None and self._reader.is_alive()

    def close(self) -> None:
        self._stopping.set()
        ws, self._ws = self._ws, None
        if ws is not None:
            try:
                ws.close()
            except Exception:  # already closed by the peer
                log.debug("ARI events socket closed already", exc_info=True)
        if self._reader is not None and self._reader is not threading.current_thread():
            self._reader.join(timeout=5)
        self._reader = None

    def _read(self, ws: simple_websocket.Client, on_event: Callable[[AriEvent], None]) -> None:
        while not self._stopping.is_set():
            try:
                raw = ws.receive(timeout=_RECEIVE_POLL_S)
            except simple_websocket.ConnectionClosed:
                if not self._stopping.is_set():
                    log.warning("ARI events socket to %s:%s closed by Asterisk", self.host, self.port)
                return
            if raw is None:
                continue
            try:
                event = json.loads(raw)
            except ValueError:
                log.warning("ARI event dropped, not JSON: %r", str(raw)[:200])
                continue
            if not isinstance(event, dict) or not isinstance(event.get("type"), str):
                log.warning("ARI event dropped, no type: %r", str(raw)[:200])
                continue
            try:
                on_event(event)
            except Exception:
                log.exception("ARI event handler failed on %s", event.get("type"))


def _message(body: bytes) -> str:
    try:
        decoded = json.loads(body)
    except ValueError:
        return body.decode("utf-8", "replace").strip() or "no reason given"
    if isinstance(decoded, dict):
        for key in ("message", "error"):  # 4xx answers carry "message", some 500s "error"
            if isinstance(decoded.get(key), str):
                return str(decoded[key])
    return str(decoded)
