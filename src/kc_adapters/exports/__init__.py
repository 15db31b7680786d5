"""Report exports (REP-05): one ``Document`` rendered as Excel, CSV or PDF.

The renderers live in the submodules (``xlsx.to_xlsx``, ``csv.to_csv``, ``pdf.to_pdf``); they are
imported from there, not from here, so that loading the CSV export does not load weasyprint.

This module holds what they share: the words a renderer needs itself (``DEFAULT_LABELS``, which the
web replaces with translated ones), the conversion of times to the reader's zone, and the three ways
of writing a cell: ``format_cell`` for humans (the page and the PDF, in the reader's language through
Babel: ``66,7 %`` in Czech, ``66.7%`` in English), ``machine_cell`` for machines (the plain CSV; dot
decimals, ISO-like times) and ``excel_cell`` for Czech Excel (the semicolon CSV; decimal commas,
``66,67%``, ``0:11:48``, ``25.11.2026 14:03:00``). ``number_text``, ``percent_text`` and
``duration_text`` are the human formats of single figures, for the pages.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, date, datetime, tzinfo
from functools import lru_cache
from types import MappingProxyType

from babel import Locale
from babel.dates import DateTimePattern
from babel.dates import parse_pattern as parse_date_pattern
from babel.numbers import NumberPattern, parse_pattern

from kc_domain.reports.document import Cell, ColumnKind, Table

__all__ = [
    "DEFAULT_LABELS",
    "DEFAULT_LOCALE",
    "date_text",
    "datetime_text",
    "duration_text",
    "excel_cell",
    "format_cell",
    "labels_with_defaults",
    "local_time",
    "machine_cell",
    "number_text",
    "percent_text",
    "totals_row",
]

DEFAULT_LOCALE = "cs"  # KC's first language; the web passes the reader's

DEFAULT_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "generated": "Generated",  # before the time the report was made
        "total": "Total",  # first cell of a totals row that has no text of its own
        "empty": "No data",  # in place of the rows of an empty table (PDF)
    }
)


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


# Babel's locales and patterns parsed once: a report formats thousands of cells
@lru_cache(maxsize=16)
def _locale(code: str) -> Locale:
    return Locale.parse(code)


@lru_cache(maxsize=64)
def _number_pattern(code: str, decimals: int, percent: bool) -> NumberPattern:
    if percent:  # the locale's own: "#,##0 %" in Czech, "#,##0%" in English
        text = str(_locale(code).percent_formats[None].pattern)
        return parse_pattern(text.replace("#,##0", "#,##0." + "0" * decimals, 1) if decimals > 0 else text)
    return parse_pattern("#,##0" + ("." + "0" * decimals if decimals > 0 else ""))


@lru_cache(maxsize=16)
def _date_patterns(code: str) -> tuple[DateTimePattern, DateTimePattern, str]:
    """The locale's short numeric date (``d. M. y``), its 24-hour clock (``H:mm``) and how the two
    make a datetime (``{1} {0}``)."""
    locale = _locale(code)
    skeletons = locale.datetime_skeletons

    def pattern(skeleton: str, fallback: str) -> DateTimePattern:
        found = skeletons.get(skeleton)
        return found if isinstance(found, DateTimePattern) else parse_date_pattern(fallback)

    return pattern("yMd", "d.M.y"), pattern("Hm", "HH:mm"), str(locale.datetime_formats["short"])


def number_text(value: float, decimals: int = 0, locale: str = DEFAULT_LOCALE) -> str:
    """A number with ``decimals`` decimals in ``locale``'s way: ``1 234,5`` in Czech (a no-break
    space between the digit groups), ``1,234.5`` in English."""
    return str(_number_pattern(locale, decimals, False).apply(value, _locale(locale)))


def percent_text(share: float, decimals: int = 1, locale: str = DEFAULT_LOCALE) -> str:
    """A share 0..1 as a percentage in ``locale``'s way: ``66,7 %`` in Czech (a no-break space before
    the sign), ``66.7%`` in English."""
    return str(_number_pattern(locale, decimals, True).apply(share, _locale(locale)))


def duration_text(seconds: float) -> str:
    """A duration as a clock, the same in every language: ``1:02:03``, ``m:ss`` under an hour."""
    total = round(seconds)
    sign = "-" if total < 0 else ""
    minutes, secs = divmod(abs(total), 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{sign}{hours}:{minutes:02d}:{secs:02d}"
    return f"{sign}{minutes}:{secs:02d}"


def date_text(value: date, locale: str = DEFAULT_LOCALE) -> str:
    """A date in ``locale``'s short numeric way: ``7. 12. 2026`` in Czech, ``12/7/2026`` in English."""
    day, _clock, _both = _date_patterns(locale)
    return str(day.apply(value, _locale(locale)))


