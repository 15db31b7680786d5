"""How an administrator describes the contact lists of a campaign (OUT-06): which column of the file
holds which field of a contact, and how the file is written (CSV or Excel, the CSV's encoding and
delimiter, a header row or none, the date formats, the Excel sheet)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from enum import StrEnum
from typing import Any

import attrs

from kc_domain.clients.model import FIELD_KEY
from kc_domain.errors import FieldError
from kc_domain.validation import text

NAME_MAX = 80
HEADER_MAX = 200
SHEET_MAX = 31  # Excel's own limit of a sheet name
COLUMNS_MAX = 60
DATE_FORMATS_MAX = 5
MAX_COLUMN = 16_384  # XFD, Excel's last column
DELIMITERS = (";", ",", "\t", "|")
DEFAULT_DATE_FORMATS = ("%d.%m.%Y", "%d. %m. %Y", "%Y-%m-%d")
_SAMPLE_DAY = date(2026, 12, 24)


class FileType(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


class Encoding(StrEnum):
    """The CSV encodings accepted: UTF-8 (with or without the byte order mark) and Windows-1250,
    what Czech Excel writes as "CSV (oddělený středníkem)"."""

    UTF8 = "utf-8"
    WINDOWS_1250 = "windows-1250"


class Field(StrEnum):
    """A contact's fields a column can fill; ``EXTRA`` values are kept by key for call scripts."""

    PHONE = "phone"
    PHONE2 = "phone2"
    FULL_NAME = "full_name"
    FIRST_NAME = "first_name"
    SURNAME = "surname"
    CLIENT_NUMBER = "client_number"
    BIRTH_NUMBER = "birth_number"
    EMAIL = "email"
    PRIORITY = "priority"
    NOTE = "note"
    EXTRA = "extra"


class ExtraKind(StrEnum):
    TEXT = "text"
    DATE = "date"  # read with the structure's date formats, kept as ISO 2026-12-24


def column_letter(index: int) -> str:
    """1 -> A, 27 -> AA: how spreadsheets name a column."""
    letters = ""
    while index > 0:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def column_index(letters: str) -> int | None:
    """A -> 1, AA -> 27; None when ``letters`` is not a column name within Excel's columns."""
    name = letters.strip().upper()
    if not name or not name.isascii() or not name.isalpha():
        return None
    index = 0
    for letter in name:
        index = index * 26 + ord(letter) - ord("A") + 1
    return index if index <= MAX_COLUMN else None


@attrs.frozen
class ColumnMapping:
    """One field read from one column: by the column's header (``header``) or by its position
    (``index``, 1 = column A; 0 = by header). An ``EXTRA`` field is kept under ``key``."""

    field: Field = attrs.field(converter=Field)
    header: str = ""
    index: int = 0
    key: str = ""
    kind: ExtraKind = attrs.field(default=ExtraKind.TEXT, converter=ExtraKind)

    @property
    def name(self) -> str:
        """The field as problems name it: ``phone``, ``extra.due_date``."""
        return f"extra.{self.key}" if self.field == Field.EXTRA else self.field.value

    def problems(self, prefix: str, header_row: bool) -> list[FieldError]:
        errors: list[FieldError] = []
        if self.index == 0:
            text(errors, f"{prefix}.header", self.header, max_length=HEADER_MAX)
            if self.header.strip() and not header_row:
                errors.append(FieldError(f"{prefix}.header", "needs_header_row"))
        elif not 1 <= self.index <= MAX_COLUMN:
            errors.append(FieldError(f"{prefix}.index", "out_of_range", {"min": 1, "max": MAX_COLUMN}))
        if self.field == Field.EXTRA and not FIELD_KEY.match(self.key):
            errors.append(FieldError(f"{prefix}.key", "bad_field_key"))
        elif self.field == Field.EXTRA and self.key in set(Field):
            # a list entry keeps the contact's other fields among the extras, by these names
            errors.append(FieldError(f"{prefix}.key", "reserved_key", {"value": self.key}))
        return errors

    @classmethod
    def from_plain(cls, data: Mapping[str, Any]) -> ColumnMapping:
        """From ``to_plain`` (the JSON column, the API); ``column`` may stand for ``index`` as a
        letter (``"C"``) or a number. KeyError/ValueError if malformed."""
        column = data.get("column", data.get("index", 0))
        if isinstance(column, str) and not column.isdigit():
            index = column_index(column)
            if index is None:
                raise ValueError(f"not a column: {column!r}")
        else:
            index = int(column or 0)
        return cls(
            field=Field(data["field"]),
            header=str(data.get("header", "")),
            index=index,
            key=str(data.get("key", "")),
            kind=ExtraKind(data.get("kind", ExtraKind.TEXT)),
        )


