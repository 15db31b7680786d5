"""What a report covers (REP-06, ADM-06): a period of days with presets, days of the week, a time
of day window, queues, agents, groups, call categories, campaigns; checked against what exists, the
retention limit and what the reader may see. Pure: today's date and the known ids are passed in."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date, time, timedelta

import attrs

from kc_domain.errors import FieldError, Forbidden, ValidationFailed

PRESETS = (
    "today",
    "yesterday",
    "this_week",
    "last_week",
    "this_month",
    "last_month",
    "last_7_days",
    "last_30_days",
)
INTERVALS = ("15", "30", "60")  # minutes of the time-of-day breakdowns
MAX_DAYS = 400  # the journal's retention (a period further back has no data to report)


@attrs.frozen
class ReportFilter:
    since: date  # first day, included (the contact centre's time zone)
    until: date  # last day, included
    weekdays: frozenset[int] = frozenset()  # 0 Monday .. 6 Sunday; empty: every day
    time_from: time | None = None  # time of day window [from, to); None: the whole day
    time_to: time | None = None
    queue_ids: frozenset[int] = frozenset()  # empty: every queue the reader may see
    agent_ids: frozenset[int] = frozenset()  # empty: every agent
    group_ids: frozenset[int] = frozenset()  # agents of these groups; empty: every group
    interval_min: int = 60  # the length of the time-of-day intervals (REP-19): 15, 30 or 60 minutes
    category_ids: frozenset[int] = frozenset()  # calls with one of these call categories; empty: all
    campaign_ids: frozenset[int] = frozenset()  # the campaign report's campaigns; empty: all

    @property
    def minutes(self) -> tuple[int, int] | None:
        """The time window as minutes of the day [from, to), or None for the whole day."""
        if self.time_from is None and self.time_to is None:
            return None
        start = 0 if self.time_from is None else self.time_from.hour * 60 + self.time_from.minute
        end = 1440 if self.time_to is None else self.time_to.hour * 60 + self.time_to.minute
        return start, end


@attrs.frozen
class Scope:
    """What a reader may see (ADM-06): the reports, queues and groups of their report-access filters
    (empty: all), or, for an agent without report rights, only their own figures."""

    reports: frozenset[str] = frozenset()
    queue_ids: frozenset[int] = frozenset()
    group_ids: frozenset[int] = frozenset()
    own_agent_id: int | None = None

    def allows(self, report: str) -> bool:
        return not self.reports or report in self.reports


def preset_period(name: str, today: date) -> tuple[date, date]:
    """The first and last day of a preset period."""
    monday = today - timedelta(days=today.weekday())
    first_of_month = today.replace(day=1)
    match name:
        case "today":
            return today, today
        case "yesterday":
            return today - timedelta(days=1), today - timedelta(days=1)
        case "this_week":
            return monday, today
        case "last_week":
            return monday - timedelta(days=7), monday - timedelta(days=1)
        case "this_month":
            return first_of_month, today
        case "last_month":
            last = first_of_month - timedelta(days=1)
            return last.replace(day=1), last
        case "last_7_days":
            return today - timedelta(days=6), today
        case "last_30_days":
            return today - timedelta(days=29), today
    raise ValueError(f"no such preset: {name!r}")


def parse_filter(
    args: Mapping[str, list[str]],
    today: date,
    *,
    queues: Collection[int],
    agents: Collection[int],
    groups: Collection[int],
    categories: Collection[int] = (),
    campaigns: Collection[int] = (),
) -> ReportFilter:
    """A filter from the query string (each key with its list of values): ``preset`` or ``since``
    and ``until`` (YYYY-MM-DD), ``weekday`` (0-6, repeatable), ``from`` and ``to`` (HH:MM),
    ``queue``, ``agent``, ``group``, ``category``, ``campaign`` (ids, repeatable), ``interval`` (15, 30, 60).
    Every problem is reported with its field; nothing is guessed."""
    errors: list[FieldError] = []

    def one(key: str) -> str:
        values = args.get(key) or [""]
        return values[0].strip()

    preset = one("preset")
    if preset and preset not in PRESETS:
        errors.append(FieldError("preset", "invalid_choice", {"value": preset}))
        preset = ""
    if preset:
        since, until = preset_period(preset, today)
    else:
        since = _day(one("since"), "since", today - timedelta(days=6), errors)
        until = _day(one("until"), "until", today, errors)
    if not errors:
        if until < since:
            errors.append(FieldError("until", "ends_before_start"))
        elif since < today - timedelta(days=MAX_DAYS):
            errors.append(FieldError("since", "beyond_retention", {"days": MAX_DAYS}))
        elif until > today:
            errors.append(FieldError("until", "in_future"))
    weekdays = _ids(args.get("weekday", []), "weekday", range(7), errors)
    time_from = _time(one("from"), "from", errors)
    time_to = _time(one("to"), "to", errors)
    if time_from is not None and time_to is not None and time_to <= time_from:
        errors.append(FieldError("to", "ends_before_start"))
    interval = one("interval") or "60"
    if interval not in INTERVALS:
        errors.append(FieldError("interval", "invalid_choice", {"value": interval}))
    queue_ids = _ids(args.get("queue", []), "queue", queues, errors)
    agent_ids = _ids(args.get("agent", []), "agent", agents, errors)
    group_ids = _ids(args.get("group", []), "group", groups, errors)
    category_ids = _ids(args.get("category", []), "category", categories, errors)
    campaign_ids = _ids(args.get("campaign", []), "campaign", campaigns, errors)
    if errors:
        raise ValidationFailed(errors)
    return ReportFilter(
        since,
        until,
        weekdays,
        time_from,
        time_to,
        queue_ids,
        agent_ids,
        group_ids,
        int(interval),
        category_ids,
        campaign_ids,
    )


def restrict(report: str, wanted: ReportFilter, scope: Scope) -> ReportFilter:
    """The filter within the reader's scope: ``Forbidden`` for a report, queue or group outside it
    (asked for explicitly); otherwise the scope's limits are applied."""
    if not scope.allows(report):
        raise Forbidden(f"report {report!r} is not in the reader's report access")
    if scope.queue_ids and not wanted.queue_ids <= scope.queue_ids:
        raise Forbidden("a queue outside the reader's report access")
    if scope.group_ids and not wanted.group_ids <= scope.group_ids:
        raise Forbidden("a group outside the reader's report access")
    agent_ids = wanted.agent_ids
    if scope.own_agent_id is not None:
        if agent_ids and agent_ids != {scope.own_agent_id}:
            raise Forbidden("an agent sees only their own figures")
        agent_ids = frozenset({scope.own_agent_id})
    return attrs.evolve(
        wanted,
        queue_ids=wanted.queue_ids or scope.queue_ids,
        group_ids=wanted.group_ids or scope.group_ids,
        agent_ids=agent_ids,
    )


def _day(raw: str, field: str, default: date, errors: list[FieldError]) -> date:
    if not raw:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors.append(FieldError(field, "bad_date", {"value": raw}))
        return default


def _time(raw: str, field: str, errors: list[FieldError]) -> time | None:
    if not raw:
        return None
    try:
        parsed = time.fromisoformat(raw)
    except ValueError:
        errors.append(FieldError(field, "bad_time", {"value": raw}))
        return None
    return parsed.replace(second=0, microsecond=0)


def _ids(raw: list[str], field: str, known: Collection[int], errors: list[FieldError]) -> frozenset[int]:
    found: set[int] = set()
    for value in raw:
        text = value.strip()
        if not text:
            continue
        if not text.isdecimal():
            errors.append(FieldError(field, "not_a_number", {"value": text}))
        elif int(text) not in known:
            errors.append(FieldError(field, "unknown_reference", {"id": int(text)}))
        else:
            found.add(int(text))
    return frozenset(found)
