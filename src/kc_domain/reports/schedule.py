"""Scheduled reports (REP-21): a user's report with its filters, sent as a file to recipients every
day, week or month at a time of day in the contact centre's zone. A failed sending is retried
after 5, 15 and 60 minutes, then waits for the next regular run; every try is shown on the page."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum

import attrs

from kc_domain.errors import FieldError
from kc_domain.validation import int_range, text

FORMATS = ("xlsx", "csv", "csv-semicolon", "pdf")
RETRIES_MIN = (5, 15, 60)
MAX_RECIPIENTS = 20
EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def _addresses(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


class Frequency(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"  # on ``weekday`` (0 Monday)
    MONTHLY = "monthly"  # on ``day`` of the month (1-28, so every month has it)


@attrs.define(slots=False, eq=False)
class ReportSchedule:
    owner_id: int  # the user it is sent for: the report is made within their report access
    name: str
    report: str  # the report's key
    query: str = ""  # the report's filters as a query string, e.g. "preset=yesterday&queue=3"
    format: str = "xlsx"
    recipients: tuple[str, ...] = attrs.field(default=(), converter=_addresses)
    frequency: Frequency = attrs.field(default=Frequency.DAILY, converter=Frequency)
    weekday: int = 0
    day: int = 1
    at: str = "07:00"  # HH:MM in the contact centre's zone
    active: bool = True
    next_run_at: datetime | None = None
    last_run_at: datetime | None = None
    last_error: str = ""
    failures: int = 0  # failed tries since the last success
    id: int | None = None

    def problems(self, reports: frozenset[str] = frozenset()) -> list[FieldError]:
        errors: list[FieldError] = []
        text(errors, "name", self.name, max_length=80)
        if reports and self.report not in reports:
            errors.append(FieldError("report", "invalid_choice", {"value": self.report}))
        if self.format not in FORMATS:
            errors.append(FieldError("format", "invalid_choice", {"value": self.format}))
        if not self.recipients:
            errors.append(FieldError("recipients", "required"))
        elif len(self.recipients) > MAX_RECIPIENTS:
            errors.append(FieldError("recipients", "too_many", {"max": MAX_RECIPIENTS}))
        for address in self.recipients:
            if not EMAIL.match(address):
                errors.append(FieldError("recipients", "bad_recipient", {"value": address}))
        if not HHMM.match(self.at):
            errors.append(FieldError("at", "bad_time", {"value": self.at}))
        int_range(errors, "weekday", self.weekday, 0, 6)
        int_range(errors, "day", self.day, 1, 28)
        if len(self.query) > 1000:
            errors.append(FieldError("query", "too_long", {"max": 1000}))
        return errors

    def next_run(self, after: datetime, zone: tzinfo) -> datetime:
        """The first regular time strictly after ``after`` (aware)."""
        hour, minute = (int(part) for part in self.at.split(":"))
        day = after.astimezone(zone).date()
        for _ in range(400):
            if self._runs_on(day):
                found = _wall(day, time(hour, minute), zone)
                if found > after:
                    return found
            day += timedelta(days=1)
        raise ValueError(f"schedule {self.id}: no run within 400 days")  # cannot happen with valid fields

    def _runs_on(self, day: date) -> bool:
        if self.frequency == Frequency.WEEKLY:
            return day.weekday() == self.weekday
        if self.frequency == Frequency.MONTHLY:
            return day.day == self.day
        return True

    def sent(self, now: datetime, zone: tzinfo) -> None:
        self.last_run_at, self.last_error, self.failures = now, "", 0
        self.next_run_at = self.next_run(now, zone)

    def failed(self, now: datetime, zone: tzinfo, error: str) -> None:
        """Retry after 5, 15 and 60 minutes; then at the next regular time (and again from there)."""
        self.last_error, self.failures = error[:500], self.failures + 1
        if self.failures <= len(RETRIES_MIN):
            self.next_run_at = now + timedelta(minutes=RETRIES_MIN[self.failures - 1])
        else:
            self.next_run_at, self.failures = self.next_run(now, zone), 0


def _wall(day: date, at: time, zone: tzinfo) -> datetime:
    """The instant of a wall time in ``zone``: the first of two on the autumn night; one the spring
    night skips comes out an hour later on the wall (02:30 is 03:30)."""
    return datetime.combine(day, at, zone).astimezone(UTC)
