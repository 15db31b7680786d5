"""Report exports (REP-05): one ``Document`` rendered as Excel, CSV or PDF.

The renderers live in the submodules (``xlsx.to_xlsx``, ``csv.to_csv``, ``pdf.to_pdf``); they are
imported from there, not from here, so that loading the CSV export does not load weasyprint.

This module holds what they share: the words a renderer needs itself (``DEFAULT_LABELS``, which the
web replaces with translated ones), the conversion of times to the reader's zone, and the two ways of
writing a cell: ``format_cell`` for humans (the PDF; Czech conventions) and ``machine_cell`` for
machines (the CSV; dot decimals, ISO-like times).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, date, datetime, tzinfo
from types import MappingProxyType

from kc_domain.reports.document import Cell, ColumnKind, Table

__all__ = [
    "DEFAULT_LABELS",
    "format_cell",
    "labels_with_defaults",
    "local_time",
    "machine_cell",
    "totals_row",
]

DEFAULT_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "generated": "Generated",  # before the time the report was made
        "total": "Total",  # first cell of a totals row that has no text of its own
        "empty": "No data",  # in place of the rows of an empty table (PDF)
    }
)

NBSP = "\u00a0"  # between digit groups and before "%": never broken across lines


def labels_with_defaults(labels: Mapping[str, str]) -> dict[str, str]:
    """The given words over the English defaults, so that a caller may pass only some."""
    return {**DEFAULT_LABELS, **labels}


def local_time(value: datetime, zone: tzinfo) -> datetime:
    """A naive wall-clock datetime in ``zone``; a naive input is taken as UTC (the contract's time)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(zone).replace(tzinfo=None)


def totals_row(table: Table, labels: Mapping[str, str]) -> tuple[Cell, ...] | None:
    """The table's totals with the word "Total" in the first cell when that cell is empty."""
    if table.totals is None:
        return None
    cells = list(table.totals)
    if cells and cells[0] in ("", None):
        cells[0] = labels_with_defaults(labels)["total"]
    return tuple(cells)


def is_blank(value: Cell) -> bool:
    """No value to show: None, "" or a float that is not a number (NaN, infinity)."""
    return value is None or value == "" or (isinstance(value, float) and not math.isfinite(value))


def _czech_number(value: float, decimals: int) -> str:
    text = f"{value:,.{decimals}f}"
    return text.translate(str.maketrans(",.", NBSP + ","))


def _duration(seconds: float) -> str:
    total = round(seconds)
    sign = "-" if total < 0 else ""
    minutes, secs = divmod(abs(total), 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{sign}{hours}:{minutes:02d}:{secs:02d}"
    return f"{sign}{minutes}:{secs:02d}"


def format_cell(kind: ColumnKind, value: Cell, zone: tzinfo) -> str:
    """A cell as a human reads it, by Czech conventions.

    Durations ``1:02:03`` (``m:ss`` under an hour), percent ``85,3 %``, counts ``12 345``, other
    numbers with two decimals after a comma (``3,50``), datetimes ``25. 11. 2026 14:03`` in ``zone``,
    dates ``25. 11. 2026``. Empty for None. A string in a typed column (e.g. "" in a totals row, or
    a note like "n/a") is shown as it is.
    """
    if is_blank(value):
        return ""
    if isinstance(value, str):
        return value
    if kind is ColumnKind.SECONDS and isinstance(value, int | float):
        return _duration(value)
    if kind is ColumnKind.PERCENT and isinstance(value, int | float):
        return f"{_czech_number(value * 100, 1)}{NBSP}%"
    if kind is ColumnKind.INT and isinstance(value, int | float):
        return _czech_number(value, 0)
    if kind is ColumnKind.NUMBER and isinstance(value, int | float):
        return _czech_number(value, 2)
    if isinstance(value, datetime):
        moment = local_time(value, zone)
        if kind is ColumnKind.DATE:
            return f"{moment.day}. {moment.month}. {moment.year}"
        return f"{moment.day}. {moment.month}. {moment.year} {moment.hour}:{moment.minute:02d}"
    if isinstance(value, date):
        return f"{value.day}. {value.month}. {value.year}"
    if isinstance(value, float):  # a number in a text column
        return _czech_number(value, 2)
    return str(value)


def machine_cell(kind: ColumnKind, value: Cell, zone: tzinfo) -> str:
    """A cell as a program reads it (the CSV): dot decimals and no digit grouping, whatever the
    reader's language. Seconds with 1 decimal, percent as a share 0..1 with 4 decimals, datetimes
    ``YYYY-MM-DD HH:MM:SS`` in ``zone``, dates ``YYYY-MM-DD``. Empty for None."""
    if is_blank(value):
        return ""
    if isinstance(value, str):
        return value
    if kind is ColumnKind.SECONDS and isinstance(value, int | float):
        return f"{value:.1f}"
    if kind is ColumnKind.PERCENT and isinstance(value, int | float):
        return f"{value:.4f}"
    if kind is ColumnKind.INT and isinstance(value, int | float):
        return str(round(value))
    if isinstance(value, datetime):
        moment = local_time(value, zone)
        if kind is ColumnKind.DATE:
            return moment.date().isoformat()
        return moment.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        text = repr(value)  # the shortest exact form, e.g. 12.5; but never the exponent form 1e-05
        return f"{value:.10f}".rstrip("0").rstrip(".") if "e" in text else text
    return str(value)
