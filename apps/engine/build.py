"""Build a RoutingEngine from the administered configuration (queues, agents, skills, caller rules,
IVR trees and their numbers, general announcements) and the open callback requests, and read that
configuration again while it runs (``reload_configuration``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from apps.container import Container
from kc_domain.callbacks.model import CallbackRequest
from kc_domain.identity.staff import Staff
from kc_domain.ivr.model import Prompt
from kc_domain.organisation.model import Announcement
from kc_domain.routing.agent import Agent, Skill
from kc_domain.routing.commands import Reconfigure
from kc_domain.routing.config import IvrDirectory, QueueRouting
from kc_domain.routing.engine import RoutingEngine
from kc_domain.routing.rules import CallerRule
from kc_ports.system import Clock
from kc_ports.telephony import CallControl


def agents_of(container: Container) -> list[Agent]:
    """Every active user with the agent role (own or from the group) or with a skill in some queue."""
    admin = container.admin()
    staff = Staff.of(admin.list("user"), admin.list("group"), admin.list("skill"))
    agents = []
    for user in staff.agents():
        assert user.id is not None
        own = staff.skills_of(user)
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


def ivr_directory_of(container: Container) -> IvrDirectory:
    """The active version of every IVR tree and the dialled numbers mapped to them (IN-06, ADM-11)."""
    catalogue = container.ivr()
    trees = [v.tree() for name in catalogue.names() if (v := catalogue.active(name)) is not None]
    return IvrDirectory.of(trees, {n.number: n.tree_name for n in catalogue.numbers()})


class GeneralAnnouncements:
    """The active general-problem announcements (IN-20) as last read, for a dialled number: a call
    arriving never waits on the database; ``reload_configuration`` hands the engine a fresh list."""

    def __init__(self, announcements: Iterable[Announcement]) -> None:
        self._items = [a for a in announcements if a.active]

    def __call__(self, dialled: str, at: datetime) -> list[Prompt]:
        return [Prompt(a.text, a.prompt) for a in self._items if a.plays_for(dialled, at)]


def queues_of(container: Container) -> list[QueueRouting]:
    return [QueueRouting.of(q) for q in container.admin().list("queue") if q.active]


def reload_configuration(container: Container) -> Callable[[], Reconfigure]:
    """What the engine host runs every ``reload_s`` seconds: read queues, agents and skills, caller
    rules, IVR trees and announcements into one ``Reconfigure`` message for the running engine
    (ADM-02, ADM-10). The host reads outside the engine's lock (a slow database never holds up a
    call) and hands the message to the engine under it; a failed read leaves the engine as it was."""

    def read() -> Reconfigure:
        return Reconfigure(
            tuple(queues_of(container)),
            tuple(agents_of(container)),
            tuple(caller_rules_of(container)),
            ivr=ivr_directory_of(container),
            general_prompts=GeneralAnnouncements(container.admin().list("announcement")),
        )

    return read


def open_callbacks(container: Container) -> list[CallbackRequest]:
    with container.uow_factory()() as uow:
        found: list[CallbackRequest] = uow.callbacks.active()
    return found


def build_engine(
    container: Container, pbx: CallControl, clock: Clock | None = None, *, record_events: bool = True
) -> RoutingEngine:
    return RoutingEngine(
        clock or container.clock(),
        queues_of(container),
        agents_of(container),
        pbx,
        rules=caller_rules_of(container),
        holidays=container.holidays(),
        zone=ZoneInfo(container.settings().timezone),
        record_events=record_events,
        ivr=ivr_directory_of(container),
        general_prompts=GeneralAnnouncements(container.admin().list("announcement")),
        callbacks=open_callbacks(container),
        record_internal=container.settings().record_internal,
    )
