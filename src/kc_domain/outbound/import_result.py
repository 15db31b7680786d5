"""What importing a contact list gives (OUT-06, CDB-02): the contacts as they will be stored and
the problems by row and column; and the limits of a list."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping

import attrs

from kc_domain.outbound.campaigns import ListEntry
from kc_domain.outbound.import_problems import ImportProblem, ImportRefused, Severity

MAX_ROWS = 200_000
MAX_FILE_BYTES = 50_000_000
CELL_MAX = 32_767  # Excel's own limit of a cell; a longer one is a broken or hostile file

ENTRY_DETAILS = ("phone2", "first_name", "surname", "client_number", "birth_number", "email", "note")

ClientIds = Callable[[frozenset[str]], Mapping[str, Collection[int]]]
"""The customer database as the import asks it (CDB-02): for these phone numbers (E.164), or
these birth or client numbers, the ids of the clients who have each; unknown ones left out."""


@attrs.frozen
class ImportedContact:
    """A row as it will be imported: ``row`` as the file shows it, the values cleaned (phones in
    E.164, identifiers without slash or spaces, dates ISO), ``extras`` the call scripts' values
    by key, ``client_ids`` the known clients it is linked to."""

    row: int
    phone: str
    phone2: str = ""
    full_name: str = ""
    first_name: str = ""
    surname: str = ""
    client_number: str = ""
    birth_number: str = ""
    email: str = ""
    priority: int | None = None
    note: str = ""
    extras: Mapping[str, str] = attrs.field(factory=dict)
    client_ids: tuple[int, ...] = ()

    @property
    def name(self) -> str:
        return self.full_name or " ".join(p for p in (self.first_name, self.surname) if p)

    @property
    def client_id(self) -> int | None:
        """The one client the contact is linked to; None for none or several (a family phone)."""
        return self.client_ids[0] if len(self.client_ids) == 1 else None

    def as_entry(self, campaign_id: int) -> ListEntry:
        """The contact as a campaign's list holds it (``CampaignService.add_entries``): the name,
        ``client_id``, the priority (the list's default when empty), and in ``extra`` the import's
        extras with the contact's other non-empty fields by their names, for the call script."""
        details = {name: getattr(self, name) for name in ENTRY_DETAILS if getattr(self, name)}
        entry = ListEntry(
            campaign_id, self.phone, self.name, self.client_id, extra={**self.extras, **details}
        )
        if self.priority is not None:
            entry.priority = self.priority
        return entry


@attrs.frozen
class ImportPreview:
    """What the file gives: the accepted contacts and every problem (errors: rows left out;
    warnings: rows imported), ordered by row; ``rows_read`` counts the non-empty data rows."""

    structure: str
    headers: tuple[str, ...]
    contacts: tuple[ImportedContact, ...]
    problems: tuple[ImportProblem, ...]
    rows_read: int

    @property
    def rejected_rows(self) -> frozenset[int]:
        return frozenset(p.row for p in self.problems if p.severity == Severity.ERROR and p.row is not None)

    def counts(self) -> dict[str, int]:
        """How many problems of each code: what a summary above the list shows."""
        counted: dict[str, int] = {}
        for problem in self.problems:
            counted[problem.code] = counted.get(problem.code, 0) + 1
        return counted

    def accepted(self, *, skip_rejected: bool = False) -> tuple[ImportedContact, ...]:
        """The contacts to store. A list with rejected rows is refused whole (ImportRefused with
        those rows' errors) unless ``skip_rejected``: the administrator chose to leave them out."""
        errors = [p for p in self.problems if p.severity == Severity.ERROR]
        if errors and not skip_rejected:
            raise ImportRefused(errors)
        return self.contacts
