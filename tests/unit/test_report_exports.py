"""The report exports (REP-05): Excel, CSV and PDF render the same Document with the same figures."""

from __future__ import annotations

import csv
import io
import logging
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from pypdf import PdfReader

from kc_adapters.exports import format_cell, machine_cell
from kc_adapters.exports.csv import to_csv
from kc_adapters.exports.pdf import to_html, to_pdf
from kc_adapters.exports.xlsx import sheet_names, to_xlsx
from kc_domain.reports.document import Cell, Column, ColumnKind, Document, Table
from tests.pdf_pages import MM, Page, pdf_pages

pytestmark = pytest.mark.req("REP-05")

PRAGUE = ZoneInfo("Europe/Prague")
CZECH = "Příliš žluťoučký kůň"
TITLE = "Přehled <b>& hovory"
BOM = b"\xef\xbb\xbf"
CHART = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<svg xmlns="http://www.w3.org/2000/svg" width="400" height="120" viewBox="0 0 400 120">'
    '<rect x="10" y="10" width="120" height="80" fill="#36c"/>'
    '<text x="150" y="60" font-family="DejaVu Sans" font-size="14">Graf úpěl</text></svg>'
)

COLUMNS = (
    Column("queue", "Fronta", ColumnKind.TEXT),
    Column("calls", "Hovory", ColumnKind.INT),
    Column("talk", "Doba hovoru", ColumnKind.SECONDS),
    Column("sl", "Úroveň služby", ColumnKind.PERCENT),
    Column("avg", "Průměr", ColumnKind.NUMBER),
    Column("first", "První hovor", ColumnKind.DATETIME),
    Column("day", "Den", ColumnKind.DATE),
)
CALLS = Table(
    title="Fronty: [celkem]/*?",  # characters a sheet name must not have
    columns=COLUMNS,
    rows=(
        (CZECH, 12, 3725.0, 0.853, 2.5, datetime(2026, 11, 25, 13, 3, 0, tzinfo=UTC), date(2026, 11, 25)),
        ("=HYPERLINK(1)", 3, 95.4, None, None, None, None),
    ),
    totals=("", 15, 3820.4, 0.8, 2.0, "", ""),
)
AGENTS = Table(
    title="Operátoři",
    columns=(Column("agent", "Operátor"), Column("calls", "Hovory", ColumnKind.INT)),
    rows=(("Šárka Ďuricová", 7),),
)
DOCUMENT = Document(
    title=TITLE,
    filters=(("Období", "25. 11. 2026"), ("Fronta", "všechny")),
    generated_at=datetime(2026, 11, 25, 16, 30, 5, tzinfo=UTC),
    tables=(CALLS, AGENTS),
    charts=(CHART,),
    notes=("Úroveň služby: přijaté do 20 s / nabídnuté.",),
)
EMPTY = Document(
    title="Prázdný",
    filters=(),
    generated_at=datetime(2026, 7, 1, 10, 0, tzinfo=UTC),
    tables=(Table(title="Nic", columns=COLUMNS, rows=()),),
)
LABELS = {"generated": "Vytvořeno", "total": "Celkem", "empty": "Žádná data"}


def workbook(document: Document = DOCUMENT, **kwargs: Any) -> Workbook:
    return load_workbook(io.BytesIO(to_xlsx(document, PRAGUE, **kwargs)))


def header_row(sheet: Worksheet) -> int:
    return next(row for row in range(1, 20) if sheet.cell(row=row, column=2).value is not None)


def pdf_text(data: bytes) -> tuple[str, int]:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages), len(reader.pages)


