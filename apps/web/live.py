"""The engine's live view in the web (RT-01, RT-03..RT-05, WB-01): one subscription to the bus
channel ``kc.live`` per web process, handed to every supervisor page and wallboard open in it.

The engine host publishes the whole view (``kc_domain.routing.live.snapshot``) at most every
250 ms while something changes and at least every 5 s. A socket gets the newest view only (a slow
screen skips the ones it missed); a page just opened asks the engine for the view at once.

The messages are typed (``kc_domain.messages``, docs/messages.md): the view on the bus is a
``LiveView``, what a page gets a ``LiveFrame`` (or an ``ErrorFrame``).

The rules of every live WebSocket (the desktop's, the supervisor's, the wallboards'; docs/api.md,
"Live WebSockets") are kept here, once; flask-sock (``sock``) makes the handshake and the answer:

- a socket's route is declared with ``route(bp, rule, *guards)``: the guards (``requires`` or
  ``public``, then the page's ``before_upgrade`` checks) run before the upgrade, so a refusal is an
  ordinary HTTP answer;
- the handshake of a browser page from another origin is refused with 403 before the upgrade, and
  audited (``init_app``: every route declared with ``websocket=True``);
- simple_websocket's reader thread of every socket is a ``Reader`` (flask-sock's
  ``SOCK_SERVER_OPTIONS``): a message bigger than ``MAX_MESSAGE_BYTES`` or more than ``MAX_PENDING``
  messages not yet read close the socket, and are logged;
- a message from the page that does not fit (``kc_domain.messages.from_page``) is answered with an
  ``ErrorFrame`` naming the field, and changes nothing;
- every ``RECHECK_S`` a ``LiveSocket`` (``accept``) checks again what the handshake checked: the
  session (the account still active, not signed out, no new password, within its lifetime) and the
  route's permissions, plus
  what the page adds (a wallboard still there, a kiosk token not revoked); the first that fails
  closes the socket with a code the page acts on (``SESSION_ENDED``: it reloads and lands on the
  sign-in page).
"""

from __future__ import annotations

import contextlib
import json
import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Blueprint, Flask, abort, current_app, request, session
from flask_sock import Sock
from simple_websocket import ConnectionClosed, Server
from wsproto.events import CloseConnection
from wsproto.utilities import LocalProtocolError

from apps.engine.host import LIVE_CHANNEL
from apps.web.logs import logged_path
from apps.web.security import actor, now_s
from apps.web.services import services
from kc_domain.audit.model import Outcome
from kc_domain.errors import DomainError, ValidationFailed
from kc_domain.messages import ErrorFrame, LiveView, Message, SyncRequest, from_page

log = logging.getLogger(__name__)

PUSH_WAIT_S = 1.0  # how long a socket loop waits for news before it looks at the client's side
MAX_MESSAGE_BYTES = 4096  # the pages send only "sync"; a bigger message closes the socket (1009)
MAX_PENDING = 16  # messages received and not read yet (a page sends one every 30 s); more: closed
RECHECK_S = 5.0  # the session, the permission and the page's own checks are made again this often


@dataclass(frozen=True)
class Ending:
    """Why the server closes a live socket: the WebSocket close code and reason the page gets."""

    code: int
    reason: str


SESSION_ENDED = Ending(4401, "session_ended")  # signed out, deactivated, new password, too old
FORBIDDEN = Ending(4403, "forbidden")  # the user no longer holds the route's permission
GONE = Ending(4404, "gone")  # what the page shows is no longer there (a wallboard, a kiosk token)
TOO_BIG = Ending(1009, "message_too_big")  # sent by simple_websocket itself (max_message_size)
TOO_MANY = Ending(1008, "too_many_messages")
SERVER_ERROR = Ending(1011, "server_error")  # a check could not be made (the database is away)

SOCKET_GONE = (ConnectionClosed, OSError, LocalProtocolError)
"""What sending on a socket raises once it is closed (by the client, or by its reader thread)."""

Check = Callable[[], Ending | None]
"""A check made again every RECHECK_S: None while the socket may stay open."""

sock = Sock()
"""flask-sock: it upgrades the request, runs a socket's handler and answers as the server expects."""


