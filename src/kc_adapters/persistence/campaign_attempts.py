"""Campaign attempts in SQL (OUT-14, OUT-18): appended, read by campaign, by contact, or the agent's
open one; the attempts returned are live in the unit of work (changes are written at its commit)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from kc_domain.outbound.attempts import CampaignAttempt

from .tables import campaign_attempts as table


class SqlCampaignAttemptRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def append(self, attempt: CampaignAttempt) -> CampaignAttempt:
        attempt.id = None
        self._session.add(attempt)
        self._session.flush()
        return attempt

    def of_campaign(self, campaign_id: int) -> list[CampaignAttempt]:
        return self._select(table.c.campaign_id == campaign_id)

    def of_entry(self, entry_id: int) -> list[CampaignAttempt]:
        return self._select(table.c.entry_id == entry_id)

    def started_between(
        self, campaign_ids: Collection[int], since: datetime, until: datetime
    ) -> list[CampaignAttempt]:
        if not campaign_ids:
            return []
        return self._select(
            table.c.campaign_id.in_(sorted(campaign_ids)),
            table.c.started_at >= since,
            table.c.started_at < until,
        )

    def open_of(self, agent_id: int) -> CampaignAttempt | None:
        found = self._select(table.c.agent_id == agent_id, table.c.ended_at.is_(None))
        return found[-1] if found else None

    def _select(self, *where: sa.ColumnElement[bool]) -> list[CampaignAttempt]:
        query = sa.select(CampaignAttempt).where(*where).order_by(table.c.started_at, table.c.id)
        return list(self._session.scalars(query))
