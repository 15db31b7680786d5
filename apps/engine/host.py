"""Runs the engine: one lock around it, a journal write and a live publication after each step.

Web nodes send agents' commands on the bus channel ``kc.engine.commands``; a command carrying
``reply_to`` gets the engine's answer (``{"ok": true, "result": ...}`` or ``{"ok": false, "error":
...}``) published on that channel (see apps.engine.client). The live view goes out on ``kc.live``
whenever something changed, at most every LIVE_EVERY_S, and at least every LIVE_IDLE_S; the
command ``live`` answers with it at once.

After each step the host also stores the callback requests the engine changed, hands voicemail
messages and call recordings to their services, and every ``reload_s`` seconds lets ``reload`` refresh what
administrators may change while the engine runs (queues, agents, skills, caller rules, IVR trees,
announcements: ``apps.engine.build.reload_configuration``).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apps.engine.alerting import AlertWatch
from kc_domain.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from kc_domain.plain import to_plain
from kc_domain.routing import events as ev
from kc_domain.routing.engine import RoutingEngine
from kc_domain.routing.live import LiveCounters, panel_entry, snapshot
from kc_domain.routing.policy import Decision
from kc_ports.bus import EventBus
from kc_ports.journal import ContactJournal
from kc_ports.persistence import UnitOfWorkFactory
from kc_ports.system import Clock

log = logging.getLogger("kc.engine")
COMMANDS_CHANNEL, LIVE_CHANNEL = "kc.engine.commands", "kc.live"
JOURNAL_BATCH = 5000  # events written in one transaction at most, when writes fall behind
DESKTOP_CHANNEL, PANEL_CHANNEL = "kc.desktop", "kc.panel"  # agents' views (by agent_id); the panel
LIVE_EVERY_S = 0.25  # the live view goes out at most this often while things change (WB-01: < 1 s)
LIVE_IDLE_S = 5.0  # and at least this often, so that waiting times and timers move on screens
ALERTS_EVERY_S = 1.0  # alerts are checked this often even when nothing happens (RT-06)

# command name -> (engine method, the message fields it takes, in order)
COMMANDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "log_in": ("log_in", ("agent_id",)),
    "log_out": ("log_out", ("agent_id",)),
    "ready": ("ready", ("agent_id",)),
    "pause": ("pause", ("agent_id", "code")),
    "extend_wrap_up": ("extend_wrap_up", ("agent_id", "seconds")),
    "sign_in": ("sign_in", ("agent_id", "queue_id")),
    "sign_out": ("sign_out", ("agent_id", "queue_id")),
    "transfer": ("transfer", ("call_id", "kind", "target")),
    "callback_request": ("request_callback", ("caller", "queue_id", "preferred_at", "note")),
    "callback_assign": ("assign_callback", ("callback_id", "agent_id")),
    "callback_dial": ("dial_callback", ("callback_id", "agent_id")),
    "callback_done": ("callback_done", ("callback_id", "agent_id", "note")),
    "callback_cancel": ("cancel_callback", ("callback_id", "agent_id", "reason")),
    # the agent desktop (AG-01, IN-05, IN-15, IN-16, REC-01): always for the signed-in agent's own calls
    "desktop_view": ("view_of", ("agent_id",)),
    "panel": ("panel", ()),
    "answer": ("answer_call", ("agent_id", "call_id")),
    "hang_up": ("hang_up_call", ("agent_id", "call_id")),
    "hold": ("hold_call", ("agent_id", "call_id", "held")),
    "consult": ("consult", ("agent_id", "call_id", "target")),
    "end_consultation": ("end_consultation", ("agent_id", "call_id")),
    "complete_transfer": ("complete_transfer", ("agent_id", "call_id")),
    "conference": ("conference", ("agent_id", "call_id")),
    "blind_transfer": ("blind_transfer", ("agent_id", "call_id", "target")),
    "dial": ("dial", ("agent_id", "number")),
    "recording": ("set_recording", ("agent_id", "call_id", "record")),
    "device": ("use_device", ("agent_id", "device")),
    # the supervisor (IN-17, RT-01, RT-07): always on the signed-in supervisor's behalf
    "monitor": ("monitor", ("supervisor_id", "call_id", "mode")),
    "stop_monitor": ("stop_monitor", ("supervisor_id", "call_id")),
    "force_pause": ("force_pause", ("supervisor_id", "agent_id", "code")),
    "force_log_out": ("force_log_out", ("supervisor_id", "agent_id")),
    "supervisor_sign_in": ("supervisor_sign_in", ("supervisor_id", "agent_id", "queue_id")),
    "supervisor_sign_out": ("supervisor_sign_out", ("supervisor_id", "agent_id", "queue_id")),
}


def refusal_details(error: Exception) -> dict[str, Any]:
    """Enough of a refused command for the web to explain it: the kind of refusal and, for bad
    input, every field with its code and parameters (see ``apps.engine.client.raise_refusal``)."""
    match error:
        case ValidationFailed():
            fields = [{"field": e.field, "code": e.code, "params": to_plain(e.params)} for e in error.errors]
            return {"kind": "validation", "errors": fields}
        case Forbidden():
            return {"kind": "forbidden"}
        case NotFound():
            return {"kind": "not_found", "object": error.kind, "key": str(error.key)}
        case Conflict():
            return {"kind": "conflict"}
    details: dict[str, Any] = {"kind": "refused"}
    state = getattr(error, "state", None)  # the object's present state did not allow the action
    if state is not None:
        details["state"] = str(getattr(state, "value", state))
    holder = getattr(error, "holder_id", None)  # another agent has it (a callback request)
    if isinstance(holder, int):
        details["holder_id"] = holder
    return details


def _argument(field: str, value: Any) -> Any:
    """Message values as the engine takes them: ``*_at`` fields are ISO 8601 times ("" for none)."""
    if field.endswith("_at"):
        if value in ("", None):
            return None
        parsed = datetime.fromisoformat(str(value))
        if parsed.tzinfo is None:
            raise ValueError(f"{field} must carry a UTC offset: {value!r}")
        return parsed
    return value


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
        reload: Callable[[RoutingEngine], None] | None = None,
        reload_s: float = 10.0,
    ) -> None:
        self.engine, self._journal, self._bus, self._clock = engine, journal, bus, clock
        self._uow_factory = uow_factory
        # events whose data leaves the engine for a service: a voicemail, a call's recording
        self._handoffs: dict[type[ev.Event], Callable[[Any], None]] = {}
        if on_voicemail is not None:
            self._handoffs[ev.CallVoicemailLeft] = on_voicemail
        if on_recording is not None:
            self._handoffs[ev.CallRecorded] = on_recording
        self._reload, self._reload_s, self._reloaded = reload, reload_s, time.monotonic()
        self.counters = LiveCounters(zone, self._thresholds())
        self._alerts = AlertWatch(uow_factory) if uow_factory is not None else None
        self._alerts_checked, self._alerts_changed = 0.0, False
        self.lock = threading.RLock()
        self._changed, self._published, self._pruned = True, 0.0, time.monotonic()
        self._pending: queue.Queue[tuple[list[ev.Event], list[Decision]]] | None = None  # journal writes
        self._desktops: dict[int, dict[str, Any]] = {}  # what each agent's desktop was last sent

    def run(self, stop: threading.Event, period_s: float = 0.2) -> None:
        """Tick the engine and publish until ``stop`` is set. While running, the journal is written by
        a thread of its own, so that a database write never holds up a call or a desktop."""
        writer = threading.Thread(target=self._write_journal, args=(stop,), name="kc-journal", daemon=True)
        self._pending = queue.Queue()
        writer.start()
        subscription = self._bus.subscribe(COMMANDS_CHANNEL, self.command)
        try:
            while not stop.is_set():
                self.step()
                stop.wait(period_s)
        finally:
            subscription.close()
            writer.join()

    def _write_journal(self, stop: threading.Event) -> None:
        """Write what the engine did, in order, several steps per transaction when they pile up; a
        failed write is retried (nothing is dropped) and the rest waits behind it."""
        pending = self._pending
        assert pending is not None
        while not (stop.is_set() and pending.empty()):
            try:
                events, decisions = pending.get(timeout=0.2)
            except queue.Empty:
                continue
            while len(events) < JOURNAL_BATCH:
                try:
                    more_events, more_decisions = pending.get_nowait()
                except queue.Empty:
                    break
                events, decisions = events + more_events, decisions + more_decisions
            while True:
                try:
                    self._journal.record(events, decisions)
                    break
                except Exception:
                    log.exception("writing the journal failed; retrying in a second")
                    time.sleep(1.0)

    def step(self) -> None:
        with self.lock:
            self.engine.tick()
            self.flush()
            if self._reload is not None and time.monotonic() - self._reloaded > self._reload_s:
                self._reloaded = time.monotonic()
                try:
                    self._reload(self.engine)
                    self.counters.thresholds = self._thresholds()
                except Exception:  # a broken reload must not stop the calls
                    log.exception("reloading the configuration failed; the engine keeps the old one")
            if time.monotonic() - self._pruned > 60:
                self.engine.forget_ended(self._clock.now() - timedelta(minutes=10))  # journaled already
                self._pruned = time.monotonic()
        self.publish()

    def _thresholds(self) -> dict[int, int]:
        return {q.queue_id: q.sl_threshold_s for q in self.engine.queues.values()}

    def apply(self, action: Callable[[RoutingEngine], Any]) -> Any:
        """Run something against the engine (a PBX event, a command) and journal what it caused."""
        with self.lock:
            result = action(self.engine)
            self.flush()
        return result

    def command(self, message: dict[str, Any]) -> dict[str, Any]:
        """An agent's or supervisor's command as a message; the reply says ok or why not."""
        reply = self._run_command(message)
        reply_to = message.get("reply_to")
        if isinstance(reply_to, str) and reply_to:
            self._bus.publish(reply_to, {**reply, "request_id": message.get("request_id")})
        return reply

    def _run_command(self, message: dict[str, Any]) -> dict[str, Any]:
        name = str(message.get("command", ""))
        if name == "live":  # the live view now, for a supervisor's page or a wallboard just opened
            return {"ok": True, "result": self.live_view()}
        if name == "alert_ack":
            return self._acknowledge(message)
        if name not in COMMANDS:
            return {"ok": False, "error": f"unknown command {name!r}; known: {', '.join(sorted(COMMANDS))}"}
        method, fields = COMMANDS[name]
        missing = [f for f in fields if f not in message]
        if missing:
            return {"ok": False, "error": f"{name}: missing {', '.join(missing)}"}
        try:
            arguments = [_argument(f, message[f]) for f in fields]
            result = self.apply(lambda engine: getattr(engine, method)(*arguments))
        except (DomainError, TypeError, ValueError) as error:
            log.info("command %s refused: %s", name, error)
            return {"ok": False, "error": str(error), **refusal_details(error)}
        return {"ok": True, "result": result} if result is not None else {"ok": True}

    def flush(self) -> None:
        events, decisions = self.engine.drain_events(), self.engine.drain_decisions()
        if events or decisions:
            self.counters.apply(events)
            self._changed = True
            self._publish_desktops(events)
            if self._pending is not None:
                self._pending.put((events, decisions))
            else:  # not running (tests, tools): written at once
                self._journal.record(events, decisions)
        elif self.engine.devices_changed:  # a line's presence: the panel only, nothing to journal
            self._publish_desktops([])
        callbacks = self.engine.drain_callback_changes()
        if callbacks and self._uow_factory is not None:
            with self._uow_factory() as uow:
                for request in callbacks:
                    uow.callbacks.save(request)
                uow.commit()
        if self._handoffs:
            for event in events:
                handler = self._handoffs.get(type(event))
                if handler is not None:
                    self._hand_off(handler, event)

    def _publish_desktops(self, events: list[ev.Event]) -> None:
        """Push the changed agent views to their desktops and the panel when a state changed; only
        agents touched by the events (their own, their calls', their queues') are looked at."""
        engine = self.engine
        agents: set[int] = set()
        queues: set[int] = set()
        for event in events:
            agent_id = getattr(event, "agent_id", None)
            if isinstance(agent_id, int):
                agents.add(agent_id)
            queue_id = getattr(event, "queue_id", None)
            if isinstance(queue_id, int):
                queues.add(queue_id)
            call = engine.calls.get(getattr(event, "call_id", "") or "")
            if call is not None:
                agents.update(a for a in (call.agent_id, call.consult_agent_id) if a is not None)
        for queue_id in queues:
            agents.update(engine.skilled_in(queue_id))
        for agent_id in sorted(agents & engine.agents.keys()):
            view = engine.view_of(agent_id)
            if self._desktops.get(agent_id) != view:
                self._desktops[agent_id] = view
                self._bus.publish(DESKTOP_CHANNEL, {"agent": view})
        changed = sorted({e.agent_id for e in events if isinstance(e, ev.AgentStateChanged)})
        entries = [panel_entry(engine.agents[a]) for a in changed if a in engine.agents]
        entries += engine.drain_device_changes()
        if entries:  # only what changed: every open desktop gets it, 300 of them in a big centre
            self._bus.publish(PANEL_CHANNEL, {"panel_update": entries})

    @staticmethod
    def _hand_off(handler: Callable[[Any], None], event: ev.Event) -> None:
        try:
            handler(event)
        except Exception:  # e.g. bad audio: logged and audited by the service; the calls go on
            log.exception("%s of call %s could not be stored", event.name, getattr(event, "call_id", ""))

    def live_view(self) -> dict[str, Any]:
        """The live view with the open alerts (RT-06), checked against it."""
        with self.lock:
            now = self._clock.now()
            view = snapshot(self.engine, self.counters, now)
            if self._alerts is not None:
                self._alerts_changed |= self._alerts.check(view, now)
                self._alerts_checked = time.monotonic()
                view["alerts"] = self._alerts.plain()
        return view

    def publish(self, force: bool = False) -> None:
        """Send the live view when something changed (at most every LIVE_EVERY_S), at least every
        LIVE_IDLE_S, and when an alert began or ended: alerts are checked every ALERTS_EVERY_S even
        when nothing happens, as a wait or a pause grows past its limit by itself."""
        elapsed = time.monotonic() - self._published
        due = force or (self._changed and elapsed >= LIVE_EVERY_S) or elapsed >= LIVE_IDLE_S
        alerts_due = self._alerts is not None and time.monotonic() - self._alerts_checked >= ALERTS_EVERY_S
        if not due and not alerts_due:
            return
        self._changed = False
        view = self.live_view()
        if due or self._alerts_changed:
            self._alerts_changed = False
            self._published = time.monotonic()
            self._bus.publish(LIVE_CHANNEL, view)

    def _acknowledge(self, message: dict[str, Any]) -> dict[str, Any]:
        if self._alerts is None:
            return {"ok": False, "error": "alerts are not kept by this engine", "kind": "refused"}
        alert_id, user_id = message.get("alert_id"), message.get("supervisor_id")
        if not isinstance(alert_id, int) or not isinstance(user_id, int):
            return {"ok": False, "error": "alert_ack: alert_id and supervisor_id must be numbers"}
        try:
            with self.lock:
                result = self._alerts.acknowledge(alert_id, user_id, self._clock.now())
        except DomainError as error:
            return {"ok": False, "error": str(error), **refusal_details(error)}
        self.publish(force=True)
        return {"ok": True, "result": result}
