"""Signing in and out with a local account (SEC-02 password part), audited either way."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import attrs

from kc_domain.audit.model import Outcome
from kc_domain.audit.service import Actor, AuditTrail
from kc_domain.errors import AuthenticationFailed, ValidationFailed
from kc_domain.identity.model import User
from kc_domain.identity.password import LockoutPolicy, PasswordPolicy
from kc_domain.identity.roles import Permission, Role
from kc_domain.throttle import Throttle, source_key

if TYPE_CHECKING:
    from kc_ports.persistence import OrganisationUnit, UnitFactory
    from kc_ports.system import Clock, PasswordHasher


@attrs.frozen
class SignedIn:
    user_id: int
    username: str
    full_name: str
    language: str
    permissions: frozenset[Permission]
    password_expired: bool
    session_epoch: int = 0  # the session is valid while the account's epoch is still this one


NAME_FAILURES_KEPT = timedelta(days=365)


class SignInService:
    """Sign-in, the identity of every request, sign-out and the own password (SEC-02).

    Refusals cost the same and say the same whether the account exists or not: every attempt checks
    one password hash (a decoy one when there is no account, or it is locked or throttled), and a
    user name without an account locks after as many failures as a real one. Failures are counted
    per account (stored with it, so across processes) and, in memory of this process, per user name
    without an account and per source (``LockoutPolicy``).
    """

    def __init__(
        self,
        uow_factory: UnitFactory[OrganisationUnit],
        clock: Clock,
        hasher: PasswordHasher,
        policy: PasswordPolicy,
        lockout: LockoutPolicy,
        audit: AuditTrail,
    ) -> None:
        self._uow_factory, self._clock, self._hasher = uow_factory, clock, hasher
        self._policy, self._lockout, self._audit = policy, lockout, audit
        self._decoy: str | None = None
        lock = timedelta(minutes=lockout.lock_minutes)
        # a user name without an account counts failures as an account does (only a success, which
        # never comes, clears them): spacing the guesses out must not tell the two apart
        self._names = Throttle(lockout.max_failures, NAME_FAILURES_KEPT, lock)
        self._sources = Throttle(lockout.max_failures_per_source, lock, lock)

    def sign_in(self, username: str, password: str, source: str) -> SignedIn:
        """The signed-in identity, or ``AuthenticationFailed`` with reason ``bad_credentials`` /
        ``locked`` / ``inactive`` / ``throttled`` (too many failures from this source); each attempt
        is audited (repeated refusals as counts, see ``AuditTrail.record_denial``)."""
        now = self._clock.now()
        actor = Actor(username[:64] or "-", source)
        name, origin = _name_key(username), source_key(source)
        with self._uow_factory() as uow:
            user = _find(uow.users.list(), username)
            reason = self._refusal(user, name, origin, password, now)
            if reason:
                self._count_failure(user, name, origin, reason, now)
                self._audit.record_denial(
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

    def identity(self, user_id: int, session_epoch: int | None = None) -> SignedIn | None:
        """The current identity of a signed-in user, re-read on every request so that a role
        change, a deactivation or a deletion takes effect at once; None when it may no longer act.
        With ``session_epoch`` (the epoch the session began in), None also when the user's sessions
        have been ended since (sign-out, a new password, deactivation)."""
        with self._uow_factory() as uow:
            user = uow.users.get(user_id)
            if user is None or not user.active:
                return None
            if session_epoch is not None and session_epoch != user.session_epoch:
                return None
            group = uow.groups.get(user.group_id) if user.group_id is not None else None
            return _signed_in(user, group.roles if group else frozenset(), self._policy, self._clock.now())

    def sign_out(self, user_id: int, source: str) -> None:
        """End every session of the user, here and in any other browser; audited."""
        with self._uow_factory() as uow:
            user = uow.users.get(user_id)
            if user is None:
                return
            user.end_sessions()
            self._audit.record(
                uow, Actor(user.username, source), "auth.sign_out", object_type="user", object_id=user.id
            )
            uow.commit()

    def change_own_password(self, user_id: int, current: str, new: str, source: str) -> SignedIn:
        """Replace the own password and end every other session; the identity for the session that
        made the change (its new epoch). A wrong current password counts towards the lock-out as a
        failed sign-in does and is audited; while the account is locked the current password is
        not checked (``account_locked``)."""
        now = self._clock.now()
        with self._uow_factory() as uow:
            user = uow.users.get(user_id)
            if user is None:
                self._spend(current)
                raise ValidationFailed.one("current_password", "wrong_password")
            actor = Actor(user.username, source)
            locked = user.is_locked(now)
            if locked or not self._hasher.verify(user.password_hash, current):
                if locked:
                    self._spend(current)
                else:
                    user.record_failed_login(now, self._lockout)
                self._audit.record_denial(
                    uow,
                    actor,
                    "auth.change_password",
                    object_type="user",
                    object_id=user.id,
                    params={"reason": "locked" if locked else "wrong_password"},
                    outcome=Outcome.FAILED,
                )
                uow.commit()
                code = "account_locked" if user.is_locked(now) else "wrong_password"
                raise ValidationFailed.one("current_password", code)
            problems = self._policy.problems(new, username=user.username)
            if self._hasher.verify(user.password_hash, new):
                problems.append(ValidationFailed.one("password", "password_reused").errors[0])
            if problems:
                raise ValidationFailed(problems)
            user.password_hash = self._hasher.hash(new)
            user.password_changed_at = now
            user.record_successful_login()
            user.end_sessions()
            self._audit.record(uow, actor, "auth.change_password", object_type="user", object_id=user.id)
            group = uow.groups.get(user.group_id) if user.group_id is not None else None
            uow.commit()
            return _signed_in(user, group.roles if group else frozenset(), self._policy, now)

    def _refusal(self, user: User | None, name: str, origin: str, password: str, now: datetime) -> str:
        """Why the attempt is refused ("" when it is not), after exactly one password check."""
        if self._sources.blocked(origin, now):
            # A network that failed too often may hide a whole office behind one address: an account
            # nobody has been guessing still opens with its right password; a wrong one counts
            # against the account, so each account gives such a source one guess.
            if user is None or not user.password_hash or user.failed_logins or user.is_locked(now):
                self._spend(password)
            elif self._hasher.verify(user.password_hash, password):
                return "" if user.active else "inactive"
            else:
                user.record_failed_login(now, self._lockout)
            return "throttled"
        if user is None or not user.password_hash:
            self._spend(password)
            return "locked" if self._names.blocked(name, now) else "bad_credentials"
        if user.is_locked(now):
            self._spend(password)
            return "locked"
        if not self._hasher.verify(user.password_hash, password):
            return "bad_credentials"
        if not user.active:
            return "inactive"
        return ""

    def _count_failure(self, user: User | None, name: str, origin: str, reason: str, now: datetime) -> None:
        if reason not in ("bad_credentials", "locked"):
            return  # throttled: not counted again; inactive: the password was right
        self._sources.fail(origin, now)
        if reason == "bad_credentials":
            if user is not None and user.password_hash:
                user.record_failed_login(now, self._lockout)
            else:
                self._names.fail(name, now)

    def _spend(self, password: str) -> None:
        """The work of a real password check, against a decoy hash that never matches."""
        self._hasher.verify(self._decoy_hash(), password)

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
        user.session_epoch,
    )


def _name_key(username: str) -> str:
    return username.strip().casefold()[:64]


def _find(users: list[User], username: str) -> User | None:
    wanted = _name_key(username)
    return next((u for u in users if u.username.casefold() == wanted), None)
