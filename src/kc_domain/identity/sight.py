"""Which queues and agents a user may see (SEC-04, GEN-06, ADM-06): one answer for every page and API
that shows data of queues, agents or their calls, so that the report-access filters and an agent's
groups and queues hold everywhere, not only under the reports.

- With report rights (``view_reports``) or the supervisor's right (``supervise``): the queues and
  the agents of the groups named by the report-access filters assigned to the account (several add
  up; a filter leaving queues or groups empty leaves that side open; no filter: everything).
- An agent (the desktop, without those rights): the queues she has a skill in, and herself and the
  agents of her workplace group, whatever else she may do (listen to recordings, return calls).
- An account without the desktop (e.g. one only for listening to recordings): its report-access
  filters, like a supervisor; which pages it opens at all its permissions decide.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs

from kc_domain.identity.model import User
from kc_domain.identity.roles import Permission
from kc_domain.organisation.model import AgentSkill, ReportAccessFilter


@attrs.frozen
class Sight:
    """``None`` on a side: no limit there; a set: only those ids."""

    queue_ids: frozenset[int] | None = None
    agent_ids: frozenset[int] | None = None

    @property
    def everything(self) -> bool:
        return self.queue_ids is None and self.agent_ids is None

    def sees_queue(self, queue_id: int | None) -> bool:
        return self.queue_ids is None or queue_id in self.queue_ids

    def sees_agent(self, agent_id: int | None) -> bool:
        return self.agent_ids is None or agent_id in self.agent_ids

    def sees_call(self, queue_id: int | None, agent_ids: Iterable[int | None]) -> bool:
        """A call is seen through its queue or through one of its agents, on each side that is
        limited; with no limit at all, every call."""
        if self.everything:
            return True
        by_queue = self.queue_ids is not None and queue_id in self.queue_ids
        by_agent = self.agent_ids is not None and any(a in self.agent_ids for a in agent_ids)
        return by_queue or by_agent

    def queues_within(self, wanted: Iterable[int]) -> frozenset[int] | None:
        """The queues to show for ``wanted`` (empty: all that may be seen; None: no limit); a
        wanted queue outside the sight is for the caller to refuse (``sees_queue``)."""
        chosen = frozenset(wanted)
        return chosen or self.queue_ids


NOTHING = Sight(frozenset(), frozenset())


def sight_of(
    user: User,
    permissions: frozenset[Permission],
    *,
    users: Iterable[User],
    skills: Iterable[AgentSkill],
    filters: Iterable[ReportAccessFilter],
) -> Sight:
    """What ``user`` (holding ``permissions``) may see; see the module's description."""
    explicit = Permission.VIEW_REPORTS in permissions or Permission.SUPERVISE in permissions
    if explicit or Permission.AGENT_DESKTOP not in permissions:
        _reports, queues, groups = granted(user, filters)
        agents = frozenset(u.id for u in users if u.id is not None and u.group_id in groups)
        return Sight(queues or None, agents if groups else None)
    queues = frozenset(s.queue_id for s in skills if s.user_id == user.id)
    colleagues = {
        u.id for u in users if u.id is not None and user.group_id is not None and u.group_id == user.group_id
    }
    return Sight(queues, frozenset(colleagues | ({user.id} if user.id is not None else set())))


def granted(
    user: User, filters: Iterable[ReportAccessFilter]
) -> tuple[frozenset[str], frozenset[int], frozenset[int]]:
    """The reports, queues and groups the report-access filters assigned to ``user`` grant (ADM-06):
    several add up, and an empty set (of a filter, or no filter at all) means all. The reports'
    ``Scope`` and the ``Sight`` of every other page are both made from this."""
    mine = [f for f in filters if f.id in user.report_filter_ids]

    def union(sets: list[frozenset[Any]]) -> frozenset[Any]:
        return frozenset() if not sets or any(not s for s in sets) else frozenset().union(*sets)

    return (
        union([f.reports for f in mine]),
        union([f.queue_ids for f in mine]),
        union([f.group_ids for f in mine]),
    )
