"""Importing a campaign's contact list (OUT-06, CDB-02): the rows a reader gives become contacts
by the administrator's import structure, or the file is refused whole.

``build_preview`` reads every row once. A problem of the whole file (no rows, a header only,
columns missing, too many rows, a formula or an oversized cell) refuses it: ``ImportRefused``.
Otherwise the preview holds every accepted row as an ``ImportedContact`` and every problem by
row and column; rows with an error are left out whole, never in part. Contacts whose number
(or birth or client number) the customer database knows are linked to those clients.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator

from kc_domain.errors import ValidationFailed
from kc_domain.outbound.import_cells import SheetRow, is_blank
from kc_domain.outbound.import_layout import find_columns
from kc_domain.outbound.import_problems import ImportProblem, ImportRefused, Severity
from kc_domain.outbound.import_reading import Reading
from kc_domain.outbound.import_result import (
    CELL_MAX,
    MAX_FILE_BYTES,
    MAX_ROWS,
    ClientIds,
    ImportedContact,
    ImportPreview,
)
from kc_domain.outbound.import_structure import ImportStructure

__all__ = [
    "CELL_MAX",
    "MAX_FILE_BYTES",
    "MAX_ROWS",
    "ClientIds",
    "ImportPreview",
    "ImportProblem",
    "ImportRefused",
    "ImportStructure",
    "ImportedContact",
    "Severity",
    "build_preview",
]


def build_preview(
    structure: ImportStructure,
    rows: Iterable[SheetRow],
    phones_known: ClientIds | None = None,
    identifiers_known: ClientIds | None = None,
    *,
    listed: Collection[str] = frozenset(),
    max_rows: int = MAX_ROWS,
) -> ImportPreview:
    """Read ``rows`` (a reader's, header included) by ``structure``; raises ValidationFailed for
    an invalid structure and ImportRefused for a file that cannot be imported at all. ``listed``:
    the numbers (E.164) on the campaign's list already, refused again (``already_listed``)."""
    if errors := structure.problems():
        raise ValidationFailed(errors)
    filled = _non_blank(rows)
    first = next(filled, None)
    if first is None:
        raise ImportRefused.because("empty_file")
    layout = find_columns(structure, first)
    reading = Reading(structure, layout, listed)
    for number, cells in filled if structure.header_row else _chain(first, filled):
        if reading.rows >= max_rows:
            raise ImportRefused.because("too_many_rows", number, max=max_rows)
        reading.read(number, cells)
    if reading.rows == 0:
        raise ImportRefused.because("header_only", first[0])
    return reading.preview(phones_known, identifiers_known)


def _non_blank(rows: Iterable[SheetRow]) -> Iterator[SheetRow]:
    return (row for row in rows if not all(is_blank(c) for c in row[1]))


def _chain(first: SheetRow, rest: Iterator[SheetRow]) -> Iterator[SheetRow]:
    yield first
    yield from rest
