"""The PDF export of a report (REP-05), with weasyprint: HTML and CSS (``report.css``) to PDF.

Every column is printed: the pages are A4 landscape, the column labels wrap between words, and a
table still too wide for the page (many pause codes, say) is printed in parts, each repeating the
table's first (key) column, so that no column runs off the right edge of the paper."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from datetime import tzinfo
from html import escape
from importlib.resources import files

from weasyprint import HTML

from kc_domain.reports.document import Cell, Column, ColumnKind, Document, Table

from . import DEFAULT_LABELS, DEFAULT_LOCALE, format_cell, labels_with_defaults, totals_row

# weasyprint warns about every CSS property it does not support, fontTools chats while it subsets
# the fonts: neither is news for an operator reading the server's log.
for _name in ("weasyprint", "weasyprint.progress", "fontTools"):
    logging.getLogger(_name).setLevel(logging.ERROR)

NUMERIC = frozenset(
    {ColumnKind.INT, ColumnKind.NUMBER, ColumnKind.SECONDS, ColumnKind.PERCENT, ColumnKind.DATETIME}
)
_NUM = ' class="num"'
# The width a table may take (report.css: A4 landscape, 12 mm side margins) and an estimate of what a
# column needs at the tables' 8 pt of DejaVu Sans: its longest unbreakable text (a word of a label or
# a text cell, a whole number, which never wraps) at a generous average glyph width, plus the cell's
# padding. An estimate on the safe side: a table that might not fit is split.
PRINTABLE_MM = 297 - 2 * 12
_PT_MM = 25.4 / 72
_GLYPH_MM = 0.64 * 8 * _PT_MM  # DejaVu Sans averages 0.53-0.64 em (digits 0.64)
_BOLD_GLYPH_MM = 0.72 * 8 * _PT_MM  # its bold, for the labels and the totals
_CELL_PADDING_MM = 2 * 1.5 + 0.6  # report.css: th, td padding, and a little for the borders
_PROLOGUE = re.compile(r"^\s*(<\?xml[^>]*\?>\s*)?(<!DOCTYPE[^>]*>\s*)?", re.IGNORECASE)


def _stylesheet() -> str:
    return files("kc_adapters.exports").joinpath("report.css").read_text(encoding="utf-8")


def _inline_svg(svg: str) -> str:
    """An SVG document as an element of the HTML: without its XML declaration and doctype. The SVG
    is the page's own chart (made by KC, its texts escaped there), so it is trusted markup."""
    return _PROLOGUE.sub("", svg, count=1)


def _cells(columns: tuple[Column, ...], cells: tuple[Cell, ...], zone: tzinfo, tag: str, locale: str) -> str:
    parts = []
    for column, value in zip(columns, cells, strict=False):
        css = _NUM if column.kind in NUMERIC and not isinstance(value, str) else ""
        parts.append(f"<{tag}{css}>{escape(format_cell(column.kind, value, zone, locale))}</{tag}>")
    return "".join(parts)


def _longest_word(text: str) -> int:
    return max((len(word) for word in text.split()), default=0)


def column_widths_mm(table: Table, zone: tzinfo, locale: str, words: Mapping[str, str]) -> list[float]:
    """The estimated narrowest width of each column (mm): the widest of its label's longest word
    (bold), its cells' longest words (a number whole: it does not wrap) and the totals (bold)."""
    totals = totals_row(table, words)
    widths = []
    for index, column in enumerate(table.columns):
        needed = _longest_word(column.label) * _BOLD_GLYPH_MM
        lines = [(row[index], _GLYPH_MM) for row in table.rows if index < len(row)]
        if totals is not None and index < len(totals):
            lines.append((totals[index], _BOLD_GLYPH_MM))
        for value, glyph in lines:
            text = format_cell(column.kind, value, zone, locale)
            whole = column.kind in NUMERIC and not isinstance(value, str)
            needed = max(needed, (len(text) if whole else _longest_word(text)) * glyph)
        widths.append(needed + _CELL_PADDING_MM)
    return widths


