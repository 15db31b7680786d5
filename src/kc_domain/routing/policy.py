"""Which ready agent gets a call: pluggable strategies per queue, each explaining its choice."""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import attrs

from kc_domain.organisation.model import RoutingStrategy
from kc_domain.routing.agent import Agent

Strategy = RoutingStrategy


@attrs.frozen
class Candidate:
    agent_id: int
    level: int
    priority: int
    idle_s: float
    talk_s: float


@attrs.frozen
class Decision:
    """Why a call went to an agent: the rule, who was considered, and why the winner won."""

    call_id: str
    at: datetime
    queue_id: int
    rule: str  # e.g. "sticky", "skill_first", "longest_idle"
    chosen: int
    candidates: tuple[Candidate, ...]
    reason: str


def decision_to_plain(decision: Decision) -> dict[str, object]:
    """The decision as JSON-safe data (its time as ISO 8601)."""
    return {**attrs.asdict(decision), "at": decision.at.isoformat()}


def decision_from_plain(data: dict[str, Any]) -> Decision:
    """Inverse of ``decision_to_plain``; also takes a stored row's fields (``at`` a datetime)."""
    at = data["at"] if isinstance(data["at"], datetime) else datetime.fromisoformat(data["at"])
    candidates = tuple(Candidate(**c) for c in data["candidates"])
    return Decision(
        data["call_id"], at, data["queue_id"], data["rule"], data["chosen"], candidates, data["reason"]
    )


def candidate(agent: Agent, queue_id: int, now: datetime) -> Candidate:
    skill = agent.skills[queue_id]
    idle_since = agent.idle_since or agent.since or now
    return Candidate(
        agent.agent_id, skill.level, skill.priority, (now - idle_since).total_seconds(), agent.talk_s
    )


def rank_key(strategy: Strategy, c: Candidate, last_served: int = -1) -> tuple[float, ...]:
    """Smaller is better; the agent id ends every key so that ties are resolved deterministically."""
    if strategy == Strategy.SKILL_FIRST:
        return (-c.level, c.priority, -c.idle_s, c.agent_id)
    if strategy == Strategy.LONGEST_IDLE:
        return (-c.idle_s, c.agent_id)
    if strategy == Strategy.LEAST_OCCUPIED:
        return (c.talk_s, -c.idle_s, c.agent_id)
    # round robin: the next agent id after the one served last, wrapping around
    return (0 if c.agent_id > last_served else 1, c.agent_id)


def choose(strategy: Strategy, candidates: Iterable[Candidate], last_served: int = -1) -> Candidate | None:
    return min(candidates, key=lambda c: rank_key(strategy, c, last_served), default=None)


SHOWN = 10
"""How many of the best candidates a decision keeps: enough to explain it, cheap with 1,000 ready."""


def shortlist(
    strategy: Strategy, agents: Iterable[Agent], queue_id: int, now: datetime, last_served: int = -1
) -> list[Candidate]:
    """The best ready agents for a call, best first: the same order as ``rank_key``, computed from
    the agents directly (an idle-since instant orders like minus the idle time) so that only the
    shortlisted few become Candidate values."""

    def key(agent: Agent) -> tuple[object, ...]:
        idle_since = agent.idle_since or agent.since or now
        if strategy == Strategy.SKILL_FIRST:
            skill = agent.skills[queue_id]
            return (-skill.level, skill.priority, idle_since, agent.agent_id)
        if strategy == Strategy.LONGEST_IDLE:
            return (idle_since, agent.agent_id)
        if strategy == Strategy.LEAST_OCCUPIED:
            return (agent.talk_s, idle_since, agent.agent_id)
        return (0 if agent.agent_id > last_served else 1, agent.agent_id)

    return [candidate(a, queue_id, now) for a in heapq.nsmallest(SHOWN, agents, key=key)]


def explain(strategy: Strategy, winner: Candidate, others: int) -> str:
    reasons = {
        Strategy.SKILL_FIRST: f"level {winner.level}, priority {winner.priority}, idle {winner.idle_s:.0f} s",
        Strategy.LONGEST_IDLE: f"idle longest ({winner.idle_s:.0f} s)",
        Strategy.LEAST_OCCUPIED: f"least talk time today ({winner.talk_s:.0f} s)",
        Strategy.ROUND_ROBIN: "next in turn",
    }
    return f"{reasons[strategy]}; best of {others + 1} ready agent(s)"
