"""Which queues and agents the signed-in user may see (SEC-04, GEN-06, ADM-06), for every page and API
that shows data of queues, agents or their calls: ``kc_domain.identity.sight`` decides, this module
loads what it needs once per request and refuses (403, audited) a queue or an agent asked for
outside the sight."""

from __future__ import annotations

from collections.abc import Iterable

from flask import abort, g

from apps.web.security import audit_denied, current_user
from apps.web.services import Services, services
from kc_domain.identity.roles import Permission
from kc_domain.identity.sight import NOTHING, Sight, sight_of


def sight() -> Sight:
    """The signed-in user's sight (nothing for nobody), computed once per request."""
    found: Sight | None = g.get("kc_sight")
    if found is None:
        user = current_user()
        found = NOTHING if user is None else user_sight(services(), user.user_id, user.permissions)
        g.kc_sight = found
    return found


def user_sight(kc: Services, user_id: int, permissions: frozenset[Permission]) -> Sight:
    with kc.uow_factory()() as uow:
        user = uow.users.get(user_id)
        if user is None:
            return NOTHING
        return sight_of(
            user,
            permissions,
            users=uow.users.list(),
            skills=uow.skills.list(),
            filters=uow.report_filters.list(),
        )


def refuse() -> None:
    """403 for data outside the sight, audited as a forbidden page."""
    user = current_user()
    if user is not None:
        audit_denied(user)
    abort(403)


def visible_queues(wanted: Iterable[int]) -> frozenset[int] | None:
    """The queues to show: the wanted ones (403 for one outside the sight), or, none wanted, every
    queue the user may see (None: no limit)."""
    seen = sight()
    chosen = frozenset(wanted)
    if not all(seen.sees_queue(q) for q in chosen):
        refuse()
    return seen.queues_within(chosen)


def queue_list(wanted: Iterable[int]) -> list[int] | None:
    """``visible_queues`` for the journal's and repositories' queue filters, where an empty list means
    every queue: the queues to ask for (empty: no limit), or None when no queue may be seen."""
    seen = visible_queues(wanted)
    if seen is None:
        return []
    return sorted(seen) or None


def check_agent(agent_id: int | None) -> None:
    """403 for an agent outside the sight (None: none asked for)."""
    if agent_id is not None and not sight().sees_agent(agent_id):
        refuse()


def check_queue(queue_id: int | None) -> None:
    """403 for a queue outside the sight (None: none asked for)."""
    if queue_id is not None and not sight().sees_queue(queue_id):
        refuse()


class SocketSight:
    """The sight of a live socket's user (``apps.web.live``): computed at the handshake, and again by
    ``refresh``, a check the socket makes every few seconds with the session's, so that a changed
    report-access filter, group or skill applies to a page left open. ``refresh`` never closes the
    socket (the session's and the route's checks do that); it raises when the database is away,
    which closes it as every failed check does."""

    def __init__(self) -> None:
        self._kc = services()
        self._user = current_user()
        self.now = sight()

    def refresh(self) -> None:
        user = self._user
        self.now = NOTHING if user is None else user_sight(self._kc, user.user_id, user.permissions)
