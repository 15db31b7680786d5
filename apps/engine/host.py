"""Runs the engine: one lock around it, a journal write and a live publication after each step.

Web nodes send typed commands in their wire form on the bus channel ``kc.engine.commands``
(``kc_domain.commanding.wire``: the engine's, run by ``RoutingEngine.handle``, and the host's own,
``live`` and ``alert_ack``); a command carrying ``reply_to`` gets the typed reply in its wire form
(``{"ok": true, "result": ...}`` or ``{"ok": false, "error": ..., "kind": ...}``) published on that
channel (see apps.engine.client). A message that does not fit is refused naming the field. The live
view goes out on ``kc.live`` whenever something changed, at most every LIVE_EVERY_S, and at least
every LIVE_IDLE_S; the command ``live`` answers with it at once.

Nothing outside the engine's memory is ever waited on under its lock (GEN-03): the journal is
written first to a local file and by a thread of its own (``apps.engine.outbox``), messages go out
through a thread of their own (``apps.engine.publisher``; agents' views as they change:
``apps.engine.desktops``), recordings and voicemail are handed to their services by another
(``apps.engine.handoffs``), and the live view with its alerts is made and sent by another again.
A part that fails is caught, counted and shown (``apps.engine.health``, the
heartbeat on ``kc.engine.health`` every second); the calls go on. Only when the engine's own step
keeps failing does ``run`` raise ``EngineFailed``, so that the process ends non-zero and its
supervisor (systemd's ``Restart=``) starts a new one, which replays the journal's file and closes
what was left open (``reconcile``).

Every ``reload_s`` seconds ``reload`` refreshes what administrators may change while the engine
runs (queues, agents, skills, caller rules, IVR trees, announcements:
``apps.engine.build.reload_configuration``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import attrs

from apps.engine.alerting import AlertWatch
from apps.engine.desktops import Desktops
from apps.engine.dialling import DiallerFeed
from apps.engine.handoffs import Handoffs
from apps.engine.health import HEALTH_CHANNEL, HEARTBEAT_EVERY_S, EngineHealth, joined
from apps.engine.outbox import JournalOutbox
from apps.engine.publisher import Publisher
from kc_domain.commanding.replies import Accepted, Refused, Reply, reply_to_wire
from kc_domain.commanding.wire import AcknowledgeAlert, AskLiveView, from_wire
from kc_domain.errors import DomainError, ValidationFailed
from kc_domain.messages import LiveView
from kc_domain.routing import events as ev
from kc_domain.routing.agent import AgentState
from kc_domain.routing.commands import Reconfigure
from kc_domain.routing.engine import RoutingEngine
from kc_domain.routing.live import LiveCounters, snapshot
from kc_domain.routing.reconcile import DOWN_CAUSE, close_left_open
from kc_ports.bus import EventBus
from kc_ports.journal import ContactJournal
from kc_ports.persistence import UnitOfWorkFactory
from kc_ports.system import Clock

log = logging.getLogger("kc.engine")
COMMANDS_CHANNEL, LIVE_CHANNEL = "kc.engine.commands", "kc.live"
LIVE_EVERY_S = 0.25  # the live view goes out at most this often while things change (WB-01: < 1 s)
LIVE_IDLE_S = 5.0  # and at least this often, so that waiting times and timers move on screens
ALERTS_EVERY_S = 1.0  # alerts are checked this often even when nothing happens (RT-06)


class EngineFailed(RuntimeError):
    """The engine's own step failed ``FATAL_AFTER`` times in a row: the process must end (non-zero)
    for its supervisor to start a new one."""


FATAL_AFTER = 25  # consecutive failed steps of the engine itself (about 5 s)


class EngineHost:
    def __init__(
        self,
        engine: RoutingEngine,
        journal: ContactJournal,
        bus: EventBus,
        clock: Clock,
        zone: ZoneInfo,
        *,
        uow_factory: UnitOfWorkFactory | None = None,
        on_voicemail: Callable[[ev.CallVoicemailLeft], None] | None = None,
        on_recording: Callable[[ev.CallRecorded], None] | None = None,
        reload: Callable[[], Reconfigure] | None = None,
        reload_s: float = 10.0,
        wal: Path | None = None,
        closes_on_stop: bool = False,
        upkeep: Callable[[], dict[str, int]] | None = None,
        dialler: DiallerFeed | None = None,
    ) -> None:
        """``wal``: the journal's write-ahead file (None: batches wait in memory only);
        ``closes_on_stop``: the PBX's calls end with the engine (the simulated PBX), so a stop ends
        them and logs every agent out in the journal at once; ``upkeep``: run with each reload
        (e.g. storing recordings that wait in the spool), its figures go into the heartbeat;
        ``dialler``: feeds the campaigns' dialler from the lists (``apps.engine.dialling``)."""
        self.engine, self._journal, self._bus, self._clock = engine, journal, bus, clock
        self.health = EngineHealth()
        self._publisher = Publisher(bus, self.health)
        self._publisher.on_recovered = self._bus_back
        self._outbox = JournalOutbox(journal, self.health, wal, uow_factory)
        handlers: dict[type[ev.Event], tuple[str, Callable[[Any], None]]] = {}
        if on_voicemail is not None:
            handlers[ev.CallVoicemailLeft] = ("voicemail", on_voicemail)
        if on_recording is not None:
            handlers[ev.CallRecorded] = ("recordings", on_recording)
        self._dialler = dialler
        if dialler is not None:
            handlers.update(dialler.handoffs())
        self._handoffs = Handoffs(handlers, self.health)
        self._reload, self._reload_s, self._reloaded = reload, reload_s, time.monotonic()
        self._closes_on_stop, self._upkeep = closes_on_stop, upkeep
        self.counters = LiveCounters(zone, self._thresholds())
        self._alerts = AlertWatch(uow_factory) if uow_factory is not None else None
        self._alerts_lock = threading.Lock()
        self._alerts_checked, self._alerts_changed = 0.0, False
        self.lock = threading.RLock()
        self._changed, self._published, self._pruned = True, 0.0, time.monotonic()
        self._beat, self._health_seen = 0.0, 0
        self._started = False
        self._failed_steps = 0
        self._resend = False  # the bus is back: every desktop gets its state again
        self._desktops = Desktops(self._publisher)  # agents' views and the panel, as they change

    # -- running -----------------------------------------------------------------------------------
    def start(self) -> tuple[int, int]:
        """Before running: replay the journal's write-ahead file, then close what an earlier run
        left open; (batches replayed, calls and agents closed). Once: ``run`` calls it when
        nobody did before."""
        if self._started:
            return 0, 0
        self._started = True
        replayed = self._outbox.recover()
        return replayed, self.reconcile()

    def reconcile(self, down_at: datetime | None = None) -> int:
        """End, in the journal, every call and agent interval left open that this engine does not
        have (``kc_domain.routing.reconcile``), at ``down_at`` (default: the journal's newest event,
        or now when the journal is empty); how many calls and agents were closed."""
        with self.lock:
            now = self._clock.now()
            when = down_at or self._journal.last_event_at() or now
            logged_in = {a.agent_id for a in self.engine.agents.values() if a.state != AgentState.LOGGED_OUT}
            events = close_left_open(
                self._journal.open_calls(),
                self._journal.open_intervals(),
                min(when, now),
                keep_calls=self.engine.calls.keys(),
                keep_agents=logged_in,
            )
            self._journal.record(events, [])
        calls = sum(isinstance(e, ev.CallEnded) for e in events)
        agents = sum(isinstance(e, ev.AgentLoggedOut) for e in events)
        if events:
            log.warning(
                "reconciled: %d call(s) and %d agent(s) left open ended as of %s (%s)",
                calls,
                agents,
                when.isoformat(),
                DOWN_CAUSE,
            )
        return calls + agents

    def run(self, stop: threading.Event, period_s: float = 0.2) -> None:
        """Tick the engine and publish until ``stop`` is set; raises ``EngineFailed`` when the
        engine cannot go on. The journal, messages, handovers and the live view each have a thread
        of their own (see the module's description)."""
        self.start()
        self._outbox.start(stop)
        self._publisher.start(stop)
        self._handoffs.start(stop)
        live = threading.Thread(target=self._run_live, args=(stop,), name="kc-live", daemon=True)
        live.start()
        reload = threading.Thread(target=self._run_reload, args=(stop,), name="kc-reload", daemon=True)
        reload.start()
        dialling = None
        if self._dialler is not None:
            health = self.health
            dialling = threading.Thread(
                target=self._dialler.run,
                args=(self.apply, stop, lambda e: health.failed("dialler", e), lambda: health.ok("dialler")),
                name="kc-dialler",
                daemon=True,
            )
            dialling.start()
        subscription = None
        try:
            while not stop.is_set():
                if subscription is None:
                    subscription = self._subscribe()
                self.step()
                stop.wait(period_s)
        finally:
            stop.set()
            if subscription is not None:
                try:
                    subscription.close()
                except Exception:
                    log.exception("closing the command subscription failed")
            joined(live, "the live view")
            joined(reload, "reading the configuration")
            if dialling is not None:
                joined(dialling, "feeding the dialler")
            self._handoffs.join()
            self._outbox.join()
            self._publisher.join()
            if self._closes_on_stop:
                self._close_on_stop()

    def _subscribe(self) -> Any:
        try:
            subscription = self._bus.subscribe(COMMANDS_CHANNEL, self._arrived)
        except Exception as error:  # the bus is away: tried again at the next step
            self.health.failed("commands", error)
            return None
        self.health.ok("commands")
        return subscription

    def _close_on_stop(self) -> None:
        """A graceful stop on a PBX whose calls end with the engine: every call and agent interval
        is closed now, so that nothing is left open (the next start finds nothing to reconcile)."""
        try:
            with self.lock:
                self.engine.calls.clear()
                for agent in self.engine.agents.values():
                    agent.state = AgentState.LOGGED_OUT
            self.reconcile(self._clock.now())
        except Exception:  # e.g. the database is away: the next start reconciles
            log.exception("closing the open calls at the stop failed; the next start will")

    def _run_live(self, stop: threading.Event) -> None:
        while not stop.is_set():
            self.publish()
            self._heartbeat()
            stop.wait(0.05)

    def _heartbeat(self) -> None:
        if time.monotonic() - self._beat < HEARTBEAT_EVERY_S:
            return
        self._beat = time.monotonic()
        self.health.gauge("journal_backlog", self._outbox.backlog())
        self.health.gauge("bus_backlog", self._publisher.backlog())
        self.health.gauge("bus_dropped", self._publisher.dropped)  # beyond the waiting limit
        self.health.gauge("handoff_backlog", self._handoffs.backlog())
        self._publisher.publish(HEALTH_CHANNEL, self.health.heartbeat(self._clock.now()).to_wire())

    def step(self) -> None:
        if not self._publisher.running and time.monotonic() - self._reloaded > self._reload_s:
            self._reload_now()  # not running (tests, tools): the configuration is read here
        with self.lock:
            try:
                self.engine.tick()
                if self._failed_steps:
                    self.health.ok("engine")
                self._failed_steps = 0
            except Exception as error:
                self._failed_steps += 1
                self.health.failed("engine", error)
                if self._failed_steps >= FATAL_AFTER:
                    raise EngineFailed(
                        f"the engine's step failed {self._failed_steps} times in a row"
                    ) from error
            finally:
                self.flush()
            if self._resend:
                self._resend = False
                self._desktops.publish(self.engine, [], everyone=True)
            if time.monotonic() - self._pruned > 60:
                self.engine.forget_ended(self._clock.now() - timedelta(minutes=10))  # journaled already
                self._pruned = time.monotonic()
        self.health.stepped()
        if self._publisher.running:
            return  # the live view goes out from its own thread
        self.publish()

    def _reload_now(self) -> None:
        """Read what administrators may have changed (outside the engine's lock), then apply it
        (under it); a failed read leaves the engine as it was and is shown as the part's problem."""
        self._reloaded = time.monotonic()
        if self._reload is None:
            return
        try:
            message = self._reload()
            with self.lock:
                self.engine.handle(message)
                self.counters.thresholds = self._thresholds()
            self.health.ok("reload")
        except Exception as error:  # a broken reload must not stop the calls
            self.health.failed("reload", error)

    def _run_reload(self, stop: threading.Event) -> None:
        while not stop.wait(max(0.0, self._reload_s - (time.monotonic() - self._reloaded))):
            self._reload_now()
            if self._upkeep is not None:
                try:
                    for name, value in self._upkeep().items():
                        self.health.gauge(name, value)
                    self.health.ok("upkeep")
                except Exception as error:
                    self.health.failed("upkeep", error)

    def _thresholds(self) -> dict[int, int]:
        return {q.queue_id: q.sl_threshold_s for q in self.engine.queues.values()}

    def apply(self, action: Callable[[RoutingEngine], Any]) -> Any:
        """Run something against the engine (a PBX event, a command) and journal what it caused,
        also what it did before it failed."""
        with self.lock:
            try:
                return action(self.engine)
            finally:
                self.flush()

    def _arrived(self, message: dict[str, Any]) -> None:
        self.command(message)

    def command(self, message: dict[str, Any]) -> dict[str, Any]:
        """An agent's or supervisor's command as a message; the reply says ok or why not."""
        reply = self._run_command(message)
        reply_to = message.get("reply_to")
        if isinstance(reply_to, str) and reply_to:
            self._publisher.publish(reply_to, {**reply, "request_id": message.get("request_id")})
        return reply

    def _run_command(self, message: dict[str, Any]) -> dict[str, Any]:
        try:
            command = from_wire(message)
        except ValidationFailed as error:  # unknown, malformed: refused naming the field, nothing run
            log.info("command %s refused: %s", str(message.get("command"))[:64], error)
            return reply_to_wire(Refused.of(error))
        match command:
            case AskLiveView():
                reply: Reply = Accepted(self.live_view())
            case AcknowledgeAlert():
                reply = self._acknowledge(command)
            case _:
                try:
                    reply = Accepted(self.apply(lambda engine: engine.handle(command)))
                except (DomainError, TypeError, ValueError) as error:
                    log.info("command %s refused: %s", command.name, error)
                    reply = Refused.of(error)
        return reply_to_wire(reply)

    def flush(self) -> None:
        """Hand what the engine did on: the journal first (``JournalOutbox``), then the pages."""
        events, decisions = self.engine.drain_events(), self.engine.drain_decisions()
        callbacks = self.engine.drain_callback_changes()
        if events or decisions or callbacks:
            self._outbox.put(events, decisions, callbacks)
        if events or decisions:
            self.counters.apply(events)
            self._changed = True
            self._desktops.publish(self.engine, events)
        elif self.engine.devices_changed:  # a line's presence: the panel only, nothing to journal
            self._desktops.publish(self.engine, [])
        if events:
            self._handoffs.put(events)

    def _bus_back(self) -> None:
        self._resend = True

    def live_view(self) -> dict[str, Any]:
        """The live view's wire form (the answer to the command ``live``)."""
        return self.live_message().to_wire()

    def live_message(self) -> LiveView:
        """The live view with the open alerts (RT-06), checked against it, and how the engine is
        doing (``engine``: its heartbeat). The alerts are stored outside the engine's lock."""
        with self.lock:
            now = self._clock.now()
            view = LiveView.of(snapshot(self.engine, self.counters, now), engine=self.health.heartbeat(now))
        if self._alerts is not None:
            with self._alerts_lock:
                try:
                    self._alerts_changed |= self._alerts.check(view, now)
                    self.health.ok("alerts")
                except Exception as error:  # the database is away: the open alerts stay as they are
                    self.health.failed("alerts", error)
                self._alerts_checked = time.monotonic()
                view = attrs.evolve(view, alerts=self._alerts.plain())
        return view

    def publish(self, force: bool = False) -> None:
        """Send the live view when something changed (at most every LIVE_EVERY_S), at least every
        LIVE_IDLE_S, and when an alert began or ended: alerts are checked every ALERTS_EVERY_S even
        when nothing happens, as a wait or a pause grows past its limit by itself."""
        elapsed = time.monotonic() - self._published
        if self.health.version != self._health_seen:  # a part began or stopped failing: say so
            self._health_seen, self._changed = self.health.version, True
        due = force or (self._changed and elapsed >= LIVE_EVERY_S) or elapsed >= LIVE_IDLE_S
        alerts_due = self._alerts is not None and time.monotonic() - self._alerts_checked >= ALERTS_EVERY_S
        if not due and not alerts_due:
            return
        self._changed = False
        view = self.live_message()
        if due or self._alerts_changed:
            self._alerts_changed = False
            self._published = time.monotonic()
            self._publisher.publish(LIVE_CHANNEL, view.to_wire())

    def _acknowledge(self, command: AcknowledgeAlert) -> Reply:
        if self._alerts is None:
            return Refused("alerts are not kept by this engine")
        try:
            with self._alerts_lock:
                result = self._alerts.acknowledge(command.alert_id, command.supervisor_id, self._clock.now())
        except DomainError as error:
            return Refused.of(error)
        self.publish(force=True)
        return Accepted(result)