# --- the shared formatting -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "value", "human", "machine"),
    [
        (ColumnKind.SECONDS, 3725.0, "1:02:05", "3725.0"),
        (ColumnKind.SECONDS, 95.4, "1:35", "95.4"),
        (ColumnKind.SECONDS, 0, "0:00", "0.0"),
        (ColumnKind.PERCENT, 0.853, "85,3\u00a0%", "0.8530"),
        (ColumnKind.PERCENT, None, "", ""),
        (ColumnKind.NUMBER, 1234.5, "1\u00a0234,50", "1234.5"),
        (ColumnKind.NUMBER, 0.00001, "0,00", "0.00001"),
        (ColumnKind.INT, 12345, "12\u00a0345", "12345"),
        (
            ColumnKind.DATETIME,
            datetime(2026, 11, 25, 13, 3, tzinfo=UTC),
            "25. 11. 2026 14:03",
            "2026-11-25 14:03:00",
        ),
        (
            ColumnKind.DATETIME,
            datetime(2026, 7, 1, 22, 0, 9, tzinfo=UTC),
            "2. 7. 2026 0:00",
            "2026-07-02 00:00:09",
        ),
        (ColumnKind.DATE, date(2026, 3, 5), "5. 3. 2026", "2026-03-05"),
        (ColumnKind.TEXT, CZECH, CZECH, CZECH),
        (ColumnKind.INT, "", "", ""),
    ],
)
def test_cells_are_formatted_for_humans_and_for_machines(
    kind: ColumnKind, value: Cell, human: str, machine: str
) -> None:
    assert format_cell(kind, value, PRAGUE) == human
    assert machine_cell(kind, value, PRAGUE) == machine


def test_sheet_names_are_valid_and_unique() -> None:
    names = sheet_names(["a/b:c", "x" * 40, "x" * 40, "A/B:C", "", "'quoted'", "History"])
    assert names[0] == "a_b_c"
    assert names[1] == "x" * 31
    assert names[2] == "x" * 27 + " (2)"
    assert names[3] == "A_B_C (2)"  # Excel compares names regardless of case
    assert names[4] == "5"
    assert names[5] == "quoted"
    assert names[6] != "History"
    assert all(len(name) <= 31 for name in names)
    assert len({name.casefold() for name in names}) == len(names)


# --- XLSX ------------------------------------------------------------------------------------


def test_xlsx_has_a_sheet_per_table_with_a_header_block() -> None:
    book = workbook(labels=LABELS)
    assert book.sheetnames == ["Fronty_ _celkem____", "Operátoři"]
    sheet = book.worksheets[0]
    column_a = [sheet.cell(row=row, column=1).value for row in range(1, 8)]
    assert column_a[:5] == [
        TITLE,
        CALLS.title,
        "Období: 25. 11. 2026",
        "Fronta: všechny",
        "Vytvořeno: 25. 11. 2026 17:30",
    ]
    header = header_row(sheet)
    labels = [sheet.cell(row=header, column=col).value for col in range(1, 8)]
    assert labels == [column.label for column in COLUMNS]
    assert all(sheet.cell(row=header, column=col).font.b for col in range(1, 8))
    assert sheet.freeze_panes == f"A{header + 1}"
    assert sheet.auto_filter.ref == f"A{header}:G{header + 2}"
    assert sheet.column_dimensions["A"].width >= len(CZECH)


def test_xlsx_cells_are_typed() -> None:
    sheet = workbook().worksheets[0]
    first = header_row(sheet) + 1
    text, calls, talk, share, average, when, day = (sheet.cell(row=first, column=c) for c in range(1, 8))
    assert text.value == CZECH
    assert type(calls.value) is int and calls.value == 12
    assert talk.number_format == "[h]:mm:ss"
    # the cell holds 3725 / 86400 (a fraction of a day); openpyxl reads a duration format as timedelta
    assert talk.value == timedelta(seconds=3725)
    assert share.value == pytest.approx(0.853) and share.number_format == "0.0%"
    assert type(average.value) is float and average.value == 2.5
    assert when.value == datetime(2026, 11, 25, 14, 3)  # Prague wall time, naive
    assert when.number_format == "d.m.yyyy h:mm:ss"
    assert (
        day.value == datetime(2026, 11, 25) and day.number_format == "d.m.yyyy"
    )  # openpyxl reads dates back as datetimes

    second = [sheet.cell(row=first + 1, column=c) for c in range(1, 8)]
    assert second[0].value == "=HYPERLINK(1)" and second[0].data_type == "s"  # text, not a formula
    assert [cell.value for cell in second[3:]] == [None, None, None, None]

    durations = [sheet.cell(row=row, column=3).value for row in (first, first + 1)]
    assert sum(durations, timedelta()).total_seconds() == pytest.approx(3725.0 + 95.4)

    totals = [sheet.cell(row=first + 2, column=c) for c in range(1, 8)]
    assert totals[0].value == "Total"
    assert totals[1].value == 15
    assert all(cell.font.b for cell in totals)


