"""A repository over one mapped entity class, inside the unit of work's session."""

from __future__ import annotations

from typing import Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kc_domain.errors import Conflict

T = TypeVar("T")


class SqlRepository(Generic[T]):
    """Same behaviour as ``MemoryRepository``: ``add`` gives an id at once, ``list`` is id-ordered.

    Every write is flushed straight away, so statements reach the database in the order the domain
    made them. Without ORM relationships the session cannot order inserts and deletes of different
    tables by their foreign keys; flushing as we go keeps a valid order (e.g. clear a group's members,
    then delete the group) without it.
    """

    def __init__(self, session: Session, cls: type[T]) -> None:
        self._session, self._cls = session, cls
        self._id = sa.inspect(cls).primary_key[0]

    def add(self, entity: T) -> T:
        state = sa.inspect(entity)
        if not state.transient:
            raise ValueError(f"{entity!r} is already stored; add() takes new entities only")
        # Like the memory adapter, the store (not the caller) chooses the id.
        entity.id = None  # type: ignore[attr-defined]
        self._session.add(entity)
        _flush(self._session)
        return entity

    def get(self, entity_id: int) -> T | None:
        return self._session.get(self._cls, entity_id)

    def list(self) -> list[T]:
        return list(self._session.scalars(sa.select(self._cls).order_by(self._id)))

    def delete(self, entity: T) -> None:
        entity_id = entity.id  # type: ignore[attr-defined]
        # Look the row up by id, as the memory adapter does: works for a stale copy, is a no-op
        # for something already gone, and never attaches a second object with the same identity.
        current = None if entity_id is None else self._session.get(self._cls, entity_id)
        if current is None:
            return
        _flush(self._session)
        self._session.delete(current)
        _flush(self._session)


def _flush(session: Session) -> None:
    """A unique key taken by a concurrent unit surfaces as the domain's Conflict, not a driver error."""
    try:
        session.flush()
    except IntegrityError as error:
        raise Conflict(str(error.orig)) from error
