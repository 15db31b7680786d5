"""The campaign report (OUT-14, OUT-18, REP-10, REP-08), also while a campaign runs: per campaign
over the period and over the rolling last 24 hours, per Prague day and per agent, the attempts,
reach, success and abandon rates, agent hours and contacts per agent hour (``attempt_report``), the
agents' occupancy from the journal's state times (``activity``), the outcomes and the questionnaire
results of each campaign's call script (``script_results``).

Attempts are counted on the day they started; the period, weekday, time-of-day, campaign, queue (the
campaign's queue) and agent filters apply; the rolling 24 hours ignore the period and the time
filters. The automatic dialler's attempts without an agent count everywhere but per agent, and
drop out once the report is narrowed to agents."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, time, timedelta
from fractions import Fraction
from typing import Any

import attrs

from kc_domain.outbound.attempt_report import AttemptFigures, answered, campaign_report, figures, recent
from kc_domain.outbound.attempts import CampaignAttempt
from kc_domain.outbound.campaigns import Campaign
from kc_domain.outbound.outcomes import OUTCOME_NAMES
from kc_domain.outbound.script_results import ScriptResults, questionnaire_results
from kc_domain.reports.activity import AgentTime, occupancy
from kc_domain.reports.definition import Built, Context, Figure, Report
from kc_domain.reports.document import Cell, Column, ColumnKind, Table
from kc_domain.reports.filters import ReportFilter
from kc_domain.texts import N_


def _share(value: Fraction | None, digits: int = 4) -> float | None:
    return None if value is None else round(float(value), digits)


# every figure of the campaign report, defined once
ATTEMPT_FIGURES: dict[str, Figure[AttemptFigures]] = {
    "attempts": Figure(N_("Attempts"), ColumnKind.INT, lambda f: f.attempts),
    "skipped": Figure(N_("Skipped"), ColumnKind.INT, lambda f: f.skipped),
    "live": Figure(N_("Answered by a person"), ColumnKind.INT, lambda f: f.live),
    "successes": Figure(N_("Successful"), ColumnKind.INT, lambda f: f.successes),
    "abandoned": Figure(N_("Abandoned"), ColumnKind.INT, lambda f: f.abandoned),
    "reach_rate": Figure(N_("Reach rate"), ColumnKind.PERCENT, lambda f: _share(f.reach_rate)),
    "success_rate": Figure(N_("Success rate"), ColumnKind.PERCENT, lambda f: _share(f.success_rate)),
    "abandon_rate": Figure(N_("Abandon rate"), ColumnKind.PERCENT, lambda f: _share(f.abandon_rate)),
    "agent_hours": Figure(N_("Agent hours"), ColumnKind.SECONDS, lambda f: f.worked.total_seconds()),
    "per_agent_hour": Figure(
        N_("Contacts per agent hour"), ColumnKind.NUMBER, lambda f: _share(f.per_agent_hour, 2)
    ),
}
ALL = list(ATTEMPT_FIGURES)
PER_AGENT = [
    "attempts",
    "skipped",
    "live",
    "successes",
    "reach_rate",
    "success_rate",
    "agent_hours",
    "per_agent_hour",
]
NOTES = (
    N_(
        "Attempts: calls placed for a contact (the dialler's without an agent too); attempts still "
        "open count when they end."
    ),
    N_("Reach rate: attempts a person answered over attempts; success rate: successful ones over attempts."),
    N_(
        "Abandon rate: calls a person answered and no agent took over the calls a person answered, "
        "per day and over the last 24 hours."
    ),
    N_("Contacts per agent hour: the attempts agents made over the time they spent on them."),
    N_(
        "Occupancy: the time the campaign's agents spent talking and in wrap-up over their logged-in "
        "time (all their work in the period)."
    ),
)


@attrs.frozen
class Selection:
    campaigns: dict[int, Campaign]  # the campaigns covered, by id
    attempts: list[CampaignAttempt]  # theirs in the period, the filters applied
    last_day: list[CampaignAttempt]  # theirs over the last 24 hours


def chosen_campaigns(ctx: Context) -> dict[int, Campaign]:
    """The campaigns the filter names (none: all), of the filter's queues when it has some."""
    w = ctx.wanted
    return {
        cid: c
        for cid, c in ctx.campaigns().items()
        if (not w.campaign_ids or cid in w.campaign_ids) and (not w.queue_ids or c.queue_id in w.queue_ids)
    }


