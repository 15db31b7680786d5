"""The long-running processes: web, demo, engine, worker."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any

import click

from apps.cli import _container, main
from apps.container import Container
from apps.engine.host import EngineFailed, EngineHost
from apps.settings import VAR
from apps.simulator.live_traffic import TrafficProfile
from kc_adapters.simulated_pbx import SimulatedPbx
from kc_domain.routing import events as ev
from kc_ports.telephony import CallAudio, CallControl


def demo_server(app: Any, host: str, port: int) -> Any:
    """The demo's web server (werkzeug, a thread per request), not yet serving."""
    from werkzeug.serving import WSGIRequestHandler, make_server

    class Quiet(WSGIRequestHandler):
        """No ``Server: Werkzeug/… Python/…`` banner, and no access log of its own: ``kc.web`` logs
        every request already, with the request id and without secrets in the path (kiosk tokens)."""

        def version_string(self) -> str:
            return "KC"

        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            pass

    return make_server(host, port, app, threaded=True, request_handler=Quiet)


def _serve_threaded(app: Any, host: str, port: int) -> None:
    """One process, a thread per request: enough for the demo's handful of users."""
    server = demo_server(app, host, port)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        server.shutdown()


@main.command()
@click.option("--host", default=None, help="Default: KC_HOST.")
@click.option("--port", default=None, type=int, help="Default: KC_PORT.")
@click.option("--workers", default=2, show_default=True, help="gunicorn worker processes.")
@click.option(
    "--threads", default=16, show_default=True, help="Threads per worker (WebSockets hold one each)."
)
def web(host: str | None, port: int | None, workers: int, threads: int) -> None:
    """Serve the web application with gunicorn (production)."""
    from gunicorn.app.base import BaseApplication

    from apps.web import create_app

    container = _container()
    settings = container.settings()
    _require_schema(container)
    app = create_app(container)
    container.database().dispose()  # the check's connections stay with the master, unused

    class _Gunicorn(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host or settings.host}:{port or settings.port}")
            self.cfg.set("workers", workers)
            self.cfg.set("threads", threads)
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("accesslog", None)
            # database connections opened before the fork must not be shared by the workers
            self.cfg.set("post_fork", lambda _server, _worker: container.database().dispose())

        def load(self) -> Any:
            return app

    _Gunicorn().run()


@main.command()
@click.option("--host", default=None, help="Default: KC_HOST.")
@click.option("--port", default=None, type=int, help="Default: KC_PORT.")
def demo(host: str | None, port: int | None) -> None:
    """Migrate, seed demo data and serve everything in one process (SQLite by default)."""
    from apps.seed import (
        DEMO_CAMPAIGN,
        DEMO_PASSWORD,
        MAIN_LINE,
        USERS,
        seed,
        seed_campaign,
        seed_clients,
        seed_ivr,
    )
    from apps.web import create_app

    container = _container()
    settings = container.settings()
    container.database().upgrade()
    created = seed(container.admin())
    if created:
        queue_ids = {k.split(":", 1)[1]: v for k, v in created.items() if k.startswith("queue:")}
        seed_ivr(container.ivr(), queue_ids)
        seed_campaign(container.campaigns(), queue_ids["obecna"])
    seed_clients(container.uow_factory(), container.audit(), container.clock().now())
    stop = threading.Event()
    _start_worker(container, stop)
    traffic = _start_engine_with_traffic(container, stop)
    url = f"http://{host or settings.host}:{port or settings.port}/"
    click.echo("")
    click.echo("KC demo" + (" (demo data created)" if created else " (existing data kept)"))
    click.echo(f"  URL:       {url}")
    click.echo(f"  database:  {settings.database_url}")
    click.echo(f"  password for every demo user: {DEMO_PASSWORD}")
    click.echo(f"  main line with the IVR: {MAIN_LINE}")
    for username, name, roles, _group, _number in USERS:
        click.echo(f"  {username:12} {name:22} {', '.join(sorted(r.value for r in roles))}")
    click.echo(
        f"  simulated traffic: {len(traffic.robots)} robot agents, "
        f"{sum(traffic.calls_per_hour.values()):.0f} calls an hour; novakova is left for you"
    )
    click.echo(f"  a progressive campaign dials its contacts for the general line: {DEMO_CAMPAIGN}")
    click.echo("")
    try:
        _serve_threaded(create_app(container), host or settings.host, port or settings.port)
    finally:
        stop.set()


