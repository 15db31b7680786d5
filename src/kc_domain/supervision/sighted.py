"""What a supervisor sees of the live view (RT-01, RT-06; SEC-04, ADM-06): the queues and agents of
her ``Sight``, the calls of those agents she may see, the alerts concerning them, and the total of
the queues shown (not of the whole centre, which would tell the figures of queues she may not see).

Pure: the caller passes the engine's live view (``kc_domain.messages.LiveView``) and the sight;
the result has the view's wire shape, so the page draws it as it is.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from kc_domain.identity.sight import Sight
from kc_domain.messages import LiveView
from kc_domain.supervision.wallboards import sum_today, today_figures


def sees_alert(sight: Sight, queue_id: int | None, agent_id: int | None) -> bool:
    """An agent's alert is seen with the agent, a queue's alert with the queue."""
    return sight.sees_agent(agent_id) if agent_id is not None else sight.sees_queue(queue_id)


def supervisor_view(live: LiveView | Mapping[str, Any], sight: Sight) -> dict[str, Any]:
    """``live`` (or its wire form) narrowed to ``sight``, in the view's wire form (the view itself
    when the sight has no limit)."""
    view = live.to_wire() if isinstance(live, LiveView) else live
    if sight.everything:
        return dict(view)
    queues = [q for q in view.get("queues", ()) if sight.sees_queue(q.get("queue_id"))]
    agents = [_agent(a, sight) for a in view.get("agents", ()) if sight.sees_agent(a.get("agent_id"))]
    alerts = [a for a in view.get("alerts", ()) if sees_alert(sight, a.get("queue_id"), a.get("agent_id"))]
    campaigns = [c for c in view.get("campaigns", ()) if sight.sees_queue(c.get("queue_id"))]
    narrowed = {"queues": queues, "agents": agents, "alerts": alerts, "campaigns": campaigns}
    return {**view, **narrowed, "total": _total(queues, agents)}


def _agent(agent: Mapping[str, Any], sight: Sight) -> dict[str, Any]:
    """The agent with only the queues she is signed into that may be seen, and her call only when it
    may be seen (through its queue or through her)."""
    call = agent.get("call")
    hidden = call is not None and not sight.sees_call(call.get("queue_id"), [agent.get("agent_id")])
    return {
        **agent,
        "queues": [q for q in agent.get("queues", ()) if sight.sees_queue(q)],
        **({"call": None, "call_id": None} if hidden else {}),
    }


def _total(queues: Sequence[Mapping[str, Any]], agents: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The sum of the queues shown, as the engine sums all of them; agents by state are those shown
    and signed into a queue shown."""
    states = Counter(a["state"] for a in agents if a.get("state") != "logged_out" and a["queues"])
    return {
        "waiting": sum(int(q.get("waiting", 0)) for q in queues),
        "longest_wait_s": max((float(q.get("longest_wait_s", 0.0)) for q in queues), default=0.0),
        "callbacks_waiting": sum(int(q.get("callbacks_waiting", 0)) for q in queues),
        "agents": dict(states),
        "today": sum_today([today_figures(q.get("today") or {}) for q in queues]),
    }