def _period(ctx: Context) -> tuple[datetime, datetime]:
    """The period's whole days in the contact centre's zone (today's attempts so far, the agents'
    intervals still open until now)."""
    since = datetime.combine(ctx.wanted.since, time(), ctx.zone)
    return since, datetime.combine(ctx.wanted.until + timedelta(days=1), time(), ctx.zone)


def _kept(ctx: Context, attempt: CampaignAttempt, *, times: bool) -> bool:
    if ctx.agents and attempt.agent_id not in ctx.agents:
        return False
    if not times:
        return True
    return _in_window(ctx.wanted, attempt.started_at.astimezone(ctx.zone))


def _in_window(wanted: ReportFilter, local: datetime) -> bool:
    if wanted.weekdays and local.weekday() not in wanted.weekdays:
        return False
    window = wanted.minutes
    return window is None or window[0] <= local.hour * 60 + local.minute < window[1]


def select(ctx: Context) -> Selection:
    campaigns = chosen_campaigns(ctx)
    since, until = _period(ctx)
    found = ctx.attempts(campaigns, since, until) if campaigns else []
    latest = ctx.attempts(campaigns, ctx.now - timedelta(hours=24), ctx.now) if campaigns else []
    return Selection(
        campaigns,
        [a for a in found if _kept(ctx, a, times=True)],
        [a for a in latest if _kept(ctx, a, times=False)],
    )


def _by_campaign(
    ctx: Context, picked: Selection, attempts: Sequence[CampaignAttempt]
) -> list[tuple[str, AttemptFigures, str]]:
    mine: dict[int, list[CampaignAttempt]] = {}
    for attempt in attempts:
        mine.setdefault(attempt.campaign_id, []).append(attempt)
    ordered = sorted(mine, key=lambda c: picked.campaigns[c].name.casefold() if c in picked.campaigns else "")
    return [
        (
            _name(ctx, picked, c),
            figures(mine[c]),
            "",
        )
        for c in ordered
    ]


def campaigns(ctx: Context) -> Built:
    picked = select(ctx)
    report = campaign_report(picked.attempts, ctx.zone)
    calls = _agents_calls(picked)
    times = _call_times(ctx, calls)  # the journal's intervals of the agents' campaign calls, read once
    days = [(day, f, "") for day, f in report.days]
    tables = [
        _table(
            ctx, N_("Campaigns"), N_("Campaign"), _by_campaign(ctx, picked, picked.attempts), report.total
        ),
        _table(
            ctx,
            N_("The last 24 hours"),
            N_("Campaign"),
            _by_campaign(ctx, picked, picked.last_day),
            recent(picked.last_day, ctx.now),
        ),
        _table(ctx, N_("By day"), N_("Day"), days, report.total, ColumnKind.DATE),
        _agents(ctx, report.agents, report.total, times),
        _handling(ctx, picked, calls, times),
        _outcomes(ctx, report.total),
    ]
    for campaign_id, campaign in sorted(picked.campaigns.items(), key=lambda c: c[1].name.casefold()):
        script = ctx.script(campaign)
        if script is not None:
            mine = [a for a in picked.attempts if a.campaign_id == campaign_id]
            tables.append(_questionnaire(ctx, campaign.name, questionnaire_results(script, answered(mine))))
    chart = ctx.bars(
        ctx.gettext("Attempts by day"),
        [ctx.words.short_day(day) for day, _f, _u in days],
        [
            (ctx.gettext("Attempts"), [f.attempts for _d, f, _u in days]),
            (ctx.gettext("Answered by a person"), [f.live for _d, f, _u in days]),
            (ctx.gettext("Abandoned"), [f.abandoned for _d, f, _u in days]),
        ],
    )
    return Built(tuple(tables), (chart,))


