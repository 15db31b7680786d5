"""Callback requests in SQL with Core statements: a small explicit row <-> entity mapping.

``CallbackRequest`` has a string id and a mutable list of attempts, and its one writer (the engine)
keeps the live objects in memory; so the repository never attaches them to the session. ``get``
builds a fresh entity from the row, ``save`` writes the entity's current values (insert or update).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kc_domain.callbacks.model import (
    ACTIVE_STATES,
    Attempt,
    AttemptOutcome,
    CallbackRequest,
    CallbackSource,
    CallbackState,
)
from kc_domain.errors import Conflict

from .tables import callbacks

_ACTIVE = sorted(s.value for s in ACTIVE_STATES)


class SqlCallbackRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, callback_id: str) -> CallbackRequest | None:
        row = self._session.execute(sa.select(callbacks).where(callbacks.c.id == callback_id)).first()
        return None if row is None else request_of(row._mapping)

    def save(self, request: CallbackRequest) -> None:
        values = row_of(request)
        try:
            # A savepoint keeps the unit usable after a refused write (e.g. an unknown queue).
            with self._session.begin_nested():
                updated = self._session.execute(
                    sa.update(callbacks).where(callbacks.c.id == request.id).values(values)
                )
                if not getattr(updated, "rowcount", 0):
                    self._session.execute(sa.insert(callbacks).values(id=request.id, **values))
        except IntegrityError as error:
            raise Conflict(str(error.orig)) from error

    def active(self) -> list[CallbackRequest]:
        return self._active(sa.true(), None)

    def search(
        self,
        *,
        states: Collection[CallbackState] | None = None,
        queue_ids: Collection[int] | None = None,
        agent_id: int | None = None,
        since: datetime | None = None,
        limit: int = 500,
    ) -> list[CallbackRequest]:
        c = callbacks.c
        conditions: list[Any] = []
        if states is not None:
            conditions.append(c.state.in_(sorted(CallbackState(s).value for s in states)))
        if queue_ids is not None:
            conditions.append(c.queue_id.in_(sorted(queue_ids)))
        if agent_id is not None:
            conditions.append(c.agent_id == agent_id)
        if since is not None:
            conditions.append(c.created_at >= since)
        where = sa.and_(sa.true(), *conditions)
        found = self._active(where, limit)
        if len(found) < limit:
            finished = (
                sa.select(callbacks)
                .where(where, c.state.not_in(_ACTIVE))
                .order_by(sa.func.coalesce(c.closed_at, c.created_at).desc(), c.id)
                .limit(limit - len(found))
            )
            found += [request_of(r._mapping) for r in self._session.execute(finished)]
        return found

    def _active(self, where: Any, limit: int | None) -> list[CallbackRequest]:
        c = callbacks.c
        query = (
            sa.select(callbacks)
            .where(where, c.state.in_(_ACTIVE))
            .order_by(c.joined_at, c.seq, c.id)
            .limit(limit)
        )
        return [request_of(r._mapping) for r in self._session.execute(query)]


def row_of(request: CallbackRequest) -> dict[str, Any]:
    """Every column but the id, from the entity."""
    return {
        "caller": request.caller,
        "queue_id": request.queue_id,
        "created_at": request.created_at,
        "joined_at": request.joined_at,
        "seq": request.seq,
        "source": request.source,
        "preferred_at": request.preferred_at,
        "call_id": request.call_id,
        "client_ids": list(request.client_ids),
        "state": request.state,
        "agent_id": request.agent_id,
        "attempts": [_attempt_plain(a) for a in request.attempts],
        "max_attempts": request.max_attempts,
        "retry_after_s": request.retry_after_s,
        "next_try_at": request.next_try_at,
        "note": request.note,
        "closed_at": request.closed_at,
        "cancel_reason": request.cancel_reason,
    }


def request_of(row: Any) -> CallbackRequest:
    """The entity from a row mapping (the column types already give aware datetimes and enums)."""
    return CallbackRequest(
        id=row["id"],
        caller=row["caller"],
        queue_id=row["queue_id"],
        created_at=row["created_at"],
        joined_at=row["joined_at"],
        seq=row["seq"],
        source=CallbackSource(row["source"]),
        preferred_at=row["preferred_at"],
        call_id=row["call_id"],
        client_ids=tuple(str(c) for c in row["client_ids"]),
        state=CallbackState(row["state"]),
        agent_id=row["agent_id"],
        attempts=[_attempt(a) for a in row["attempts"]],
        max_attempts=row["max_attempts"],
        retry_after_s=row["retry_after_s"],
        next_try_at=row["next_try_at"],
        note=row["note"],
        closed_at=row["closed_at"],
        cancel_reason=row["cancel_reason"],
    )


def _attempt_plain(attempt: Attempt) -> dict[str, Any]:
    return {
        "at": attempt.at.astimezone(UTC).isoformat(),
        "agent_id": attempt.agent_id,
        "outcome": attempt.outcome.value,
        "note": attempt.note,
    }


def _attempt(plain: dict[str, Any]) -> Attempt:
    return Attempt(
        datetime.fromisoformat(plain["at"]).astimezone(UTC),
        int(plain["agent_id"]),
        AttemptOutcome(plain["outcome"]),
        str(plain.get("note", "")),
    )
