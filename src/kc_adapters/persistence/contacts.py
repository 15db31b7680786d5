"""Contact records and note versions in SQL with Core statements (like ``callbacks.py``): entities are
built fresh from rows and written back explicitly, never attached to the session."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from kc_domain.contacts.model import ContactRecord, NoteVersion

from .rollups import unroll_call
from .tables import contact_records, note_versions

_CHUNK = 500  # ids per IN (...) clause


def _chunks(keys: Collection[str]) -> Iterator[list[str]]:
    ordered = sorted(set(keys))
    for start in range(0, len(ordered), _CHUNK):
        yield ordered[start : start + _CHUNK]


class SqlContactRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, call_id: str) -> ContactRecord | None:
        row = self._session.execute(
            sa.select(contact_records).where(contact_records.c.call_id == call_id)
        ).first()
        return None if row is None else _record(row._mapping)

    def save(self, record: ContactRecord) -> None:
        values = {
            "agent_id": record.agent_id,
            "client_id": record.client_id,
            "category_id": record.category_id,
            "recording_opt_out": record.recording_opt_out,
            "updated_at": record.updated_at,
            "version": record.version,
        }
        c = contact_records.c
        updated = self._session.execute(
            sa.update(contact_records).where(c.call_id == record.call_id).values(values)
        )
        if not getattr(updated, "rowcount", 0):
            self._session.execute(sa.insert(contact_records).values(call_id=record.call_id, **values))
        unroll_call(self._session.connection(), record.call_id)  # its category counts in the reports

    def notes(self, call_id: str) -> list[NoteVersion]:
        c = note_versions.c
        query = sa.select(note_versions).where(c.call_id == call_id).order_by(c.number)
        return [_note(r._mapping) for r in self._session.execute(query)]

    def save_note(self, note: NoteVersion) -> None:
        c = note_versions.c
        values = {
            "text": note.text,
            "author_id": note.author_id,
            "author_name": note.author_name,
            "at": note.at,
            "draft": note.draft,
        }
        updated = self._session.execute(
            sa.update(note_versions).where(c.call_id == note.call_id, c.number == note.number).values(values)
        )
        if not getattr(updated, "rowcount", 0):
            self._session.execute(
                sa.insert(note_versions).values(call_id=note.call_id, number=note.number, **values)
            )

    def records_of(self, call_ids: Collection[str]) -> dict[str, ContactRecord]:
        found: dict[str, ContactRecord] = {}
        for chunk in _chunks(call_ids):
            query = sa.select(contact_records).where(contact_records.c.call_id.in_(chunk))
            found.update({r.call_id: _record(r._mapping) for r in self._session.execute(query)})
        return found

    def notes_of(self, call_ids: Collection[str]) -> dict[str, list[NoteVersion]]:
        c = note_versions.c
        found: dict[str, list[NoteVersion]] = {}
        for chunk in _chunks(call_ids):
            query = sa.select(note_versions).where(c.call_id.in_(chunk)).order_by(c.call_id, c.number)
            for row in self._session.execute(query):
                found.setdefault(row.call_id, []).append(_note(row._mapping))
        return found

    def for_client(self, client_id: int, limit: int = 20) -> list[ContactRecord]:
        c = contact_records.c
        query = (
            sa.select(contact_records)
            .where(c.client_id == client_id)
            .order_by(c.updated_at.is_(None), c.updated_at.desc(), c.call_id.desc())
            .limit(limit)
        )
        return [_record(r._mapping) for r in self._session.execute(query)]

    def matching(self, call_ids: Collection[str], text: str, client_ids: Collection[int] = ()) -> set[str]:
        # ILIKE is case-insensitive for all letters on PostgreSQL; SQLite's LIKE only for ASCII ones.
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        clients = sorted(set(client_ids))
        found: set[str] = set()
        for chunk in _chunks(call_ids):
            if text:
                n = note_versions.c
                query: Any = sa.select(n.call_id).where(
                    n.call_id.in_(chunk), n.text.ilike(pattern, escape="\\")
                )
                found.update(self._session.scalars(query.distinct()))
            if clients:
                r = contact_records.c
                query = sa.select(r.call_id).where(r.call_id.in_(chunk), r.client_id.in_(clients))
                found.update(self._session.scalars(query))
        return found


def _record(row: Any) -> ContactRecord:
    return ContactRecord(
        call_id=row["call_id"],
        agent_id=row["agent_id"],
        client_id=row["client_id"],
        category_id=row["category_id"],
        recording_opt_out=bool(row["recording_opt_out"]),
        updated_at=row["updated_at"],
        version=row["version"],
    )


def _note(row: Any) -> NoteVersion:
    return NoteVersion(
        call_id=row["call_id"],
        number=row["number"],
        text=row["text"],
        author_id=row["author_id"],
        author_name=row["author_name"],
        at=row["at"],
        draft=bool(row["draft"]),
    )
