"""Build a RoutingEngine from the administered configuration (queues, agents, skills)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from apps.container import Container
from kc_domain.identity.roles import Role
from kc_domain.routing.agent import Agent, Skill
from kc_domain.routing.config import QueueRouting
from kc_domain.routing.engine import RoutingEngine
from kc_domain.routing.rules import CallerRule
from kc_ports.system import Clock
from kc_ports.telephony import CallControl


def agents_of(container: Container) -> list[Agent]:
    """Every active user with the agent role (own or from the group) or with a skill in some queue."""
    admin = container.admin()
    group_roles = {g.id: g.roles for g in admin.list("group")}
    skills = admin.list("skill")
    agents = []
    for user in admin.list("user"):
        roles = user.roles | group_roles.get(user.group_id, frozenset())
        own = [s for s in skills if s.user_id == user.id]
        if not user.active or not (own or Role.AGENT in roles):
            continue
        agents.append(
            Agent(
                user.id,
                user.full_name,
                {s.queue_id: Skill(s.level, s.priority) for s in own},
                frozenset(s.queue_id for s in own if s.sign_in_locked),
            )
        )
    return agents


def caller_rules_of(container: Container) -> list[CallerRule]:
    """The active caller rules in their order, as the engine applies them (IN-02)."""
    active = [r for r in container.admin().list("caller_rule") if r.active]
    return [
        CallerRule(
            r.name, r.numbers, tuple(sorted(r.prefixes)), r.statuses, r.priority or None, r.queue_id, r.block
        )
        for r in sorted(active, key=lambda r: (r.position, r.id))
    ]


def build_engine(
    container: Container, pbx: CallControl, clock: Clock | None = None, *, record_events: bool = True
) -> RoutingEngine:
    queues = [QueueRouting.of(q) for q in container.admin().list("queue") if q.active]
    return RoutingEngine(
        clock or container.clock(),
        queues,
        agents_of(container),
        pbx,
        rules=caller_rules_of(container),
        holidays=container.holidays(),
        zone=ZoneInfo(container.settings().timezone),
        record_events=record_events,
    )
