"""Call recordings (REC-01..REC-05, IN-27): what KC keeps of each recorded stretch of a call. The
audio is in a ``RecordingStore`` (a file per recording, checksummed, never overwritten); the rest
of what a recording "carries" (agent, queue, times, type, category, notes: REC-02) comes from the
call's journal row and contact record when it is searched, so it is always the call's current
data (a category changed later shows)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

import attrs

from kc_domain.errors import FieldError


class RecordingMissing(LookupError):
    """The recording's audio file is not in the store (deleted outside KC, a lost disk)."""


MIN_RETENTION_DAYS = 183  # six months at least (REC-03, IN-27)
DEFAULT_RETENTION_DAYS = 190


@attrs.define(slots=False, eq=False)
class Recording:
    call_id: str
    started_at: datetime
    duration_s: float
    path: str  # the file's name in the store
    size: int
    sha256: str
    agent_id: int | None = None
    legal_hold: bool = False  # never purged while set (REC-03)
    hold_reason: str = ""
    purged_at: datetime | None = None  # the audio was deleted by retention; the row stays as evidence
    id: int | None = None

    def problems(self) -> list[FieldError]:
        return []

    @property
    def available(self) -> bool:
        return self.purged_at is None


def due_for_purge(recordings: Iterable[Recording], now: datetime, retention_days: int) -> list[Recording]:
    """Recordings older than the retention period, not on legal hold and not yet purged."""
    if retention_days < MIN_RETENTION_DAYS:
        raise ValueError(f"recordings are kept {MIN_RETENTION_DAYS} days at least, not {retention_days}")
    limit = now - timedelta(days=retention_days)
    return [r for r in recordings if r.available and not r.legal_hold and r.started_at < limit]
