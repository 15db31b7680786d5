"""A preferred callback time keyed in by DTMF (IN-09): parsing and checking against opening hours.

Formats: ``DDMMHHMM`` (year implied: this year, or next year when the day has already passed)
and ``HHMM`` (today, or tomorrow when that time has already passed). Wall-clock times are in the
queue's zone; a time skipped by the spring DST change does not exist and is refused, a time repeated
in autumn means its first occurrence (summer time).
"""

from __future__ import annotations

from collections.abc import Container
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from kc_domain.errors import ValidationFailed
from kc_domain.organisation.hours import OpeningHours, TimeInterval

DEFAULT_MAX_DAYS = 14


def _fail(field: str, code: str, **params: Any) -> ValidationFailed:
    return ValidationFailed.one(field, code, **params)


def _local(day: date, hour: int, minute: int, zone: tzinfo) -> datetime | None:
    """The aware local time, or None when the wall-clock time does not exist (DST gap)."""
    wall = datetime.combine(day, time(hour, minute), tzinfo=zone)
    back = wall.astimezone(UTC).astimezone(zone)
    return wall if back.replace(tzinfo=None) == wall.replace(tzinfo=None) else None


def _interval_at(local: datetime, hours: OpeningHours, holidays: Container[date]) -> TimeInterval | None:
    minute = local.hour * 60 + local.minute
    for interval in hours.intervals_on(local.date(), holidays):
        if interval.contains(minute):
            return interval
    return None


def parse_preferred(
    text: str,
    now: datetime,
    hours: OpeningHours,
    zone: tzinfo,
    holidays: Container[date],
    *,
    max_days: int = DEFAULT_MAX_DAYS,
    min_before_close_min: int = 0,
    field: str = "preferred_at",
) -> datetime:
    """The aware UTC instant meant by the digits ``text``, keyed in at ``now``.

    Raises ``ValidationFailed`` with one of the codes ``bad_format``, ``no_such_time`` (skipped by
    DST), ``in_the_past``, ``too_far`` (more than ``max_days`` ahead) or ``closed_at_that_time``
    (outside the opening hours, or less than ``min_before_close_min`` minutes before the interval
    closes; ``params["reason"]`` is ``closed`` or ``closing_soon``).
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")
    digits = text.strip().rstrip("#")
    if not digits.isdigit() or len(digits) not in (4, 8) or not digits.isascii():
        raise _fail(field, "bad_format", value=text)
    hour, minute = int(digits[-4:-2]), int(digits[-2:])
    if hour > 23 or minute > 59:
        raise _fail(field, "bad_format", value=text)
    local_now = now.astimezone(zone)
    today = local_now.date()
    if len(digits) == 8:
        day_no, month = int(digits[:2]), int(digits[2:4])
        day = _date_or_none(today.year, month, day_no)
        if day is None or day < today:
            day = _date_or_none(today.year + 1, month, day_no)
        if day is None:
            raise _fail(field, "bad_format", value=text)
    else:
        day = today
        if (hour, minute) <= (local_now.hour, local_now.minute):
            day = today + timedelta(days=1)
    local = _local(day, hour, minute, zone)
    if local is None:
        raise _fail(field, "no_such_time", value=text)
    at = local.astimezone(UTC)
    if at <= now:
        raise _fail(field, "in_the_past", value=text)
    if at > now + timedelta(days=max_days):
        raise _fail(field, "too_far", value=text, max_days=max_days)
    interval = _interval_at(local, hours, holidays)
    if interval is None:
        raise _fail(field, "closed_at_that_time", value=text, reason="closed")
    if hour * 60 + minute + min_before_close_min > interval.end:
        raise _fail(
            field,
            "closed_at_that_time",
            value=text,
            reason="closing_soon",
            closes_at=str(interval).split("-")[1],
            min_before_close=min_before_close_min,
        )
    return at


def _date_or_none(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def next_open_slot(
    after: datetime,
    hours: OpeningHours,
    zone: tzinfo,
    holidays: Container[date],
    *,
    horizon_days: int = 366,
) -> datetime | None:
    """The first instant at or after ``after`` when the queue is open (aware UTC), or None within the horizon.

    For an "as soon as possible" request made while closed: it becomes due when the queue opens.
    """
    if hours.is_open(after, zone, holidays):
        return after.astimezone(UTC)
    start_day = after.astimezone(zone).date()
    for offset in range(horizon_days + 1):
        day = start_day + timedelta(days=offset)
        for interval in sorted(hours.intervals_on(day, holidays)):
            if interval.start >= interval.end:
                continue
            opens = _opening_instant(day, interval.start, zone)
            if opens > after:
                return opens
    return None


def _opening_instant(day: date, start_minute: int, zone: tzinfo) -> datetime:
    """When local ``day`` reaches ``start_minute``; in a DST gap, the moment the clock jumps past it."""
    hour, minute = divmod(start_minute, 60)
    local = _local(day, hour, minute, zone)
    if local is not None:
        return local.astimezone(UTC)
    # fold=0 in a gap reads the time with the offset from before the change: that instant is the jump.
    return datetime.combine(day, time(hour, minute), tzinfo=zone).astimezone(UTC)
