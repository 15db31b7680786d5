"""Excel contact lists (OUT-06): the first sheet or a named one, streamed with openpyxl in
read-only mode. Formulas are passed on as ``Formula`` (never evaluated: the import refuses them);
dates come as dates."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from datetime import date, time
from typing import Any, BinaryIO
from xml.etree.ElementTree import ParseError

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from kc_domain.outbound.import_cells import Cell, Formula, SheetRow
from kc_domain.outbound.import_problems import ImportRefused

MAX_UNPACKED_BYTES = 500_000_000
"""What the workbook's parts may hold unpacked (a zip bomb is refused before it is read)."""
UNREADABLE = (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, TypeError, ParseError, OSError)


def xlsx_rows(source: BinaryIO, sheet: str = "") -> Iterator[SheetRow]:
    """Each row of the sheet (``sheet`` by name, ignoring case; empty: the first one) with its
    number, the cells from column A; ImportRefused for a workbook that cannot be read, a sheet
    that is not there and an empty sheet."""
    _check_unpacked(source)
    try:
        workbook = load_workbook(source, read_only=True, data_only=False, keep_links=False)
    except UNREADABLE as error:
        raise ImportRefused.because("unreadable_workbook", reason=type(error).__name__) from None
    try:
        worksheet = _worksheet(workbook, sheet)
        worksheet.reset_dimensions()  # a wrong stored size must not cut rows or columns off
        filled = False
        for number, row in enumerate(worksheet.iter_rows(), start=1):
            cells = tuple(_cell(c) for c in row)
            filled = filled or any(c is not None for c in cells)
            yield number, cells
        if not filled:
            raise ImportRefused.because("empty_sheet", sheet=worksheet.title)
    except UNREADABLE as error:
        raise ImportRefused.because("unreadable_workbook", reason=type(error).__name__) from None
    finally:
        workbook.close()


def _check_unpacked(source: BinaryIO) -> None:
    try:
        with zipfile.ZipFile(source) as archive:
            unpacked = sum(part.file_size for part in archive.infolist())
    except zipfile.BadZipFile:
        raise ImportRefused.because("unreadable_workbook", reason="BadZipFile") from None
    finally:
        source.seek(0)
    if unpacked > MAX_UNPACKED_BYTES:
        raise ImportRefused.because("workbook_too_large", max=MAX_UNPACKED_BYTES, size=unpacked)


def _worksheet(workbook: Any, name: str) -> ReadOnlyWorksheet:
    names: list[str] = workbook.sheetnames
    wanted = name.strip().casefold()
    found = next((n for n in names if n.casefold() == wanted), None) if wanted else next(iter(names), None)
    if found is None:
        raise ImportRefused.because("sheet_not_found", sheet=name, sheets=", ".join(names))
    worksheet = workbook[found]
    if not isinstance(worksheet, ReadOnlyWorksheet):
        raise ImportRefused.because("not_a_worksheet", sheet=found)  # a chart sheet
    return worksheet


def _cell(cell: Any) -> Cell:
    if cell.data_type == "f":
        return Formula(str(getattr(cell.value, "text", cell.value)))
    value = cell.value
    if value is None or isinstance(value, str | int | float | date | time):
        return value
    return str(value)  # a duration
