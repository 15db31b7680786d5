"""The agents' desktops as the engine sees them change: each agent's view (``AgentView``, on
``kc.desktop``) when it differs from the one last sent, and the transfer panel's changed entries
(``PanelUpdate``, on ``kc.panel``), both through the host's ``Publisher`` (never under a wait)."""

from __future__ import annotations

from typing import Any

from apps.engine.publisher import Publisher
from kc_domain.messages import AgentView, PanelUpdate
from kc_domain.routing import events as ev
from kc_domain.routing.engine import RoutingEngine
from kc_domain.routing.live import panel_entry

DESKTOP_CHANNEL, PANEL_CHANNEL = "kc.desktop", "kc.panel"  # agents' views (by agent_id); the panel


class Desktops:
    def __init__(self, publisher: Publisher) -> None:
        self._publisher = publisher
        self._sent: dict[int, dict[str, Any]] = {}  # what each agent's desktop was last sent

    def publish(self, engine: RoutingEngine, events: list[ev.Event], everyone: bool = False) -> None:
        """Push the changed agent views to their desktops and the panel when a state changed; only
        agents touched by the events (their own, their calls', their queues') are looked at, or
        ``everyone``'s, sent again whether changed or not (the bus is back after an outage)."""
        if everyone:
            self._sent.clear()
        agents: set[int] = set(engine.agents) if everyone else set()
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
            if self._sent.get(agent_id) != view:
                self._sent[agent_id] = view
                self._publisher.publish(DESKTOP_CHANNEL, AgentView(view).to_wire())
        changed = sorted(
            set(engine.agents)
            if everyone
            else {e.agent_id for e in events if isinstance(e, ev.AgentStateChanged)}
        )
        entries = [panel_entry(engine.agents[a]) for a in changed if a in engine.agents]
        entries += engine.drain_device_changes()
        if entries:  # only what changed: every open desktop gets it, 300 of them in a big centre
            self._publisher.publish(PANEL_CHANNEL, PanelUpdate(entries).to_wire())
