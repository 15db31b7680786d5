"""Who is an agent and who a supervisor, said once (kc_domain.identity.staff)."""

from __future__ import annotations

import pytest

from kc_domain.identity.model import User
from kc_domain.identity.roles import Role
from kc_domain.identity.staff import Staff
from kc_domain.organisation.model import AgentGroup, AgentSkill

KKC = AgentGroup("KKC", roles={Role.AGENT}, id=1)
VEDENI = AgentGroup("Vedení", roles={Role.SUPERVISOR}, id=2)


def user(user_id: int, *roles: Role, group: int | None = None, active: bool = True, number: str = "") -> User:
    return User(
        f"u{user_id}",
        f"User {user_id}",
        set(roles),
        group_id=group,
        active=active,
        agent_number=number,
        id=user_id,
    )


@pytest.mark.req("ADM-10")
def test_an_agent_by_own_role_by_the_groups_role_or_by_a_skill_and_only_while_active():
    users = [
        user(1, Role.AGENT),
        user(2, Role.WALLBOARD, group=KKC.id),
        user(3, Role.WALLBOARD),  # a skill makes her an agent
        user(4, Role.WALLBOARD),  # nothing makes her one
        user(5, Role.AGENT, active=False),
    ]
    skill = AgentSkill(3, 10)
    staff = Staff.of(users, [KKC, VEDENI], [skill])
    assert [u.id for u in staff.agents()] == [1, 2, 3]
    assert staff.skills_of(users[2]) == (skill,) and staff.skills_of(users[0]) == ()
    assert staff.roles_of(users[1]) == {Role.WALLBOARD, Role.AGENT}


@pytest.mark.req("IN-15")
def test_supervisors_on_lines_are_active_supervisors_with_an_extension_by_own_or_group_role():
    users = [
        user(1, Role.SUPERVISOR, number="2001"),
        user(2, Role.WALLBOARD, group=VEDENI.id, number="2002"),
        user(3, Role.SUPERVISOR),  # no extension to call
        user(4, Role.SUPERVISOR, number="2004", active=False),
        user(5, Role.AGENT, number="2101"),
    ]
    staff = Staff.of(users, [KKC, VEDENI], ())
    assert [u.id for u in staff.supervisors_on_lines()] == [1, 2]
    assert [u.id for u in staff.supervisors()] == [1, 2, 3]  # monitoring needs no extension