def _table(
    ctx: Context,
    title: str,
    key_label: str,
    rows: Sequence[tuple[Any, AttemptFigures, str]],
    total: AttemptFigures,
    key_kind: ColumnKind = ColumnKind.TEXT,
    names: Sequence[str] = ALL,
) -> Table:
    return ctx.figure_table(title, key_label, rows, names, total, key_kind, catalogue=ATTEMPT_FIGURES)


def _agents(
    ctx: Context,
    agents: Sequence[tuple[int, AttemptFigures]],
    total: AttemptFigures,
    call_times: Sequence[tuple[int, str, str, float]],
) -> Table:
    """Per agent: her attempts' figures, then her logged-in time, talk and wrap-up, occupancy, and the
    time she spent on the campaigns' calls (ringing, talk and wrap-up of the calls that name them)."""
    since, until = _period(ctx)
    ids = frozenset(a for a, _f in agents)
    times = ctx.journal.agent_times(since, min(until, ctx.now), ctx.now, ids) if ids else {}
    rows = sorted(agents, key=lambda a: ctx.agent_name(a[0]).casefold())
    table = _table(
        ctx,
        N_("By agent"),
        N_("Agent"),
        [(ctx.agent_name(a), f, "") for a, f in rows],
        total,
        names=PER_AGENT,
    )
    spent = [times.get(a) for a, _f in rows]
    S = ColumnKind.SECONDS
    extra = (
        Column("logged_in", ctx.gettext("Logged in"), S),
        Column("occupied", ctx.gettext("Talk and wrap-up"), S),
        Column("occupancy", ctx.gettext("Occupancy"), ColumnKind.PERCENT),
        Column("on_campaign_calls", ctx.gettext("On the campaigns' calls"), S),
    )
    outbound: dict[int, float] = {}
    for agent_id, _call, _state, seconds in call_times:
        outbound[agent_id] = outbound.get(agent_id, 0.0) + seconds
    present = [t for t in spent if t is not None]
    summed = (
        round(sum(t.logged_in_s for t in present), 1),
        round(sum(t.occupied_s for t in present), 1),
        occupancy(present),
        round(sum(outbound.values()), 1),
    )
    return attrs.evolve(
        table,
        columns=table.columns + extra,
        rows=tuple(
            row + _occupied(t) + (round(outbound.get(a, 0.0), 1),)
            for row, t, (a, _f) in zip(table.rows, spent, rows, strict=True)
        ),
        totals=None if table.totals is None else table.totals + summed,
    )


def _handling(
    ctx: Context,
    picked: Selection,
    calls: Mapping[str, CampaignAttempt],
    times: Sequence[tuple[int, str, str, float]],
) -> Table:
    """REP-08, per campaign: the calls its agents talked on (a dialled contact put through, a preview
    dial) and their average talk, wrap-up and handling time, from the journal: the call's talk, and
    the agent's wrap-up interval that names the call."""
    rows = ctx.journal.interactions_of(list(calls)) if calls else {}
    wraps: dict[str, float] = {}
    for _agent, call_id, state, seconds in times:
        if state == "wrap_up":
            wraps[call_id] = wraps.get(call_id, 0.0) + seconds
    talked: dict[int, list[tuple[float, float]]] = {}
    for call_id, attempt in calls.items():
        row = rows.get(call_id)
        if row is not None and row.talk_s is not None:
            talked.setdefault(attempt.campaign_id, []).append((row.talk_s, wraps.get(call_id, 0.0)))

    def averages(spent: Sequence[tuple[float, float]]) -> tuple[Cell, ...]:
        if not spent:
            return (0, None, None, None)
        talk, wrap = (sum(x) / len(spent) for x in zip(*spent, strict=True))
        return (len(spent), round(talk, 1), round(wrap, 1), round(talk + wrap, 1))

    named = sorted(talked.items(), key=lambda c: _name(ctx, picked, c[0]).casefold())
    S = ColumnKind.SECONDS
    return Table(
        ctx.gettext("Handling by campaign"),
        (
            Column("campaign", ctx.gettext("Campaign")),
            Column("calls", ctx.gettext("Calls talked"), ColumnKind.INT),
            Column("talk", ctx.gettext("Average talk"), S),
            Column("wrap_up", ctx.gettext("Average wrap-up"), S),
            Column("handling", ctx.gettext("Average handling time"), S),
        ),
        tuple((_name(ctx, picked, c), *averages(spent)) for c, spent in named),
        ("", *averages([s for _c, spent in named for s in spent])),
    )


