"""Where each field of an import structure stands in a file (OUT-06): the header row read by name
(ignoring case, accents and spaces) or the columns by position; missing, doubled and unnamed
columns are reported by name, a CSV split at the wrong delimiter is recognised."""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from kc_domain.clients.model import fold
from kc_domain.outbound.import_cells import Cell, SheetRow, as_text, is_blank
from kc_domain.outbound.import_problems import ImportProblem, ImportRefused, Severity
from kc_domain.outbound.import_structure import (
    DELIMITERS,
    ColumnMapping,
    FileType,
    ImportStructure,
    column_letter,
)

DELIMITER_NAMES = {"\t": "TAB"}


@attrs.frozen
class Placed:
    """A mapping and the column it reads: ``position`` 0-based, its letter and header text."""

    mapping: ColumnMapping
    position: int
    letter: str
    header: str = ""

    def problem(
        self, code: str, row: int, severity: Severity = Severity.ERROR, **params: object
    ) -> ImportProblem:
        return ImportProblem(code, row, self.letter, self.header, self.mapping.name, params, severity)


@attrs.frozen
class Layout:
    """The placed fields; ``width`` is the header's (cells right of it have no column), None
    without a header row; ``notes`` the warnings about the header (unmapped columns)."""

    placed: tuple[Placed, ...]
    headers: tuple[str, ...] = ()
    width: int | None = None
    notes: tuple[ImportProblem, ...] = ()

    def of(self, name: str) -> Placed | None:
        return next((p for p in self.placed if p.mapping.name == name), None)


def header_key(text: str) -> str:
    """``Příjmení `` and ``prijmeni`` name the same column."""
    return " ".join(fold(text).split())


def find_columns(structure: ImportStructure, first: SheetRow) -> Layout:
    """The layout read from the file's first non-empty row (the header row, or the first data row
    when the structure has none); raises ImportRefused when a named column is not there."""
    number, cells = first
    wrong = _wrong_delimiter(structure, number, cells)
    if wrong is not None:
        raise ImportRefused([wrong])
    if not structure.header_row:
        return Layout(tuple(Placed(m, m.index - 1, column_letter(m.index)) for m in structure.columns))
    headers = tuple(as_text(c, structure.date_formats[0]) for c in cells)
    positions: dict[str, list[int]] = {}
    for position, header in enumerate(headers):
        if header:
            positions.setdefault(header_key(header), []).append(position)
    placed: list[Placed] = []
    problems: list[ImportProblem] = []
    for mapping in structure.columns:
        found = _position(mapping, positions, len(headers), number)
        if isinstance(found, ImportProblem):
            problems.append(found)
        else:
            placed.append(Placed(mapping, found, column_letter(found + 1), headers[found]))
    problems += _unmapped(structure, number, headers, {p.position for p in placed})
    if any(p.severity == Severity.ERROR for p in problems):
        raise ImportRefused(p for p in problems if p.severity == Severity.ERROR)
    return Layout(tuple(placed), headers, len(headers), tuple(problems))


def _position(
    mapping: ColumnMapping, positions: dict[str, list[int]], width: int, row: int
) -> int | ImportProblem:
    if mapping.index:
        if mapping.index > width:
            return ImportProblem("missing_column", row, column_letter(mapping.index), field=mapping.name)
        return mapping.index - 1
    found = positions.get(header_key(mapping.header), [])
    if not found:
        return ImportProblem("missing_column", row, header=mapping.header, field=mapping.name)
    if len(found) > 1:
        letters = ", ".join(column_letter(p + 1) for p in found)
        return ImportProblem(
            "duplicate_header", row, header=mapping.header, field=mapping.name, params={"columns": letters}
        )
    return found[0]


def _unmapped(
    structure: ImportStructure, row: int, headers: tuple[str, ...], used: set[int]
) -> list[ImportProblem]:
    code, severity = (
        ("unexpected_column", Severity.ERROR)
        if structure.strict_columns
        else ("unmapped_column", Severity.WARNING)
    )
    return [
        ImportProblem(code, row, column_letter(position + 1), header, severity=severity)
        for position, header in enumerate(headers)
        if header and position not in used
    ]


def _wrong_delimiter(structure: ImportStructure, row: int, cells: Sequence[Cell]) -> ImportProblem | None:
    """A CSV whose first row is one cell holding another delimiter was written with that one."""
    wants_more = len({(m.index, header_key(m.header)) for m in structure.columns}) > 1
    filled = [c for c in cells if not is_blank(c)]
    if (
        structure.file_type != FileType.CSV
        or not wants_more
        or len(filled) != 1
        or not isinstance(filled[0], str)
    ):
        return None
    for other in DELIMITERS:
        if other != structure.delimiter and other in filled[0]:
            return ImportProblem(
                "wrong_delimiter",
                row,
                params={
                    "expected": DELIMITER_NAMES.get(structure.delimiter, structure.delimiter),
                    "found": DELIMITER_NAMES.get(other, other),
                },
            )
    return None
