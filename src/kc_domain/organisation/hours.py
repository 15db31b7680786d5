"""Opening hours: several intervals per weekday, Czech public holidays and date exceptions."""

from __future__ import annotations

import itertools
import re
from collections.abc import Container, Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

import attrs

from kc_domain.errors import FieldError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_INTERVAL = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


class BadInterval(ValueError):
    pass


@attrs.frozen(order=True)
class TimeInterval:
    """From ``start`` to ``end`` minutes after local midnight; end 1440 means midnight."""

    start: int
    end: int

    @classmethod
    def parse(cls, text: str) -> TimeInterval:
        match = _INTERVAL.match(text)
        if not match:
            raise BadInterval(text)
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 > 23 or m1 > 59 or m2 > 59 or h2 > 24 or (h2 == 24 and m2):
            raise BadInterval(text)
        return cls(h1 * 60 + m1, h2 * 60 + m2)

    def __str__(self) -> str:
        return f"{self.start // 60:02d}:{self.start % 60:02d}-{self.end // 60:02d}:{self.end % 60:02d}"

    def contains(self, minute: int) -> bool:
        return self.start <= minute < self.end


def parse_intervals(text: str) -> tuple[TimeInterval, ...]:
    """``"08:00-12:00, 13:00-17:00"`` -> intervals; empty text means closed."""
    parts = [p for p in re.split(r"[,;]", text) if p.strip()]
    return tuple(sorted(TimeInterval.parse(p) for p in parts))


def format_intervals(intervals: Iterable[TimeInterval]) -> str:
    return ", ".join(str(i) for i in intervals)


def interval_problems(field: str, intervals: Sequence[TimeInterval]) -> list[FieldError]:
    errors: list[FieldError] = []
    ordered = sorted(intervals)
    for interval in ordered:
        if interval.start >= interval.end:
            errors.append(FieldError(field, "interval_empty", {"interval": str(interval)}))
    for before, after in itertools.pairwise(ordered):
        if after.start < before.end:
            errors.append(FieldError(field, "interval_overlap", {"first": str(before), "second": str(after)}))
    return errors


@attrs.frozen
class DateException:
    """A date with its own hours (empty: closed all day), e.g. 24 December."""

    day: date
    intervals: tuple[TimeInterval, ...] = ()
    note: str = ""


@attrs.frozen
class OpeningHours:
    weekly: tuple[tuple[TimeInterval, ...], ...] = attrs.field(default=((),) * 7)
    exceptions: tuple[DateException, ...] = ()
    closed_on_holidays: bool = True

    @classmethod
    def office(cls) -> OpeningHours:
        """A Czech insurer's usual hours: Mon-Thu 08:00-17:00, Fri 08:00-15:00, closed on holidays."""
        day, friday = (TimeInterval(480, 1020),), (TimeInterval(480, 900),)
        return cls(weekly=(day, day, day, day, friday, (), ()), closed_on_holidays=True)

    @classmethod
    def always_open(cls) -> OpeningHours:
        return cls(weekly=((TimeInterval(0, 1440),),) * 7, closed_on_holidays=False)

    def intervals_on(self, day: date, holidays: Container[date]) -> tuple[TimeInterval, ...]:
        for exception in self.exceptions:
            if exception.day == day:
                return exception.intervals
        if self.closed_on_holidays and day in holidays:
            return ()
        return self.weekly[day.weekday()]

    def is_open(self, at: datetime, zone: tzinfo, holidays: Container[date]) -> bool:
        """Whether the queue is open at the aware instant ``at``, judged in local time ``zone``."""
        local = at.astimezone(zone)
        minute = local.hour * 60 + local.minute
        return any(i.contains(minute) for i in self.intervals_on(local.date(), holidays))

    def next_opening(
        self, at: datetime, zone: tzinfo, holidays: Container[date], days: int = 14
    ) -> datetime | None:
        """When a queue closed at ``at`` opens next (aware, UTC), looking ``days`` ahead; None if it
        stays closed that long (or is open now: it does not open, it is open)."""
        if self.is_open(at, zone, holidays):
            return None
        local = at.astimezone(zone)
        now_minute = local.hour * 60 + local.minute
        for ahead in range(days + 1):
            day = local.date() + timedelta(days=ahead)
            starts = [i.start for i in self.intervals_on(day, holidays) if ahead or i.start > now_minute]
            if starts:
                first = min(starts)
                opening = datetime.combine(day, time(first // 60, first % 60), tzinfo=zone)
                return opening.astimezone(UTC)
        return None

    def problems(self) -> list[FieldError]:
        errors: list[FieldError] = []
        if len(self.weekly) != 7:
            errors.append(FieldError("hours", "invalid_choice"))
        for name, intervals in zip(WEEKDAYS, self.weekly, strict=False):
            errors += interval_problems(f"hours_{name}", intervals)
        seen: set[date] = set()
        for exception in self.exceptions:
            if exception.day in seen:
                errors.append(FieldError("exceptions", "duplicate_date", {"date": exception.day.isoformat()}))
            seen.add(exception.day)
            errors += interval_problems("exceptions", exception.intervals)
        return errors

    def to_plain(self) -> dict[str, Any]:
        return {
            "weekly": {d: [str(i) for i in iv] for d, iv in zip(WEEKDAYS, self.weekly, strict=False)},
            "exceptions": [
                {"day": e.day.isoformat(), "intervals": [str(i) for i in e.intervals], "note": e.note}
                for e in self.exceptions
            ],
            "closed_on_holidays": self.closed_on_holidays,
        }

    @classmethod
    def from_plain(cls, data: dict[str, Any]) -> OpeningHours:
        """Inverse of ``to_plain``; raises ``ValueError`` (``BadInterval``) on malformed data."""
        weekly = data.get("weekly", {})
        return cls(
            weekly=tuple(tuple(sorted(TimeInterval.parse(t) for t in weekly.get(d, []))) for d in WEEKDAYS),
            exceptions=tuple(
                DateException(
                    date.fromisoformat(e["day"]),
                    tuple(sorted(TimeInterval.parse(t) for t in e.get("intervals", []))),
                    str(e.get("note", "")),
                )
                for e in data.get("exceptions", [])
            ),
            closed_on_holidays=bool(data.get("closed_on_holidays", True)),
        )