def _agents_calls(picked: Selection) -> dict[str, CampaignAttempt]:
    """The calls of the campaigns' contacts an agent had (her attempts that name a call)."""
    return {a.call_id: a for a in picked.attempts if a.call_id and a.agent_id is not None}


def _call_times(ctx: Context, calls: Mapping[str, CampaignAttempt]) -> list[tuple[int, str, str, float]]:
    """(agent, call, state, seconds) of every journaled agent state interval that names one of
    ``calls`` (ringing, on the call, wrap-up) within the period: the agents' outbound work (OUT-18)."""
    since, until = _period(ctx)
    found = []
    for agent_id in sorted({a.agent_id for a in calls.values() if a.agent_id is not None}):
        for interval in ctx.journal.intervals(agent_id, since, min(until, ctx.now)):
            if interval.call_id in calls and interval.state in ("ringing", "busy", "wrap_up"):
                end = interval.ended_at or ctx.now
                found.append(
                    (agent_id, interval.call_id, interval.state, (end - interval.started_at).total_seconds())
                )
    return found


def _name(ctx: Context, picked: Selection, campaign_id: int) -> str:
    found = picked.campaigns.get(campaign_id)
    return found.name if found is not None else ctx.gettext("Deleted campaign")


def _occupied(spent: AgentTime | None) -> tuple[Cell, ...]:
    if spent is None:
        return (0.0, 0.0, None)
    return (spent.logged_in_s, spent.occupied_s, occupancy([spent]))


def _outcomes(ctx: Context, total: AttemptFigures) -> Table:
    return Table(
        ctx.gettext("Outcomes"),
        (
            Column("outcome", ctx.gettext("Outcome")),
            Column("attempts", ctx.gettext("Attempts"), ColumnKind.INT),
            Column("share", ctx.gettext("Of attempts"), ColumnKind.PERCENT),
        ),
        tuple((ctx.gettext(OUTCOME_NAMES[o]), n, round(n / total.attempts, 4)) for o, n in total.outcomes),
        ("", total.attempts, None),
    )


def _questionnaire(ctx: Context, name: str, results: ScriptResults) -> Table:
    """A campaign's questionnaire results: for each question the runs that answered and skipped it,
    each choice's count, a number question's mean and median; then the runs per end state."""
    rows: list[tuple[Any, ...]] = []
    for q in results.questions:
        rows.append((q.text, ctx.gettext("answered"), q.answered, None, None))
        rows.append((q.text, ctx.gettext("skipped"), q.skipped, None, None))
        rows += [(q.text, c.label, c.count, None, None) for c in q.choices]
        if q.numbers is not None and q.numbers.count:
            mean, median = (
                None if v is None else round(float(v), 2) for v in (q.numbers.mean, q.numbers.median)
            )
            rows.append((q.text, ctx.gettext("numbers"), q.numbers.count, mean, median))
    rows += [(ctx.gettext("End"), e.label, e.count, None, None) for e in results.ends]
    return Table(
        ctx.gettext("Questionnaire results: %(campaign)s", campaign=name),
        (
            Column("question", ctx.gettext("Question")),
            Column("answer", ctx.gettext("Given answer")),
            Column("count", ctx.gettext("Count"), ColumnKind.INT),
            Column("mean", ctx.gettext("Mean"), ColumnKind.NUMBER),
            Column("median", ctx.gettext("Median"), ColumnKind.NUMBER),
        ),
        tuple(rows),
        ("", ctx.gettext("Runs"), results.runs, None, None),
    )


REPORTS = (Report("campaigns", N_("Campaigns"), campaigns, notes=NOTES),)
