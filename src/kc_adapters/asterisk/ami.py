"""KC's client for the Asterisk Manager Interface (AMI), over pyst2.

pyst2 (``asterisk.manager``) reads the socket, splits it into messages and sorts them into responses
and events in threads of its own. Its known pitfalls (``docs/asterisk.md``) are handled here:

- ``send_action(cdict={})`` has a mutable default: this client builds a fresh dict for every action
  and writes the frame itself, with header values checked for line breaks;
- pyst2 hands responses out first-in first-out, not by ActionID: this client sends one action at a
  time (a lock), gives each its own ``ActionID`` and drops any response that carries another (a late
  answer to an action that timed out, or a frame Asterisk never meant as a response);
- pyst2 calls ``setDaemon``, ``Event.isSet`` and ``currentThread``, deprecated since Python 3.10: the
  manager subclass below creates its threads as daemons and its flags with an ``isSet`` of their
  own, so those warnings are never raised (under ``-W error`` they would kill pyst2's threads);
- pyst2 runs event callbacks on its single dispatch thread, and a callback that raises ends it:
  this client only queues events there and runs subscribers on a thread of its own;
- ``logoff`` ends in a harmless ValueError on the closed socket file: tolerated;
- ``originate()`` always sends ``Exten``: Originate goes through ``action()`` like any other action.

Events answering a list action (``CoreShowChannels``, ``DeviceStateList``) are collected by ActionID
until ``EventList: Complete``. A dropped connection is reported through ``on_disconnect`` and
``connected``; ``connect()`` may be called again afterwards (a new pyst2 manager each time), which is
what a reconnecting adapter builds on.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import logging
import queue
import socket
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from asterisk import manager as pyst

log = logging.getLogger(__name__)

HeaderValue = str | int | Sequence[str]
EventCallback = Callable[["AmiEvent"], None]

_POLL_S = 0.2  # how often a waiting action looks at the connection again
_BUFFER = 64 * 1024  # read buffer: pyst2's own unbuffered socket file reads one byte per system call


@dataclass(frozen=True)
class AmiEvent:
    """An AMI event: its name and every header (a repeated header's values joined by newlines)."""

    name: str
    headers: Mapping[str, str]

    def get(self, key: str, default: str = "") -> str:
        return self.headers.get(key, default)

    @property
    def action_id(self) -> str:
        return self.headers.get("ActionID", "")


@dataclass(frozen=True)
class AmiResponse:
    """Asterisk's answer to one action; ``events`` holds a list action's items."""

    action: str
    action_id: str
    success: bool
    message: str
    headers: Mapping[str, str]
    events: tuple[AmiEvent, ...] = field(default=())

    def get(self, key: str, default: str = "") -> str:
        return self.headers.get(key, default)


class AmiError(Exception):
    """Something went wrong talking to Asterisk."""


class AmiConnectionError(AmiError):
    """No connection, or it was lost while an action waited."""


class AmiTimeout(AmiError):
    """Asterisk did not answer an action in time."""


class AmiActionError(AmiError):
    """Asterisk refused an action (``Response: Error``)."""

    def __init__(self, response: AmiResponse) -> None:
        super().__init__(f"Asterisk refused {response.action}: {response.message or 'no reason given'}")
        self.response = response


class AmiAuthError(AmiActionError):
    """Asterisk refused the login."""


class _Flag(threading.Event):
    """A threading.Event that still answers pyst2's ``isSet()`` without the deprecation warning."""

    def isSet(self) -> bool:  # the name pyst2 calls
        return self.is_set()


class _Message(pyst.ManagerMsg):  # type: ignore[misc]
    """pyst2's message parser, minus its Python 2 ``has_key`` (it broke on ``ChanVariable`` headers).

    A repeated header (``Output`` of a Command, ``ChanVariable``) keeps every value, joined by newlines.
    """

    def parse(self, response: list[str]) -> None:
        data: list[str] = []
        for n, line in enumerate(response):
            if not line.endswith("\r\n") or ":" not in line:
                data.extend(response[n:])
                break
            key, value = (part.strip() for part in line.split(":", 1))
            self.headers[key] = f"{self.headers[key]}\n{value}" if key in self.headers else value
        self.data = "".join(data)


class _Manager(pyst.Manager):  # type: ignore[misc]
    """pyst2's manager with daemon threads, a buffered socket, robust parsing and a drop callback.

    pyst2's reader (``_receive_data``) and event thread (``event_dispatch``) are used as they are.
    """

    def __init__(self, on_event: Callable[[Any], None], on_lost: Callable[[], None]) -> None:
        # Not super().__init__(): it calls the deprecated setDaemon. The same attributes, set here.
        self._sock: Any = None
        self._raw: socket.socket | None = None
        self.title: str | None = None
        self.version = ""
        self._connected = _Flag()
        self._running = _Flag()
        self.hostname = "kc"
        self._message_queue: queue.Queue[list[str] | None] = queue.Queue()
        self._response_queue: queue.Queue[Any] = queue.Queue()
        self._event_queue: queue.Queue[Any] = queue.Queue()
        self._event_callbacks: dict[str, list[Callable[..., Any]]] = {"*": [lambda ev, _m: on_event(ev)]}
        self._reswaiting: list[int] = []
        self._seqlock = threading.Lock()
        self._seq = 0
        self._closing = False
        self._on_lost = on_lost
        self.message_thread = threading.Thread(target=self.message_loop, name="ami-messages", daemon=True)
        self.event_dispatch_thread = threading.Thread(
            target=self.event_dispatch, name="ami-pyst2-events", daemon=True
        )

    def __del__(self) -> None:  # pyst2's would log off from a finaliser
        pass

    def open(self, host: str, port: int, timeout_s: float) -> Any:
        """Connect and start pyst2's threads; the greeting (a generated response) is returned."""
        try:
            raw = socket.create_connection((host, port), timeout=timeout_s)
        except OSError as exc:
            raise AmiConnectionError(f"cannot connect to AMI at {host}:{port}: {exc}") from exc
        raw.settimeout(None)  # pyst2's reader blocks; a read timeout would look like a lost connection
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        self._raw = raw
        self._sock = raw.makefile(mode="rwb", buffering=_BUFFER)
        self._connected.set()
        self._running.set()
        self.message_thread.start()
        self.event_dispatch_thread.start()
        try:
            return self._response_queue.get(timeout=timeout_s)
        except queue.Empty as exc:
            self.shut()
            raise AmiTimeout(f"no AMI greeting from {host}:{port} within {timeout_s} s") from exc

    def message_loop(self) -> None:
        """pyst2's message loop, with a daemon reader and frames that fail to parse logged and dropped."""
        reader = threading.Thread(target=self._receive_data, name="ami-reader", daemon=True)
        reader.start()
        try:
            while self._running.is_set():
                data = self._message_queue.get()
                if not data:
                    self._event_queue.put(None)
                    for _ in self._reswaiting:
                        self._response_queue.put(None)
                    break
                try:
                    message = _Message(data)
                    if message.has_header("Event"):
                        self._event_queue.put(pyst.Event(message))
                    else:  # pyst2 marks anything without Event as a response
                        self._response_queue.put(message)
                except Exception:
                    log.warning("AMI frame dropped, it could not be parsed: %r", data[:5], exc_info=True)
        finally:
            self._connected.clear()
            if not self._closing:
                self._on_lost()

    def _receive_data(self) -> None:
        """pyst2's reader; a socket file closed under it by ``shut()`` ends it quietly (pyst2 catches
        only socket.error, and the ValueError of a closed file would escape as a thread exception)."""
        try:
            super()._receive_data()
        except (ValueError, OSError, AttributeError):
            self._connected.clear()
            self._message_queue.put(None)

    def write(self, frame: bytes) -> None:
        try:
            self._sock.write(frame)
            self._sock.flush()
        except (OSError, ValueError, AttributeError) as exc:
            raise AmiConnectionError(f"AMI connection lost while sending: {exc}") from exc

    def shut(self) -> None:
        """Stop every thread of this manager and close the socket; never raises."""
        self._closing = True
        self._connected.clear()
        if self._raw is not None:
            with contextlib.suppress(OSError):
                self._raw.shutdown(socket.SHUT_RDWR)  # wakes pyst2's reader up
        if self._running.is_set():
            self._message_queue.put(None)
            if threading.current_thread() is not self.message_thread and self.message_thread.is_alive():
                self.message_thread.join(timeout=5)
            if threading.current_thread() is not self.event_dispatch_thread:
                self.event_dispatch_thread.join(timeout=5)
        self._running.clear()
        for closable in (self._sock, self._raw):
            with contextlib.suppress(OSError, ValueError):  # pyst2 may have closed the file already
                if closable is not None:
                    closable.close()


class AmiClient:
    """One AMI connection: actions answered by ActionID, events to subscribers, drops reported.

    Thread-safe: any thread may call ``action``; actions are sent one at a time. Subscribers run on
    the client's own event thread, in the order Asterisk sent the events; a subscriber that raises is
    logged and the others still run.
    """

    def __init__(
        self,
        host: str,
        port: int,
        username: str,
        secret: str,
        timeout_s: float = 5.0,
        on_disconnect: Callable[[], None] | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.username = username
        self._secret = secret
        self.timeout_s = timeout_s
        self._on_disconnect = on_disconnect
        self._manager: _Manager | None = None
        self._send_lock = threading.Lock()
        self._ids = itertools.count(1)
        self._prefix = f"kc-{uuid.uuid4().hex[:8]}"
        self._subscribers: list[EventCallback] = []
        self._subscribers_lock = threading.Lock()
        self._lists: dict[str, list[AmiEvent]] = {}
        self._list_done: dict[str, threading.Event] = {}
        self._lists_lock = threading.Lock()
        self._events: queue.Queue[AmiEvent | None] = queue.Queue()
        self._dispatcher: threading.Thread | None = None
        self.banner = ""

    # -- the connection -------------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        return self._manager is not None and self._manager._connected.is_set()

    def connect(self) -> AmiResponse:
        """Open the connection and log in; raises AmiAuthError when the login is refused."""
        if self.connected:
            raise AmiError("already connected")
        if self._manager is not None:
            self._manager.shut()
        if self._dispatcher is None or not self._dispatcher.is_alive():
            self._dispatcher = threading.Thread(target=self._dispatch, name="ami-events", daemon=True)
            self._dispatcher.start()
        manager = _Manager(self._on_pyst_event, self._on_lost)
        self._manager = manager
        greeting = manager.open(self.host, self.port, self.timeout_s)
        self.banner = f"{manager.title or ''}/{manager.version}".strip("/")
        log.info("AMI connected to %s:%s (%s)", self.host, self.port, self.banner or greeting)
        manager._closing = True  # Asterisk may hang up on a refused login: not a lost connection
        try:
            response = self.action("Login", Username=self.username, Secret=self._secret)
            manager._closing = False
            return response
        except AmiActionError as refused:
            manager.shut()
            raise AmiAuthError(refused.response) from None
        except AmiError:
            manager.shut()
            raise

    def close(self) -> None:
        """Log off and close; safe to call twice or after the connection dropped."""
        manager = self._manager
        if manager is None:
            return
        manager._closing = True
        if manager._connected.is_set():
            # Asterisk closes right after Goodbye; pyst2 may trip over the closed file (ValueError)
            with contextlib.suppress(AmiError, ValueError):
                self.action("Logoff", timeout_s=1.0)
        manager.shut()
        self._events.put(None)
        if self._dispatcher is not None and threading.current_thread() is not self._dispatcher:
            self._dispatcher.join(timeout=5)
        self._dispatcher = None

    def __enter__(self) -> AmiClient:
        self.connect()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- actions --------------------------------------------------------------------------------

    def action(self, name: str, *, timeout_s: float | None = None, **headers: HeaderValue) -> AmiResponse:
        """Send one action and wait for its own response; ``Response: Error`` raises AmiActionError.

        A header given a list is sent once per item (``Variable=["A=1", "B=2"]``).
        """
        return self._send(name, headers, timeout_s, collect=False)

    def list_action(
        self, name: str, *, timeout_s: float | None = None, **headers: HeaderValue
    ) -> AmiResponse:
        """A list action: its items (the events up to ``EventList: Complete``) in ``events``."""
        return self._send(name, headers, timeout_s, collect=True)

    def _send(
        self, name: str, headers: Mapping[str, HeaderValue], timeout_s: float | None, collect: bool
    ) -> AmiResponse:
        timeout = self.timeout_s if timeout_s is None else timeout_s
        deadline = time.monotonic() + timeout
        action_id = f"{self._prefix}-{next(self._ids)}"
        frame = _frame({"Action": name, **headers, "ActionID": action_id})  # a fresh dict every time
        if collect:
            with self._lists_lock:
                self._lists[action_id] = []
                self._list_done[action_id] = threading.Event()
        try:
            if not self._send_lock.acquire(timeout=timeout):
                raise AmiTimeout(f"{name}: another action held the connection for {timeout} s")
            try:
                manager = self._manager
                if manager is None or not manager._connected.is_set():
                    raise AmiConnectionError(f"{name}: not connected to AMI")
                manager._reswaiting.append(1)
                try:
                    manager.write(frame)
                    message = self._await_response(manager, name, action_id, deadline)
                finally:
                    manager._reswaiting.pop()
            finally:
                self._send_lock.release()
            response = _response(name, action_id, message.headers)
            if not response.success:
                raise AmiActionError(response)
            if collect and response.get("EventList").lower() == "start":
                done = self._list_done[action_id]
                if not done.wait(max(0.0, deadline - time.monotonic())):
                    raise AmiTimeout(f"{name}: the list did not complete within {timeout} s")
                with self._lists_lock:
                    items = tuple(self._lists[action_id])
                return dataclasses.replace(response, events=items)
            return response
        finally:
            if collect:
                with self._lists_lock:
                    self._lists.pop(action_id, None)
                    self._list_done.pop(action_id, None)

    def _await_response(self, manager: _Manager, name: str, action_id: str, deadline: float) -> Any:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AmiTimeout(f"{name}: no response from Asterisk in time (ActionID {action_id})")
            try:
                message = manager._response_queue.get(timeout=min(remaining, _POLL_S))
            except queue.Empty:
                # The reader marks the connection closed as soon as Asterisk hangs up, perhaps
                # before pyst2's message thread has parsed the last frame (a refused Login's
                # answer comes just before the hang-up): lost only once that thread is done.
                if not manager._connected.is_set() and not manager.message_thread.is_alive():
                    raise AmiConnectionError(f"{name}: the AMI connection was lost") from None
                continue
            if message is None:
                raise AmiConnectionError(f"{name}: the AMI connection was lost")
            got = message.headers.get("ActionID", "")
            if got == action_id:
                return message
            # pyst2 hands responses out in arrival order: anything not ours is stale or stray.
            log.warning(
                "AMI response dropped, it is not for %s (ActionID %r): %r",
                action_id,
                got,
                dict(list(message.headers.items())[:4]),
            )

    # -- events ---------------------------------------------------------------------------------

    def subscribe(self, callback: EventCallback) -> Callable[[], None]:
        """Call ``callback`` with every event (on the client's event thread); returns an unsubscribe."""
        with self._subscribers_lock:
            self._subscribers.append(callback)

        def unsubscribe() -> None:
            with self._subscribers_lock:
                if callback in self._subscribers:
                    self._subscribers.remove(callback)

        return unsubscribe

    def _on_pyst_event(self, raw: Any) -> None:
        """On pyst2's dispatch thread: never block, never raise (an exception there ends the thread)."""
        try:
            event = AmiEvent(str(raw.name), {str(k): str(v) for k, v in raw.headers.items()})
            action_id = event.action_id
            if action_id:
                with self._lists_lock:
                    items = self._lists.get(action_id)
                    if items is not None:
                        if event.get("EventList").lower() == "complete":
                            self._list_done[action_id].set()
                        else:
                            items.append(event)
                        return
            self._events.put(event)
        except Exception:
            log.warning("AMI event dropped: %r", getattr(raw, "headers", raw), exc_info=True)
        return None

    def _on_lost(self) -> None:
        log.warning("AMI connection to %s:%s lost", self.host, self.port)
        if self._on_disconnect is not None:
            try:
                self._on_disconnect()
            except Exception:
                log.exception("AMI on_disconnect callback failed")

    def _dispatch(self) -> None:
        while True:
            event = self._events.get()
            if event is None:
                return
            with self._subscribers_lock:
                subscribers = list(self._subscribers)
            for callback in subscribers:
                try:
                    callback(event)
                except Exception:
                    log.exception("AMI event subscriber failed on %s", event.name)


def _frame(headers: Mapping[str, HeaderValue]) -> bytes:
    lines: list[str] = []
    for key, value in headers.items():
        values = [value] if isinstance(value, str | int) else list(value)
        for item in values:
            text = str(item)
            if any(ch in text or ch in key for ch in "\r\n") or ":" in key:
                raise ValueError(f"AMI header {key!r} has a line break or a colon: {text!r}")
            lines.append(f"{key}: {text}\r\n")
    return ("".join(lines) + "\r\n").encode("utf-8")


def _response(action: str, action_id: str, headers: Mapping[str, Any]) -> AmiResponse:
    flat = {str(k): str(v) for k, v in headers.items()}
    return AmiResponse(
        action=action,
        action_id=action_id,
        success=flat.get("Response", "").lower() in ("success", "goodbye", "follows"),
        message=flat.get("Message", ""),
        headers=flat,
    )
