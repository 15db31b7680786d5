"""The real clock, the Czech holiday calendar (``holidays`` package) and argon2 password hashing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import holidays
from argon2 import PasswordHasher as _Argon2
from argon2.exceptions import InvalidHashError, VerificationError


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock for tests and the simulator: it moves only when told to."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)


class CzechHolidays:
    """Czech public holidays, Easter included, for any year."""

    def __init__(self) -> None:
        self._calendar = holidays.country_holidays("CZ")

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and day in self._calendar

    def holidays_in(self, year: int) -> dict[date, str]:
        return dict(sorted(holidays.country_holidays("CZ", years=year).items()))


class Argon2Hasher:
    def __init__(self, time_cost: int = 3, memory_cost: int = 65536) -> None:
        self._argon2 = _Argon2(time_cost=time_cost, memory_cost=memory_cost)

    def hash(self, password: str) -> str:
        return self._argon2.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._argon2.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
