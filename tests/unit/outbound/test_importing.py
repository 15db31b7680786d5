"""Importing campaign contact lists (OUT-06, CDB-02): the import structure and its checks, the
cleaning of each field, and how a list with bad rows or a bad file is previewed or refused whole.
Rows here are what a reader gives; the CSV and Excel readers are tested in
tests/integration/test_list_import_files.py."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest

from kc_domain.admin.service import AdminService
from kc_domain.audit.service import AuditTrail
from kc_domain.errors import FieldError, ValidationFailed
from kc_domain.outbound.campaigns import Calendar, ListEntry
from kc_domain.outbound.import_cells import Cell, Formula, campaign_phone
from kc_domain.outbound.import_structure import (
    ColumnMapping,
    Encoding,
    ExtraKind,
    Field,
    FileType,
    ImportStructure,
    column_index,
    column_letter,
)
from kc_domain.outbound.importing import (
    CELL_MAX,
    ImportedContact,
    ImportPreview,
    ImportProblem,
    ImportRefused,
    Severity,
    build_preview,
)
from kc_domain.outbound.service import CampaignService

from ..support import ROOT

pytestmark = pytest.mark.req("OUT-06")

HEADER = ["Telefon", "Jméno", "Příjmení", "Rodné číslo", "E-mail", "Priorita", "Splatnost"]
JANA = ["603 123 456", "Jana", "Dvořáková", "785612/1230", "jana.dvorakova@seznam.cz", "5", "24.12.2026"]
PETR = ["+420 777 234 567", "Petr", "Novák", "8001011238", "", "", "15. 1. 2027"]


def structure(**changes: Any) -> ImportStructure:
    base = ImportStructure(
        "Dlužníci leden",
        (
            ColumnMapping(Field.PHONE, "Telefon"),
            ColumnMapping(Field.FIRST_NAME, "Jméno"),
            ColumnMapping(Field.SURNAME, "Příjmení"),
            ColumnMapping(Field.BIRTH_NUMBER, "Rodné číslo"),
            ColumnMapping(Field.EMAIL, "E-mail"),
            ColumnMapping(Field.PRIORITY, "Priorita"),
            ColumnMapping(Field.EXTRA, "Splatnost", key="splatnost", kind=ExtraKind.DATE),
        ),
    )
    return attrs.evolve(base, **changes)


def rows(*lines: list[Cell]) -> list[tuple[int, list[Cell]]]:
    return [(number, list(cells)) for number, cells in enumerate(lines, start=1)]


def preview(*lines: list[Cell], **changes: Any) -> ImportPreview:
    return build_preview(structure(**changes), rows(*lines))


def refusal(*lines: list[Cell], max_rows: int = 200_000, **changes: Any) -> list[ImportProblem]:
    with pytest.raises(ImportRefused) as refused:
        build_preview(structure(**changes), rows(*lines), max_rows=max_rows)
    return list(refused.value.problems)


def where(problems: Collection[ImportProblem]) -> set[tuple[str, int | None, str]]:
    return {(p.code, p.row, p.column) for p in problems}


# -- the structure ---------------------------------------------------------------------------


def test_column_letters_and_indexes_go_both_ways():
    assert [column_letter(i) for i in (1, 26, 27, 52, 16_384)] == ["A", "Z", "AA", "AZ", "XFD"]
    assert [column_index(t) for t in ("a", "Z", "AA", " xfd ")] == [1, 26, 27, 16_384]
    assert column_index("XFE") is None and column_index("A1") is None and column_index("") is None


def test_a_valid_structure_has_no_problems():
    assert structure().problems() == []


def test_given_a_structure_without_a_phone_column_then_it_is_refused():
    problems = ImportStructure("Bez telefonu", (ColumnMapping(Field.SURNAME, "Příjmení"),)).problems()
    assert FieldError("columns", "phone_column_required") in problems


def test_given_bad_settings_then_each_is_named():
    bad = structure(
        name="",
        delimiter=":",
        encoding="latin-1",
        file_type="ods",
        date_formats=("%d.%m.", "%Y-%m-%d"),
        header_row=False,
    )
    codes = {(e.field, e.code) for e in bad.problems()}
    assert {
        ("name", "required"),
        ("delimiter", "invalid_choice"),
        ("encoding", "invalid_choice"),
        ("file_type", "invalid_choice"),
        ("date_formats", "bad_date_format"),
        ("columns.1.header", "needs_header_row"),
    } <= codes


def test_given_a_field_or_extra_key_mapped_twice_then_the_second_is_a_duplicate():
    bad = ImportStructure(
        "Dvakrát",
        (
            ColumnMapping(Field.PHONE, "Telefon"),
            ColumnMapping(Field.PHONE, "Mobil"),
            ColumnMapping(Field.EXTRA, "A", key="obec"),
            ColumnMapping(Field.EXTRA, "B", key="obec"),
            ColumnMapping(Field.EXTRA, "C", key="Špatně"),
            ColumnMapping(Field.NOTE, index=20_000),
        ),
    )
    codes = {(e.field, e.code) for e in bad.problems()}
    assert {
        ("columns.2.field", "duplicate"),
        ("columns.4.key", "duplicate"),
        ("columns.5.key", "bad_field_key"),
        ("columns.6.index", "out_of_range"),
    } <= codes


def test_a_structure_comes_from_plain_data_with_columns_by_letter_or_number():
    plain = {
        "name": "Preventivní prohlídky",
        "file_type": "csv",
        "encoding": "windows-1250",
        "delimiter": ",",
        "header_row": False,
        "columns": [
            {"field": "phone", "column": "B"},
            {"field": "full_name", "column": 1},
            {"field": "extra", "column": "C", "key": "pobocka"},
        ],
    }
    read = ImportStructure.from_plain(plain)
    assert [(m.field, m.index) for m in read.columns] == [
        (Field.PHONE, 2),
        (Field.FULL_NAME, 1),
        (Field.EXTRA, 3),
    ]
    assert read.encoding == Encoding.WINDOWS_1250 and read.file_type == FileType.CSV and read.problems() == []
    with pytest.raises(ValueError):
        ImportStructure.from_plain({**plain, "columns": [{"field": "phone", "column": "B2"}]})


def test_given_an_invalid_structure_when_previewing_then_validation_fails_before_any_row():
    with pytest.raises(ValidationFailed) as failed:
        build_preview(structure(delimiter="x"), rows(HEADER, JANA))
    assert not isinstance(failed.value, ImportRefused)


# -- values ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    [
        "603123456",
        "603 123 456",
        "+420 603 123 456",
        "00420603123456",
        "420603123456",
        "603-123-456",
        "+420\xa0603\xa0123\xa0456",
    ],
)
def test_czech_numbers_in_every_common_writing_become_e164(written: str):
    assert campaign_phone(written) == "+420603123456"


@pytest.mark.parametrize(
    "written",
    [
        "12345",
        "60312345",
        "+420 60312345",
        "+420 123 456 789",
        "0603123456",
        "603123456, 777123456",
        "tel. 603123456",
        "abc",
    ],
)
def test_clearly_invalid_numbers_are_rejected(written: str):
    assert campaign_phone(written) is None


def test_a_foreign_number_in_e164_is_kept():
    assert campaign_phone("+421 905 123 456") == "+421905123456"


def test_numbers_excel_stored_as_numbers_are_read_as_phones_and_birth_numbers():
    result = preview(
        HEADER,
        [603123456, "Jana", "Dvořáková", 454031237, None, 3.0, datetime(2026, 12, 24)],
        [420777234567.0, "Petr", "Novák", 8001011238, None, None, date(2027, 1, 15)],
    )
    jana, petr = result.contacts
    assert (jana.phone, jana.birth_number, jana.priority, jana.extras) == (
        "+420603123456",
        "0454031237",  # Excel dropped the leading zero of a girl born in 2004
        3,
        {"splatnost": "2026-12-24"},
    )
    assert (petr.phone, petr.birth_number, petr.extras) == (
        "+420777234567",
        "8001011238",
        {"splatnost": "2027-01-15"},
    )


# -- a good list -----------------------------------------------------------------------------


def test_given_a_clean_list_then_every_row_becomes_a_contact_as_it_will_be_stored():
    result = preview(HEADER, JANA, PETR)
    assert result.contacts == (
        ImportedContact(
            row=2,
            phone="+420603123456",
            first_name="Jana",
            surname="Dvořáková",
            birth_number="7856121230",
            email="jana.dvorakova@seznam.cz",
            priority=5,
            extras={"splatnost": "2026-12-24"},
        ),
        ImportedContact(
            row=3,
            phone="+420777234567",
            first_name="Petr",
            surname="Novák",
            birth_number="8001011238",
            extras={"splatnost": "2027-01-15"},
        ),
    )
    assert result.problems == () and result.rows_read == 2 and result.headers == tuple(HEADER)
    assert result.contacts[0].name == "Jana Dvořáková"
    assert result.accepted() == result.contacts


def test_headers_match_without_regard_to_case_accents_and_spaces_and_blank_rows_are_skipped():
    header = ["  TELEFON ", "jmeno", "PRIJMENI", "rodne  cislo", "e-mail", "priorita", "splatnost"]
    result = preview([None, ""], header, ["", None], JANA, [], PETR)
    assert [c.row for c in result.contacts] == [4, 6]


def test_given_no_header_row_then_columns_are_read_by_position():
    by_position = ImportStructure(
        "Bez záhlaví",
        (
            ColumnMapping(Field.PHONE, index=2),
            ColumnMapping(Field.FULL_NAME, index=1),
            ColumnMapping(Field.NOTE, index=3),
        ),
        header_row=False,
    )
    result = build_preview(
        by_position, rows(["Jan Novák", "603123456"], ["Eva Malá", "777234567", "volat odpoledne"])
    )
    assert [(c.row, c.full_name, c.phone, c.note) for c in result.contacts] == [
        (1, "Jan Novák", "+420603123456", ""),
        (2, "Eva Malá", "+420777234567", "volat odpoledne"),
    ]


# -- bad rows: reported by row and column, left out whole ------------------------------------


def test_given_bad_values_then_each_is_named_by_row_column_and_field_and_the_row_is_left_out_whole():
    bad = ["603 12", "Jana", "Dvořáková", "785612/1231", "jana@", "vysoká", "31.2.2026"]
    result = preview(HEADER, JANA, bad, PETR)
    assert [c.row for c in result.contacts] == [2, 4]
    assert {(p.code, p.row, p.column, p.header, p.field) for p in result.problems} == {
        ("bad_phone", 3, "A", "Telefon", "phone"),
        ("bad_birth_number", 3, "D", "Rodné číslo", "birth_number"),
        ("bad_email", 3, "E", "E-mail", "email"),
        ("bad_priority", 3, "F", "Priorita", "priority"),
        ("not_a_date", 3, "G", "Splatnost", "extra.splatnost"),
    }
    by_code = {p.code: p for p in result.problems}
    assert by_code["bad_phone"].params == {"value": "603 12"}
    assert by_code["bad_priority"].params == {"value": "vysoká", "min": 1, "max": 10}
    assert by_code["not_a_date"].params == {"value": "31.2.2026", "example": "24.12.2026"}
    assert result.rejected_rows == {3}


def test_given_a_row_without_a_phone_then_the_phone_is_required():
    result = preview(HEADER, JANA, ["", "Karel", "Veselý", "", "", "", ""])
    assert where(result.problems) == {("required", 3, "A")}


def test_given_too_long_text_then_the_limit_is_named():
    result = preview(HEADER, JANA, ["777234567", "J" * 61, "Nový", "", "", "", ""])
    (problem,) = result.problems
    assert (problem.code, problem.row, problem.column, problem.params) == ("too_long", 3, "B", {"max": 60})


def test_given_a_value_right_of_the_last_header_then_the_row_is_left_out():
    result = preview(HEADER, JANA, [*PETR, "posunuto"])
    assert where(result.problems) == {("cell_without_header", 3, "H")}
    assert [c.row for c in result.contacts] == [2]


def test_given_rejected_rows_then_storing_needs_the_administrators_consent_to_skip_them():
    result = preview(HEADER, JANA, ["xx", "Petr", "Novák", "", "", "", ""])
    with pytest.raises(ImportRefused) as refused:
        result.accepted()
    assert where(refused.value.problems) == {("bad_phone", 3, "A")}
    assert [c.row for c in result.accepted(skip_rejected=True)] == [2]


# -- duplicates ------------------------------------------------------------------------------


def test_given_the_same_number_twice_in_the_list_then_the_later_row_is_refused_naming_the_first():
    again = ["+420603123456", "Jan", "Dvořák", "", "", "", ""]
    result = preview(HEADER, JANA, PETR, again)
    (problem,) = result.problems
    assert (problem.code, problem.row, problem.column, problem.severity) == (
        "duplicate_in_list",
        4,
        "A",
        Severity.ERROR,
    )
    assert problem.params == {"value": "+420603123456", "first_row": 2}
    assert [c.row for c in result.contacts] == [2, 3]


def test_given_numbers_on_the_campaigns_list_already_then_those_rows_are_refused():
    result = build_preview(structure(), rows(HEADER, JANA, PETR), listed={"+420777234567"})
    assert [(p.code, p.row, p.column, p.params) for p in result.problems] == [
        ("already_listed", 3, "A", {"value": "+420777234567"})
    ]
    assert [c.row for c in result.contacts] == [2]


@pytest.mark.req("CDB-02")
def test_given_numbers_the_customer_database_knows_then_contacts_link_to_those_clients():
    asked: list[frozenset[str]] = []

    def phones_known(phones: frozenset[str]) -> Mapping[str, Collection[int]]:
        asked.append(phones)
        return {"+420603123456": [12, 4]}  # a family phone: two clients

    result = build_preview(structure(), rows(HEADER, JANA, PETR), phones_known)
    assert asked == [frozenset({"+420603123456", "+420777234567"})]  # one question for the whole list
    assert [c.client_ids for c in result.contacts] == [(4, 12), ()]
    (note,) = result.problems
    assert (note.code, note.row, note.column, note.severity) == ("known_client", 2, "A", Severity.WARNING)
    assert note.params == {"value": "+420603123456", "clients": 2}


@pytest.mark.req("CDB-02")
def test_a_known_birth_number_links_the_one_client_before_a_shared_phone():
    result = build_preview(
        structure(),
        rows(HEADER, JANA),
        phones_known=lambda phones: {"+420603123456": [12, 4]},
        identifiers_known=lambda ids: {"7856121230": [4]},
    )
    assert result.contacts[0].client_ids == (4,)
    assert [(p.code, p.column, p.field) for p in result.problems] == [("known_client", "D", "birth_number")]


# -- refusals of the whole file --------------------------------------------------------------


def test_given_no_rows_then_the_file_is_refused_as_empty():
    assert where(refusal()) == {("empty_file", None, "")}
    assert where(refusal([None, " "], [])) == {("empty_file", None, "")}


def test_given_a_header_only_then_the_file_is_refused():
    assert where(refusal([], HEADER, [None] * 7)) == {("header_only", 2, "")}


def test_given_missing_columns_then_each_is_named_and_nothing_is_read():
    problems = refusal(["Telefon", "Jmeno", "Prijmeni", "E-mail"], JANA)
    assert {(p.code, p.header, p.field) for p in problems} == {
        ("missing_column", "Rodné číslo", "birth_number"),
        ("missing_column", "Priorita", "priority"),
        ("missing_column", "Splatnost", "extra.splatnost"),
    }


def test_given_a_column_by_letter_beyond_the_header_then_it_is_missing_by_its_letter():
    by_letter = ImportStructure(
        "Písmena", (ColumnMapping(Field.PHONE, index=1), ColumnMapping(Field.NOTE, index=5))
    )
    with pytest.raises(ImportRefused) as refused:
        build_preview(by_letter, rows(["Telefon", "Poznámka"], ["603123456", "x"]))
    assert where(refused.value.problems) == {("missing_column", 1, "E")}


def test_given_a_mapped_header_twice_then_the_file_is_refused_naming_both_columns():
    (problem,) = refusal([*HEADER, "Telefon"], JANA)
    assert (problem.code, problem.header, problem.params) == (
        "duplicate_header",
        "Telefon",
        {"columns": "A, H"},
    )


def test_given_columns_the_structure_does_not_name_then_they_are_reported_or_refused_when_strict():
    header = [*HEADER, "Obec", "Pobočka"]
    result = preview(header, JANA)
    assert {(p.code, p.column, p.header, p.severity) for p in result.problems} == {
        ("unmapped_column", "H", "Obec", Severity.WARNING),
        ("unmapped_column", "I", "Pobočka", Severity.WARNING),
    }
    assert {(p.code, p.header) for p in refusal(header, JANA, strict_columns=True)} == {
        ("unexpected_column", "Obec"),
        ("unexpected_column", "Pobočka"),
    }


def test_given_a_csv_split_at_another_delimiter_then_the_delimiter_is_named():
    (problem,) = refusal([",".join(HEADER)], [",".join(JANA)])
    assert (problem.code, problem.params) == ("wrong_delimiter", {"expected": ";", "found": ","})


def test_given_a_formula_in_a_mapped_column_then_the_file_is_refused_with_every_such_cell():
    formula = [*JANA[:5], Formula("=B2*2"), JANA[6]]
    problems = refusal(HEADER, formula, PETR, [Formula("=A2"), *PETR[1:]])
    assert where(problems) == {("formula_cell", 2, "F"), ("formula_cell", 4, "A")}
    assert problems[0].params == {"value": "=B2*2"}


def test_a_formula_in_a_column_nobody_reads_is_not_evaluated_nor_refused():
    result = preview([*HEADER, "Pomocný"], [*JANA, Formula("=A2&B2")])
    assert [c.row for c in result.contacts] == [2]


def test_given_a_megabyte_cell_then_the_file_is_refused_naming_row_column_and_the_limit():
    huge = "x" * 1_000_000
    (problem,) = refusal(HEADER, JANA, [*PETR[:6], huge])
    assert (problem.code, problem.row, problem.column, problem.header) == (
        "cell_too_large",
        3,
        "G",
        "Splatnost",
    )
    assert problem.params == {"max": CELL_MAX, "size": 1_000_000}


def test_given_more_rows_than_allowed_then_the_limit_is_stated():
    (problem,) = refusal(HEADER, JANA, PETR, ["604111222", "", "Malý", "", "", "", ""], max_rows=2)
    assert (problem.code, problem.row, problem.params) == ("too_many_rows", 4, {"max": 2})


def test_given_no_acceptable_row_then_the_file_is_refused_with_the_rows_problems():
    problems = refusal(HEADER, ["x", "Jana", "", "", "", "", ""], ["y", "Petr", "", "", "", "", ""])
    assert where(problems) == {("no_valid_rows", None, ""), ("bad_phone", 2, "A"), ("bad_phone", 3, "A")}


def test_a_refusal_is_a_validation_failure_naming_field_row_and_column():
    with pytest.raises(ValidationFailed) as failed:
        build_preview(structure(), rows(HEADER, [Formula("=1"), *JANA[1:]]))
    assert failed.value.errors == (
        FieldError("phone", "formula_cell", {"value": "=1", "row": 2, "column": "A", "header": "Telefon"}),
    )


def test_a_refusal_lists_at_most_a_hundred_problems_and_counts_the_rest():
    many = [[Formula(f"=A{n}"), *PETR[1:]] for n in range(150)]
    problems = refusal(HEADER, *many)
    assert (
        len(problems) == 101 and problems[-1].code == "more_problems" and problems[-1].params == {"count": 50}
    )


# -- onto a campaign's list ------------------------------------------------------------------


def test_a_contact_becomes_a_campaign_list_entry_with_its_other_fields_for_the_script():
    contact = ImportedContact(
        row=2, phone="+420603123456", first_name="Jana", surname="Dvořáková", birth_number="7856121230",
        priority=8, note="dlužné pojistné", extras={"splatnost": "2026-12-24"}, client_ids=(4,),
    )  # fmt: skip
    entry = contact.as_entry(campaign_id=3)
    assert (entry.campaign_id, entry.phone, entry.name, entry.client_id, entry.priority) == (
        3, "+420603123456", "Jana Dvořáková", 4, 8,
    )  # fmt: skip
    assert entry.extra == {
        "splatnost": "2026-12-24",
        "first_name": "Jana",
        "surname": "Dvořáková",
        "birth_number": "7856121230",
        "note": "dlužné pojistné",
    }
    family = attrs.evolve(contact, priority=None, client_ids=(4, 12))
    assert family.client_id is None and family.as_entry(3).client_id is None
    assert family.as_entry(3).priority == ListEntry(3, "+420603123456").priority  # the list's default


def test_an_extra_key_may_not_take_a_contact_fields_name():
    taken = structure(
        columns=(ColumnMapping(Field.PHONE, "Telefon"), ColumnMapping(Field.EXTRA, "Mail", key="email"))
    )
    assert FieldError("columns.2.key", "reserved_key", {"value": "email"}) in taken.problems()


@pytest.mark.req("CDB-02")
def test_an_accepted_list_goes_onto_a_campaign_whole_linked_to_its_clients(
    uow_factory: Any, clock: Any, audit: AuditTrail, holidays: Any, admin: AdminService, root: Any
):
    campaigns = CampaignService(uow_factory, clock, audit, Calendar(ZoneInfo("Europe/Prague"), holidays))
    queue = admin.create(ROOT, "queue", {"name": "Pohledávky", "number": "+420261100900"})
    values = {"name": "Dlužníci leden", "queue_id": queue.id, "caller_id": "+420261100900"}
    campaign_id = int(campaigns.create(ROOT, values).id or 0)
    result = build_preview(structure(), rows(HEADER, JANA, PETR), lambda phones: {"+420603123456": [4]})
    entries = [c.as_entry(campaign_id) for c in result.accepted()]
    assert campaigns.add_entries(ROOT, campaign_id, entries) == 2
    stored = campaigns.entries(campaign_id)
    assert [(e.phone, e.name, e.client_id, e.priority) for e in stored] == [
        ("+420603123456", "Jana Dvořáková", 4, 5),
        ("+420777234567", "Petr Novák", None, 5),
    ]
