"""KC's client for the Asterisk REST Interface (ARI): REST over HTTP, events over a WebSocket.

Standard library (``urllib.request``) for REST and ``simple-websocket`` (already used by the web
pages) for the events of KC's Stasis application; why ARI: ``docs/adr/0006-asterisk-control-path.md``.
A refused request (HTTP 4xx/5xx) raises ``AriError`` with Asterisk's message; a connection problem
raises ``AriConnectionError``. Events (decoded JSON objects) go to one callback on the client's
reader thread; a callback that raises is logged and the reader goes on.

The events socket is kept open: a socket Asterisk closes (a restart, a network fault) or that stops
answering pings (a cut that sends nothing, found within two ``ping_interval_s``) is opened again by
the reader: at once, then after 0.5 s, doubling up to ``BACKOFF_MAX_S`` between tries, until ``close``. While
it is closed Asterisk deactivates KC's application: its events are lost and new calls cannot enter
it. Once the socket is open again and before any new event is read, ``on_reconnect`` is called (the
adapter asks Asterisk what happened meanwhile). ``connected`` is False while the socket is down.
"""

from __future__ import annotations

import base64
import json
import logging
import socket
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
BACKOFF_FIRST_S = 0.5
BACKOFF_MAX_S = 10.0


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
        self,
        host: str,
        port: int,
        username: str,
        password: str,
        app: str,
        timeout_s: float = 5.0,
        ping_interval_s: float = 5.0,
    ) -> None:
        self.host, self.port, self.app, self.timeout_s = host, port, app, timeout_s
        self.ping_interval_s = ping_interval_s
        self.reconnects = 0  # how often the events socket was opened again
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
    def connect(
        self,
        on_event: Callable[[AriEvent], None],
        on_reconnect: Callable[[], None] | None = None,
        *,
        keep_trying: bool = False,
    ) -> None:
        """Open the events socket of KC's application and deliver its events to ``on_event``; raises
        ``AriConnectionError`` when Asterisk cannot be reached now, unless ``keep_trying``: then
        the reader keeps trying (``connected`` says when it is open). Later losses are healed by the
        reader (see the module's description), each followed by ``on_reconnect``."""
        ws: simple_websocket.Client | None
        try:
            ws = self._open()
        except AriConnectionError as exc:
            if not keep_trying:
                raise
            log.warning("ARI unreachable (%s); KC keeps trying to connect", exc.message)
            ws = None
        self._stopping.clear()
        self._ws = ws
        self._reader = threading.Thread(
            target=self._run, args=(ws, on_event, on_reconnect), name="ari-events", daemon=True
        )
        self._reader.start()

    @property
    def connected(self) -> bool:
        return self._ws is not None and self._reader is not None and self._reader.is_alive()

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

    def _open(self) -> simple_websocket.Client:
        query = urllib.parse.urlencode({"app": self.app, "api_key": f"{self._username}:{self._password}"})
        path = f"/ari/events?{query}"
        try:
            return _EventsSocket(self.host, self.port, path, self.ping_interval_s, self.timeout_s)
        except Exception as exc:  # refused, reset, or a handshake cut short (wsproto's own errors)
            raise AriConnectionError("GET", "/events", f"cannot open ARI events: {exc!r}") from None

    def _run(
        self,
        ws: simple_websocket.Client | None,
        on_event: Callable[[AriEvent], None],
        on_reconnect: Callable[[], None] | None,
    ) -> None:
        while True:
            if ws is not None:
                self._read(ws, on_event)
                if self._stopping.is_set():
                    return
                self._ws = None
                log.warning("ARI events socket to %s:%s lost; opening it again", self.host, self.port)
            reopened = self._reopen()
            if reopened is None:
                return
            ws = self._ws = reopened
            self.reconnects += 1
            log.warning("ARI events socket to %s:%s open again", self.host, self.port)
            if on_reconnect is not None:
                try:
                    on_reconnect()
                except Exception:
                    log.exception("ARI: catching up after the reconnection failed")

    def _reopen(self) -> simple_websocket.Client | None:
        """The events socket, opened again with a growing pause between tries; None when closing."""
        delay, pause, tries = BACKOFF_FIRST_S, 0.0, 0
        while not self._stopping.wait(pause):  # the first try at once: most losses are a blip
            tries += 1
            try:
                ws = self._open()
            except AriConnectionError as exc:
                log.log(
                    logging.WARNING if tries in (1, 10) or tries % 60 == 0 else logging.DEBUG,
                    "ARI reconnection %d failed (%s); next try in %.1f s",
                    tries,
                    exc.message,
                    delay,
                )
                pause, delay = delay, min(delay * 2, BACKOFF_MAX_S)
                continue
            if self._stopping.is_set():
                ws.close()
                return None
            return ws
        return None

    def _read(self, ws: simple_websocket.Client, on_event: Callable[[AriEvent], None]) -> None:
        """Deliver the socket's events until it closes (or the client is closing)."""
        while not self._stopping.is_set():
            try:
                raw = ws.receive(timeout=_RECEIVE_POLL_S)
            except simple_websocket.ConnectionClosed:
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


class _EventsSocket(simple_websocket.Client):  # type: ignore[misc]
    """simple-websocket's client, opened so that a failed opening leaves no socket behind and a
    handshake the other end never answers ends after ``timeout_s`` (its own waits for ever)."""

    def __init__(self, host: str, port: int, path: str, ping_interval_s: float, timeout_s: float) -> None:
        self.host, self.port, self.path = host, port, path
        self.subprotocols: list[str] = []
        self.extra_headeers: list[tuple[str, str]] = []  # (sic) the name the library reads
        self._timeout_s = timeout_s
        sock = socket.create_connection((host, port), timeout=timeout_s)
        try:
            client = simple_websocket.ws.ConnectionType.CLIENT
            base = simple_websocket.ws.Base
            base.__init__(self, sock, connection_type=client, ping_interval=ping_interval_s)
        except BaseException:
            sock.close()
            raise

    def handshake(self) -> None:
        super().handshake()
        self.sock.settimeout(None)  # from now on the reader's own polling decides


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
