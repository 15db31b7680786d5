"""Which queues and agents a user may see (SEC-04, GEN-06, ADM-06): one rule for every page."""

from __future__ import annotations

import pytest

from kc_domain.identity.model import User
from kc_domain.identity.roles import Permission, Role, permissions_of
from kc_domain.identity.sight import NOTHING, Sight, granted, sight_of
from kc_domain.organisation.model import AgentSkill, ReportAccessFilter

pytestmark = pytest.mark.req("SEC-04", "GEN-06", "ADM-06")

KKC, AS = 1, 2
GENERAL, ASSIST = 10, 20


def user(user_id: int, group: int | None, *roles: Role, filters: frozenset[int] = frozenset()) -> User:
    return User(
        f"u{user_id}", f"U {user_id}", frozenset(roles), group_id=group, report_filter_ids=filters, id=user_id
    )


USERS = [
    user(1, KKC, Role.AGENT),
    user(2, KKC, Role.AGENT),
    user(3, AS, Role.AGENT),
    user(9, KKC, Role.SUPERVISOR),
]
SKILLS = [AgentSkill(1, GENERAL), AgentSkill(3, ASSIST), AgentSkill(3, GENERAL)]
FILTERS = [
    ReportAccessFilter("KKC", queue_ids=frozenset({GENERAL}), group_ids=frozenset({KKC}), id=100),
    ReportAccessFilter("all", id=101),
    ReportAccessFilter("AS queue", queue_ids=frozenset({ASSIST}), id=102),
]


def sight(who: User) -> Sight:
    return sight_of(who, permissions_of(who.roles), users=USERS, skills=SKILLS, filters=FILTERS)


def test_an_agent_sees_her_skill_queues_herself_and_her_group() -> None:
    seen = sight(USERS[0])
    assert seen == Sight(frozenset({GENERAL}), frozenset({1, 2, 9}))
    assert seen.sees_call(GENERAL, [3]) and seen.sees_call(ASSIST, [2]) and seen.sees_call(None, [1])
    assert not seen.sees_call(ASSIST, [3]) and not seen.sees_queue(ASSIST) and not seen.sees_agent(3)


def test_a_supervisor_sees_what_the_report_access_filters_grant() -> None:
    assert sight(USERS[3]) == Sight() and Sight().sees_call(ASSIST, [3])  # no filter: everything
    limited = user(9, KKC, Role.SUPERVISOR, filters=frozenset({100}))
    assert sight(limited) == Sight(frozenset({GENERAL}), frozenset({1, 2, 9}))
    assert not sight(limited).sees_call(ASSIST, [3])
    both = user(9, KKC, Role.SUPERVISOR, filters=frozenset({100, 102}))  # they add up; no group: any agent
    assert sight(both) == Sight(frozenset({GENERAL, ASSIST}), None)
    assert granted(both, FILTERS) == (frozenset(), frozenset({GENERAL, ASSIST}), frozenset())


def test_no_desktop_and_no_report_rights_sees_by_filters_and_nobody_sees_nothing() -> None:
    listener = user(5, None, Role.LISTEN_RECORDING, filters=frozenset({102}))
    assert sight(listener) == Sight(frozenset({ASSIST}), None)
    assert not NOTHING.sees_call(GENERAL, [1]) and not NOTHING.sees_queue(GENERAL)
    assert Permission.BROWSE_CLIENTS in permissions_of({Role.ADMIN})
    assert Permission.BROWSE_CLIENTS not in permissions_of(set(Role) - {Role.ADMIN})
