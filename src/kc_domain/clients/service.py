"""The customer database as the agent desktop uses it: identify a caller by number (IN-11), search,
read the card, enter a new client by hand and edit the card during a call (CDB-03, AG-19).
Every change and every refusal is audited; a change is checked whole and saved whole."""

from __future__ import annotations

import builtins
import re
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from kc_domain.audit.service import Actor, AuditQuery, AuditTrail
from kc_domain.clients.model import (
    Client,
    ClientField,
    ClientKind,
    normalise_identifier,
    normalise_phone,
)
from kc_domain.errors import Conflict, FieldError, NotFound, ValidationFailed
from kc_domain.plain import to_plain

if TYPE_CHECKING:
    from kc_ports.persistence import ContactsUnit, UnitFactory
    from kc_ports.system import Clock

E = TypeVar("E")

TEXT_FIELDS = ("identifier", "icis_id", "first_name", "surname", "title", "company", "email")
BASE_FIELDS = frozenset({"kind", "phones", "values", *TEXT_FIELDS})
"""What ``create`` and ``update`` accept; ``values`` maps configurable field keys to text."""
NOT_DIFFED = frozenset({"created_at", "updated_at", "version", "id"})
SEARCH_MAX = 100
READ_WINDOW = timedelta(minutes=15)
"""Reads of one card by one user within this time are audited once (SEC-03)."""
READS_CHECKED = 1000


class ClientService:
    def __init__(self, uow_factory: UnitFactory[ContactsUnit], clock: Clock, audit: AuditTrail) -> None:
        self._uow_factory, self._clock, self._audit = uow_factory, clock, audit

    # -- reading -------------------------------------------------------------------------------
    def fields(self, *, active_only: bool = True) -> builtins.list[ClientField]:
        """The card's configurable fields in their order (position, then key)."""
        with self._uow_factory() as uow:
            return _fields(uow, active_only=active_only)

    def by_phone(self, number: str) -> builtins.list[Client]:
        """Every client with this number (IN-11), in any common writing; none for a non-number."""
        normalised = normalise_phone(number)
        if normalised is None:
            return []
        with self._uow_factory() as uow:
            return uow.clients.by_phone(normalised)

    def search(self, text: str, limit: int = 20) -> builtins.list[Client]:
        """Clients whose surname, first name, company, identifier, ICIS id or phone contain every
        word of ``text``, ignoring case and accents; empty for an empty text."""
        if not text.strip():
            return []
        with self._uow_factory() as uow:
            return uow.clients.search(text, max(1, min(limit, SEARCH_MAX)))

    def get(self, client_id: int) -> Client:
        with self._uow_factory() as uow:
            return _get(uow, client_id)

    def read(self, actor: Actor, client_id: int) -> Client:
        """A client's card as a person reads it (SEC-03, SEC-04): audited as ``client.read``, once per
        reader and client within ``READ_WINDOW`` (reopening the card meanwhile adds no record, so a
        call's many reads do not flood the log; the window's first read stands for them)."""
        with self._uow_factory() as uow:
            client = _get(uow, client_id)
            now = self._clock.now()
            query = AuditQuery(
                since=now - READ_WINDOW, actor=actor.name, action="client.read", object_type="client"
            )
            recent = uow.audit.query(query, READS_CHECKED, 0)
            if not any(r.actor == actor.name and r.object_id == str(client_id) for r in recent):
                self._audit.record(uow, actor, "client.read", object_type="client", object_id=client_id)
                uow.commit()
            return client

    def list(self, limit: int = 50, offset: int = 0) -> builtins.list[Client]:
        with self._uow_factory() as uow:
            return uow.clients.list(limit, offset)

    # -- writing -------------------------------------------------------------------------------
    def create(self, actor: Actor, values: Mapping[str, Any]) -> Client:
        """A client entered by hand, e.g. a caller not found by number (IN-11)."""

        def change(uow: ContactsUnit) -> tuple[Client, dict[str, Any]]:
            now = self._clock.now()
            client = Client(created_at=now, updated_at=now, version=1)
            self._apply(uow, client, values, creating=True)
            uow.clients.add(client)
            return client, {"after": _plain(client)}

        return self._run(actor, "client.create", None, change)

    def update(self, actor: Actor, client_id: int, values: Mapping[str, Any], version: int) -> Client:
        """Change the given fields of a client (AG-19); ``version`` is the one the agent saw, and a
        client changed meanwhile is a Conflict. Fields not given keep their values."""

        def change(uow: ContactsUnit) -> tuple[Client, dict[str, Any]]:
            client = _get(uow, client_id)
            if client.version != version:
                raise Conflict(f"client {client_id} is at version {client.version}, not {version}")
            before = _plain(client)
            self._apply(uow, client, values, creating=False)
            client.updated_at = self._clock.now()
            uow.clients.save(client)
            after = _plain(client)
            changed = {k: v for k, v in after.items() if before.get(k) != v}
            return client, {"before": {k: before.get(k) for k in changed}, "after": changed}

        return self._run(actor, "client.update", client_id, change)

    # -- internals -----------------------------------------------------------------------------
    def _apply(self, uow: ContactsUnit, client: Client, values: Mapping[str, Any], *, creating: bool) -> None:
        """Set ``values`` on ``client``, or raise every problem at once (the client is then discarded)."""
        if not isinstance(values, Mapping):
            raise ValidationFailed.one("body", "not_json")
        errors = [FieldError(name, "unknown_field") for name in values if name not in BASE_FIELDS]
        if "kind" in values:
            try:
                client.kind = ClientKind(values["kind"])
            except ValueError:
                errors.append(FieldError("kind", "invalid_choice"))
        for name in TEXT_FIELDS:
            if name in values:
                raw = values[name]
                if raw is not None and not isinstance(raw, str):
                    errors.append(FieldError(name, "invalid_type", {"expected": "text"}))
                    continue
                text = (raw or "").strip()
                setattr(client, name, normalise_identifier(text) if name == "identifier" else text)
        if "phones" in values:
            client.phones = frozenset(_phones(values["phones"], errors))
        defined = _fields(uow, active_only=True)
        errors += _set_values(client, defined, values.get("values", {}), creating=creating)
        errors += client.problems()
        errors += _identifier_taken(uow, client)
        if errors:
            raise ValidationFailed(errors)

    def _run(
        self,
        actor: Actor,
        action: str,
        object_id: int | None,
        change: Callable[[ContactsUnit], tuple[E, dict[str, Any]]],
    ) -> E:
        return self._audit.run(self._uow_factory, actor, action, "client", object_id, change)


