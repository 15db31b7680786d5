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


# -- the supervisor's live view (issue 16) -------------------------------------------------------------
def queue_entry(queue_id: int, waiting: int, answered: int) -> dict[str, object]:
    today = {"offered": answered, "answered": answered, "answered_in_sl": answered, "lost": 0}
    return {
        "queue_id": queue_id,
        "name": f"q{queue_id}",
        "waiting": waiting,
        "longest_wait_s": 10.0 * waiting,
        "callbacks_waiting": 1,
        "agents": {"ready": 1},
        "today": {**today, "overflowed": 0, "service_level": 1.0, "asa_s": 5.0, "hours": []},
    }


def agent_entry(agent_id: int, queues: list[int], call_queue: int | None = None) -> dict[str, object]:
    call = None if call_queue is None else {"call_id": f"c{agent_id}", "queue_id": call_queue}
    return {
        "agent_id": agent_id,
        "name": f"U {agent_id}",
        "state": "busy" if call else "ready",
        "call_id": call["call_id"] if call else None,
        "call": call,
        "queues": queues,
    }


LIVE = {
    "at": "2026-11-23T09:00:00+00:00",
    "queues": [queue_entry(GENERAL, 2, 3), queue_entry(ASSIST, 5, 7)],
    "total": {"waiting": 7},
    "agents": [agent_entry(1, [GENERAL], GENERAL), agent_entry(3, [ASSIST, GENERAL], ASSIST)],
    "alerts": [
        {"id": 1, "subject": f"queue:{ASSIST}", "queue_id": ASSIST, "agent_id": None},
        {"id": 2, "subject": f"queue:{GENERAL}", "queue_id": GENERAL, "agent_id": None},
        {"id": 3, "subject": "agent:3", "queue_id": None, "agent_id": 3},
        {"id": 4, "subject": "agent:1", "queue_id": ASSIST, "agent_id": 1},
    ],
}


@pytest.mark.req("SEC-04", "ADM-06")
def test_a_supervisor_limited_to_kkc_gets_its_queues_agents_and_alerts_and_their_sum():
    from kc_domain.supervision.sighted import supervisor_view

    shown = supervisor_view(LIVE, Sight(frozenset({GENERAL}), frozenset({1, 2, 9})))

    assert [q["queue_id"] for q in shown["queues"]] == [GENERAL]
    assert [a["agent_id"] for a in shown["agents"]] == [1]
    assert [a["id"] for a in shown["alerts"]] == [2, 4]  # an agent's alert goes with the agent
    assert shown["total"]["waiting"] == 2 and shown["total"]["today"]["answered"] == 3
    assert shown["total"]["agents"] == {"busy": 1}
    assert supervisor_view(LIVE, Sight()) == LIVE  # no limit: the view as it is


@pytest.mark.req("SEC-04", "ADM-06")
def test_with_only_queues_limited_a_call_of_another_queue_and_its_queue_are_hidden():
    from kc_domain.supervision.sighted import supervisor_view

    shown = supervisor_view(LIVE, Sight(frozenset({GENERAL}), None))

    by_id = {a["agent_id"]: a for a in shown["agents"]}
    assert set(by_id) == {1, 3}  # the agent side is open
    assert by_id[3]["call"] is None and by_id[3]["call_id"] is None and by_id[3]["queues"] == [GENERAL]
    assert by_id[1]["call"] == {"call_id": "c1", "queue_id": GENERAL}
