"""Calls by the category their agent gave them (REP-03), with the category tree's path."""

from __future__ import annotations

from kc_domain.reports.definition import Built, Context, Report
from kc_domain.texts import N_


def categories(ctx: Context) -> Built:
    found = ctx.figures("category")
    known = ctx.categories()

    def path(category_id: int | None) -> str:
        if category_id is None:
            return ctx.gettext("Without a category")
        names, seen = [], set()
        current = known.get(category_id)
        while current is not None and current.id not in seen:
            seen.add(current.id)
            names.append(current.name)
            current = known.get(current.parent_id) if current.parent_id is not None else None
        return " › ".join(reversed(names)) or ctx.gettext("Deleted category")

    def drill(category_id: int | None) -> str:  # no filter selects the calls without a category
        return "" if category_id is None else ctx.drill(category=category_id)

    rows = sorted(
        ((path(k), f, drill(k)) for k, f in found.items()), key=lambda r: (r[0].startswith("~"), r[0])
    )
    names = ["calls", "inbound", "answered", "outbound", "average_talk", "talk"]
    return Built((ctx.figure_table(N_("Calls by category"), N_("Category"), rows, names, ctx.total()),))


REPORTS = (Report("categories", N_("Call categories"), categories),)