def test_xlsx_ignores_charts_and_keeps_notes() -> None:
    sheet = workbook().worksheets[1]
    values = [cell.value for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert "Šárka Ďuricová" in values
    assert DOCUMENT.notes[0] in values
    assert not any("svg" in str(value) for value in values)


# --- CSV -------------------------------------------------------------------------------------


def test_csv_is_utf8_with_bom_and_machine_values() -> None:
    data = to_csv(DOCUMENT, PRAGUE, labels=LABELS)
    assert data.startswith(BOM)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[:4] == [
        [TITLE],
        ["Období", "25. 11. 2026"],
        ["Fronta", "všechny"],
        ["Vytvořeno", "2026-11-25 17:30:05"],
    ]
    assert rows[4] == []
    assert rows[5] == [CALLS.title]
    assert rows[6] == [column.label for column in COLUMNS]
    assert rows[7] == [CZECH, "12", "3725.0", "0.8530", "2.5", "2026-11-25 14:03:00", "2026-11-25"]
    assert rows[8] == ["'=HYPERLINK(1)", "3", "95.4", "", "", "", ""]
    assert rows[9] == ["Celkem", "15", "3820.4", "0.8000", "2.0", "", ""]
    assert rows[10] == []
    assert rows[11:14] == [[AGENTS.title], ["Operátor", "Hovory"], ["Šárka Ďuricová", "7"]]
    assert rows[-1] == [DOCUMENT.notes[0]]


def test_csv_with_semicolons_parses() -> None:
    text = to_csv(DOCUMENT, PRAGUE, delimiter=";").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert rows[7][:4] == [CZECH, "12", "3725.0", "0.8530"]
    assert rows[9][0] == "Total"


@pytest.mark.parametrize("delimiter", ["\t", "|", "", ",,"])
def test_csv_refuses_other_delimiters(delimiter: str) -> None:
    with pytest.raises(ValueError, match="delimiter"):
        to_csv(DOCUMENT, PRAGUE, delimiter=delimiter)


# --- PDF -------------------------------------------------------------------------------------


def test_pdf_shows_czech_text_and_the_title_as_text() -> None:
    data = to_pdf(DOCUMENT, PRAGUE, labels=LABELS)
    assert data.startswith(b"%PDF")
    text, pages = pdf_text(data)
    assert pages >= 1
    assert CZECH in text
    assert TITLE in text
    assert "Šárka Ďuricová" in text
    assert "1:02:05" in text and "85,3" in text and "25. 11. 2026 14:03" in text
    assert "Vytvořeno: 25. 11. 2026 17:30" in text
    assert "Celkem" in text
    assert f"1 / {pages}" in text


def test_pdf_html_escapes_text_and_inlines_the_chart() -> None:
    html = to_html(DOCUMENT, PRAGUE)
    assert "<b>&" not in html
    assert "Přehled &lt;b&gt;&amp; hovory" in html
    assert '<div class="chart"><svg xmlns="http://www.w3.org/2000/svg"' in html
    assert "<?xml" not in html
    assert "DejaVu Sans" in html


def test_pdf_draws_the_chart_as_vectors() -> None:
    text, _ = pdf_text(to_pdf(DOCUMENT, PRAGUE))
    assert "Graf úpěl" in text  # the chart's text is text in the PDF, not pixels


def test_pdf_repeats_the_table_header_on_every_page() -> None:
    long = Table(title="Dlouhá", columns=COLUMNS[:2], rows=tuple((f"řádek {n}", n) for n in range(120)))
    document = Document(title="Dlouhý", filters=(), generated_at=DOCUMENT.generated_at, tables=(long,))
    reader = PdfReader(io.BytesIO(to_pdf(document, PRAGUE)))
    assert len(reader.pages) > 1
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text()
        assert "Fronta" in text and "Hovory" in text
        assert f"{number} / {len(reader.pages)}" in text


def test_pdf_logs_nothing_above_error(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        to_pdf(DOCUMENT, PRAGUE)
    assert not [r for r in caplog.records if r.name.startswith(("weasyprint", "fontTools"))]


# --- an empty table --------------------------------------------------------------------------


def test_an_empty_table_exports_in_every_format() -> None:
    sheet = workbook(EMPTY).worksheets[0]
    header = header_row(sheet)
    assert [sheet.cell(row=header, column=c).value for c in range(1, 8)] == [c.label for c in COLUMNS]
    assert sheet.max_row == header

    rows = list(csv.reader(io.StringIO(to_csv(EMPTY, PRAGUE).decode("utf-8-sig"), newline="")))
    assert rows == [
        ["Prázdný"],
        ["Generated", "2026-07-01 12:00:00"],
        [],
        ["Nic"],
        [column.label for column in COLUMNS],
    ]

    data = to_pdf(EMPTY, PRAGUE, labels=LABELS)
    text, pages = pdf_text(data)
    assert data.startswith(b"%PDF") and pages == 1
    assert "Žádná data" in text and "Úroveň služby" in text


def test_a_document_without_tables_still_exports() -> None:
    bare = Document(title="Bez tabulek", filters=(), generated_at=DOCUMENT.generated_at, tables=())
    assert workbook(bare).worksheets[0].cell(row=1, column=1).value == "Bez tabulek"
    assert to_csv(bare, PRAGUE).decode("utf-8-sig").startswith("Bez tabulek\r\n")
    assert to_pdf(bare, PRAGUE).startswith(b"%PDF")


# --- the reader's language, Czech Excel, every column of a wide table --------------------------


@pytest.mark.req("REP-05", "GEN-04")
@pytest.mark.parametrize(
    ("kind", "value", "english"),
    [
        (ColumnKind.PERCENT, 0.853, "85.3%"),
        (ColumnKind.NUMBER, 1234.5, "1,234.50"),
        (ColumnKind.INT, 12345, "12,345"),
        (ColumnKind.SECONDS, 3725.0, "1:02:05"),
        (ColumnKind.DATETIME, datetime(2026, 12, 7, 13, 5, tzinfo=UTC), "12/7/2026, 14:05"),
        (ColumnKind.DATE, date(2026, 12, 7), "12/7/2026"),
    ],
)
def test_cells_are_formatted_in_the_readers_language(kind: ColumnKind, value: Cell, english: str) -> None:
    assert format_cell(kind, value, PRAGUE, "en") == english
    assert format_cell(kind, value, PRAGUE, "cs") == format_cell(kind, value, PRAGUE)  # Czech by default


@pytest.mark.req("REP-05", "GEN-04")
def test_the_csv_for_czech_excel_writes_decimal_commas_percentages_and_times() -> None:
    text = to_csv(DOCUMENT, PRAGUE, delimiter=";", labels=LABELS, czech_excel=True).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert rows[3] == ["Vytvořeno", "25.11.2026 17:30:05"]
    assert rows[7] == [CZECH, "12", "1:02:05", "85,30%", "2,5", "25.11.2026 14:03:00", "25.11.2026"]
    assert rows[8] == ["'=HYPERLINK(1)", "3", "0:01:35", "", "", "", ""]
    assert rows[9] == ["Celkem", "15", "1:03:40", "80,00%", "2,0", "", ""]
    assert not any("." in cell for row in rows[7:10] for cell in row[1:5])
    plain = to_csv(DOCUMENT, PRAGUE, delimiter=";").decode("utf-8-sig")  # for programs: dots
    assert "3725.0;0.8530;2.5" in plain


WIDE = Table(
    title="Přestávky podle kódu",
    columns=(
        Column("agent", "Operátor"),
        *(Column(f"p{n}", f"Přestávka dlouhého jména číslo {n}", ColumnKind.SECONDS) for n in range(24)),
    ),
    rows=tuple(
        (name, *(3600.0 * n + 61.0 for n in range(24)))
        for name in ("Šárka Ďuricová", "Tomáš Horák", "Marie Nováková")
    ),
    totals=("", *(10_800.0 * n + 183.0 for n in range(24))),
)


def _within_the_paper(pages: list[Page]) -> None:
    for page in pages:  # the right margin is 12 mm: nothing printed beyond it
        assert page.right <= page.width - 12 * MM + 0.5, (page.number, page.right, page.width)


@pytest.mark.req("REP-05")
def test_pdf_prints_every_column_of_a_table_wider_than_the_page() -> None:
    document = Document(
        title="Aktivita",
        filters=(("Období", "25. 11. 2026"),),
        generated_at=DOCUMENT.generated_at,
        tables=(WIDE,),
    )
    pages = pdf_pages(to_pdf(document, PRAGUE, labels=LABELS))
    _within_the_paper(pages)
    words = set().union(*(page.words for page in pages))
    for column in WIDE.columns:
        assert set(column.label.split()) <= words, column.label
    text = "\n".join(page.text for page in pages)
    for n in (0, 23):  # the first and the last figure column, with their figures
        assert format_cell(ColumnKind.SECONDS, 3600.0 * n + 61.0, PRAGUE) in text
    parts = [line for line in text.splitlines() if line.startswith(WIDE.title)]
    assert len(parts) > 1 and parts[0].endswith(f"(1/{len(parts)})")  # printed in parts ...
    assert text.count("Ďuricová") == len(parts)  # ... each with the key column again
    assert text.count("Celkem") == len(parts)


@pytest.mark.req("REP-05")
def test_pdf_has_the_title_filters_and_time_made_on_every_page_and_page_numbers() -> None:
    long = Table(title="Dlouhá", columns=COLUMNS[:2], rows=tuple((f"řádek {n}", n) for n in range(150)))
    document = Document(
        title="Dlouhý přehled",
        filters=(("Období", "25. 11. 2026"), ("Fronta", "Obecná linka")),
        generated_at=DOCUMENT.generated_at,
        tables=(long,),
    )
    pages = pdf_pages(to_pdf(document, PRAGUE, labels=LABELS))
    assert len(pages) > 2
    _within_the_paper(pages)
    for page in pages:
        flat = " ".join(page.text.split())
        assert "Dlouhý přehled" in flat and "Obecná linka" in flat and "25. 11. 2026" in flat
        assert "Vytvořeno: 25. 11. 2026 17:30" in flat
        assert f"{page.number} / {len(pages)}" in flat


@pytest.mark.req("REP-05", "GEN-04")
def test_pdf_and_excel_follow_the_readers_language() -> None:
    text, _pages = pdf_text(to_pdf(DOCUMENT, PRAGUE, labels=LABELS, locale="en"))
    assert "85.3%" in text and "1,234" not in text and "11/25/2026, 14:03" in text
    assert 'lang="en"' in to_html(DOCUMENT, PRAGUE, locale="en")
    sheet = workbook(labels=LABELS, locale="en").worksheets[0]
    assert sheet.cell(row=5, column=1).value == "Vytvořeno: 11/25/2026, 17:30"
