"""The PBX the engine runs on, from the settings (``KC_TELEPHONY``): the simulated PBX, or Asterisk
(``kc_adapters.asterisk``, docs/asterisk.md) with the agents' phones from the user administration.

A real PBX reports its events on a thread of its own and a listener must not call back into it, so
its events reach the engine through ``PbxInbox``: queued as heard, handed to the engine in order by
a thread of their own.
"""

from __future__ import annotations

import functools
import logging
import queue
import threading
from collections.abc import Callable, Mapping
from pathlib import Path

from apps.container import Container
from apps.engine.health import joined
from apps.engine.host import EngineHost
from kc_adapters.asterisk.ari import AriClient
from kc_adapters.asterisk.config import DIALLED_CONTEXT
from kc_adapters.asterisk.pbx import AsteriskPbx, AsteriskSettings
from kc_adapters.asterisk.presence import AmiSettings, DevicePresence
from kc_adapters.speech.espeak import EspeakSynthesis
from kc_domain.identity.staff import Staff
from kc_domain.routing import pbx_events as pbx
from kc_domain.routing.engine import RoutingEngine

log = logging.getLogger("kc.engine")
VAR = Path("var")


class TelephonyNotConfigured(Exception):
    """A setting the chosen PBX needs is missing; the message names it."""


def endpoints_of(container: Container, phone: str) -> dict[int, str]:
    """Every agent's and supervisor's phone at the PBX (by user id): the endpoint administered with
    the account, else ``phone`` (a dial string with ``{number}``) for the agent number; users with
    neither have none (a ring for them, or their monitoring, is refused, and the refusal is shown)."""
    admin = container.admin()
    staff = Staff.of(admin.list("user"), admin.list("group"), admin.list("skill"))
    found: dict[int, str] = {}
    for user in [*staff.agents(), *staff.supervisors()]:
        if user.id is None:
            continue
        if user.endpoint:
            found[user.id] = user.endpoint
        elif user.agent_number:
            found[user.id] = phone.format(number=user.agent_number)
    return found


def asterisk_pbx(container: Container) -> tuple[AsteriskPbx, dict[int, str]]:
    """The Asterisk adapter from the ``KC_ASTERISK_*`` settings, and the live table of the agents'
    phones it rings (``refresh_endpoints`` keeps it current)."""
    settings = container.settings()
    if not settings.asterisk_secret:
        raise TelephonyNotConfigured(
            "KC_TELEPHONY=asterisk needs KC_ASTERISK_SECRET (see `kc asterisk config` and docs/asterisk.md)"
        )
    ari = AriClient(
        settings.asterisk_host,
        settings.asterisk_ari_port,
        settings.asterisk_user,
        settings.asterisk_secret,
        app=settings.asterisk_app,
    )
    endpoints = endpoints_of(container, settings.asterisk_phone)
    adapter = AsteriskPbx(
        ari,
        AsteriskSettings(
            endpoints=endpoints,
            outside=settings.asterisk_outside,
            amd_context=DIALLED_CONTEXT if settings.asterisk_amd else "",
            transfer_context=settings.asterisk_transfer_context,
            prompts_dir=Path(settings.asterisk_prompts_dir),
            supervisors=endpoints,  # the same live table: supervisors are users with phones too
        ),
        speech=EspeakSynthesis(VAR / "tts-cache"),
        clock=container.clock(),
    )
    return adapter, endpoints


def refresh_endpoints(container: Container, endpoints: dict[int, str]) -> None:
    """The agents' phones read again (with each reload of the administration)."""
    fresh = endpoints_of(container, container.settings().asterisk_phone)
    if fresh != endpoints:
        endpoints.clear()
        endpoints.update(fresh)


def presence_watch(container: Container, listener: Callable[[pbx.PbxEvent], None]) -> DevicePresence:
    """The watcher of phones' and lines' states at Asterisk (AG-12), over AMI with KC's user."""
    settings = container.settings()
    ami = AmiSettings(
        settings.asterisk_host, settings.asterisk_ami_port, settings.asterisk_user, settings.asterisk_secret
    )
    return DevicePresence(ami, listener, container.clock())


LOST = {
    "pbx": "the PBX's event connection is closed; calls do not reach KC",
    "presence": "the PBX's manager connection is closed; phones and lines show their last known state",
}


def _heard(engine: RoutingEngine, event: pbx.PbxEvent) -> None:
    engine.on_pbx(event)


class PbxInbox:
    """A real PBX's events, in the order heard, handed to the engine by a thread of their own, which
    also watches the connections (``watched``: the health part -> whether it is connected): the
    call control's lost is the engine's ``pbx`` problem at once (the health check says the engine is
    down, the supervisors' page says why), the presence watcher's its ``presence`` problem (shown,
    calls go on); back, the problem is cleared."""

    def __init__(self, host: EngineHost, watched: Mapping[str, Callable[[], bool]] | None = None) -> None:
        self._host, self._watched = host, dict(watched or {})
        self._was_connected: dict[str, bool] = {}
        self._queue: queue.Queue[pbx.PbxEvent] = queue.Queue()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def put(self, event: pbx.PbxEvent) -> None:
        self._queue.put(event)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="kc-pbx-inbox", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Hand over what was heard so far, then stop."""
        self._stop.set()
        if self._thread is not None:
            joined(self._thread, "handing the PBX's last events to the engine")
            self._thread = None

    def backlog(self) -> int:
        return self._queue.qsize()

    def _run(self) -> None:
        while not (self._stop.is_set() and self._queue.empty()):
            self._watch()
            try:
                event = self._queue.get(timeout=0.2)
            except queue.Empty:
                continue
            try:
                self._host.apply(functools.partial(_heard, event=event))
            except Exception:  # the engine's own failures are counted by the host; never stop hearing
                log.exception("the PBX event %s could not be handled", type(event).__name__)

    def _watch(self) -> None:
        for part, connected in self._watched.items():
            now = connected()
            if now != self._was_connected.get(part):
                self._was_connected[part] = now
                if now:
                    self._host.health.ok(part)
                else:
                    self._host.health.failed(part, ConnectionError(LOST.get(part, part)))