def _mappings(values: Any) -> tuple[ColumnMapping, ...]:
    return tuple(values)


def _formats(values: Any) -> tuple[str, ...]:
    return tuple(values)


@attrs.define(slots=False, eq=False)
class ImportStructure:
    """An import structure the administrator defines and names (OUT-06).

    ``delimiter``, ``encoding`` and ``header_row`` concern CSV; ``sheet`` (empty: the first one)
    concerns Excel. Columns the structure does not name are reported, and refused with
    ``strict_columns``. A campaign's list holds a number once: of two rows with the same number
    the later one is refused.
    """

    name: str
    columns: tuple[ColumnMapping, ...] = attrs.field(factory=tuple, converter=_mappings)
    file_type: FileType = FileType.CSV
    encoding: Encoding = Encoding.UTF8
    delimiter: str = ";"
    header_row: bool = True
    sheet: str = ""
    date_formats: tuple[str, ...] = attrs.field(default=DEFAULT_DATE_FORMATS, converter=_formats)
    strict_columns: bool = False
    id: int | None = None

    def problems(self) -> list[FieldError]:
        errors: list[FieldError] = []
        text(errors, "name", self.name, max_length=NAME_MAX)
        text(errors, "sheet", self.sheet, max_length=SHEET_MAX, required=False)
        for name, kind in (("file_type", FileType), ("encoding", Encoding)):
            if getattr(self, name) not in set(kind):
                errors.append(FieldError(name, "invalid_choice"))
        if self.delimiter not in DELIMITERS:
            errors.append(FieldError("delimiter", "invalid_choice"))
        errors += _date_format_problems(self.date_formats)
        return errors + self._column_problems()

    def _column_problems(self) -> list[FieldError]:
        errors: list[FieldError] = []
        if len(self.columns) > COLUMNS_MAX:
            errors.append(FieldError("columns", "too_many", {"max": COLUMNS_MAX}))
        if not any(m.field == Field.PHONE for m in self.columns):
            errors.append(FieldError("columns", "phone_column_required"))
        seen: set[str] = set()
        for position, mapping in enumerate(self.columns, start=1):
            prefix = f"columns.{position}"
            errors += mapping.problems(prefix, self.header_row)
            if mapping.name in seen:
                where = "key" if mapping.field == Field.EXTRA else "field"
                errors.append(FieldError(f"{prefix}.{where}", "duplicate", {"value": mapping.name}))
            seen.add(mapping.name)
        return errors

    @classmethod
    def from_plain(cls, data: Mapping[str, Any]) -> ImportStructure:
        """From ``to_plain`` (the API); KeyError/ValueError if malformed (``problems()`` says the rest)."""
        return cls(
            name=str(data["name"]),
            columns=tuple(ColumnMapping.from_plain(c) for c in data.get("columns", ())),
            file_type=FileType(data.get("file_type", FileType.CSV)),
            encoding=Encoding(data.get("encoding", Encoding.UTF8)),
            delimiter=str(data.get("delimiter", ";")),
            header_row=bool(data.get("header_row", True)),
            sheet=str(data.get("sheet", "")),
            date_formats=tuple(str(f) for f in data.get("date_formats", DEFAULT_DATE_FORMATS)),
            strict_columns=bool(data.get("strict_columns", False)),
            id=None if data.get("id") is None else int(data["id"]),
        )


def _date_format_problems(formats: tuple[str, ...]) -> list[FieldError]:
    if not formats:
        return [FieldError("date_formats", "required")]
    if len(formats) > DATE_FORMATS_MAX:
        return [FieldError("date_formats", "too_many", {"max": DATE_FORMATS_MAX})]
    return [
        FieldError("date_formats", "bad_date_format", {"value": f}) for f in formats if not _reads_back(f)
    ]


def _reads_back(pattern: str) -> bool:
    """A date format names a whole day: what it writes of a date reads back as the same date."""
    try:
        return datetime.strptime(_SAMPLE_DAY.strftime(pattern), pattern).date() == _SAMPLE_DAY
    except ValueError:
        return False
