"""The call reports (REP-11..REP-20): overview per queue, lost calls by stage, waiting and ringing
times in buckets per queue and per agent, the hourly breakdown, the distribution over days,
weekdays, months and days of the month (peaks), and the service level and lost share per queue
and per agent."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from kc_domain.reports.definition import Built, Context, Report
from kc_domain.reports.document import ColumnKind
from kc_domain.reports.figures import CallFigures
from kc_domain.texts import N_

WEEKDAYS = (  # msgids
    N_("Monday"),
    N_("Tuesday"),
    N_("Wednesday"),
    N_("Thursday"),
    N_("Friday"),
    N_("Saturday"),
    N_("Sunday"),
)


def _by_queue(ctx: Context) -> list[tuple[str, CallFigures, str]]:
    found = ctx.figures("queue")
    keys = sorted(found, key=lambda q: (ctx.queue_names.get(q, "") if q is not None else "~", q or 0))
    return [
        (
            ctx.queue_names.get(q) or ctx.gettext("Deleted queue")
            if q is not None
            else ctx.gettext("No queue"),
            found[q],
            ctx.drill(queue=q),
        )
        for q in keys
    ]


def _answered_and_lost(
    ctx: Context, rows: list[tuple[Any, CallFigures, str]]
) -> list[tuple[str, list[float]]]:
    """The chart's two series over the rows."""
    return [
        (ctx.gettext("Answered"), [f.answered for _key, f, _url in rows]),
        (ctx.gettext("Lost"), [f.lost for _key, f, _url in rows]),
    ]


def _by_agent(ctx: Context) -> list[tuple[str, CallFigures, str]]:
    found = {a: f for a, f in ctx.figures("agent").items() if a is not None}
    keys = sorted(found, key=lambda a: ctx.agent_names.get(a, ""))
    return [(ctx.agent_name(a), found[a], ctx.drill(agent=a)) for a in keys]


def overview(ctx: Context) -> Built:
    rows = _by_queue(ctx)
    names = [
        "inbound",
        "answered",
        "lost",
        "transferred",
        "called_back",
        "outbound",
        "outbound_connected",
        "service_level",
        "lost_share",
        "average_queue_wait",
        "average_talk",
        "average_outbound_talk",
        "talk",
    ]
    table = ctx.figure_table(N_("Calls by queue"), N_("Queue"), rows, names, ctx.total())
    chart = ctx.bars(
        ctx.gettext("Answered and lost calls by queue"),
        [label for label, _f, _u in rows],
        _answered_and_lost(ctx, rows),
    )
    return Built((table,), (chart,))


def lost_calls(ctx: Context) -> Built:
    names = [
        "lost",
        "lost_before_ivr",
        "lost_in_ivr",
        "lost_in_queue",
        "lost_ringing",
        "short_abandons",
        "answered",
    ]
    table = ctx.figure_table(N_("Lost calls by stage"), N_("Queue"), _by_queue(ctx), names, ctx.total())
    return Built((table,))


def wait_times(ctx: Context) -> Built:
    waits = ["answered", "wait_10", "wait_20", "wait_30", "wait_more", "average_wait"]
    rings = ["answered", "ring_10", "ring_20", "ring_30", "ring_more"]
    total = ctx.total()
    return Built(
        (
            ctx.figure_table(
                N_("Wait from arrival to pick-up, by queue"), N_("Queue"), _by_queue(ctx), waits, total
            ),
            ctx.figure_table(
                N_("Wait from arrival to pick-up, by agent"), N_("Agent"), _by_agent(ctx), waits, total
            ),
            ctx.figure_table(N_("Ringing to pick-up, by queue"), N_("Queue"), _by_queue(ctx), rings, total),
            ctx.figure_table(N_("Ringing to pick-up, by agent"), N_("Agent"), _by_agent(ctx), rings, total),
        )
    )