def _groups(widths: list[float]) -> list[list[int]]:
    """The columns after the first in groups that fit beside it: as few groups as filling them in
    order gives, with the columns spread evenly over them when they still fit so."""
    greedy: list[list[int]] = [[]]
    used = widths[0]
    for index in range(1, len(widths)):
        if greedy[-1] and used + widths[index] > PRINTABLE_MM:
            greedy.append([])
            used = widths[0]
        greedy[-1].append(index)
        used += widths[index]
    rest = list(range(1, len(widths)))
    size = -(-len(rest) // len(greedy))  # ceiling
    even = [rest[i : i + size] for i in range(0, len(rest), size)]
    fits = all(widths[0] + sum(widths[i] for i in group) <= PRINTABLE_MM for group in even)
    return even if fits and len(even) == len(greedy) else greedy


def table_parts(
    table: Table, zone: tzinfo, locale: str = DEFAULT_LOCALE, labels: Mapping[str, str] = DEFAULT_LABELS
) -> list[Table]:
    """The table as printed: whole when its columns fit the page's width, else in parts of as many
    columns as fit, each with the first (key) column again, titled "Title (1/2)", "Title (2/2)"."""
    words = labels_with_defaults(labels)
    widths = column_widths_mm(table, zone, locale, words)
    if len(widths) <= 2 or sum(widths) <= PRINTABLE_MM:
        return [table]
    groups = _groups(widths)
    if len(groups) == 1:
        return [table]

    def pick(cells: tuple[Cell, ...], chosen: list[int]) -> tuple[Cell, ...]:
        return tuple(cells[i] for i in (0, *chosen) if i < len(cells))

    return [
        Table(
            f"{table.title} ({number}/{len(groups)})",
            tuple(table.columns[i] for i in (0, *chosen)),
            tuple(pick(row, chosen) for row in table.rows),
            None if table.totals is None else pick(table.totals, chosen),
        )
        for number, chosen in enumerate(groups, start=1)
    ]


def _table(table: Table, zone: tzinfo, words: Mapping[str, str], locale: str) -> str:
    head = "".join(
        f"<th{_NUM if column.kind in NUMERIC else ''}>{escape(column.label)}</th>" for column in table.columns
    )
    body = [f"<tr>{_cells(table.columns, row, zone, 'td', locale)}</tr>" for row in table.rows]
    if not table.rows:
        span = max(len(table.columns), 1)
        body.append(f'<tr><td class="empty" colspan="{span}">{escape(words["empty"])}</td></tr>')
    totals = totals_row(table, words)
    if totals is not None:
        body.append(f'<tr class="totals">{_cells(table.columns, totals, zone, "td", locale)}</tr>')
    return (
        f"<section><h2>{escape(table.title)}</h2>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></section>"
    )


def to_html(
    document: Document,
    zone: tzinfo,
    labels: Mapping[str, str] = DEFAULT_LABELS,
    locale: str = DEFAULT_LOCALE,
) -> str:
    """The HTML that ``to_pdf`` prints (every text escaped), useful to inspect the layout."""
    words = labels_with_defaults(labels)
    made = format_cell(ColumnKind.DATETIME, document.generated_at, zone, locale)
    generated = f"{words['generated']}: {made}"
    filters = "".join(
        f"<li>{escape(label)}: <strong>{escape(value)}</strong></li>" for label, value in document.filters
    )
    running = " · ".join([document.title, *(f"{label}: {value}" for label, value in document.filters)])
    parts = [
        f'<!DOCTYPE html><html lang="{escape(locale)}"><head><meta charset="utf-8">',
        f"<title>{escape(document.title)}</title><style>{_stylesheet()}</style></head><body>",
        f'<div class="running"><span class="what">{escape(running)}</span>'
        f'<span class="when">{escape(generated)}</span></div>',
        f"<header><h1>{escape(document.title)}</h1>",
        f'<ul class="filters">{filters}</ul>' if filters else "",
        f'<p class="generated">{escape(generated)}</p></header>',
        *(f'<div class="chart">{_inline_svg(chart)}</div>' for chart in document.charts),
        *(
            _table(part, zone, words, locale)
            for table in document.tables
            for part in table_parts(table, zone, locale, words)
        ),
    ]
    if document.notes:
        notes = "".join(f"<p>{escape(note)}</p>" for note in document.notes)
        parts.append(f'<div class="notes">{notes}</div>')
    parts.append("</body></html>")
    return "".join(parts)


def to_pdf(
    document: Document,
    zone: tzinfo,
    labels: Mapping[str, str] = DEFAULT_LABELS,
    locale: str = DEFAULT_LOCALE,
) -> bytes:
    """The report as a PDF: A4 landscape; a header with the title, the filters and the generated
    time (on the first page in full, on the following ones as a line at the top); the charts as
    vectors (the SVG inlined in the HTML); each table with every column (``table_parts``), its
    column labels repeated on every page it runs over and its totals in bold; notes; "1 / 3" in the
    footer.

    Cells are formatted for humans by ``format_cell`` in ``locale`` (Czech: ``1:02:03``,
    ``85,3 %``, ``3,50``, ``25. 11. 2026 14:03`` in ``zone``). The font is DejaVu Sans (full Czech
    alphabet).
    """
    pdf = HTML(string=to_html(document, zone, labels, locale)).write_pdf()
    assert pdf is not None  # None only when writing to a target
    return bytes(pdf)
