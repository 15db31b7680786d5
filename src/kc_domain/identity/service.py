"""Signing in and out with a local account (SEC-02 password part), audited either way."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import attrs

from kc_domain.audit.model import Outcome
from kc_domain.audit.service import Actor, AuditTrail
from kc_domain.errors import AuthenticationFailed, ValidationFailed
from kc_domain.identity.model import User
from kc_domain.identity.password import LockoutPolicy, PasswordPolicy
from kc_domain.identity.roles import Permission, Role

if TYPE_CHECKING:
    from kc_ports.persistence import UnitOfWorkFactory
    from kc_ports.system import Clock, PasswordHasher


@attrs.frozen
class SignedIn:
    user_id: int
    username: str
    full_name: str
    language: str
    permissions: frozenset[Permission]
    password_expired: bool


class SignInService:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        hasher: PasswordHasher,
        policy: PasswordPolicy,
        lockout: LockoutPolicy,
        audit: AuditTrail,
    ) -> None:
        self._uow_factory, self._clock, self._hasher = uow_factory, clock, hasher
        self._policy, self._lockout, self._audit = policy, lockout, audit
        self._decoy: str | None = None

    def sign_in(self, username: str, password: str, source: str) -> SignedIn:
        """The signed-in identity, or ``AuthenticationFailed`` with reason
        ``bad_credentials`` / ``locked`` / ``inactive``; each attempt is audited."""
        now = self._clock.now()
        actor = Actor(username[:64] or "-", source)
        with self._uow_factory() as uow:
            user = _find(uow.users.list(), username)
            reason = self._refusal(user, password, now)
            if reason:
                if user is not None and reason == "bad_credentials":
                    user.record_failed_login(now, self._lockout)
                self._audit.record(
                    uow,
                    actor,
                    "auth.sign_in",
                    object_type="user",
                    object_id=user.id if user else "",
                    params={"reason": reason},
                    outcome=Outcome.FAILED,
                )
                uow.commit()
                raise AuthenticationFailed(reason)
            assert user is not None and user.id is not None
            actor = Actor(user.username, source)  # the account's own spelling, not what was typed
            user.record_successful_login()
            group = uow.groups.get(user.group_id) if user.group_id is not None else None
            self._audit.record(uow, actor, "auth.sign_in", object_type="user", object_id=user.id)
            uow.commit()
            return _signed_in(user, group.roles if group else frozenset(), self._policy, now)

    def identity(self, user_id: int) -> SignedIn | None:
        """The current identity of a signed-in user, re-read on every request so that a role
        change, a deactivation or a deletion takes effect at once; None when it may no longer act."""
        with self._uow_factory() as uow:
            user = uow.users.get(user_id)
            if user is None or not user.active:
                return None
            group = uow.groups.get(user.group_id) if user.group_id is not None else None
            return _signed_in(user, group.roles if group else frozenset(), self._policy, self._clock.now())

    def sign_out(self, username: str, source: str) -> None:
        self._audit.record_alone(self._uow_factory, Actor(username, source), "auth.sign_out")

    def change_own_password(self, user_id: int, current: str, new: str, source: str) -> None:
        with self._uow_factory() as uow:
            user = uow.users.get(user_id)
            if user is None or not self._hasher.verify(user.password_hash, current):
                raise ValidationFailed.one("current_password", "wrong_password")
            problems = self._policy.problems(new, username=user.username)
            if self._hasher.verify(user.password_hash, new):
                problems.append(ValidationFailed.one("password", "password_reused").errors[0])
            if problems:
                raise ValidationFailed(problems)
            user.password_hash = self._hasher.hash(new)
            user.password_changed_at = self._clock.now()
            self._audit.record(
                uow,
                Actor(user.username, source),
                "auth.change_password",
                object_type="user",
                object_id=user.id,
            )
            uow.commit()

    def _refusal(self, user: User | None, password: str, now: datetime) -> str:
        if user is None or not user.password_hash:
            self._hasher.verify(self._decoy_hash(), password)  # same cost as a real check
            return "bad_credentials"
        if user.is_locked(now):
            return "locked"
        if not self._hasher.verify(user.password_hash, password):
            return "bad_credentials"
        if not user.active:
            return "inactive"
        return ""

    def _decoy_hash(self) -> str:
        if self._decoy is None:
            self._decoy = self._hasher.hash("decoy password, never valid")
        return self._decoy


def _signed_in(user: User, group_roles: frozenset[Role], policy: PasswordPolicy, now: datetime) -> SignedIn:
    assert user.id is not None
    return SignedIn(
        user.id,
        user.username,
        user.full_name,
        user.language,
        user.permissions(group_roles),
        policy.expired(user.password_changed_at, now),
    )


def _find(users: list[User], username: str) -> User | None:
    wanted = username.strip().casefold()
    return next((u for u in users if u.username.casefold() == wanted), None)