def _fields(uow: ContactsUnit, *, active_only: bool) -> builtins.list[ClientField]:
    found = [f for f in uow.client_fields.list() if f.active or not active_only]
    return sorted(found, key=lambda f: (f.position, f.key))


def _get(uow: ContactsUnit, client_id: int) -> Client:
    found = uow.clients.get(client_id)
    if found is None:
        raise NotFound("client", client_id)
    return found


def _plain(client: Client) -> dict[str, Any]:
    data: dict[str, Any] = to_plain(client, omit=NOT_DIFFED)
    return data


def _phones(raw: Any, errors: builtins.list[FieldError]) -> builtins.list[str]:
    items = re.split(r"[,;\n]+", raw) if isinstance(raw, str) else raw
    if not isinstance(items, (list, tuple, set, frozenset)) or not all(isinstance(i, str) for i in items):
        errors.append(FieldError("phones", "invalid_type", {"expected": "list"}))
        return []
    found = []
    for item in (i.strip() for i in items):
        if not item:
            continue
        number = normalise_phone(item)
        if number is None:
            errors.append(FieldError("phones", "bad_external_number", {"value": item}))
        else:
            found.append(number)
    return found


def _set_values(
    client: Client, defined: builtins.list[ClientField], given: Any, *, creating: bool
) -> builtins.list[FieldError]:
    """Merge the given configurable values into the client's: given ones are checked in full, the
    ones kept only for being required. Values of inactive fields stay as they are."""
    if not isinstance(given, Mapping):
        return [FieldError("values", "invalid_type", {"expected": "object"})]
    by_key = {f.key: f for f in defined}
    errors = [FieldError(f"values.{key}", "unknown_field") for key in given if key not in by_key]
    merged = dict(client.values)
    for field in defined:
        if field.key in given:
            value, problem = field.clean(given[field.key])
        else:
            value, problem = field.clean(merged.get(field.key, ""))
            if problem is not None and problem.code != "required":
                problem = None  # an old value is not re-judged by a changed definition
            if not creating and problem is None:
                continue
        if problem is not None:
            errors.append(problem)
        if value and value != "false":
            merged[field.key] = value
        else:
            merged.pop(field.key, None)
    client.values = merged
    return errors


def _identifier_taken(uow: ContactsUnit, client: Client) -> builtins.list[FieldError]:
    if not client.identifier:
        return []
    others = [c for c in uow.clients.search(client.identifier, 50) if c.identifier == client.identifier]
    if any(c.id != client.id for c in others):
        return [FieldError("identifier", "duplicate", {"value": client.identifier})]
    return []
