"""Campaign contact lists read from real files (OUT-06): CSV in UTF-8 (with and without BOM) and
Windows-1250, Excel workbooks made here with openpyxl; bad files of every kind are refused with
the reason, the row and the column, and nothing of them is accepted. The last tests link a list
to the demo customer database (CDB-02)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime
from typing import Any

import attrs
import pytest
from openpyxl import Workbook

from apps.container import Container
from kc_adapters.importing import preview_file, sheet_rows
from kc_domain.outbound.import_structure import (
    ColumnMapping,
    Encoding,
    ExtraKind,
    Field,
    FileType,
    ImportStructure,
)
from kc_domain.outbound.importing import CELL_MAX, ImportPreview, ImportProblem, ImportRefused

pytestmark = pytest.mark.req("OUT-06")

HEADER = ["Telefon", "Jméno a příjmení", "Číslo pojištěnce", "Poznámka", "Splatnost"]
ROWS = [
    ["603 123 456", "Jana Dvořáková", "785612/1230", "dlužné pojistné", "24.12.2026"],
    ["+420 777 234 567", "Petr Novák", "8001011238", "splátkový kalendář", "15.01.2027"],
    ["00420 731 555 666", "Zdeňka Šťastná", "", "", ""],
]


def structure(file_type: FileType = FileType.CSV, **changes: Any) -> ImportStructure:
    base = ImportStructure(
        "Dlužníci leden",
        (
            ColumnMapping(Field.PHONE, "Telefon"),
            ColumnMapping(Field.FULL_NAME, "Jméno a příjmení"),
            ColumnMapping(Field.CLIENT_NUMBER, "Číslo pojištěnce"),
            ColumnMapping(Field.NOTE, "Poznámka"),
            ColumnMapping(Field.EXTRA, "Splatnost", key="splatnost", kind=ExtraKind.DATE),
        ),
        file_type=file_type,
    )
    return attrs.evolve(base, **changes)


def csv_file(lines: Sequence[Sequence[object]], encoding: str = "utf-8", delimiter: str = ";") -> io.BytesIO:
    text = "".join(delimiter.join(str(c) for c in line) + "\r\n" for line in lines)
    return io.BytesIO(text.encode(encoding))


def xlsx_file(lines: Sequence[Sequence[object]], title: str = "Kontakty", *others: str) -> io.BytesIO:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = title
    for line in lines:
        sheet.append(list(line))
    for other in others:
        workbook.create_sheet(other)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


def as_file(file_type: FileType, lines: Sequence[Sequence[object]]) -> io.BytesIO:
    return csv_file(lines) if file_type == FileType.CSV else xlsx_file(lines)


def replaced(workbook: io.BytesIO, placeholder: str, text: str) -> io.BytesIO:
    """The file with a cell's text replaced, in a workbook's XML: openpyxl (as Excel) writes at
    most 32,767 characters in a cell, a file made otherwise may hold more."""
    if not zipfile.is_zipfile(workbook):
        return io.BytesIO(workbook.getvalue().replace(placeholder.encode(), text.encode()))
    changed = io.BytesIO()
    with zipfile.ZipFile(workbook) as original, zipfile.ZipFile(changed, "w", zipfile.ZIP_DEFLATED) as copy:
        for part in original.infolist():
            data = original.read(part.filename)
            copy.writestr(part, data.replace(placeholder.encode(), text.encode()))
    changed.seek(0)
    return changed


def read(source: io.BytesIO, **changes: Any) -> ImportPreview:
    return preview_file(structure(**changes), source)


def refused(source: io.BytesIO, **changes: Any) -> list[ImportProblem]:
    with pytest.raises(ImportRefused) as refusal:
        preview_file(structure(**changes), source)
    return list(refusal.value.problems)


def found(problems: Sequence[ImportProblem]) -> list[tuple[str, int | None, str, dict[str, Any]]]:
    return [(p.code, p.row, p.column, dict(p.params)) for p in problems]


# -- good files ------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig"])
def test_a_utf8_csv_with_or_without_bom_gives_every_row(encoding: str):
    result = read(csv_file([HEADER, *ROWS], encoding))
    assert [(c.row, c.phone, c.full_name, c.client_number) for c in result.contacts] == [
        (2, "+420603123456", "Jana Dvořáková", "7856121230"),
        (3, "+420777234567", "Petr Novák", "8001011238"),
        (4, "+420731555666", "Zdeňka Šťastná", ""),
    ]
    assert result.contacts[1].extras == {"splatnost": "2027-01-15"}
    assert result.headers == tuple(HEADER) and result.problems == ()


def test_a_windows_1250_csv_as_czech_excel_saves_it_is_read_in_its_encoding():
    result = read(csv_file([HEADER, *ROWS], "cp1250"), encoding=Encoding.WINDOWS_1250)
    assert [c.full_name for c in result.contacts] == ["Jana Dvořáková", "Petr Novák", "Zdeňka Šťastná"]


def test_a_comma_csv_with_quoted_cells_spanning_lines_counts_rows_as_a_spreadsheet_does():
    text = (
        "Telefon,Jméno a příjmení,Číslo pojištěnce,Poznámka,Splatnost\r\n"
        '603123456,"Dvořáková, Jana",,"volat\r\nodpoledne",\r\n'
        "777234567,Petr Novák,,,\r\n"
    )
    result = read(io.BytesIO(text.encode()), delimiter=",")
    assert [(c.row, c.full_name, c.note) for c in result.contacts] == [
        (2, "Dvořáková, Jana", "volat\r\nodpoledne"),
        (3, "Petr Novák", ""),
    ]


def test_a_csv_with_old_mac_line_ends_is_read_row_by_row():
    text = ";".join(HEADER) + '\r603123456;Jana;;"a\rb";\r777234567;Petr;;;\r'
    result = read(io.BytesIO(text.encode()))
    assert [(c.row, c.full_name, c.note) for c in result.contacts] == [(2, "Jana", "a\rb"), (3, "Petr", "")]


def test_an_excel_list_gives_numbers_and_real_dates_as_excel_holds_them():
    lines = [
        HEADER,
        [603123456, "Jana Dvořáková", 7856121230, "dlužné pojistné", datetime(2026, 12, 24)],
        [420777234567, "Petr Novák", "800101/1238", None, date(2027, 1, 15)],
    ]
    result = read(xlsx_file(lines), file_type=FileType.XLSX)
    assert [(c.row, c.phone, c.client_number, c.extras) for c in result.contacts] == [
        (2, "+420603123456", "7856121230", {"splatnost": "2026-12-24"}),
        (3, "+420777234567", "8001011238", {"splatnost": "2027-01-15"}),
    ]


def test_a_named_sheet_is_read_and_a_missing_one_is_refused_listing_the_sheets():
    source = xlsx_file([["Popis"], ["nic"]], "Úvod")
    workbook_with_list = xlsx_file([HEADER, *ROWS], "Kontakty", "Úvod")
    assert len(read(workbook_with_list, file_type=FileType.XLSX, sheet="kontakty").contacts) == 3
    problems = refused(source, file_type=FileType.XLSX, sheet="Kontakty")
    assert found(problems) == [("sheet_not_found", None, "", {"sheet": "Kontakty", "sheets": "Úvod"})]


# -- the wrong encoding ----------------------------------------------------------------------


def test_a_windows_1250_file_read_as_utf8_is_refused_naming_both_encodings_and_the_row():
    problems = refused(csv_file([HEADER, *ROWS], "cp1250"))
    assert found(problems) == [("wrong_encoding", 1, "", {"encoding": "utf-8", "likely": "windows-1250"})]


def test_a_utf8_file_read_as_windows_1250_is_refused_naming_utf8():
    ascii_header = ["Telefon", "Jmeno", "Cislo"]
    lines = [ascii_header, ["603123456", "Jan Novak", ""], ["777234567", "Zdeňka Šťastná", ""]]
    mapping = (ColumnMapping(Field.PHONE, "Telefon"), ColumnMapping(Field.FULL_NAME, "Jmeno"))
    problems = refused(csv_file(lines), encoding=Encoding.WINDOWS_1250, columns=mapping)
    assert found(problems) == [("wrong_encoding", 3, "", {"encoding": "windows-1250", "likely": "utf-8"})]


def test_windows_1250_letters_that_happen_to_form_utf8_bytes_are_still_read_as_windows_1250():
    # "ĚŠ" is CC 8A in Windows-1250, also a valid UTF-8 sequence (a combining ring): no Czech text
    result = read(
        csv_file([HEADER, ["603123456", "PĚŠINA JAN", "", "", ""]], "cp1250"), encoding=Encoding.WINDOWS_1250
    )
    assert result.contacts[0].full_name == "PĚŠINA JAN"


def test_bytes_the_stated_encoding_cannot_read_are_refused_without_a_guess():
    lines = b"Telefon;Jm\x98no\r\n603123456;Jan\r\n"
    mapping = (ColumnMapping(Field.PHONE, "Telefon"),)
    problems = refused(io.BytesIO(lines), encoding=Encoding.WINDOWS_1250, columns=mapping)
    assert found(problems) == [("wrong_encoding", 1, "", {"encoding": "windows-1250"})]


def test_a_bom_of_utf8_under_windows_1250_is_refused():
    problems = refused(csv_file([HEADER, *ROWS], "utf-8-sig"), encoding=Encoding.WINDOWS_1250)
    assert found(problems) == [("wrong_encoding", 1, "", {"encoding": "windows-1250", "likely": "utf-8"})]


def test_a_list_converted_to_utf8_twice_is_recognised_by_its_garbled_letters():
    garbled = "Jana Dvořáková".encode().decode("cp1250")  # 'Jana DvoĹ™ĂˇkovĂˇ'
    problems = refused(csv_file([HEADER, ["603123456", garbled, "", "", ""]]))
    assert found(problems) == [("mojibake", 2, "", {"encoding": "utf-8"})]


def test_a_utf16_unicode_text_export_is_refused_as_utf16():
    problems = refused(csv_file([HEADER, *ROWS], "utf-16"))
    assert found(problems) == [("wrong_encoding", 1, "", {"encoding": "utf-8", "likely": "utf-16"})]


# -- columns ---------------------------------------------------------------------------------


@pytest.mark.parametrize("file_type", list(FileType))
def test_missing_columns_are_refused_by_name_and_extra_ones_reported_by_name(file_type: FileType):
    lines = [["Telefon", "Jméno a příjmení", "Obec"], ["603123456", "Jana Dvořáková", "Brno"]]
    problems = refused(as_file(file_type, lines), file_type=file_type)
    assert {(p.code, p.header, p.field) for p in problems} == {
        ("missing_column", "Číslo pojištěnce", "client_number"),
        ("missing_column", "Poznámka", "note"),
        ("missing_column", "Splatnost", "extra.splatnost"),
    }
    result = read(as_file(file_type, [[*HEADER, "Obec"], [*ROWS[0], "Brno"]]), file_type=file_type)
    assert [(p.code, p.column, p.header) for p in result.problems] == [("unmapped_column", "F", "Obec")]


def test_a_csv_written_with_commas_under_a_semicolon_structure_names_the_delimiter():
    problems = refused(csv_file([HEADER, *ROWS], delimiter=","))
    assert found(problems) == [("wrong_delimiter", 1, "", {"expected": ";", "found": ","})]


# -- cells -----------------------------------------------------------------------------------


@pytest.mark.parametrize("file_type", list(FileType))
def test_a_megabyte_cell_is_refused_with_its_row_and_column(file_type: FileType):
    lines = [HEADER, ROWS[0], [*ROWS[1][:3], "OBROVSKA-BUNKA", ""]]
    source = replaced(as_file(file_type, lines), "OBROVSKA-BUNKA", "x" * 1_048_576)
    problems = refused(source, file_type=file_type)
    assert found(problems) == [("cell_too_large", 3, "D", {"max": CELL_MAX, "size": 1_048_576})]
    assert problems[0].header == "Poznámka"


def test_formula_cells_are_refused_with_row_and_column_and_never_evaluated():
    lines = [
        HEADER,
        ["=603123456", "Jana Dvořáková", "", "", ""],
        ["777234567", "Petr Novák", "", "=D1&D2", ""],
    ]
    problems = refused(xlsx_file(lines), file_type=FileType.XLSX)
    assert found(problems) == [
        ("formula_cell", 2, "A", {"value": "=603123456"}),
        ("formula_cell", 3, "D", {"value": "=D1&D2"}),
    ]


def test_a_csv_cell_starting_with_an_equals_sign_is_text_and_never_a_formula():
    result = read(csv_file([HEADER, ["603123456", "Jana", "", "=1+1", ""]]))
    assert result.contacts[0].note == "=1+1"


@pytest.mark.parametrize("file_type", list(FileType))
def test_bad_numbers_and_duplicates_are_listed_by_row_and_column_and_those_rows_left_out(file_type: FileType):
    lines = [
        HEADER,
        *ROWS,
        ["603 12 34", "Karel Veselý", "", "", ""],
        ["+420603123456", "Jan Dvořák", "", "", ""],
    ]
    result = read(as_file(file_type, lines), file_type=file_type)
    assert [c.row for c in result.contacts] == [2, 3, 4]
    assert found(result.problems) == [
        ("bad_phone", 5, "A", {"value": "603 12 34"}),
        ("duplicate_in_list", 6, "A", {"value": "+420603123456", "first_row": 2}),
    ]


# -- empty and oversized files ---------------------------------------------------------------


def test_an_empty_file_and_a_file_of_blank_lines_are_refused_as_empty():
    assert found(refused(io.BytesIO(b""))) == [("empty_file", None, "", {})]
    assert found(refused(io.BytesIO(b"\xef\xbb\xbf\r\n;;\r\n\r\n"))) == [("empty_file", None, "", {})]


@pytest.mark.parametrize("file_type", list(FileType))
def test_a_header_only_is_refused(file_type: FileType):
    assert found(refused(as_file(file_type, [HEADER]), file_type=file_type)) == [("header_only", 1, "", {})]


def test_an_empty_sheet_is_refused_naming_the_sheet():
    assert found(refused(xlsx_file([], "Leden"), file_type=FileType.XLSX)) == [
        ("empty_sheet", None, "", {"sheet": "Leden"})
    ]


def test_a_file_over_the_size_limit_is_refused_stating_the_limit():
    source = csv_file([HEADER, *ROWS])
    with pytest.raises(ImportRefused) as refusal:
        preview_file(structure(), source, max_bytes=100)
    assert found(refusal.value.problems) == [
        ("file_too_large", None, "", {"max": 100, "size": len(source.getvalue())})
    ]


@pytest.mark.parametrize("file_type", list(FileType))
def test_more_rows_than_the_limit_are_refused_stating_it(file_type: FileType):
    with pytest.raises(ImportRefused) as refusal:
        preview_file(structure(file_type), as_file(file_type, [HEADER, *ROWS]), max_rows=2)
    assert found(refusal.value.problems) == [("too_many_rows", 4, "", {"max": 2})]


# -- the wrong kind of file ------------------------------------------------------------------


def test_a_workbook_given_as_csv_and_a_csv_given_as_workbook_are_refused_by_what_they_are():
    assert found(refused(xlsx_file([HEADER, *ROWS]))) == [
        ("wrong_file_type", None, "", {"expected": "csv", "found": "xlsx"})
    ]
    assert found(refused(csv_file([HEADER, *ROWS]), file_type=FileType.XLSX)) == [
        ("wrong_file_type", None, "", {"expected": "xlsx", "found": "csv"})
    ]


def test_an_old_or_password_protected_workbook_is_refused_as_xls():
    ole2 = io.BytesIO(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504)
    assert found(refused(ole2, file_type=FileType.XLSX)) == [
        ("wrong_file_type", None, "", {"expected": "xlsx", "found": "xls"})
    ]


def test_a_zip_that_is_no_workbook_is_refused_as_unreadable():
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("kontakty.txt", "603123456")
    archive.seek(0)
    (problem,) = refused(archive, file_type=FileType.XLSX)
    assert problem.code == "unreadable_workbook"


def test_rows_are_read_as_they_are_asked_for():
    """The reader is a stream: nothing is read before the first row is asked for."""
    rows = sheet_rows(structure(), io.BytesIO(b""))
    with pytest.raises(ImportRefused):
        next(rows)


# -- the customer database (CDB-02) ----------------------------------------------------------


def _lookups(container: Container) -> tuple[Any, Any]:
    clients = container.clients()

    def phones_known(phones: frozenset[str]) -> Mapping[str, Collection[int]]:
        return {p: [c.id for c in clients.by_phone(p) if c.id is not None] for p in phones}

    def identifiers_known(identifiers: frozenset[str]) -> Mapping[str, Collection[int]]:
        return {
            i: [c.id for c in clients.search(i) if c.identifier == i and c.id is not None]
            for i in identifiers
        }

    return phones_known, identifiers_known


@pytest.mark.req("CDB-02")
def test_a_list_links_contacts_to_the_demo_clients_by_number_and_by_birth_number(container: Container):
    lines = [
        HEADER,
        ["603 111 222", "Svobodovi", "", "rodinný telefon", ""],  # two clients share this number
        ["777 000 111", "Petr Svoboda", "751102/3190", "", ""],  # known by his birth number only
        ["608 999 000", "Nový Klient", "", "", ""],
    ]
    phones_known, identifiers_known = _lookups(container)
    result = preview_file(structure(), csv_file(lines), phones_known, identifiers_known)
    family, petr, newcomer = result.contacts
    assert len(family.client_ids) == 2 and len(petr.client_ids) == 1 and newcomer.client_ids == ()
    assert set(petr.client_ids) < set(family.client_ids)
    assert [(p.code, p.row, p.field, p.params["clients"]) for p in result.problems] == [
        ("known_client", 2, "phone", 2),
        ("known_client", 3, "client_number", 1),
    ]