@main.command()
@click.option(
    "--traffic",
    is_flag=True,
    help="Simulated callers and robot agents as in `kc demo` (the simulated PBX only), without the web.",
)
def engine(traffic: bool) -> None:
    """The live contact-centre engine (ACD): PBX events in, routing, journal and live view out.

    SIGTERM (or Ctrl+C) stops it gracefully: the journal is finished and, on the simulated PBX,
    every call and agent is closed. It exits 1 when the engine cannot go on (its supervisor, e.g.
    systemd with Restart=on-failure, starts it again; the new one replays the journal's
    write-ahead file and closes what was left open)."""
    container = _container()
    _require_schema(container)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda _signal, _frame: stop.set())
    if traffic:
        host, profile = _engine_with_traffic(container, stop)
        click.echo(f"simulated traffic: {len(profile.robots)} robot agents")
    else:
        host = start_engine(container)
    click.echo(
        f"kc engine: {len(host.engine.queues)} queues, {len(host.engine.agents)} agents, "
        f"PBX {container.settings().telephony}, bus {container.settings().bus_url}",
        nl=True,
    )
    try:
        host.run(stop)
    except KeyboardInterrupt:
        stop.set()
    except EngineFailed as error:
        click.echo(f"kc engine: {error}; exiting for a restart", err=True)
        sys.exit(1)
    finally:
        stop_telephony(host)
    click.echo("kc engine: stopped")


def _engine_with_traffic(container: Container, stop: threading.Event) -> tuple[EngineHost, TrafficProfile]:
    """The engine on the simulated PBX, with callers and robot agents (started with ``stop``)."""
    from apps.simulator.live_traffic import LiveTraffic, demo_profile
    from kc_adapters.simulated_pbx import SpokenRecording
    from kc_adapters.speech.espeak import EspeakSynthesis

    # the robots' calls are recorded as a short spoken greeting (at most 20 s, to spare the demo's disk)
    speech = EspeakSynthesis(VAR / "tts-cache")
    pbx = SimulatedPbx(strict=False, record_commands=False, recording_audio=SpokenRecording(speech, max_s=20))
    host = start_engine(container, pbx)
    humans = [u.id for u in container.admin().list("user") if u.username == "novakova"]
    lines = [line.number for line in container.admin().list("transfer_line")]
    profile = demo_profile(host, humans, lines)
    host.start()  # the journal's file replayed and what an earlier run left open closed, before any call
    LiveTraffic(host, pbx, profile, campaign_outcome=robot_outcome(container)).start(stop)
    return host, profile


def robot_outcome(container: Container) -> Callable[[int, int, str, bool], None]:
    """A robot's outcome for the campaign contact put through to her (success or refused), through
    the same use case as the desktop's buttons; a refusal (the contact no longer hers) is logged."""
    from kc_domain.audit.service import Actor
    from kc_domain.errors import DomainError
    from kc_domain.outbound.outcomes import Outcome

    robot = Actor("robot", "kc demo")

    def outcome(agent_id: int, entry_id: int, call_id: str, success: bool) -> None:
        said = Outcome.SUCCESS if success else Outcome.REFUSED
        try:
            container.campaigns().finish(robot, agent_id, entry_id, said, call_id=call_id)
        except DomainError as error:  # e.g. her hold of the contact lapsed meanwhile (not_yours)
            logging.getLogger("kc.demo").info(
                "robot %s: no outcome for contact %s: %s", agent_id, entry_id, error
            )

    return outcome


def _start_engine_with_traffic(container: Container, stop: threading.Event) -> TrafficProfile:
    """The engine in this process on the simulated PBX, with callers and robot agents; the whole
    process ends (non-zero) when the engine cannot go on, never leaving a web without an engine."""
    host, profile = _engine_with_traffic(container, stop)

    def run() -> None:
        try:
            host.run(stop)
        except EngineFailed:
            logging.getLogger("kc.engine").critical("the engine cannot go on; the demo exits", exc_info=True)
            os._exit(1)

    threading.Thread(target=run, name="kc-engine", daemon=True).start()
    return profile


def start_engine(container: Container, pbx: SimulatedPbx | None = None) -> EngineHost:
    """The engine host on the configured PBX (``KC_TELEPHONY``): the simulated PBX (``pbx``, or a
    new one whose calls come from a driver), or Asterisk (``apps.engine.telephony``: started here,
    its events flowing into the engine; closed by ``stop_telephony``)."""
    settings = container.settings()
    if settings.telephony == "asterisk":
        return _start_on_asterisk(container)
    if settings.telephony != "simulated":
        click.echo(
            f"KC_TELEPHONY={settings.telephony}: this PBX adapter is not available yet; "
            "use KC_TELEPHONY=simulated or asterisk",
            err=True,
        )
        sys.exit(2)
    pbx = pbx or SimulatedPbx(strict=False)  # calls come from the PBX
    return _host(container, pbx, pbx, closes_on_stop=True)  # the simulated PBX's calls end with the engine


