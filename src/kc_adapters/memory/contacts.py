"""Contact records and note versions in memory (part of the memory unit of work's state)."""

from __future__ import annotations

import copy
from collections.abc import Collection
from datetime import UTC

import attrs

from kc_domain.contacts.model import ContactRecord, NoteVersion


@attrs.define
class ContactRows:
    records: dict[str, ContactRecord] = attrs.field(factory=dict)
    notes: dict[str, dict[int, NoteVersion]] = attrs.field(factory=dict)


class MemoryContactRepository:
    """Keeps copies, like a database: a loaded or saved entity is not the stored one."""

    def __init__(self, rows: ContactRows) -> None:
        self._rows = rows

    def get(self, call_id: str) -> ContactRecord | None:
        found = self._rows.records.get(call_id)
        return None if found is None else copy.copy(found)

    def save(self, record: ContactRecord) -> None:
        stored = copy.copy(record)
        if stored.updated_at is not None:
            stored.updated_at = stored.updated_at.astimezone(UTC)
        self._rows.records[record.call_id] = stored

    def notes(self, call_id: str) -> list[NoteVersion]:
        versions = self._rows.notes.get(call_id, {})
        return [copy.copy(versions[n]) for n in sorted(versions)]

    def save_note(self, note: NoteVersion) -> None:
        stored = attrs.evolve(note, at=note.at.astimezone(UTC))
        self._rows.notes.setdefault(note.call_id, {})[note.number] = stored

    def records_of(self, call_ids: Collection[str]) -> dict[str, ContactRecord]:
        return {c: copy.copy(self._rows.records[c]) for c in set(call_ids) if c in self._rows.records}

    def notes_of(self, call_ids: Collection[str]) -> dict[str, list[NoteVersion]]:
        return {c: self.notes(c) for c in set(call_ids) if self._rows.notes.get(c)}

    def for_client(self, client_id: int, limit: int = 20) -> list[ContactRecord]:
        found = [r for r in self._rows.records.values() if r.client_id == client_id]
        found.sort(key=lambda r: r.call_id, reverse=True)
        found.sort(key=lambda r: (r.updated_at is not None, r.updated_at), reverse=True)
        return [copy.copy(r) for r in found[:limit]]

    def matching(self, call_ids: Collection[str], text: str, client_ids: Collection[int] = ()) -> set[str]:
        wanted = text.casefold()
        clients = set(client_ids)
        found: set[str] = set()
        for call_id in set(call_ids):
            record = self._rows.records.get(call_id)
            texts = [v.text.casefold() for v in self._rows.notes.get(call_id, {}).values()]
            by_client = record is not None and record.client_id is not None and record.client_id in clients
            if by_client or (wanted and any(wanted in t for t in texts)):
                found.add(call_id)
        return found
