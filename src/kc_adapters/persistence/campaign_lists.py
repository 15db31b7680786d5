"""Campaign lists in SQL (OUT-06, OUT-07): a list's contacts are many (100,000 is a normal list), so
they are written in one multi-row insert, and read a page or a due batch at a time; the entries a
query returns are live in the unit of work (changes are written at its commit), like any mapped
entity's."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

import attrs
import sqlalchemy as sa
from sqlalchemy.orm import Session

from kc_domain.outbound.campaigns import ListEntry, Progress
from kc_domain.outbound.outcomes import Outcome

from .tables import campaign_entries

_BATCH = 5_000  # rows per INSERT ... VALUES statement (well under every driver's parameter limit)


class SqlCampaignListRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add_many(self, entries: Sequence[ListEntry]) -> int:
        """Store new entries (their ids are given by the database); how many."""
        names = [a.name for a in attrs.fields(ListEntry) if a.name != "id"]
        rows = [{name: getattr(entry, name) for name in names} for entry in entries]
        self._session.flush()
        for start in range(0, len(rows), _BATCH):
            self._session.execute(sa.insert(campaign_entries), rows[start : start + _BATCH])
        return len(rows)

    def get(self, entry_id: int) -> ListEntry | None:
        return self._session.get(ListEntry, entry_id)

    def many(self, entry_ids: Collection[int]) -> list[ListEntry]:
        if not entry_ids:
            return []
        query = sa.select(ListEntry).where(campaign_entries.c.id.in_(sorted(set(entry_ids))))
        return list(self._session.scalars(query.order_by(campaign_entries.c.id)))

    def of_campaign(
        self, campaign_id: int, *, open_only: bool = False, limit: int | None = None, offset: int = 0
    ) -> list[ListEntry]:
        """The campaign's entries in list order (removed ones too, unless ``open_only``: those that
        may still be called, due or not)."""
        query = sa.select(ListEntry).where(campaign_entries.c.campaign_id == campaign_id)
        if open_only:
            query = query.where(campaign_entries.c.done.is_(False), campaign_entries.c.removed.is_(False))
        query = query.order_by(campaign_entries.c.id).offset(offset)
        if limit is not None:
            query = query.limit(limit)
        return list(self._session.scalars(query))

    def due(self, campaign_id: int, now: datetime, limit: int) -> list[ListEntry]:
        """Open entries whose due time has come (or that have none), a batch for the dialler to rank."""
        c = campaign_entries.c
        query = (
            sa.select(ListEntry)
            .where(c.campaign_id == campaign_id, c.done.is_(False), c.removed.is_(False))
            .where(sa.or_(c.next_try_at.is_(None), c.next_try_at <= now))
            .order_by(c.priority.desc(), c.attempts, c.id)
            .limit(limit)
        )
        return list(self._session.scalars(query))

    def phones(self, campaign_id: int) -> dict[str, int]:
        """The list's numbers (removed entries excluded) -> the entry's id."""
        c = campaign_entries.c
        rows = self._session.execute(
            sa.select(c.phone, c.id).where(c.campaign_id == campaign_id, c.removed.is_(False))
        )
        return {phone: entry_id for phone, entry_id in rows}

    def agreed_with(self, agent_id: int) -> list[ListEntry]:
        c = campaign_entries.c
        query = sa.select(ListEntry).where(
            c.agreed_with == agent_id, c.done.is_(False), c.removed.is_(False), c.next_try_at.is_not(None)
        )
        return list(self._session.scalars(query.order_by(c.next_try_at)))

    def held_by(self, holder: int) -> list[ListEntry]:
        query = sa.select(ListEntry).where(campaign_entries.c.reserved_by == holder)
        return list(self._session.scalars(query.order_by(campaign_entries.c.id)))

    def progress(self, campaign_id: int) -> Progress:
        c = campaign_entries.c
        self._session.flush()
        live = sa.and_(c.campaign_id == campaign_id, c.removed.is_(False))
        row = self._session.execute(
            sa.select(
                sa.func.count().filter(live),
                sa.func.count().filter(live, c.done.is_(True)),
                sa.func.count().filter(live, c.attempts > 0),
                sa.func.count().filter(live, c.last_outcome == Outcome.SUCCESS.value),
                sa.func.count().filter(c.campaign_id == campaign_id, c.removed.is_(True)),
            )
        ).one()
        total, done, attempted, successful, removed = (int(v or 0) for v in row)
        return Progress(total, done, attempted, successful, removed)
