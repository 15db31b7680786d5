"""The engine's live view in the web (RT-01, RT-03..RT-05, WB-01): one subscription to the bus
channel ``kc.live`` per web process, handed to every supervisor page and wallboard open in it.

The engine host publishes the whole view (``kc_domain.routing.live.snapshot``) at most every
250 ms while something changes and at least every 5 s. A socket gets the newest view only (a slow
screen skips the ones it missed); a page just opened asks the engine for the view at once.
"""

from __future__ import annotations

import contextlib
import json
import queue
import threading
from collections.abc import Callable
from typing import Any

from flask import Response, current_app
from simple_websocket import ConnectionClosed, Server

from apps.engine.host import LIVE_CHANNEL
from kc_domain.errors import DomainError

PUSH_WAIT_S = 1.0  # how long a socket loop waits for news before it looks at the client's side


class LiveHub:
    """Fans the live view out to the sockets of this process; keeps the newest one."""

    def __init__(self, bus: Any) -> None:
        self._bus = bus
        self._lock = threading.Lock()
        self._sockets: set[queue.Queue[dict[str, Any]]] = set()
        self._subscription: Any = None
        self.latest: dict[str, Any] | None = None

    def open(self) -> queue.Queue[dict[str, Any]]:
        news: queue.Queue[dict[str, Any]] = queue.Queue()
        with self._lock:
            if self._subscription is None:
                self._subscription = self._bus.subscribe(LIVE_CHANNEL, self._view)
            self._sockets.add(news)
        return news

    def close(self, news: queue.Queue[dict[str, Any]]) -> None:
        with self._lock:
            self._sockets.discard(news)

    def _view(self, message: dict[str, Any]) -> None:
        with self._lock:
            self.latest = message
            targets = list(self._sockets)
        for news in targets:
            news.put(message)


_HUB_LOCK = threading.Lock()


def hub() -> LiveHub:
    extensions = current_app.extensions
    with _HUB_LOCK:
        if "kc.live_hub" not in extensions:
            extensions["kc.live_hub"] = LiveHub(extensions["kc"].bus())
        found: LiveHub = extensions["kc.live_hub"]
    return found


def current_view() -> dict[str, Any]:
    """The live view now, from the engine (raises ``EngineUnavailable`` when it does not answer)."""
    from apps.engine.client import raise_refusal

    reply: dict[str, Any] = current_app.extensions["kc"].engine_client().send("live")
    raise_refusal(reply)
    view: dict[str, Any] = reply["result"]
    return view


def serve(server: Server, shape: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
    """Send ``{"live": shape(view)}`` for the view now and for every newer one until the client
    goes; ``shape`` keeps what this page may see. The client may send ``"sync"`` to get the view
    again at once (after it reconnected)."""
    hub_ = hub()
    news = hub_.open()
    try:
        _send_now(server, shape)
        while server.connected:
            try:
                view: dict[str, Any] | None = news.get(timeout=PUSH_WAIT_S)
            except queue.Empty:
                view = None
            while not news.empty():  # only the newest of a burst
                view = news.get_nowait()
            if view is not None:
                server.send(json.dumps({"live": shape(view)}))
            if server.receive(timeout=0) == "sync":
                _send_now(server, shape)
    except ConnectionClosed:
        pass
    finally:
        hub_.close(news)
        with contextlib.suppress(ConnectionClosed):
            server.close()


def _send_now(server: Server, shape: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
    try:
        server.send(json.dumps({"live": shape(current_view())}))
    except DomainError as error:  # the engine is away: the page says so and keeps the socket
        server.send(json.dumps({"error": str(error)}))


def socket_response(server: Server) -> Response:
    """What a WebSocket view returns when its socket is over (see ``apps.web.desktop``)."""
    from apps.web.desktop import _socket_done

    return _socket_done(server)
