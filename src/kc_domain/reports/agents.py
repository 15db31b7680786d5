"""Agent activity (REP-16, REP-08): logged-in time, time in each state, each pause code, talk,
utilisation and handling time per agent over the period (whole days; the weekday and time-of-day
filters do not apply to it)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from kc_domain.reports.activity import pause_name
from kc_domain.reports.definition import Built, Context, Report
from kc_domain.reports.document import Column, ColumnKind, Table
from kc_domain.texts import N_


def activity(ctx: Context) -> Built:
    since = datetime.combine(ctx.wanted.since, time(), ctx.zone)
    until = min(datetime.combine(ctx.wanted.until + timedelta(days=1), time(), ctx.zone), ctx.now)
    times = ctx.journal.agent_times(since, until, ctx.now, ctx.agents)
    calls = ctx.figures("agent")
    rows, drill, pauses, codes = [], [], {}, set()
    for agent_id in sorted(times, key=lambda a: ctx.agent_names.get(a, "")):
        spent = times[agent_id]
        if not spent.logged_in_s:
            continue
        handled = calls.get(agent_id)
        answered = handled.answered if handled else 0
        wrap = spent.seconds.get("wrap_up", 0.0)
        handling = round(((handled.talk_s if handled else 0.0) + wrap) / answered, 1) if answered else None
        rows.append(
            (
                ctx.agent_name(agent_id),
                spent.logged_in_s,
                spent.seconds.get("ready", 0.0),
                spent.seconds.get("busy", 0.0),
                wrap,
                spent.seconds.get("paused", 0.0),
                spent.pause_count,
                answered,
                handling,
                spent.utilisation,
            )
        )
        drill.append(ctx.drill(agent=agent_id))
        pauses[agent_id] = spent.pauses
        codes |= set(spent.pauses)
    S, N = ColumnKind.SECONDS, ColumnKind.INT
    table = Table(
        ctx.gettext("Agent activity"),
        (
            Column("agent", ctx.gettext("Agent")),
            Column("logged_in", ctx.gettext("Logged in"), S),
            Column("ready", ctx.gettext("Free"), S),
            Column("busy", ctx.gettext("On calls"), S),
            Column("wrap_up", ctx.gettext("Wrap-up"), S),
            Column("paused", ctx.gettext("Paused"), S),
            Column("pauses", ctx.gettext("Pauses"), N),
            Column("answered", ctx.gettext("Answered"), N),
            Column("handling", ctx.gettext("Average handling time"), S),
            Column("utilisation", ctx.gettext("Utilisation"), ColumnKind.PERCENT),
        ),
        tuple(rows),
        drill=tuple(drill),
    )
    known = ctx.pause_names()
    names = {c: pause_name(c, known) for c in codes}  # headed by name, not by code
    ordered = sorted(codes, key=lambda c: names[c].casefold())
    breaks = Table(
        ctx.gettext("Time in each pause"),
        (Column("agent", ctx.gettext("Agent")), *(Column(c, names[c], S) for c in ordered)),
        tuple((ctx.agent_name(a), *(p.get(c, 0.0) for c in ordered)) for a, p in pauses.items()),
    )
    return Built((table, breaks))


REPORTS = (Report("agent_activity", N_("Agent activity"), activity, for_agents=True),)
