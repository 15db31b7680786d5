"""The audit log in SQL, with Core statements (``AuditRecord`` is a frozen value, not an ORM entity)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kc_domain.audit.model import GENESIS, AuditRecord
from kc_domain.errors import Conflict
from kc_ports.persistence import AuditFilter

from .tables import ANCHOR_ID, audit_anchor, audit_log

_BATCH = 500  # rows per round trip when streaming the whole log


class SqlAuditStore:
    def __init__(self, session: Session) -> None:
        self._session = session

    def last(self) -> AuditRecord | None:
        self._lock_chain()
        # A separate statement, so (READ COMMITTED) it sees what the previous lock holder committed.
        row = self._session.execute(sa.select(audit_log).order_by(audit_log.c.seq.desc()).limit(1)).first()
        return None if row is None else _record(row)

    def append(self, record: AuditRecord) -> None:
        newest = self._session.scalar(sa.select(sa.func.max(audit_log.c.seq)))
        if record.seq <= (newest if newest is not None else self.anchor()[0]):
            raise Conflict(f"audit seq {record.seq} exists")
        try:
            # A savepoint keeps the unit usable after a conflict, as in the memory adapter.
            with self._session.begin_nested():
                self._session.execute(sa.insert(audit_log).values(_row(record)))
        except IntegrityError as error:
            raise Conflict(f"audit seq {record.seq} exists") from error

    def anchor(self) -> tuple[int, str]:
        row = self._session.execute(
            sa.select(audit_anchor.c.seq, audit_anchor.c.hash).where(audit_anchor.c.id == ANCHOR_ID)
        ).first()
        return (0, GENESIS) if row is None else (int(row.seq), str(row.hash))

    def ordered(self) -> Iterator[AuditRecord]:
        """Consume it inside the unit: the pages are read lazily, in the unit's session."""
        # Keyset pages rather than one server-side cursor: nothing stays open between pages, so the
        # caller may interleave other statements or stop early without leaking a cursor.
        after: int | None = None
        while True:
            query = sa.select(audit_log).order_by(audit_log.c.seq).limit(_BATCH)
            if after is not None:
                query = query.where(audit_log.c.seq > after)
            rows = self._session.execute(query).all()
            yield from (_record(row) for row in rows)
            if len(rows) < _BATCH:
                return
            after = rows[-1].seq

    def query(self, where: AuditFilter, limit: int, offset: int = 0) -> list[AuditRecord]:
        query = sa.select(audit_log).where(*self._conditions(where))
        query = query.order_by(audit_log.c.seq.desc()).limit(limit).offset(offset)
        return [_record(row) for row in self._session.execute(query)]

    def purge_before(self, cutoff: datetime) -> int:
        self._lock_chain()
        old = audit_log.c.at < cutoff
        newest_old = self._session.execute(
            sa.select(audit_log.c.seq, audit_log.c.hash).where(old).order_by(audit_log.c.seq.desc()).limit(1)
        ).first()
        if newest_old is None:
            return 0
        removed = _rowcount(self._session.execute(sa.delete(audit_log).where(old)))
        moved = _rowcount(
            self._session.execute(
                sa.update(audit_anchor)
                .where(audit_anchor.c.id == ANCHOR_ID)
                .values(seq=newest_old.seq, hash=newest_old.hash)
            )
        )
        if not moved:  # a schema made without the migration has no anchor row yet
            self._session.execute(
                sa.insert(audit_anchor).values(id=ANCHOR_ID, seq=newest_old.seq, hash=newest_old.hash)
            )
        return removed

    def _lock_chain(self) -> None:
        # Lock the anchor row: every appender (through last()) and every purge passes here, so on
        # PostgreSQL they queue up until the holder commits, even while the log is still empty (when
        # there is no newest row to lock). SQLite ignores FOR UPDATE; there the unit's
        # BEGIN IMMEDIATE already serialises writers.
        self._session.execute(
            sa.select(audit_anchor.c.seq).where(audit_anchor.c.id == ANCHOR_ID).with_for_update()
        )

    def _conditions(self, where: AuditFilter) -> list[sa.ColumnElement[bool]]:
        found: list[sa.ColumnElement[bool]] = []
        if where.since is not None:
            found.append(audit_log.c.at >= where.since)
        if where.until is not None:
            found.append(audit_log.c.at < where.until)
        if where.actor:
            found.append(self._folded(audit_log.c.actor).contains(self._fold(where.actor), autoescape=True))
        if where.action:
            # A prefix compared with '=' rather than LIKE: SQLite's LIKE ignores ASCII case.
            prefix = where.action
            found.append(sa.func.substr(audit_log.c.action, 1, len(prefix)) == prefix)
        if where.object_type:
            found.append(audit_log.c.object_type == where.object_type)
        if where.outcome:
            # Compared as text: an unknown outcome matches nothing instead of failing Outcome(...).
            found.append(sa.type_coerce(audit_log.c.outcome, sa.String) == where.outcome)
        return found

    def _sqlite(self) -> bool:
        return self._session.get_bind().dialect.name == "sqlite"

    def _folded(self, column: sa.ColumnElement[str]) -> sa.ColumnElement[str]:
        # SQLite's lower() knows only ASCII (Dvořák, Šťastná); database.py registers Python's casefold.
        fold = sa.func.kc_casefold if self._sqlite() else sa.func.lower
        return fold(column, type_=sa.Text)

    def _fold(self, text: str) -> str:
        return text.casefold() if self._sqlite() else text.lower()


def _rowcount(result: sa.Result[Any]) -> int:
    return int(result.rowcount)  # type: ignore[attr-defined]  # DML results are CursorResults


def _row(record: AuditRecord) -> dict[str, Any]:
    return {
        "seq": record.seq,
        "at": record.at,
        "actor": record.actor,
        "action": record.action,
        "object_type": record.object_type,
        "object_id": record.object_id,
        "params": dict(record.params),
        "outcome": record.outcome,
        "source": record.source,
        "prev_hash": record.prev_hash,
        "hash": record.hash,
    }


def _record(row: sa.Row[Any]) -> AuditRecord:
    return AuditRecord(
        seq=int(row.seq),
        at=row.at,
        actor=row.actor,
        action=row.action,
        object_type=row.object_type,
        object_id=row.object_id,
        params=row.params,
        outcome=row.outcome,
        source=row.source,
        prev_hash=row.prev_hash,
        hash=row.hash,
    )
