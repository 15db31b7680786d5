"""Constants and helpers shared by the unit tests (the fixtures live in conftest.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from kc_adapters.memory.persistence import REPOSITORIES, MemoryUnitOfWorkFactory
from kc_domain.audit.model import AuditRecord
from kc_domain.audit.service import Actor
from kc_domain.identity.model import User
from kc_domain.plain import to_plain

START = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)  # a Monday morning
ROOT_PASSWORD = "Modry-Kun-42-Praha"
ROOT = Actor("spravce", "10.1.2.3")
CLI = Actor("cli", "kc user add")


class Store:
    """Read the committed state of the memory store, as a test (not the domain) sees it."""

    def __init__(self, factory: MemoryUnitOfWorkFactory) -> None:
        self.factory = factory

    def records(self) -> list[AuditRecord]:
        with self.factory() as uow:
            return list(uow.audit.ordered())

    def last(self) -> AuditRecord:
        return self.records()[-1]

    def snapshot(self) -> dict[str, list[Any]]:
        """Every entity of every repository as plain data, secrets included."""
        with self.factory() as uow:
            return {name: [to_plain(e) for e in getattr(uow, name).list()] for name in REPOSITORIES}

    def user(self, user_id: int) -> User:
        with self.factory() as uow:
            user = uow.users.get(user_id)
            assert user is not None
            return user
