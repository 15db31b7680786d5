"""The Excel export of a report (REP-05), with openpyxl."""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from datetime import date, datetime, tzinfo

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.cell.cell import Cell as XlCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from kc_domain.reports.document import Cell, ColumnKind, Document, Table

from . import (
    DEFAULT_LABELS,
    DEFAULT_LOCALE,
    format_cell,
    is_blank,
    labels_with_defaults,
    local_time,
    totals_row,
)

SECONDS_PER_DAY = 86_400
# Number formats; Excel shows them by the reader's locale (Czech Excel: decimal comma).
FORMATS = {
    ColumnKind.INT: "#,##0",
    ColumnKind.NUMBER: "#,##0.00",
    ColumnKind.SECONDS: "[h]:mm:ss",  # the value is a fraction of a day, as Excel stores times
    ColumnKind.PERCENT: "0.0%",
    ColumnKind.DATETIME: "d.m.yyyy h:mm:ss",
    ColumnKind.DATE: "d.m.yyyy",
}
SHEET_NAME_MAX = 31
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_MIN_WIDTH, _MAX_WIDTH = 8, 60
_BOLD = Font(bold=True)


def sheet_names(titles: list[str]) -> list[str]:
    """Valid, distinct sheet names: without []:*?/\\, at most 31 characters, not starting or ending
    with an apostrophe, not the reserved "History", unique regardless of case (as Excel compares)."""
    names: list[str] = []
    taken: set[str] = set()
    for index, title in enumerate(titles, start=1):
        base = _SHEET_FORBIDDEN.sub("_", title).strip().strip("'").strip() or str(index)
        if base.casefold() == "history":
            base += " _"
        name = base[:SHEET_NAME_MAX]
        counter = 1
        while name.casefold() in taken:
            counter += 1
            suffix = f" ({counter})"
            name = base[: SHEET_NAME_MAX - len(suffix)].rstrip().rstrip("'") + suffix
        taken.add(name.casefold())
        names.append(name)
    return names


def _typed(kind: ColumnKind, value: Cell, zone: tzinfo) -> Cell:
    """The value as Excel should hold it (a number, a naive wall-clock datetime, a date or text)."""
    if value is None or is_blank(value):
        return None
    if isinstance(value, datetime):
        moment = local_time(value, zone)
        return moment.date() if kind is ColumnKind.DATE else moment
    if isinstance(value, date | str):
        return value
    if kind is ColumnKind.SECONDS:
        return value / SECONDS_PER_DAY
    if kind is ColumnKind.INT and float(value).is_integer():
        return int(value)
    if kind in (ColumnKind.NUMBER, ColumnKind.PERCENT):
        return float(value)
    return value


def _put(sheet: Worksheet, row: int, column: int, value: Cell) -> XlCell:
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)  # control characters openpyxl refuses to write
    cell.value = value
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"  # text from the data is never a formula
    return cell


def _write_table(
    sheet: Worksheet,
    document: Document,
    table: Table,
    zone: tzinfo,
    words: Mapping[str, str],
    locale: str = DEFAULT_LOCALE,
) -> None:
    widths = [len(column.label) for column in table.columns]
    row = 1
    _put(sheet, row, 1, document.title).font = Font(bold=True, size=14)
    if table.title and table.title != document.title:
        row += 1
        _put(sheet, row, 1, table.title).font = Font(bold=True, size=12)
    for label, value in document.filters:
        row += 1
        _put(sheet, row, 1, f"{label}: {value}")
    row += 1
    generated = format_cell(ColumnKind.DATETIME, document.generated_at, zone, locale)
    _put(sheet, row, 1, f"{words['generated']}: {generated}")

    row += 2
    header_row = row
    for index, column in enumerate(table.columns, start=1):
        _put(sheet, row, index, column.label).font = _BOLD
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1).coordinate

    def write_row(cells: tuple[Cell, ...], bold: bool) -> None:
        for index, (column, value) in enumerate(zip(table.columns, cells, strict=False), start=1):
            cell = _put(sheet, row, index, _typed(column.kind, value, zone))
            if column.kind in FORMATS and not isinstance(cell.value, str):
                cell.number_format = FORMATS[column.kind]
            if bold:
                cell.font = _BOLD
            widths[index - 1] = max(widths[index - 1], len(format_cell(column.kind, value, zone)))

    for cells in table.rows:
        row += 1
        write_row(cells, bold=False)
    last_data_row = row
    if table.columns:
        sheet.auto_filter.ref = f"A{header_row}:{get_column_letter(len(table.columns))}{last_data_row}"
    totals = totals_row(table, words)
    if totals is not None:
        row += 1
        write_row(totals, bold=True)

    if document.notes:
        row += 1
        for note in document.notes:
            row += 1
            _put(sheet, row, 1, note)

    for index, width in enumerate(widths, start=1):
        # a little room for the autofilter button; the header block may overflow to the right
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width + 3, _MIN_WIDTH), _MAX_WIDTH)


def to_xlsx(
    document: Document,
    zone: tzinfo,
    labels: Mapping[str, str] = DEFAULT_LABELS,
    locale: str = DEFAULT_LOCALE,
) -> bytes:
    """The report as an Excel workbook: one worksheet per table, named after the table.

    Each sheet starts with a header block (the report's title, the table's title, one line
    "label: value" per filter, the generated time), an empty row, then the bold column labels with
    the panes frozen below them and an autofilter over the rows, the rows and a bold totals row
    (outside the autofilter, so that sorting leaves it last); the notes, if any, follow.

    Cells are typed, so that a spreadsheet can compute with them: counts (INT) are integers,
    NUMBER floats, PERCENT the share 0..1 formatted ``0.0%``, DATETIME a naive datetime of the wall
    clock in ``zone`` (Excel has no time zones) formatted ``d.m.yyyy h:mm:ss``, DATE a date
    formatted ``d.m.yyyy``; None is an empty cell. SECONDS are stored as Excel stores durations,
    a fraction of a day (seconds / 86400) formatted ``[h]:mm:ss``: they sum and average in Excel
    and show as durations over 24 h; ``=A1*86400`` gives the seconds back.

    The generated time in the header block is written in ``locale`` (Czech by default).

    Charts are not exported (the workbook holds the figures they are drawn from); neither are the
    drill-down links. A document without tables gives one sheet with the header block only.
    """
    words = labels_with_defaults(labels)
    workbook = Workbook()
    for default_sheet in workbook.worksheets:  # "Sheet": it could clash with a table's name
        workbook.remove(default_sheet)
    tables = document.tables or (Table(title=document.title, columns=(), rows=()),)
    for name, table in zip(sheet_names([t.title for t in tables]), tables, strict=True):
        sheet = workbook.create_sheet(title=name)
        _write_table(sheet, document, table, zone, words, locale)
    workbook.active = 0
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
