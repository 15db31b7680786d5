"""Numbers and dates as people type them in a Czech form, and as the browser's own inputs send them.

Numbers: ``1 234,5`` (groups of three split by a space, a no-break space or a narrow no-break space,
the decimal comma), ``1234,5``, ``1234.5``, a leading ``-`` or ``−``. A grouping that is not by three
(``12 34``) and the English grouping (``1,234.5``) are refused.

Dates: ``7. 12. 2026``, ``7.12.2026``, ``07. 12. 2026`` and ISO ``2026-12-07`` (``<input type="date">``).
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

_NUMBER = re.compile(r"^([-−+]?)(\d{1,3}(?:[ \u00a0\u202f]\d{3})+|\d+)(?:[,.](\d+))?\Z")
_CZECH_DATE = re.compile(r"^(\d{1,2})\.\s*(\d{1,2})\.\s*(\d{4})\Z")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})\Z")


def parse_number(text: str) -> Decimal | None:
    """The number typed as ``text``, exactly; None when it is not a number in the forms above."""
    found = _NUMBER.match(text.strip())
    if found is None:
        return None
    sign, whole, fraction = found.groups()
    digits = re.sub(r"\D", "", whole) + (f".{fraction}" if fraction else "")
    try:
        number = Decimal(digits)
    except InvalidOperation:  # pragma: no cover - the pattern admits digits only
        return None
    return number.copy_negate() if sign in ("-", "−") else number


def parse_date(text: str) -> date | None:
    """The day typed as ``text``; None when it is not a real date in the forms above."""
    text = text.strip()
    czech, iso = _CZECH_DATE.match(text), _ISO_DATE.match(text)
    if czech:
        day, month, year = (int(part) for part in czech.groups())
    elif iso:
        year, month, day = (int(part) for part in iso.groups())
    else:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None
