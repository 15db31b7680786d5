"""The cells of a contact list as a reader gives them, and how each becomes a contact's value
(OUT-06): phone numbers in E.164, birth and client numbers, e-mail, priority, dates and text."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date, datetime, time
from typing import Any

import attrs

from kc_domain.clients.model import BASE_LIMITS, LONGTEXT_MAX, is_email, normalise_identifier, normalise_phone
from kc_domain.ivr.validation import is_valid_insurance_number
from kc_domain.outbound.campaigns import PRIORITIES
from kc_domain.outbound.import_structure import ColumnMapping, ExtraKind, Field

PRIORITY_MIN, PRIORITY_MAX = PRIORITIES.start, PRIORITIES.stop - 1  # a campaign list's: 1 to 10
EMAIL_MAX = 254
BIRTH_NUMBER_DIGITS = 10
CZECH_NUMBER = re.compile(r"^\+420[2-9][0-9]{8}\Z")  # 9 digits; no Czech number starts with 0 or 1
CLIENT_NUMBER = re.compile(r"^[0-9A-Za-z]{1,20}\Z")
FULL_NAME_MAX = BASE_LIMITS["first_name"] + 1 + BASE_LIMITS["surname"]


@attrs.frozen
class Formula:
    """A cell the spreadsheet computes (``=A2*2``): the import never evaluates one."""

    text: str


Cell = str | int | float | bool | date | time | Formula | None
"""A cell as the file holds it: text (CSV, Excel text), a number, a date (a datetime is one), a
time, a formula, or nothing."""

SheetRow = tuple[int, Sequence[Cell]]
"""A row as the file shows it: its number (1 = the first row of the sheet or line of the CSV)
and its cells from column A on."""


class BadValue(Exception):
    """A cell that cannot become its field's value: ``code`` and ``params`` as the problem says it."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code, self.params = code, params


def is_blank(cell: Cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def as_text(cell: Cell, date_format: str) -> str:
    """The cell as text: numbers without a needless ``.0``, dates in ``date_format``."""
    if cell is None:
        return ""
    if isinstance(cell, str):
        return cell.strip()
    if isinstance(cell, bool):
        return "true" if cell else "false"
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, datetime):
        day = cell.strftime(date_format)
        return day if cell.time() == time() else f"{day} {cell:%H:%M}"
    if isinstance(cell, date):
        return cell.strftime(date_format)
    if isinstance(cell, time):
        return cell.isoformat("minutes")
    if isinstance(cell, Formula):
        return cell.text
    return str(cell)


def text_value(cell: Cell, max_length: int, date_format: str) -> str:
    value = as_text(cell, date_format)
    if len(value) > max_length:
        raise BadValue("too_long", max=max_length)
    return value


def campaign_phone(raw: str) -> str | None:
    """A number to dial as E.164, or None when it is clearly not one: the customer database's
    writings (``+420 603 123 456``, ``603123456``, ``00420…``, ``420…``), and a Czech number must
    have 9 digits after +420 and not start with 0 or 1."""
    number = normalise_phone(raw)
    if number is None or (number.startswith("+420") and not CZECH_NUMBER.match(number)):
        return None
    return number


def phone_value(cell: Cell, date_format: str) -> str:
    """The cell's number in E.164, or "" for an empty cell."""
    raw = as_text(cell, date_format)
    if not raw:
        return ""
    number = campaign_phone(raw)
    if number is None:
        raise BadValue("bad_phone", value=raw)
    return number


def _identifier_candidates(cell: Cell, date_format: str) -> tuple[str, ...]:
    """An identifier as written; Excel stores ``0351011234`` as the number 351011234, so a number
    is also tried with its leading zeros back."""
    if isinstance(cell, int | float) and not isinstance(cell, bool) and float(cell).is_integer():
        digits = str(int(cell))
        return (digits, digits.zfill(BIRTH_NUMBER_DIGITS))
    return (normalise_identifier(as_text(cell, date_format)),)


def birth_number_value(cell: Cell, date_format: str) -> str:
    """A rodné číslo without the slash, or "" for an empty cell."""
    candidates = _identifier_candidates(cell, date_format)
    if not candidates[0]:
        return ""
    for candidate in candidates:
        if is_valid_insurance_number(candidate):
            return candidate
    raise BadValue("bad_birth_number", value=as_text(cell, date_format))


def client_number_value(cell: Cell, date_format: str) -> str:
    """The insurance number (číslo pojištěnce): letters and digits, a birth number's slash and
    spaces dropped; a number Excel shortened gets its leading zeros back when that makes it a
    valid birth number."""
    candidates = _identifier_candidates(cell, date_format)
    if not candidates[0]:
        return ""
    for candidate in candidates[1:]:
        if is_valid_insurance_number(candidate) and not is_valid_insurance_number(candidates[0]):
            return candidate
    if not CLIENT_NUMBER.match(candidates[0]):
        raise BadValue("bad_client_number", value=as_text(cell, date_format))
    return candidates[0]


def email_value(cell: Cell, date_format: str) -> str:
    value = text_value(cell, EMAIL_MAX, date_format)
    if value and not is_email(value):
        raise BadValue("bad_email", value=value)
    return value


def priority_value(cell: Cell, date_format: str) -> int | None:
    """A whole number 1-10 (higher is called first), or None for an empty cell (the list's default)."""
    raw = as_text(cell, date_format)
    if not raw:
        return None
    if raw.isascii() and raw.isdigit() and int(raw) in PRIORITIES:
        return int(raw)
    raise BadValue("bad_priority", value=raw, min=PRIORITY_MIN, max=PRIORITY_MAX)


def date_value(cell: Cell, formats: tuple[str, ...]) -> str:
    """An Excel date, or text in one of ``formats``, as ISO ``2026-12-24``; "" for an empty cell."""
    if isinstance(cell, date):
        return (cell.date() if isinstance(cell, datetime) else cell).isoformat()
    raw = as_text(cell, formats[0])
    if not raw:
        return ""
    for pattern in formats:
        try:
            return datetime.strptime(raw, pattern).date().isoformat()
        except ValueError:
            continue
    raise BadValue("not_a_date", value=raw, example=date(2026, 12, 24).strftime(formats[0]))


Cleaner = Callable[[Cell, tuple[str, ...]], object]
"""A cell (and the structure's date formats) to a field's value; raises BadValue."""


def _text(limit: int) -> Cleaner:
    return lambda cell, formats: text_value(cell, limit, formats[0])


CLEANERS: dict[Field, Cleaner] = {
    Field.PHONE: lambda cell, formats: phone_value(cell, formats[0]),
    Field.PHONE2: lambda cell, formats: phone_value(cell, formats[0]),
    Field.FULL_NAME: _text(FULL_NAME_MAX),
    Field.FIRST_NAME: _text(BASE_LIMITS["first_name"]),
    Field.SURNAME: _text(BASE_LIMITS["surname"]),
    Field.CLIENT_NUMBER: lambda cell, formats: client_number_value(cell, formats[0]),
    Field.BIRTH_NUMBER: lambda cell, formats: birth_number_value(cell, formats[0]),
    Field.EMAIL: lambda cell, formats: email_value(cell, formats[0]),
    Field.PRIORITY: lambda cell, formats: priority_value(cell, formats[0]),
    Field.NOTE: _text(LONGTEXT_MAX),
}


def cleaner(mapping: ColumnMapping) -> Cleaner:
    """How the mapping's field is read from its cell."""
    if mapping.field != Field.EXTRA:
        return CLEANERS[mapping.field]
    if mapping.kind == ExtraKind.DATE:
        return date_value
    return _text(LONGTEXT_MAX)
