"""The user account entity."""

from __future__ import annotations

from datetime import datetime, timedelta

import attrs

from kc_domain.errors import FieldError
from kc_domain.identity.password import LockoutPolicy
from kc_domain.identity.roles import Permission, Role, permissions_of
from kc_domain.validation import E164, ENDPOINT, INTERNAL_NUMBER, text


@attrs.define(slots=False, eq=False)
class User:
    username: str
    full_name: str
    roles: frozenset[Role] = attrs.field(factory=frozenset, converter=frozenset)
    email: str = ""
    agent_number: str = ""
    group_id: int | None = None
    active: bool = True
    language: str = "cs"
    password_hash: str = ""
    password_changed_at: datetime | None = None
    failed_logins: int = 0
    locked_until: datetime | None = None
    session_epoch: int = 0  # sessions carry the epoch they began in; raising it ends them all
    report_filter_ids: frozenset[int] = attrs.field(factory=frozenset, converter=frozenset)
    endpoint: str = ""  # the phone that rings for the agent at the PBX (PJSIP/1001...); "": the agent number
    direct_number: str = ""  # E.164: her caller ID for campaigns calling with the officer's number (OUT-17)
    id: int | None = None

    def permissions(self, group_roles: frozenset[Role] = frozenset()) -> frozenset[Permission]:
        """Effective permissions: the user's own roles plus those of the user's workplace group."""
        return permissions_of(self.roles | group_roles)

    def takes_calls(self, group_roles: frozenset[Role] = frozenset(), has_skill: bool = False) -> bool:
        """Whether the routing engine knows the user as an agent: active, with the agent role (own or
        the workplace group's) or with a skill in some queue."""
        return self.active and (has_skill or Role.AGENT in self.roles | group_roles)

    def problems(self) -> list[FieldError]:
        errors: list[FieldError] = []
        text(errors, "username", self.username, max_length=64)
        if self.username and not all(c.isalnum() or c in "._-@" for c in self.username):
            errors.append(FieldError("username", "bad_username"))
        text(errors, "full_name", self.full_name, max_length=120)
        text(errors, "email", self.email, max_length=254, required=False)
        if self.email and ("@" not in self.email or " " in self.email):
            errors.append(FieldError("email", "bad_email"))
        if self.agent_number and not INTERNAL_NUMBER.match(self.agent_number):
            errors.append(FieldError("agent_number", "bad_internal_number"))
        if self.endpoint and not ENDPOINT.match(self.endpoint):
            errors.append(FieldError("endpoint", "bad_endpoint"))
        if self.direct_number and not E164.match(self.direct_number):
            errors.append(FieldError("direct_number", "bad_phone"))
        if not self.roles:
            errors.append(FieldError("roles", "required"))
        if self.language not in ("cs", "en"):
            errors.append(FieldError("language", "invalid_choice"))
        return errors

    def is_locked(self, now: datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until

    def record_failed_login(self, now: datetime, policy: LockoutPolicy) -> None:
        self.failed_logins += 1
        if self.failed_logins >= policy.max_failures:
            self.locked_until = now + timedelta(minutes=policy.lock_minutes)
            self.failed_logins = 0

    def record_successful_login(self) -> None:
        self.failed_logins = 0
        self.locked_until = None

    def end_sessions(self) -> None:
        """Every session begun so far stops being valid (sign-out, a new password, deactivation)."""
        self.session_epoch += 1
