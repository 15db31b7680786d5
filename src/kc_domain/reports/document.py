"""A report as it is shown and exported (REP-05): a title, the filters in words, tables with typed
columns and totals, and charts as SVG. The page, the Excel, CSV and PDF exports all render this
one structure, so that every format shows the same figures."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

import attrs


class ColumnKind(StrEnum):
    TEXT = "text"
    INT = "int"  # a count
    SECONDS = "seconds"  # a duration in seconds (float); shown as h:mm:ss, exported as a number of seconds
    PERCENT = "percent"  # a share 0..1 (float), None when undefined; shown as 85.3 %
    NUMBER = "number"  # any other figure (float), e.g. an average
    DATETIME = "datetime"  # an aware datetime (UTC); shown and exported in Europe/Prague
    DATE = "date"  # a date


@attrs.frozen
class Column:
    key: str
    label: str  # already in the reader's language
    kind: ColumnKind = ColumnKind.TEXT


Cell = str | int | float | datetime | date | None


@attrs.frozen
class Table:
    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]
    totals: tuple[Cell, ...] | None = None  # a last row, same columns ("" for no total)
    drill: tuple[str, ...] = ()  # per row: the URL of the calls behind it ("" for none); page only


@attrs.frozen
class Document:
    title: str
    filters: tuple[tuple[str, str], ...]  # (label, value) in words, for the header of every format
    generated_at: datetime  # aware
    tables: tuple[Table, ...]
    charts: tuple[str, ...] = ()  # SVG documents, as the page shows them
    notes: tuple[str, ...] = ()  # definitions shown under the report (e.g. the service level's)

    def plain(self) -> dict[str, Any]:
        """JSON-safe, for the API."""

        def cell(value: Cell) -> Any:
            return value.isoformat() if isinstance(value, datetime | date) else value

        return {
            "title": self.title,
            "filters": [list(f) for f in self.filters],
            "generated_at": self.generated_at.isoformat(),
            "tables": [
                {
                    "title": t.title,
                    "columns": [{"key": c.key, "label": c.label, "kind": c.kind.value} for c in t.columns],
                    "rows": [[cell(v) for v in row] for row in t.rows],
                    "totals": None if t.totals is None else [cell(v) for v in t.totals],
                }
                for t in self.tables
            ],
            "notes": list(self.notes),
        }
