"""The customer's password policy (SEC-02, local accounts) and sign-in lock-out."""

from __future__ import annotations

from datetime import datetime, timedelta

import attrs

from kc_domain.errors import FieldError

SPECIALS = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ ")


@attrs.frozen
class PasswordPolicy:
    min_length: int = 12
    require_digit: bool = True
    require_upper: bool = True
    require_lower: bool = True
    require_special: bool = False
    max_age_days: int = 0  # 0: passwords never expire

    def problems(self, password: str, *, username: str = "") -> list[FieldError]:
        """Every rule the password breaks, as field errors on ``password``."""
        rules = [
            (len(password) < self.min_length, "password_too_short", {"min": self.min_length}),
            (len(password) > 256, "too_long", {"max": 256}),
            (self.require_digit and not any(c.isdigit() for c in password), "password_needs_digit", {}),
            (self.require_upper and not any(c.isupper() for c in password), "password_needs_upper", {}),
            (self.require_lower and not any(c.islower() for c in password), "password_needs_lower", {}),
            (self.require_special and not any(c in SPECIALS for c in password), "password_needs_special", {}),
            (bool(username) and username.lower() in password.lower(), "password_contains_username", {}),
        ]
        return [FieldError("password", code, params) for broken, code, params in rules if broken]

    def expired(self, changed_at: datetime | None, now: datetime) -> bool:
        if not self.max_age_days or changed_at is None:
            return False
        return now - changed_at > timedelta(days=self.max_age_days)


@attrs.frozen
class LockoutPolicy:
    """An account is locked for ``lock_minutes`` after ``max_failures`` wrong passwords in a row
    (sign-in or own password change). A user name without an account locks the same way, so that
    the answers do not tell which accounts exist. A source (client address; IPv6: its /64) may not
    sign in for ``lock_minutes`` after ``max_failures_per_source`` failures within ``lock_minutes``,
    so that one client cannot lock out every account."""

    max_failures: int = 5
    lock_minutes: int = 15
    max_failures_per_source: int = 30
