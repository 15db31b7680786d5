"""The ACD engine: every waiting call and every agent, matched the moment either becomes available.

Inputs are messages: commands from pages, the API and the host (``commands``), what the PBX reports
(``pbx_events``) and the clock (``tick``); ``handle`` looks each up in the one table of
``handlers``. Outputs are commands to the PBX, domain events in ``events`` and one ``Decision`` per
offer. The engine is its state (``RoutingState``) plus that table; handlers live in modules by
concern. Single-threaded: the process that hosts the engine serialises messages into it.

The methods named like commands (``ready``, ``dial``...) are a typed shorthand for ``handle`` with
that command, kept for the simulator, benchmarks and tests.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from kc_domain.ivr.model import Prompt
from kc_domain.routing import agents, calls, dialback, dialler, flow, menu
from kc_domain.routing import commands as cmd
from kc_domain.routing import events as ev
from kc_domain.routing import pbx_events as pbx
from kc_domain.routing.agent import Agent
from kc_domain.routing.config import IvrDirectory, QueueRouting
from kc_domain.routing.handlers import HANDLERS, TIMERS
from kc_domain.routing.live import device_entry
from kc_domain.routing.menu import IvrPosition
from kc_domain.routing.policy import Decision
from kc_domain.routing.rules import CallerRule
from kc_domain.routing.state import PRAGUE, RoutingState

__all__ = ["PRAGUE", "RoutingEngine"]
ENDED_KEPT = 50_000  # ids of ended calls remembered after they are forgotten (late recordings)
EARLY_HANGUP_S = 60  # a hang-up for an unknown call refuses that call's arrival for this long
LATE_EVENT_S = 1.0  # a PBX event older than this is handled at its own time (the time of record)
MAX_LATE_S = 300.0  # but never earlier than this before now (a PBX clock gone wrong)
DEFAULT_WRAP_UP_S = calls.DEFAULT_WRAP_UP_S


class RoutingEngine(RoutingState):
    """Built as ``RoutingState`` is: the clock, the queues, the agents, the PBX and the options."""

    BASE_HANDLERS = HANDLERS
    BASE_TIMERS = TIMERS

    # == messages ===================================================================================
    def handle(self, message: object) -> Any:
        """Carry out one command or query (``commands``) or PBX event by the one handler table;
        returns the reply (a new id, a view) or None. Refusals are raised as domain errors."""
        handler = self.handlers.get(type(message))
        if handler is None:
            raise TypeError(f"no handler for {type(message).__name__}")
        return handler(self, message)

    def on_pbx(self, event: pbx.PbxEvent) -> None:
        """Act on what the PBX reports. A late event is handled at its own time (bounded: not
        before the call's last known moment, nor more than MAX_LATE_S ago)."""
        self.clock.pinned = self._time_of_record(event)
        try:
            self.handle(event)
        finally:
            self.clock.pinned = None

    def _time_of_record(self, event: pbx.PbxEvent) -> datetime | None:
        now = self.now()
        if (now - event.at).total_seconds() <= LATE_EVENT_S:
            return None
        call = self.calls.get(event.call_id)
        known = [now - timedelta(seconds=MAX_LATE_S)]
        if call is not None:
            known += [t for t in (call.arrived_at, call.queued_at, call.offered_at, call.answered_at) if t]
            known += [since for since, _agent in call.talkers]
        return max([event.at, *known])

    # == time =======================================================================================
    def next_due(self) -> datetime | None:
        return self.timers.next_due()

    def tick(self) -> None:
        """Act on every timer due now (``handlers.tick``)."""
        self.handle(cmd.Tick())

    # == the host's upkeep ==========================================================================
    def reconfigure(
        self, queues: Sequence[QueueRouting], agents: Sequence[Agent], rules: Sequence[CallerRule]
    ) -> None:
        self.handle(cmd.Reconfigure(tuple(queues), tuple(agents), tuple(rules)))

    def use_ivr(self, directory: IvrDirectory) -> None:
        """Switch to newly activated trees: calls arriving from now on use them, callers already in a
        tree finish the version they started (the switch is atomic per call)."""
        self.directory = directory

    def use_general_prompts(self, general_prompts: Callable[[str, datetime], list[Prompt]]) -> None:
        """The general announcements (IN-20) for calls arriving from now on."""
        self.general_prompts = general_prompts

    def drain_events(self) -> list[ev.Event]:
        drained, self.events = self.events, []
        return drained

    def drain_decisions(self) -> list[Decision]:
        """Decisions made since the last drain, for the journal."""
        drained, self.new_decisions = self.new_decisions, []
        return drained

    def drain_callback_changes(self) -> list[Any]:
        return dialback.drain_callback_changes(self)

    def drain_returned(self) -> list[dialler.ReturnedContact]:
        """Campaign contacts the dialler gives back undialled, for the host to release."""
        return dialler.drain_returned(self)

    @property
    def devices_changed(self) -> bool:
        return bool(self.device_changes)

    def drain_device_changes(self) -> list[dict[str, Any]]:
        """The lines whose state changed since the last drain, as transfer-panel entries."""
        changed, self.device_changes = self.device_changes, {}
        return [device_entry(d, s) for d, s in sorted(changed.items())]

    def forget_ended(self, before: datetime) -> int:
        """Drop calls that ended before ``before`` (and their decisions) once they are journaled,
        so that a long-running engine does not grow; returns how many were dropped."""
        old = [c.call_id for c in self.calls.values() if c.ended_at is not None and c.ended_at < before]
        for call_id in old:
            del self.calls[call_id]
            self.decisions.pop(call_id, None)
            flow.forget_flow(self, call_id)
            self.ended_ids[call_id] = None
        while len(self.ended_ids) > ENDED_KEPT:
            self.ended_ids.popitem(last=False)
        limit = self.now() - timedelta(seconds=EARLY_HANGUP_S)
        self.hung_up_early = {c: t for c, t in self.hung_up_early.items() if t >= limit}
        return len(old)

    # == queries ====================================================================================
    def parked(self, queue_id: int) -> list[Any]:
        """Calls of the queue waiting for their caller's last agent (IN-13); they wait too."""
        return self.parked_in(queue_id)

    def ready_agents(self, queue_id: int) -> set[int]:
        return set(self.ready_in[queue_id])

    def skilled_in(self, queue_id: int) -> list[int]:
        """The agents with a skill in the queue (whose desktops show its waiting callers)."""
        return [a.agent_id for a in self.skilled.get(queue_id, ())]

    @property
    def ivr_numbers(self) -> frozenset[str]:
        """The dialled numbers answered by an IVR tree."""
        return frozenset(self.directory.by_number)

    def ivr_position(self, call_id: str) -> IvrPosition | None:
        """Where a caller is in the IVR (a read-only view for simulators and the supervisor)."""
        return menu.ivr_position(self, call_id)

    def view_of(self, agent_id: int) -> dict[str, Any]:
        """The agent desktop's live state of one agent (see ``live.agent_view``)."""
        view: dict[str, Any] = self.handle(cmd.DesktopView(agent_id))
        return view

    def panel(self) -> list[dict[str, Any]]:
        """Every agent's and every monitored line's state for the transfer panel (``live.panel_view``)."""
        entries: list[dict[str, Any]] = self.handle(cmd.Panel())
        return entries

    # == the PBX's events as calls (shorthand for ``on_pbx``, at the present time) ==================
    def call_arrived(self, call_id: str, caller: str, dialled: str, queue_id: int | None = None) -> None:
        calls.call_arrived(self, call_id, caller, dialled, queue_id)

    def call_answered(self, call_id: str, agent_id: int) -> None:
        self.handle(pbx.PhonePickedUp(self.now(), call_id, agent_id))

    def call_ended(self, call_id: str, cause: str = "normal") -> None:
        """Either party hung up; before an answer that is an abandon at the call's stage."""
        self.handle(pbx.CallHungUpAtPbx(self.now(), call_id, cause))

    def call_held(self, call_id: str, held: bool) -> None:
        self.handle(pbx.CallHeldAtPbx(self.now(), call_id, held))

    # == commands (shorthand for ``handle``) ========================================================
    def log_in(self, agent_id: int) -> None:
        self.handle(cmd.LogIn(agent_id))

    def log_out(self, agent_id: int) -> None:
        self.handle(cmd.LogOut(agent_id))

    def ready(self, agent_id: int) -> None:
        self.handle(cmd.Ready(agent_id))

    def pause(self, agent_id: int, code: str) -> None:
        self.handle(cmd.Pause(agent_id, code))

    def extend_wrap_up(self, agent_id: int, seconds: int) -> None:
        self.handle(cmd.ExtendWrapUp(agent_id, seconds))

    def sign_in(self, agent_id: int, queue_id: int, *, by_supervisor: bool = False) -> None:
        if by_supervisor:  # even into a queue locked for the agent (as ``SupervisorSignIn`` does)
            return agents.sign_in(self, agent_id, queue_id, by_supervisor=True)
        self.handle(cmd.SignIn(agent_id, queue_id))

    def sign_out(self, agent_id: int, queue_id: int, *, by_supervisor: bool = False) -> None:
        if by_supervisor:
            return agents.sign_out(self, agent_id, queue_id, by_supervisor=True)
        self.handle(cmd.SignOut(agent_id, queue_id))

    def transfer(self, call_id: str, kind: str, target: str) -> None:
        """The agent's blind transfer (IN-16): to a queue re-queues the call, else the PBX takes it."""
        self.handle(cmd.Transfer(call_id, kind, target))

    def answer_call(self, agent_id: int, call_id: str) -> None:
        self.handle(cmd.Answer(agent_id, call_id))

    def hang_up_call(self, agent_id: int, call_id: str) -> None:
        self.handle(cmd.HangUp(agent_id, call_id))

    def hold_call(self, agent_id: int, call_id: str, held: bool = True) -> None:
        self.handle(cmd.Hold(agent_id, call_id, held))

    def consult(self, agent_id: int, call_id: str, target: str) -> None:
        self.handle(cmd.Consult(agent_id, call_id, target))

    def end_consultation(self, agent_id: int, call_id: str) -> None:
        self.handle(cmd.EndConsultation(agent_id, call_id))

    def complete_transfer(self, agent_id: int, call_id: str) -> None:
        self.handle(cmd.CompleteTransfer(agent_id, call_id))

    def conference(self, agent_id: int, call_id: str) -> None:
        self.handle(cmd.Conference(agent_id, call_id))

    def blind_transfer(self, agent_id: int, call_id: str, target: str) -> None:
        self.handle(cmd.BlindTransfer(agent_id, call_id, target))

    def dial(self, agent_id: int, number: str, entry_id: int | None = None) -> str:
        return str(self.handle(cmd.Dial(agent_id, number, entry_id)))

    def use_device(self, agent_id: int, device: str) -> None:
        self.handle(cmd.UseDevice(agent_id, device))

    def set_recording(self, agent_id: int, call_id: str, record: bool) -> None:
        self.handle(cmd.SetRecording(agent_id, call_id, record))

    def request_callback(
        self, caller: str, queue_id: int, preferred_at: datetime | None = None, note: str = ""
    ) -> str:
        return str(self.handle(cmd.RequestCallback(caller, queue_id, preferred_at, note)))

    def assign_callback(self, callback_id: str, agent_id: int) -> None:
        self.handle(cmd.AssignCallback(callback_id, agent_id))

    def dial_callback(self, callback_id: str, agent_id: int) -> str:
        return str(self.handle(cmd.DialCallback(callback_id, agent_id)))

    def callback_done(self, callback_id: str, agent_id: int, note: str = "") -> None:
        self.handle(cmd.CallbackDone(callback_id, agent_id, note))

    def cancel_callback(self, callback_id: str, agent_id: int, reason: str = "") -> None:
        self.handle(cmd.CancelCallback(callback_id, agent_id, reason))

    def monitor(self, supervisor_id: int, call_id: str, mode: str) -> None:
        self.handle(cmd.Monitor(supervisor_id, call_id, mode))

    def stop_monitor(self, supervisor_id: int, call_id: str) -> None:
        self.handle(cmd.StopMonitor(supervisor_id, call_id))

    def force_pause(self, supervisor_id: int, agent_id: int, code: str) -> bool:
        return bool(self.handle(cmd.ForcePause(supervisor_id, agent_id, code)))

    def force_log_out(self, supervisor_id: int, agent_id: int) -> bool:
        return bool(self.handle(cmd.ForceLogOut(supervisor_id, agent_id)))

    def supervisor_sign_in(self, supervisor_id: int, agent_id: int, queue_id: int) -> None:
        self.handle(cmd.SupervisorSignIn(supervisor_id, agent_id, queue_id))

    def supervisor_sign_out(self, supervisor_id: int, agent_id: int, queue_id: int) -> None:
        self.handle(cmd.SupervisorSignOut(supervisor_id, agent_id, queue_id))
