"""Every report (REP-23), by key, and a report's document: its tables and charts with the filters in
words and the definitions under it, in the reader's language (``Context.words``)."""

from __future__ import annotations

from kc_domain.reports import agents, calls, campaigns, categories, ivr
from kc_domain.reports.definition import Context, Report
from kc_domain.reports.document import Document
from kc_domain.texts import N_

REPORTS: dict[str, Report] = {
    r.key: r for module in (calls, agents, categories, ivr, campaigns) for r in module.REPORTS
}
NOTES = (
    N_("Service level: calls answered within the queue's threshold among answered and lost calls."),
    N_("Lost within 5 s: callers who hung up within 5 seconds of calling (short abandons)."),
)


def build_document(report: Report, ctx: Context) -> Document:
    built = report.build(ctx)
    return Document(
        ctx.gettext(report.title),
        filter_words(ctx),
        ctx.now,
        built.tables,
        built.charts,
        tuple(ctx.gettext(note) for note in (NOTES if report.notes is None else report.notes)),
    )


def filter_words(ctx: Context) -> tuple[tuple[str, str], ...]:
    """The filters as (label, value) in words, for the header of the page and of every format."""
    w, words = ctx.wanted, ctx.words
    found = [(ctx.gettext("Period"), f"{words.full_date(w.since)} – {words.full_date(w.until)}")]
    if w.weekdays:
        found.append(
            (
                ctx.gettext("Days of the week"),
                ", ".join(ctx.gettext(calls.WEEKDAYS[d]) for d in sorted(w.weekdays)),
            )
        )
    if w.minutes is not None:
        start, end = w.minutes
        found.append(
            (
                ctx.gettext("Time of day"),
                f"{start // 60:02d}:{start % 60:02d} – {end // 60:02d}:{end % 60:02d}",
            )
        )
    if w.queue_ids:
        found.append(
            (ctx.gettext("Queues"), ", ".join(sorted(ctx.queue_names.get(q, str(q)) for q in w.queue_ids)))
        )
    if w.campaign_ids:
        known = ctx.campaigns()
        names = sorted(known[c].name if c in known else str(c) for c in w.campaign_ids)
        found.append((ctx.gettext("Campaigns"), ", ".join(names)))
    if ctx.agents:
        names = sorted(ctx.agent_names.get(a, str(a)) for a in ctx.agents if a > 0)
        found.append((ctx.gettext("Agents"), ", ".join(names)))
    return tuple(found)
