"""Who is an agent and who a supervisor: from the users, their workplace groups' roles and their
skills, the one place that says it (the engine's agents, the desktop's "not an agent" page, the
supervisors on the transfer panel)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import attrs

from kc_domain.identity.model import User
from kc_domain.identity.roles import Role
from kc_domain.organisation.model import AgentGroup, AgentSkill


@attrs.frozen
class Staff:
    users: tuple[User, ...]
    group_roles: Mapping[int, frozenset[Role]]
    skills: Mapping[int, tuple[AgentSkill, ...]]  # user id -> the user's skills

    @classmethod
    def of(cls, users: Iterable[User], groups: Iterable[AgentGroup], skills: Iterable[AgentSkill]) -> Staff:
        by_user: dict[int, list[AgentSkill]] = {}
        for skill in skills:
            by_user.setdefault(skill.user_id, []).append(skill)
        return cls(
            tuple(users),
            {g.id: g.roles for g in groups if g.id is not None},
            {user_id: tuple(found) for user_id, found in by_user.items()},
        )

    def roles_of(self, user: User) -> frozenset[Role]:
        """The user's own roles and the workplace group's."""
        group = self.group_roles.get(user.group_id, frozenset()) if user.group_id is not None else frozenset()
        return user.roles | group

    def skills_of(self, user: User) -> tuple[AgentSkill, ...]:
        return self.skills.get(user.id, ()) if user.id is not None else ()

    def takes_calls(self, user: User) -> bool:
        """Whether the routing engine knows the user as an agent: active, with the agent role (own or
        the group's) or with a skill in some queue."""
        return user.takes_calls(self.roles_of(user), bool(self.skills_of(user)))

    def agents(self) -> list[User]:
        return [u for u in self.users if self.takes_calls(u)]

    def supervisors(self) -> list[User]:
        """Active users with the supervisor role (own or the group's)."""
        return [u for u in self.users if u.active and Role.SUPERVISOR in self.roles_of(u)]

    def supervisors_on_lines(self) -> list[User]:
        """Active supervisors with an extension, whom agents may consult or transfer to (IN-15)."""
        return [u for u in self.supervisors() if u.agent_number]