class LiveHub:
    """Fans the live view out to the sockets of this process; keeps the newest one."""

    def __init__(self, bus: Any) -> None:
        self._bus = bus
        self._lock = threading.Lock()
        self._sockets: set[queue.Queue[LiveView]] = set()
        self._subscription: Any = None
        self.latest: LiveView | None = None

    def open(self) -> queue.Queue[LiveView]:
        news: queue.Queue[LiveView] = queue.Queue()
        with self._lock:
            if self._subscription is None:
                self._subscription = self._bus.subscribe(LIVE_CHANNEL, self._view)
            self._sockets.add(news)
        return news

    def close(self, news: queue.Queue[LiveView]) -> None:
        with self._lock:
            self._sockets.discard(news)

    def _view(self, message: Any) -> None:
        try:
            view = LiveView.from_wire(message)
        except ValidationFailed as error:  # another version of the engine, or a bug: not shown
            log.warning("a live view that does not fit was dropped: %s", error)
            return
        with self._lock:
            self.latest = view
            targets = list(self._sockets)
        for news in targets:
            news.put(view)


_HUB_LOCK = threading.Lock()


def hub() -> LiveHub:
    extensions = current_app.extensions
    with _HUB_LOCK:
        if "kc.live_hub" not in extensions:
            extensions["kc.live_hub"] = LiveHub(services().bus())
        found: LiveHub = extensions["kc.live_hub"]
    return found


def current_view() -> LiveView:
    """The live view now, from the engine (raises ``EngineUnavailable`` when it does not answer)."""
    from kc_domain.commanding.wire import AskLiveView

    reply = services().engine_client().send(AskLiveView())
    return LiveView.from_wire(reply.result_or_raise())


def serve(socket: LiveSocket, shape: Callable[[LiveView], Message]) -> None:
    """Send ``shape(view)`` (a ``LiveFrame``: what this page may see) for the view now and for every
    newer one until the client goes. The client may send ``sync`` to get the view again at once
    (after it reconnected)."""
    hub_ = hub()
    news = hub_.open()
    try:
        _send_now(socket, shape)
        while socket.connected:
            try:
                view: LiveView | None = news.get(timeout=PUSH_WAIT_S)
            except queue.Empty:
                view = None
            while not news.empty():  # only the newest of a burst
                view = news.get_nowait()
            if view is not None:
                socket.send(shape(view))
            if socket.asked_to_sync():
                _send_now(socket, shape)
    except SOCKET_GONE:
        pass
    finally:
        hub_.close(news)
        socket.finish()


def _send_now(socket: LiveSocket, shape: Callable[[LiveView], Message]) -> None:
    try:
        socket.send(shape(current_view()))
    except DomainError as error:  # the engine is away: the page says so and keeps the socket
        socket.send(ErrorFrame(str(error)))


# -- the rules of every live socket ---------------------------------------------------------------

View = TypeVar("View", bound=Callable[..., Any])
Guard = Callable[[Any], Any]
"""A decorator put around a socket's view, run before the upgrade: ``requires``, ``public``,
``before_upgrade(...)``."""


def route(bp: Blueprint, rule: str, *guards: Guard) -> Callable[[View], View]:
    """Declare a live socket's handler (``handler(ws, **route_arguments)``, ``ws`` the upgraded
    ``simple_websocket.Server``) on ``bp``: flask-sock's ``sock.route``, with ``guards`` (outermost
    first) around flask-sock's view, so that they run before the upgrade; the view's endpoint is the
    handler's name."""

    def decorate(handler: View) -> View:
        sock.route(rule, bp=_Guarded(bp, guards))(handler)
        return handler

    return decorate


class _Guarded:
    """What ``sock.route`` registers its view on: ``bp``, the guards put around the view first."""

    def __init__(self, bp: Blueprint, guards: Sequence[Guard]) -> None:
        self._bp, self._guards = bp, guards

    def route(self, rule: str, **options: Any) -> Callable[[Callable[..., Any]], Any]:
        def register(view: Callable[..., Any]) -> Any:
            for guard in reversed(self._guards):
                view = guard(view)
            return self._bp.route(rule, **options)(view)

        return register


