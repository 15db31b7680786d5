"""Presence of phones and lines (AG-12): Asterisk's device states over AMI, as ``DeviceStateChanged``.

The supervisors' panel shows whether a transfer line or a colleague's extension is free before an
agent transfers to it. Asterisk knows this as the state of a device (``PJSIP/2410``, a custom state
``Custom:2410`` that a hint or the dialplan sets). ARI is KC's control path (``docs/adr/0006``), but
device states of devices KC does not own are AMI's: ``DeviceStateChange`` events and, for a full
picture at connect, the list action ``DeviceStateList`` (module ``res_manager_devicestate``).

``DevicePresence`` keeps one AMI connection for this, tells its listener each line whose state is
new (``pbx.DeviceStateChanged`` with ``call_id=""``: Asterisk does not say which call caused it) and
never raises into it: an event it cannot use is logged with the reason and dropped. The mapping of
names and states, and why Local channels are left out, is in ``docs/asterisk.md`` ("Presence of
phones and lines").

A lost connection (Asterisk's socket closed, or a Ping unanswered) turns ``connected`` false and no
state is invented: the lines keep what the listener was told last. A thread of its own reconnects
with exponential backoff and takes the list again; only what differs from what the listener was told
is reported. Events that arrive while the list is taken are held and heard after it, in the order
Asterisk sent them, so the state told last is the newest (a change racing the list may be told as it
was, then as it is).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Collection, Iterable
from typing import Protocol

import attrs

from kc_adapters.asterisk.ami import AmiClient, AmiError, AmiEvent
from kc_domain.routing import pbx_events as pbx
from kc_ports.system import Clock

log = logging.getLogger(__name__)

# Asterisk's device states (ast_devstate_str) as KC's; None: Asterisk does not know, nothing to tell
STATES: dict[str, str | None] = {
    "NOT_INUSE": "free",
    "INUSE": "busy",
    "BUSY": "busy",
    "ONHOLD": "busy",
    "RINGING": "ringing",
    "RINGINUSE": "ringing",
    "UNAVAILABLE": "offline",
    "INVALID": "offline",
    "UNKNOWN": None,
}
PHONES = frozenset({"PJSIP", "SIP", "IAX2"})  # channel drivers whose devices are phones (<tech>/<name>)
CUSTOM = "Custom:"  # custom device states (func_devstate): lines, hints
LINE = re.compile(r"[A-Za-z0-9_.+*#@-]{1,80}")
# a line with several devices (PJSIP/2410 and Custom:2410) is the first of these any device is in
PRECEDENCE = ("ringing", "busy", "free", "offline")


class AmiFactory(Protocol):
    def __call__(self, on_disconnect: Callable[[], None]) -> AmiClient:
        """A client, not connected yet, that calls ``on_disconnect`` when its connection drops."""


@attrs.frozen
class AmiSettings:
    """Where KC's AMI user logs in (``manager.conf``); an ``AmiFactory``."""

    host: str
    port: int
    username: str
    secret: str = attrs.field(repr=False)
    timeout_s: float = 5.0

    def __call__(self, on_disconnect: Callable[[], None]) -> AmiClient:
        return AmiClient(self.host, self.port, self.username, self.secret, self.timeout_s, on_disconnect)


def kc_line(device: str) -> tuple[str, str]:
    """KC's line for an Asterisk device name, or ``("", why not)``."""
    if device.startswith(CUSTOM):
        line = device[len(CUSTOM) :]
    else:
        tech, slash, line = device.partition("/")
        if not slash:
            return "", "not a phone or line (no technology)"  # Queue:support_avail, Park:701@...
        if tech not in PHONES:
            return "", f"{tech} is not a phone"  # Local/2410@ctx is a dialplan path, not somebody's phone
    if not LINE.fullmatch(line):
        return "", f"no usable line name in {device!r}"
    return line, ""


class _Table:
    """What Asterisk said of each device, and what the listener was told of each line."""

    def __init__(self, watched: Collection[str] | None) -> None:
        self._watched = watched
        self._devices: dict[str, tuple[str, str]] = {}  # Asterisk device -> (line, KC state)
        self.told: dict[str, str] = {}  # line -> the state the listener was told last

    def heard(self, device: str, state: str) -> tuple[str, str] | None:
        """(line, state) to tell for one device's state, or None (unchanged, or ignored: logged)."""
        if not device or not state:
            log.warning("AMI DeviceStateChange ignored: no device or no state (%r, %r)", device, state)
            return None
        line, why_not = kc_line(device)
        if not line:
            log.debug("AMI device %s ignored: %s", device, why_not)
            return None
        if self._watched is not None and line not in self._watched:
            log.debug("AMI device %s ignored: line %s is not watched", device, line)
            return None
        if state not in STATES:
            log.warning("AMI device %s ignored: unknown state %r", device, state)
            return None
        kc_state = STATES[state]
        if kc_state is None:
            log.info("AMI device %s ignored: Asterisk does not know its state (%s)", device, state)
            return None
        self._devices[device] = (line, kc_state)
        states = {s for known_line, s in self._devices.values() if known_line == line}
        combined = next(s for s in PRECEDENCE if s in states)
        if self.told.get(line) == combined:
            return None
        self.told[line] = combined
        return line, combined


