"""The PDF export of a report (REP-05), with weasyprint: HTML and CSS (``report.css``) to PDF."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from datetime import tzinfo
from html import escape
from importlib.resources import files

from weasyprint import HTML

from kc_domain.reports.document import Cell, Column, ColumnKind, Document, Table

from . import DEFAULT_LABELS, format_cell, labels_with_defaults, totals_row

# weasyprint warns about every CSS property it does not support, fontTools chats while it subsets
# the fonts: neither is news for an operator reading the server's log.
for _name in ("weasyprint", "weasyprint.progress", "fontTools"):
    logging.getLogger(_name).setLevel(logging.ERROR)

NUMERIC = frozenset(
    {ColumnKind.INT, ColumnKind.NUMBER, ColumnKind.SECONDS, ColumnKind.PERCENT, ColumnKind.DATETIME}
)
_NUM = ' class="num"'
_PROLOGUE = re.compile(r"^\s*(<\?xml[^>]*\?>\s*)?(<!DOCTYPE[^>]*>\s*)?", re.IGNORECASE)


def _stylesheet() -> str:
    return files("kc_adapters.exports").joinpath("report.css").read_text(encoding="utf-8")


def _inline_svg(svg: str) -> str:
    """An SVG document as an element of the HTML: without its XML declaration and doctype. The SVG
    is the page's own chart (made by KC, its texts escaped there), so it is trusted markup."""
    return _PROLOGUE.sub("", svg, count=1)


def _cells(columns: tuple[Column, ...], cells: tuple[Cell, ...], zone: tzinfo, tag: str) -> str:
    parts = []
    for column, value in zip(columns, cells, strict=False):
        css = _NUM if column.kind in NUMERIC and not isinstance(value, str) else ""
        parts.append(f"<{tag}{css}>{escape(format_cell(column.kind, value, zone))}</{tag}>")
    return "".join(parts)


def _table(table: Table, zone: tzinfo, words: Mapping[str, str]) -> str:
    head = "".join(
        f"<th{_NUM if column.kind in NUMERIC else ''}>{escape(column.label)}</th>" for column in table.columns
    )
    body = [f"<tr>{_cells(table.columns, row, zone, 'td')}</tr>" for row in table.rows]
    if not table.rows:
        span = max(len(table.columns), 1)
        body.append(f'<tr><td class="empty" colspan="{span}">{escape(words["empty"])}</td></tr>')
    totals = totals_row(table, words)
    if totals is not None:
        body.append(f'<tr class="totals">{_cells(table.columns, totals, zone, "td")}</tr>')
    return (
        f"<section><h2>{escape(table.title)}</h2>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></section>"
    )


def to_html(document: Document, zone: tzinfo, labels: Mapping[str, str] = DEFAULT_LABELS) -> str:
    """The HTML that ``to_pdf`` prints (every text escaped), useful to inspect the layout."""
    words = labels_with_defaults(labels)
    generated = format_cell(ColumnKind.DATETIME, document.generated_at, zone)
    filters = "".join(
        f"<li>{escape(label)}: <strong>{escape(value)}</strong></li>" for label, value in document.filters
    )
    parts = [
        '<!DOCTYPE html><html lang="cs"><head><meta charset="utf-8">',
        f"<title>{escape(document.title)}</title><style>{_stylesheet()}</style></head><body>",
        f"<header><h1>{escape(document.title)}</h1>",
        f'<ul class="filters">{filters}</ul>' if filters else "",
        f'<p class="generated">{escape(words["generated"])}: {escape(generated)}</p></header>',
        *(f'<div class="chart">{_inline_svg(chart)}</div>' for chart in document.charts),
        *(_table(table, zone, words) for table in document.tables),
    ]
    if document.notes:
        notes = "".join(f"<p>{escape(note)}</p>" for note in document.notes)
        parts.append(f'<div class="notes">{notes}</div>')
    parts.append("</body></html>")
    return "".join(parts)


def to_pdf(document: Document, zone: tzinfo, labels: Mapping[str, str] = DEFAULT_LABELS) -> bytes:
    """The report as a PDF: A4 landscape; a header with the title, the filters and the generated
    time; the charts as vectors (the SVG inlined in the HTML); each table with its column labels
    repeated on every page it runs over and its totals in bold; notes; "1 / 3" in the footer.

    Cells are formatted for humans by ``format_cell`` (Czech conventions: ``1:02:03``, ``85,3 %``,
    ``3,50``, ``25. 11. 2026 14:03`` in ``zone``). The font is DejaVu Sans (full Czech alphabet).
    """
    pdf = HTML(string=to_html(document, zone, labels)).write_pdf()
    assert pdf is not None  # None only when writing to a target
    return bytes(pdf)