def before_upgrade(check: Callable[..., object]) -> Guard:
    """A guard that calls ``check`` with the route's arguments before the upgrade; it refuses by
    aborting (e.g. 404 for a wallboard that is not there)."""

    def guard(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            check(**kwargs)
            return view(*args, **kwargs)

        return checked

    return guard


class Reader(threading.Thread):
    """simple_websocket's reader thread of a live socket (flask-sock builds every ``Server`` with it:
    ``SOCK_SERVER_OPTIONS["thread_class"]``, set by ``init_app``), with KC's limits.

    It closes the socket on a message over ``MAX_MESSAGE_BYTES`` (1009, sent by simple_websocket
    with ``max_message_size``, counted while it arrives, so it is never held whole) and when more
    than ``MAX_PENDING`` messages wait to be read (1008); ``abuse`` tells the socket's loop why."""

    def __init__(self, target: Callable[[], None]) -> None:
        super().__init__(target=target)
        self.abuse: Ending | None = None
        self._server: Server = getattr(target, "__self__")  # noqa: B009 - the socket whose reader it is
        self._handle = self._server._handle_events
        self._server._handle_events = self._handle_events  # before the thread starts

    def _handle_events(self) -> bool:
        server = self._server
        keep_going = bool(self._handle())
        if server.max_message_size and server.incoming_message_len > server.max_message_size:
            self.abuse = TOO_BIG  # simple_websocket has sent its 1009 and stops reading
            return False
        if len(server.input_buffer) > MAX_PENDING:
            self.abuse = TOO_MANY
            server.input_buffer.clear()
            with contextlib.suppress(*SOCKET_GONE):
                server.sock.send(server.ws.send(CloseConnection(TOO_MANY.code, TOO_MANY.reason)))
            server.event.set()
            return False  # the reader stops and closes the connection
        return keep_going


class LiveSocket:
    """A live page's WebSocket: the upgraded socket with the checks made again every ``RECHECK_S``.

    The socket's loop calls ``asked_to_sync`` about every second, which makes the checks again when
    ``RECHECK_S`` has passed and reads what the page sent, and ``finish`` when it is over."""

    def __init__(self, server: Server, checks: Sequence[Check]) -> None:
        self.server = server
        self._checks = list(checks)
        self._checked = time.monotonic()

    @property
    def connected(self) -> bool:
        return bool(self.server.connected)

    @property
    def abuse(self) -> Ending | None:
        reader = self.server.thread
        return reader.abuse if isinstance(reader, Reader) else None

    def send(self, message: Message) -> None:
        self.server.send(json.dumps(message.to_wire()))

    def asked_to_sync(self) -> bool:
        """Whether the page asked for ``sync`` since the last call (every message waiting is read;
        several syncs are one; a message that does not fit is answered with an ``ErrorFrame``). First,
        once ``RECHECK_S`` has passed, the checks: the first that fails closes the socket with its
        code, and ``ConnectionClosed`` is raised."""
        if time.monotonic() - self._checked >= RECHECK_S:
            self._checked = time.monotonic()
            ending = self._recheck()
            if ending is not None:
                self.end(ending)
                raise ConnectionClosed(ending.code, ending.reason)
        asked = False
        while (text := self.server.receive(timeout=0)) is not None:
            try:
                asked = isinstance(from_page(text), SyncRequest) or asked
            except ValidationFailed as error:
                log.info("live socket %s: a message refused: %s", logged_path(), error)
                self.send(ErrorFrame.refusing(error))
        return asked

    def _recheck(self) -> Ending | None:
        try:
            return next((e for e in (check() for check in self._checks) if e is not None), None)
        except Exception:  # the database is away: closed, the page reconnects when it is back
            log.exception("live socket %s: the checks failed", logged_path())
            return SERVER_ERROR

    def end(self, ending: Ending) -> None:
        """Close the socket with ``ending``'s code and reason (the page acts on them)."""
        log.info("live socket %s closed: %s", logged_path(), ending.reason)
        with contextlib.suppress(*SOCKET_GONE):
            self.server.close(ending.code, ending.reason)

    def finish(self) -> None:
        """The socket's loop is over: closed if still open; an abuse is logged."""
        if self.abuse is not None:
            reason, source = self.abuse.reason, request.remote_addr
            log.warning("live socket %s closed for abuse: %s (from %s)", logged_path(), reason, source)
        with contextlib.suppress(*SOCKET_GONE):
            if self.connected:
                self.server.close()


def accept(server: Server, *checks: Check) -> LiveSocket:
    """The upgraded ``server`` (its origin checked already, ``init_app``) as a ``LiveSocket`` that
    makes the session's and the route's checks again every RECHECK_S, then ``checks`` in order."""
    return LiveSocket(server, [_session_check(), *checks])


def _session_check() -> Check:
    """What ``requires`` checked at the handshake, as a check to make again: the session still valid
    (``SignInService.identity`` with the session's epoch: the account active, not signed out, no new
    password since; and within KC_SESSION_MAX_HOURS of signing in) and the route's permissions
    (those it declares with ``@requires``). A ``@public`` route (a kiosk) has its own checks.

    The idle limit (KC_SESSION_IDLE_MINUTES) is not applied to an open socket: the page is in use,
    and the requests it makes meanwhile renew the session in the cookie, which the socket does not
    see; a socket opened again after the session has idled out is refused at its handshake."""
    view = current_app.view_functions.get(request.endpoint or "")
    needed = getattr(view, "kc_access", ())
    if needed == "public":
        return lambda: None
    permissions = frozenset(needed)
    uid, epoch, since = session.get("uid"), session.get("epoch"), session.get("since")
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    lifetime = app.config["KC_SESSION_MAX_SECONDS"]

    def check() -> Ending | None:
        if not isinstance(uid, int) or not isinstance(since, int) or now_s() - since > lifetime:
            return SESSION_ENDED
        user = services(app).sign_in().identity(uid, epoch if isinstance(epoch, int) else None)
        if user is None:
            return SESSION_ENDED
        if not permissions <= user.permissions:
            return FORBIDDEN
        return None

    return check


def init_app(app: Flask) -> None:
    options = app.config.get("SOCK_SERVER_OPTIONS", {})
    app.config["SOCK_SERVER_OPTIONS"] = {
        **options,
        "max_message_size": MAX_MESSAGE_BYTES,
        "thread_class": Reader,
    }
    sock.init_app(app)
    app.before_request(_refuse_other_origins)


def _refuse_other_origins() -> None:
    """A WebSocket handshake from a page of another origin is refused before the upgrade (a socket
    carries the session cookie, whichever site's page opens it). Browsers always send ``Origin``
    with a WebSocket handshake; a client without one is not a browser page and is let through to
    the route's own checks. Refusals are audited (``access.denied``, reason ``websocket_origin``;
    repeats counted per minute) and logged."""
    rule = request.url_rule
    origin = request.headers.get("Origin")
    if rule is None or not rule.websocket or origin is None:
        return
    own = _own_origin()
    if own is not None and _origin_key(origin) == own:
        return
    log.warning("WebSocket handshake from origin %r refused on %s", origin[:200], logged_path())
    kc = services()
    kc.audit().record_denial_alone(
        kc.uow_factory(),
        actor(),
        "access.denied",
        params={
            "path": logged_path(),
            "method": request.method,
            "origin": origin[:200],
            "reason": "websocket_origin",
        },
        outcome=Outcome.DENIED,
        kind=f"websocket_origin {rule.rule}",
    )
    abort(403)


DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin_key(origin: str) -> tuple[str, str, int] | None:
    """``scheme://host[:port]`` as (scheme, host, port); None for anything else ("null", a path)."""
    split = urlsplit(origin.strip())
    if split.path or split.query or split.fragment or "@" in split.netloc:
        return None
    return _key(split.scheme, split.netloc)


def _key(scheme: str, host: str) -> tuple[str, str, int] | None:
    scheme = {"ws": "http", "wss": "https"}.get(scheme.lower(), scheme.lower())
    if scheme not in DEFAULT_PORTS or not host:
        return None
    try:
        split = urlsplit(f"{scheme}://{host}")
        port = split.port or DEFAULT_PORTS[scheme]
    except ValueError:  # a port that is no number
        return None
    return (scheme, split.hostname, port) if split.hostname else None


def _own_origin() -> tuple[str, str, int] | None:
    """The origin this server answers as: the request's scheme and Host; behind KC_TRUSTED_PROXIES,
    the scheme and host the nearest trusted proxy forwards (X-Forwarded-Proto, X-Forwarded-Host),
    as the browser sees them (a page's script cannot set these headers on a WebSocket)."""
    scheme, host = request.scheme, request.host
    proxies = services().settings().trusted_proxies
    if proxies:
        scheme = _forwarded("X-Forwarded-Proto", proxies) or scheme
        host = _forwarded("X-Forwarded-Host", proxies) or host
    return _key(scheme, host)


def _forwarded(header: str, proxies: int) -> str | None:
    """The value the ``proxies``-th proxy from us added to ``header`` (as ProxyFix reads it)."""
    values = [v.strip() for v in request.headers.get(header, "").split(",") if v.strip()]
    return values[-proxies] if len(values) >= proxies else None
