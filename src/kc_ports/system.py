"""Time, calendars and secrets: what the domain must not take from the machine directly."""

from __future__ import annotations

from datetime import date, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""


class HolidayCalendar(Protocol):
    def __contains__(self, day: object) -> bool:
        """Whether ``day`` (a date) is a public holiday."""

    def holidays_in(self, year: int) -> dict[date, str]:
        """The public holidays of a year with their names."""


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str:
        """A salted, slow hash of the password."""

    def verify(self, password_hash: str, password: str) -> bool:
        """Whether the password matches; never raises for a mismatch."""