def _start_on_asterisk(container: Container) -> EngineHost:
    from apps.engine.telephony import (
        PbxInbox,
        TelephonyNotConfigured,
        asterisk_pbx,
        presence_watch,
        refresh_endpoints,
    )

    try:
        adapter, endpoints = asterisk_pbx(container)
    except TelephonyNotConfigured as error:
        click.echo(str(error), err=True)
        sys.exit(2)
    host = _host(container, adapter, adapter, refresh=lambda: refresh_endpoints(container, endpoints))
    presence = presence_watch(container, lambda event: inbox.put(event))
    watched = {"pbx": lambda: adapter.ari.connected, "presence": lambda: presence.connected}
    inbox = PbxInbox(host, watched)
    adapter.listen(inbox.put)
    host.start()  # the journal's file replayed and what an earlier run left open closed, before any call
    # calls reaching KC's context are heard from now on (queued in the inbox), and what an earlier
    # run left at Asterisk is taken over; Asterisk away: KC keeps trying, with backoff, as it does
    # whenever the connection is lost (and catches up each time it is back)
    adapter.start(keep_trying=True)
    presence.start()  # phones' and lines' states (AG-12), on a thread of its own, reconnecting too
    inbox.start()  # and routed, in order; a lost connection shows as the engine's `pbx` problem
    _TELEPHONY[id(host)] = (adapter.close, presence.close, inbox.close)
    return host


_TELEPHONY: dict[int, tuple[Callable[[], None], ...]] = {}  # a host -> what stops its PBX connection


def stop_telephony(host: EngineHost) -> None:
    """Close the connection to a real PBX (its calls go on there; the next start adopts or closes
    them) and hand the events heard so far to the engine."""
    for close in _TELEPHONY.pop(id(host), ()):
        try:
            close()
        except Exception:
            logging.getLogger("kc.engine").exception("closing the PBX connection failed")


def _host(
    container: Container,
    pbx: CallControl,
    call_audio: CallAudio,
    *,
    closes_on_stop: bool = False,
    refresh: Callable[[], None] | None = None,
) -> EngineHost:
    from zoneinfo import ZoneInfo

    from apps.engine.build import build_engine, reload_configuration
    from apps.engine.dialling import DiallerFeed
    from apps.engine.host import EngineHost

    settings = container.settings()
    engine = build_engine(container, pbx)
    voicemail = container.voicemail()

    def store_voicemail(event: ev.CallVoicemailLeft) -> None:
        audio = call_audio.recording(event.recording)  # what the PBX recorded, through the port
        voicemail.receive(event.caller, event.box, event.queue_id, audio)

    recordings = container.recordings()

    def store_recording(event: ev.CallRecorded) -> None:
        audio = call_audio.recording(event.recording)
        recordings.receive(event.call_id, event.agent_id, event.started_at, event.duration_s, audio)

    def upkeep() -> dict[str, int]:
        if refresh is not None:
            refresh()
        return _recordings_upkeep(recordings)

    return EngineHost(
        engine,
        container.journal(),
        container.bus(),
        container.clock(),
        ZoneInfo(settings.timezone),
        wal=VAR / "engine" / "journal.wal",
        upkeep=upkeep,
        closes_on_stop=closes_on_stop,
        uow_factory=container.uow_factory(),
        on_voicemail=store_voicemail,
        on_recording=store_recording,
        reload=reload_configuration(container),
        dialler=DiallerFeed(container.dialler_list()),
    )


def _recordings_upkeep(recordings: Any) -> dict[str, int]:
    """Recordings that wait in the spool stored again (those kept in the engine's memory can only be
    stored from here), and what still waits, for the heartbeat."""
    recordings.retry_pending()
    storage = recordings.storage()
    return {"recordings_waiting": storage["waiting"], "recordings_in_memory": storage["in_memory"]}


@main.command()
@click.option("--once", is_flag=True, help="Run every job once and exit.")
def worker(once: bool) -> None:
    """Run scheduled background jobs (audit retention...)."""
    from apps.worker import run_forever, run_once

    container = _container()
    _require_schema(container)
    if once:
        for name, result in run_once(container).items():
            click.echo(f"{name}: {result}")
        return
    stop = threading.Event()
    try:
        run_forever(container, stop)
    except KeyboardInterrupt:
        stop.set()


def _start_worker(container: Container, stop: threading.Event) -> None:
    from apps.worker import run_forever

    threading.Thread(target=run_forever, args=(container, stop), name="kc-worker", daemon=True).start()


def _require_schema(container: Container) -> None:
    if not container.database().current_revision():
        click.echo("The database has no schema yet: run `kc db upgrade` first.", err=True)
        sys.exit(2)
