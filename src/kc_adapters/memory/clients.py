"""The customer database in memory: copies in and out, like a database, with the version check."""

from __future__ import annotations

import copy
from collections.abc import Collection
from datetime import UTC
from typing import Any

from kc_domain.clients.model import Client, search_terms
from kc_domain.errors import Conflict


class MemoryClientRepository:
    def __init__(self, state: Any) -> None:
        self._state = state  # the memory unit's _State: ``clients`` and ``next_id``
        self._rows: dict[int, Client] = state.clients

    def add(self, client: Client) -> Client:
        client.id = self._state.next_id
        self._state.next_id += 1
        self._rows[client.id] = _stored(client)
        return client

    def get(self, client_id: int) -> Client | None:
        found = self._rows.get(client_id)
        return None if found is None else copy.deepcopy(found)

    def save(self, client: Client) -> None:
        stored = None if client.id is None else self._rows.get(client.id)
        if stored is None or stored.version != client.version:
            raise Conflict(f"client {client.id} changed meanwhile")
        client.version += 1
        self._rows[client.id] = _stored(client)  # type: ignore[index]

    def by_phone(self, number: str) -> list[Client]:
        return _ordered(c for c in self._rows.values() if number in c.phones)

    def ids_by_phones(self, numbers: Collection[str]) -> dict[str, set[int]]:
        wanted, found = set(numbers), dict[str, set[int]]()
        for client in self._rows.values():
            for number in client.phones & wanted:
                found.setdefault(number, set()).add(client.id or 0)
        return found

    def ids_by_identifiers(self, identifiers: Collection[str]) -> dict[str, set[int]]:
        wanted, found = set(identifiers), dict[str, set[int]]()
        for client in self._rows.values():
            if client.identifier and client.identifier in wanted:
                found.setdefault(client.identifier, set()).add(client.id or 0)
        return found

    def search(self, text: str, limit: int) -> list[Client]:
        terms = search_terms(text)
        if not terms:
            return []
        found = [c for c in self._rows.values() if all(t in c.search_key() for t in terms)]
        return _ordered(found)[:limit]

    def list(self, limit: int, offset: int = 0) -> list[Client]:
        return [copy.deepcopy(self._rows[k]) for k in sorted(self._rows)][offset : offset + limit]


def _ordered(clients: Any) -> list[Client]:
    return [copy.deepcopy(c) for c in sorted(clients, key=lambda c: (c.search_key(), c.id))]


def _stored(client: Client) -> Client:
    """A copy with its times in UTC, as a database gives them back."""
    kept = copy.deepcopy(client)
    for name in ("created_at", "updated_at"):
        value = getattr(kept, name)
        if value is not None:
            setattr(kept, name, value.astimezone(UTC))
    return kept