def datetime_text(value: datetime, locale: str = DEFAULT_LOCALE) -> str:
    """A wall-clock datetime to the minute: ``7. 12. 2026 14:05`` in Czech, ``12/7/2026, 14:05`` in
    English."""
    day, clock, both = _date_patterns(locale)
    where = _locale(locale)
    return both.format(clock.apply(value, where), day.apply(value, where))


def format_cell(kind: ColumnKind, value: Cell, zone: tzinfo, locale: str = DEFAULT_LOCALE) -> str:
    """A cell as a human reads it, in ``locale`` (Czech by default).

    Durations ``1:02:03`` (``m:ss`` under an hour), percent ``85,3 %``, counts ``12 345``, other
    numbers with two decimals (``3,50``), datetimes ``25. 11. 2026 14:03`` in ``zone``, dates
    ``25. 11. 2026`` (the Czech forms; English ``85.3%``, ``12,345``, ``11/25/2026, 14:03``). Empty
    for None. A string in a typed column (e.g. "" in a totals row, or a note like "n/a") is shown as
    it is.
    """
    if is_blank(value):
        return ""
    if isinstance(value, str):
        return value
    if kind is ColumnKind.SECONDS and isinstance(value, int | float):
        return duration_text(value)
    if kind is ColumnKind.PERCENT and isinstance(value, int | float):
        return percent_text(value, 1, locale)
    if kind is ColumnKind.INT and isinstance(value, int | float):
        return number_text(value, 0, locale)
    if kind is ColumnKind.NUMBER and isinstance(value, int | float):
        return number_text(value, 2, locale)
    if isinstance(value, datetime):
        moment = local_time(value, zone)
        if kind is ColumnKind.DATE:
            return date_text(moment, locale)
        return datetime_text(moment, locale)
    if isinstance(value, date):
        return date_text(value, locale)
    if isinstance(value, float):  # a number in a text column
        return number_text(value, 2, locale)
    return str(value)


def excel_cell(kind: ColumnKind, value: Cell, zone: tzinfo) -> str:
    """A cell as Czech Excel reads it from a CSV (the semicolon variant): a number with a decimal comma
    and no digit grouping (``707,5``), a share as a percentage (``60,00%``), a duration as a time
    with hours (``0:11:48``, whole seconds; ``11:48`` alone would be read as hours and minutes),
    datetimes ``25.11.2026 14:03:00`` in ``zone`` and dates ``25.11.2026``. Empty for None."""
    if is_blank(value):
        return ""
    if isinstance(value, str):
        return value
    if kind is ColumnKind.SECONDS and isinstance(value, int | float):
        total = round(value)
        minutes, secs = divmod(abs(total), 60)
        hours, minutes = divmod(minutes, 60)
        return f"{'-' if total < 0 else ''}{hours}:{minutes:02d}:{secs:02d}"
    if kind is ColumnKind.PERCENT and isinstance(value, int | float):
        return f"{value * 100:.2f}%".replace(".", ",")
    if isinstance(value, datetime):
        moment = local_time(value, zone)
        if kind is ColumnKind.DATE:
            return f"{moment.day}.{moment.month}.{moment.year}"
        return f"{moment.day}.{moment.month}.{moment.year} {moment:%H:%M:%S}"
    if isinstance(value, date):
        return f"{value.day}.{value.month}.{value.year}"
    return machine_cell(kind, value, zone).replace(".", ",")


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