def hourly(ctx: Context) -> Built:
    """The day in intervals of the filter's length (15, 30 or 60 minutes: REP-17, REP-19)."""
    found = ctx.figures("interval")
    size = ctx.wanted.interval_min
    rows = [
        (_clock(m), found[m], ctx.drill(**{"from": _clock(m), "to": _clock(min(m + size, 1439))}))
        for m in sorted(found)
    ]
    names = ["calls", "inbound", "answered", "lost", "outbound"]
    table = ctx.figure_table(N_("Calls by time of day"), N_("From"), rows, names, ctx.total())
    chart = ctx.bars(
        ctx.gettext("Calls by time of day"), [label for label, _f, _u in rows], _answered_and_lost(ctx, rows)
    )
    return Built((table,), (chart,))


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def distribution(ctx: Context) -> Built:
    """Peaks (REP-19): the calls over the days of the period, the days of the week, the months and
    the days of the month (the last two summed from the days)."""
    days = ctx.figures("day")
    weekdays = ctx.figures("weekday")
    names = ["calls", "inbound", "answered", "lost", "service_level"]
    by_day = [(d, days[d], ctx.drill(since=d.isoformat(), until=d.isoformat())) for d in sorted(days)]
    by_weekday = [(ctx.gettext(WEEKDAYS[w]), weekdays[w], ctx.drill(weekday=w)) for w in sorted(weekdays)]
    months: dict[tuple[int, int], CallFigures] = {}
    month_days: dict[int, CallFigures] = {}
    for d, figures in days.items():
        months[(d.year, d.month)] = months.get((d.year, d.month), CallFigures()) + figures
        month_days[d.day] = month_days.get(d.day, CallFigures()) + figures
    by_month = [(f"{m:02d}/{y}", months[(y, m)], _month_drill(ctx, y, m)) for y, m in sorted(months)]
    by_month_day = [(f"{n}.", month_days[n], "") for n in sorted(month_days)]
    day_table = ctx.figure_table(N_("Calls by day"), N_("Day"), by_day, names, ctx.total(), ColumnKind.DATE)
    weekday_table = ctx.figure_table(N_("Calls by day of the week"), N_("Day of the week"), by_weekday, names)
    month_table = ctx.figure_table(N_("Calls by month"), N_("Month"), by_month, names)
    month_day_table = ctx.figure_table(
        N_("Calls by day of the month"), N_("Day of the month"), by_month_day, names
    )
    chart = ctx.bars(
        ctx.gettext("Inbound calls by day"),
        [_short(ctx, d) for d, _f, _u in by_day],
        [(ctx.gettext("Inbound"), [f.inbound for _d, f, _u in by_day])],
    )
    return Built((day_table, weekday_table, month_table, month_day_table), (chart,))


def _month_drill(ctx: Context, year: int, month: int) -> str:
    """The calls of one month within the period."""
    first = max(date(year, month, 1), ctx.wanted.since)
    last = min(date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1), ctx.wanted.until)
    return ctx.drill(since=first.isoformat(), until=last.isoformat())


def service_levels(ctx: Context) -> Built:
    names = ["answered", "lost", "lost_share", "service_level", "average_queue_wait"]
    total = ctx.total()
    return Built(
        (
            ctx.figure_table(N_("By queue"), N_("Queue"), _by_queue(ctx), names, total),
            ctx.figure_table(
                N_("By agent"), N_("Agent"), _by_agent(ctx), ["answered", "lost_share", "average_talk"], total
            ),
        )
    )


AGENT_SLA = ["answered", "lost_share", "average_talk"]


def _short(ctx: Context, day: Any) -> str:
    return ctx.words.short_day(day) if isinstance(day, date) else str(day)


REPORTS = (
    Report("calls_overview", N_("Calls overview"), overview, for_agents=True),
    Report("lost_calls", N_("Lost calls"), lost_calls),
    Report("wait_times", N_("Waiting times"), wait_times, for_agents=True),
    Report("hourly", N_("Hourly breakdown"), hourly, for_agents=True),
    Report("distribution", N_("Peaks and distribution"), distribution),
    Report("service_level", N_("Service level and lost calls"), service_levels, for_agents=True),
)
