"""One pass over a contact list's rows (OUT-06): each row's cells cleaned into a contact's values
or its problems, the file's fatal problems collected, the accepted rows linked to known clients
(CDB-02)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from kc_domain.outbound.import_cells import BadValue, Formula, as_text, cleaner, is_blank
from kc_domain.outbound.import_layout import Layout
from kc_domain.outbound.import_problems import (
    REFUSAL_PROBLEMS_MAX,
    ImportProblem,
    ImportRefused,
    Severity,
    at_most,
)
from kc_domain.outbound.import_result import CELL_MAX, ClientIds, ImportedContact, ImportPreview
from kc_domain.outbound.import_structure import Field, ImportStructure, column_letter

PHONE = Field.PHONE.value


class Reading:
    """The state of one pass over the rows."""

    def __init__(self, structure: ImportStructure, layout: Layout, listed: Collection[str]) -> None:
        self.structure, self.layout, self.listed = structure, layout, listed
        self.formats = tuple(structure.date_formats)
        self.rows = 0
        self.fatal: list[ImportProblem] = []
        self.fatal_more = 0  # found beyond what a refusal lists: counted, not kept
        self.problems: list[ImportProblem] = list(layout.notes)
        self.accepted: list[tuple[int, dict[str, Any]]] = []
        self.first_row: dict[str, int] = {}
        self.columns = [(p, p.mapping.name, cleaner(p.mapping)) for p in layout.placed]

    def read(self, number: int, cells: Any) -> None:
        self.rows += 1
        fatal = self.fatal_count
        self._oversized(number, cells)
        values: dict[str, Any] = {}
        errors: list[ImportProblem] = []
        for placed, name, clean in self.columns:
            cell = cells[placed.position] if placed.position < len(cells) else None
            if isinstance(cell, Formula):
                self._refuse(placed.problem("formula_cell", number, value=cell.text))
                continue
            try:
                values[name] = clean(cell, self.formats)
            except BadValue as bad:
                errors.append(placed.problem(bad.code, number, **bad.params))
        errors += self._beyond_header(number, cells)
        if PHONE in values:
            errors += self._phone(number, values[PHONE])
        self.problems += errors
        if self.fatal_count == fatal and not any(p.severity == Severity.ERROR for p in errors):
            self.accepted.append((number, values))
            self.first_row.setdefault(values[PHONE], number)

    @property
    def fatal_count(self) -> int:
        return len(self.fatal) + self.fatal_more

    def _refuse(self, problem: ImportProblem) -> None:
        if len(self.fatal) < REFUSAL_PROBLEMS_MAX:
            self.fatal.append(problem)
        else:
            self.fatal_more += 1

    def _oversized(self, number: int, cells: Any) -> None:
        headers = self.layout.headers
        for position, cell in enumerate(cells):
            if isinstance(cell, str) and len(cell) > CELL_MAX:
                header = headers[position] if position < len(headers) else ""
                params = {"max": CELL_MAX, "size": len(cell)}
                self._refuse(
                    ImportProblem("cell_too_large", number, _letter(position), header, params=params)
                )

    def _beyond_header(self, number: int, cells: Any) -> list[ImportProblem]:
        width = self.layout.width
        if width is None:
            return []
        for position in range(width, len(cells)):
            if not is_blank(cells[position]):
                value = as_text(cells[position], self.formats[0])
                return [
                    ImportProblem("cell_without_header", number, _letter(position), params={"value": value})
                ]
        return []

    def _phone(self, number: int, phone: str) -> list[ImportProblem]:
        placed = self.layout.of(Field.PHONE.value)
        if placed is None:  # every structure maps the phone; kept for the type checker
            return []
        if not phone:
            return [placed.problem("required", number)]
        if phone in self.listed:
            return [placed.problem("already_listed", number, value=phone)]
        first = self.first_row.get(phone)
        if first is None:
            return []
        return [placed.problem("duplicate_in_list", number, value=phone, first_row=first)]

    def preview(self, phones_known: ClientIds | None, identifiers_known: ClientIds | None) -> ImportPreview:
        if self.fatal:
            raise ImportRefused(self.fatal, self.fatal_more)
        if not self.accepted:
            problems = [ImportProblem("no_valid_rows", params={"rows": self.rows}), *self.problems]
            raise ImportRefused(at_most(problems))
        linker = _Linker(self.layout, self.accepted, phones_known, identifiers_known)
        contacts = tuple(linker.contact(number, values) for number, values in self.accepted)
        problems = sorted([*self.problems, *linker.notes], key=lambda p: p.row or 0)
        return ImportPreview(self.structure.name, self.layout.headers, contacts, tuple(problems), self.rows)


def _letter(position: int) -> str:
    return column_letter(position + 1)


IDENTIFIERS = (Field.BIRTH_NUMBER.value, Field.CLIENT_NUMBER.value)
PHONES = (Field.PHONE.value, Field.PHONE2.value)


class _Linker:
    """Links contacts to the clients who have their birth or client number, else their phones."""

    def __init__(
        self,
        layout: Layout,
        accepted: list[tuple[int, dict[str, Any]]],
        phones_known: ClientIds | None,
        identifiers_known: ClientIds | None,
    ) -> None:
        self.layout = layout
        self.notes: list[ImportProblem] = []
        self.by_identifier = _ask(identifiers_known, accepted, IDENTIFIERS)
        self.by_phone = _ask(phones_known, accepted, PHONES)

    def contact(self, number: int, values: dict[str, Any]) -> ImportedContact:
        ids, by = self._clients(values)
        placed = self.layout.of(by)
        if ids and placed is not None:
            self.notes.append(
                placed.problem("known_client", number, Severity.WARNING, value=values[by], clients=len(ids))
            )
        extras = {k.removeprefix("extra."): v for k, v in values.items() if k.startswith("extra.") and v}
        standard = {k: v for k, v in values.items() if not k.startswith("extra.")}
        return ImportedContact(row=number, extras=extras, client_ids=ids, **standard)

    def _clients(self, values: dict[str, Any]) -> tuple[tuple[int, ...], str]:
        for name in IDENTIFIERS:
            ids = self.by_identifier.get(values.get(name) or "")
            if ids:
                return tuple(sorted(set(ids))), name
        found: set[int] = set()
        for name in PHONES:
            found.update(self.by_phone.get(values.get(name) or "", ()))
        return tuple(sorted(found)), Field.PHONE.value


def _ask(
    lookup: ClientIds | None, accepted: list[tuple[int, dict[str, Any]]], names: tuple[str, ...]
) -> Mapping[str, Collection[int]]:
    if lookup is None:
        return {}
    asked = frozenset(values[n] for _, values in accepted for n in names if values.get(n))
    return lookup(asked) if asked else {}
