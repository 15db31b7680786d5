"""The customer database in SQL with Core statements: a client is one ``clients`` row plus its
``client_phones`` rows, written and read together; entities are never attached to the session.

``save`` is an optimistic update: ``UPDATE ... WHERE id = :id AND version = :seen``; no row updated
means someone else saved first (or deleted it), which is the domain's Conflict.
"""

from __future__ import annotations

import builtins
from collections.abc import Collection, Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from kc_domain.clients.model import Client, ClientKind, search_terms
from kc_domain.errors import Conflict

from .tables import client_phones, clients

_CHUNK = 5_000  # values per IN (...) list


class SqlClientRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, client: Client) -> Client:
        inserted = self._session.execute(sa.insert(clients).values(_row(client)).returning(clients.c.id))
        client.id = int(inserted.scalar_one())
        self._write_phones(client)
        return client

    def get(self, client_id: int) -> Client | None:
        found = self._load(sa.select(clients).where(clients.c.id == client_id))
        return found[0] if found else None

    def save(self, client: Client) -> None:
        c = clients.c
        updated = self._session.execute(
            sa.update(clients)
            .where(c.id == client.id, c.version == client.version)
            .values(_row(client) | {"version": client.version + 1})
        )
        if not getattr(updated, "rowcount", 0):
            raise Conflict(f"client {client.id} changed meanwhile")
        client.version += 1
        self._session.execute(sa.delete(client_phones).where(client_phones.c.client_id == client.id))
        self._write_phones(client)

    def by_phone(self, number: str) -> builtins.list[Client]:
        ids = sa.select(client_phones.c.client_id).where(client_phones.c.number == number)
        return self._load(sa.select(clients).where(clients.c.id.in_(ids)).order_by(*self._order()))

    def ids_by_phones(self, numbers: Collection[str]) -> dict[str, set[int]]:
        c = client_phones.c
        return self._ids(sa.select(c.number, c.client_id), c.number, numbers)

    def ids_by_identifiers(self, identifiers: Collection[str]) -> dict[str, set[int]]:
        c = clients.c
        return self._ids(sa.select(c.identifier, c.id), c.identifier, [i for i in identifiers if i])

    def _ids(self, query: Any, key: Any, values: Collection[str]) -> dict[str, set[int]]:
        """``query`` (key, client id) for ``values``, in chunks well under every driver's limit."""
        found: dict[str, set[int]] = {}
        ordered = sorted(set(values))
        for start in range(0, len(ordered), _CHUNK):
            for value, client_id in self._session.execute(
                query.where(key.in_(ordered[start : start + _CHUNK]))
            ):
                found.setdefault(value, set()).add(client_id)
        return found

    def search(self, text: str, limit: int) -> builtins.list[Client]:
        terms = search_terms(text)
        if not terms:
            return []
        c = clients.c
        matches = [c.search_text.like(f"%{_escape(t)}%", escape="\\") for t in terms]
        return self._load(sa.select(clients).where(*matches).order_by(*self._order()).limit(limit))

    def list(self, limit: int, offset: int = 0) -> builtins.list[Client]:
        return self._load(sa.select(clients).order_by(clients.c.id).limit(limit).offset(offset))

    # -- internals -----------------------------------------------------------------------------
    def _order(self) -> tuple[Any, ...]:
        """Byte order of the folded key, as Python sorts it (PostgreSQL's locale order differs)."""
        key: Any = clients.c.search_text
        if self._session.get_bind().dialect.name == "postgresql":
            key = key.collate("C")
        return key, clients.c.id

    def _write_phones(self, client: Client) -> None:
        if client.phones:
            rows = [{"client_id": client.id, "number": n} for n in sorted(client.phones)]
            self._session.execute(sa.insert(client_phones), rows)

    def _load(self, query: Any) -> builtins.list[Client]:
        rows = list(self._session.execute(query))
        ids = [r._mapping["id"] for r in rows]
        phones: dict[int, set[str]] = {i: set() for i in ids}
        if ids:
            found = sa.select(client_phones).where(client_phones.c.client_id.in_(ids))
            for phone in self._session.execute(found):
                phones[phone.client_id].add(phone.number)
        return [_client(r._mapping, phones[r._mapping["id"]]) for r in rows]


def _escape(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _row(client: Client) -> dict[str, Any]:
    return {
        "kind": client.kind,
        "identifier": client.identifier,
        "icis_id": client.icis_id,
        "first_name": client.first_name,
        "surname": client.surname,
        "title": client.title,
        "company": client.company,
        "email": client.email,
        "field_values": dict(sorted(client.values.items())),
        "search_text": client.search_key(),
        "created_at": client.created_at,
        "updated_at": client.updated_at,
        "version": client.version,
    }


def _client(row: Any, phones: Iterable[str]) -> Client:
    return Client(
        kind=ClientKind(row["kind"]),
        identifier=row["identifier"],
        icis_id=row["icis_id"],
        first_name=row["first_name"],
        surname=row["surname"],
        title=row["title"],
        company=row["company"],
        phones=frozenset(phones),
        email=row["email"],
        values={str(k): str(v) for k, v in row["field_values"].items()},
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        version=row["version"],
        id=row["id"],
    )