class DevicePresence:
    """Device states of phones and lines from Asterisk's AMI, told to ``listener`` when new.

    ``ami`` makes the AMI client (``AmiSettings``, or a test's factory). ``devices``: the lines to
    report (a live collection, asked at every event); None reports every phone and line. The
    listener runs on the AMI client's event thread or this watcher's own thread, one call at a time,
    in order; it must queue what it hears (the engine's ``PbxInbox.put``).
    """

    def __init__(
        self,
        ami: AmiFactory,
        listener: Callable[[pbx.PbxEvent], None],
        clock: Clock,
        devices: Collection[str] | None = None,
        *,
        retry_s: float = 0.5,
        retry_max_s: float = 10.0,
        ping_s: float = 20.0,
    ) -> None:
        self._factory = ami
        self._listener = listener
        self._clock = clock
        self._retry_s, self._retry_max_s, self._ping_s = retry_s, retry_max_s, ping_s
        self._table = _Table(devices)
        self._lock = threading.Lock()  # the table, what waits for the list, and the listener's calls
        self._waiting: list[AmiEvent] | None = []  # events held while the list is taken; None: live
        self._synced = False
        self._stop = threading.Event()
        self._wake = threading.Event()  # the connection dropped, or close()
        self._client: AmiClient | None = None
        self._thread: threading.Thread | None = None

    @property
    def connected(self) -> bool:
        """Connected to AMI and the states taken: what the engine's health check watches."""
        client = self._client
        return self._synced and client is not None and client.connected

    def states(self) -> dict[str, str]:
        """Each line's state as the listener was told it last."""
        with self._lock:
            return dict(self._table.told)

    def start(self) -> None:
        """Connect (and reconnect) on a thread of its own; returns at once."""
        if self._thread is not None:
            return
        self._client = self._factory(on_disconnect=self._wake.set)
        self._client.subscribe(self._on_event)
        self._thread = threading.Thread(target=self._run, name="kc-ami-presence", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop reconnecting and log off; returns within the AMI client's timeout at worst."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    # -- the connection -------------------------------------------------------------------------

    def _run(self) -> None:
        client = self._client
        assert client is not None
        delay, failures = self._retry_s, 0
        while not self._stop.is_set():
            try:
                self._connect(client)
            except Exception as exc:  # AmiError, or anything else: this thread must go on
                failures += 1
                logged = log.warning if failures == 1 else log.debug
                logged(
                    "AMI presence: no device states from %s:%s (%s); trying again in %.1f s",
                    client.host,
                    client.port,
                    exc,
                    delay,
                    exc_info=not isinstance(exc, AmiError),
                )
            else:
                failures, delay = 0, self._retry_s
                self._watch(client)
                if not self._stop.is_set():
                    log.warning(
                        "AMI presence: lost %s:%s; reconnecting in %.1f s", client.host, client.port, delay
                    )
            self._lose(client)
            if self._stop.wait(delay):
                break
            delay = min(delay * 2, self._retry_max_s)

    def _connect(self, client: AmiClient) -> None:
        self._wake.clear()
        client.connect()
        snapshot = client.list_action("DeviceStateList")
        self._take(snapshot.events)
        log.info(
            "AMI presence: connected to %s:%s, %d device states listed",
            client.host,
            client.port,
            len(snapshot.events),
        )

    def _watch(self, client: AmiClient) -> None:
        """Until the connection drops, Asterisk stops answering Ping, or close()."""
        while not self._stop.is_set() and client.connected:
            if self._wake.wait(self._ping_s):
                self._wake.clear()  # a drop (connected is false now) or close(): the loop sees which
                continue
            try:
                client.action("Ping")
            except AmiError as exc:
                log.warning("AMI presence: %s:%s did not answer a Ping (%s)", client.host, client.port, exc)
                return

    def _lose(self, client: AmiClient) -> None:
        """Closed for good, so that a reconnect starts clean; later events wait for the next list."""
        self._synced = False
        client.close()  # first: the old connection's events still queued are heard in their order
        with self._lock:
            self._waiting = []

    # -- states ---------------------------------------------------------------------------------

    def _take(self, listed: Iterable[AmiEvent]) -> None:
        """The list, then the events that came while it was taken; then live again."""
        with self._lock:
            waiting, self._waiting = self._waiting or [], None
            for event in [*listed, *waiting]:
                self._heard(event)
            self._synced = True

    def _on_event(self, event: AmiEvent) -> None:
        if event.name != "DeviceStateChange":
            return
        with self._lock:
            if self._waiting is not None:
                self._waiting.append(event)
            else:
                self._heard(event)

    def _heard(self, event: AmiEvent) -> None:
        change = self._table.heard(event.get("Device"), event.get("State"))
        if change is None:
            return
        line, state = change
        try:
            self._listener(pbx.DeviceStateChanged(at=self._clock.now(), call_id="", device=line, state=state))
        except Exception:
            log.exception("AMI presence: the listener failed on line %s (%s)", line, state)
