"""The CSV export of a report (REP-05)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping
from datetime import tzinfo

from kc_domain.reports.document import Cell, ColumnKind, Document

from . import DEFAULT_LABELS, excel_cell, labels_with_defaults, machine_cell, totals_row

DELIMITERS = (",", ";")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: str) -> str:
    """Text as data, never as a formula: a spreadsheet would run ``=HYPERLINK(...)`` typed by a caller
    into a form, so text starting with = + - @ (or a tab/CR) gets a leading apostrophe (OWASP)."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def safe_row(cells: Iterable[object]) -> list[object]:
    """A row for ``csv.writer`` with every text cell passed through ``safe_text``: the one guard of
    every CSV KC writes (reports, the audit log, evaluations); numbers stay numbers."""
    return [safe_text(cell) if isinstance(cell, str) else cell for cell in cells]


def spreadsheet_csv(rows: Iterable[Iterable[object]]) -> str:
    """Rows as a CSV a Czech spreadsheet opens as it is: ``;`` between cells, a BOM so that UTF-8
    (Czech names) is read as such, every text cell through ``safe_text``."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    for row in rows:
        writer.writerow(safe_row(row))
    return "\ufeff" + out.getvalue()


Writer = Callable[[ColumnKind, Cell, tzinfo], str]


def _row(kinds: tuple[ColumnKind, ...], cells: tuple[Cell, ...], zone: tzinfo, write: Writer) -> list[str]:
    out = []
    for kind, value in zip(kinds, cells, strict=False):
        if isinstance(value, str):
            out.append(safe_text(value))
        else:
            out.append(write(kind, value, zone))
    return out


def to_csv(
    document: Document,
    zone: tzinfo,
    delimiter: str = ",",
    labels: Mapping[str, str] = DEFAULT_LABELS,
    czech_excel: bool = False,
) -> bytes:
    """The report as CSV: UTF-8 with a byte-order mark (without it Excel reads the file in the
    Windows code page and breaks the Czech letters), fields quoted by the ``csv`` module, lines ending
    CRLF, ``delimiter`` "," or ";" (Czech Excel expects ";"); anything else raises ValueError.

    Layout: the title; one line per filter (label, value); the generated time (label, time); then per
    table an empty line, a line with the table's title, the column labels, the rows and the totals
    (its first cell "Total" when empty); then, if any, an empty line and the notes, one a line.

    Values are written for machines, not for the reader's language: plain numbers with a dot
    decimal and no digit grouping, so that every program (and Excel in any locale, via import)
    reads the same figure; a "1,5" would be a number in Czech Excel but two fields or text elsewhere.
    Seconds with 1 decimal, percent as a share 0..1 with 4 decimals (empty when undefined),
    datetimes ``YYYY-MM-DD HH:MM:SS`` as wall time in ``zone``, dates ``YYYY-MM-DD``. Charts and
    drill-down links are not exported.

    With ``czech_excel`` the values are written as Czech Excel reads them when it opens the file
    (``excel_cell``: ``707,5``, ``60,00%``, ``0:11:48``, ``25.11.2026 14:03:00``), the variant the
    web offers with semicolons; a dot decimal would turn into a date or text there.
    """
    if delimiter not in DELIMITERS:
        raise ValueError(f"CSV delimiter must be one of {DELIMITERS!r}, not {delimiter!r}")
    words = labels_with_defaults(labels)
    write: Writer = excel_cell if czech_excel else machine_cell
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([safe_text(document.title)])
    for label, value in document.filters:
        writer.writerow([safe_text(label), safe_text(value)])
    writer.writerow([safe_text(words["generated"]), write(ColumnKind.DATETIME, document.generated_at, zone)])
    for table in document.tables:
        kinds = tuple(column.kind for column in table.columns)
        writer.writerow([])
        writer.writerow([safe_text(table.title)])
        writer.writerow([safe_text(column.label) for column in table.columns])
        for row in table.rows:
            writer.writerow(_row(kinds, row, zone, write))
        totals = totals_row(table, words)
        if totals is not None:
            writer.writerow(_row(kinds, totals, zone, write))
    if document.notes:
        writer.writerow([])
        for note in document.notes:
            writer.writerow([safe_text(note)])
    return buffer.getvalue().encode("utf-8-sig")
