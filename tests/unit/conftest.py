"""Fixtures of the unit suite: the real domain services wired to in-memory fakes.

Fakes, not mocks: ``MemoryUnitOfWorkFactory`` has real transaction semantics, ``FixedClock`` moves
only when told, ``CzechHolidays`` is the production calendar and ``Argon2Hasher`` hashes for real
(with the cheapest parameters, so that the whole suite stays fast).
"""

from __future__ import annotations

import pytest

from kc_adapters.memory.persistence import MemoryUnitOfWorkFactory
from kc_adapters.system import Argon2Hasher, CzechHolidays, FixedClock
from kc_domain.admin.service import AdminService
from kc_domain.audit.service import AuditTrail
from kc_domain.identity.model import User
from kc_domain.identity.password import LockoutPolicy, PasswordPolicy
from kc_domain.identity.roles import Role
from kc_domain.identity.service import SignInService

from .support import CLI, ROOT_PASSWORD, START, Store


@pytest.fixture(scope="session")
def hasher() -> Argon2Hasher:
    return Argon2Hasher(time_cost=1, memory_cost=1024)


@pytest.fixture(scope="session")
def holidays() -> CzechHolidays:
    return CzechHolidays()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def uow_factory() -> MemoryUnitOfWorkFactory:
    return MemoryUnitOfWorkFactory()


@pytest.fixture
def store(uow_factory: MemoryUnitOfWorkFactory) -> Store:
    return Store(uow_factory)


@pytest.fixture
def policy() -> PasswordPolicy:
    return PasswordPolicy()


@pytest.fixture
def lockout() -> LockoutPolicy:
    return LockoutPolicy(max_failures=5, lock_minutes=15)


@pytest.fixture
def audit(clock: FixedClock) -> AuditTrail:
    return AuditTrail(clock)


@pytest.fixture
def admin(
    uow_factory: MemoryUnitOfWorkFactory,
    clock: FixedClock,
    hasher: Argon2Hasher,
    policy: PasswordPolicy,
    audit: AuditTrail,
) -> AdminService:
    return AdminService(uow_factory, clock, hasher, policy, audit)


@pytest.fixture
def sign_in(
    uow_factory: MemoryUnitOfWorkFactory,
    clock: FixedClock,
    hasher: Argon2Hasher,
    policy: PasswordPolicy,
    lockout: LockoutPolicy,
    audit: AuditTrail,
) -> SignInService:
    return SignInService(uow_factory, clock, hasher, policy, lockout, audit)


@pytest.fixture
def root(admin: AdminService) -> User:
    """The first administrator, as ``kc user add`` creates it on a fresh installation."""
    values = {"username": "spravce", "full_name": "Jana Správcová", "roles": {Role.ADMIN}}
    user: User = admin.create(CLI, "user", values, password=ROOT_PASSWORD)
    return user
