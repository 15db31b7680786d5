"""Contact list import speed (OUT-06): a generated list of ROWS contacts (default 100,000) as a
UTF-8 CSV, a Windows-1250 CSV and an Excel workbook, each read whole into a preview (never
pass/fail; JSON out). Target: well under a minute for 100,000 rows.

    .venv/bin/python bench/list_import_bench.py [ROWS]

Each row: a Czech mobile number written as people write them (``603 123 456``, ``+420…``,
``00420…``), a name with diacritics, a valid birth number, an e-mail, a priority, a due date and
a note; one row in a hundred repeats an earlier number and one in a hundred has a bad number (both
listed as problems). One number in ten is "known" to the customer database (an in-memory lookup,
asked once). ``seconds`` is the whole preview: opening the file, reading, cleaning, checking
duplicates, linking; the file is made beforehand and not timed (``write_s``). ``stored`` then adds
the UTF-8 CSV's accepted contacts to a campaign on SQLite through ``CampaignService.add_entries``
(the confirm step: checked again, written in one transaction, audited): its ``seconds`` and the
whole ``preview_and_store_s``.
"""

from __future__ import annotations

import csv
import json
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Collection, Iterator, Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from openpyxl import Workbook  # noqa: E402

from kc_adapters.importing import preview_file  # noqa: E402
from kc_domain.ivr.validation import is_valid_insurance_number  # noqa: E402
from kc_domain.outbound.import_structure import (  # noqa: E402
    ColumnMapping,
    Encoding,
    ExtraKind,
    Field,
    FileType,
    ImportStructure,
)

# the file's columns in order, each with the field it fills ("extra.<key>": a date for call scripts)
COLUMNS = {
    "Telefon": "phone",
    "Jméno": "first_name",
    "Příjmení": "surname",
    "Rodné číslo": "birth_number",
    "E-mail": "email",
    "Priorita": "priority",
    "Splatnost": "extra.splatnost",
    "Poznámka": "note",
}
HEADER = list(COLUMNS)
FIRST = ["Jana", "Petr", "Zdeňka", "Jiří", "Eva", "Tomáš", "Lenka", "Martin", "Božena", "Václav"]
SURNAMES = ["Dvořáková", "Novák", "Šťastná", "Černý", "Kučerová", "Procházka", "Veselá", "Růžička"]
NOTES = ["dlužné pojistné", "splátkový kalendář", "preventivní prohlídka", "", "volat odpoledne"]


def birth_number(n: int) -> str:
    """A valid 10-digit rodné číslo, different for each n (born 1955-1999)."""
    born = date(1955, 1, 1) + timedelta(days=n % 16_000)
    head = f"{born:%y}{born.month + (50 if n % 2 else 0):02d}{born:%d}{n % 1000:03d}"
    for check in range(10):
        if is_valid_insurance_number(head + str(check)):
            return head + str(check)
    return head + "0"  # the exception rule's numbers; the import reports them


def phone(n: int) -> str:
    if n % 100 == 7:
        return f"{600_000 + n}"  # a bad number: 6 or 7 digits
    if n % 100 == 13:
        n -= 1  # the same number as the row before
    digits = f"{600_000_000 + n * 7 % 100_000_000}"
    writings = (f"{digits[:3]} {digits[3:6]} {digits[6:]}", f"+420{digits}", f"00420 {digits}", digits)
    return writings[n % 4]


def rows(count: int) -> Iterator[list[Any]]:
    for n in range(count):
        first, surname = FIRST[n % len(FIRST)], SURNAMES[n % len(SURNAMES)]
        due = date(2026, 1, 1) + timedelta(days=n % 365)
        mail = f"{n}@example.cz"
        yield [phone(n), first, surname, birth_number(n), mail, n % 10 + 1, due, NOTES[n % len(NOTES)]]


def mapping(header: str, field: str) -> ColumnMapping:
    if field.startswith("extra."):
        return ColumnMapping(Field.EXTRA, header, key=field.removeprefix("extra."), kind=ExtraKind.DATE)
    return ColumnMapping(Field(field), header)


def structure(file_type: FileType, encoding: Encoding = Encoding.UTF8) -> ImportStructure:
    columns = tuple(mapping(header, field) for header, field in COLUMNS.items())
    return ImportStructure("Bench", columns, file_type=file_type, encoding=encoding)


def write_csv(path: Path, count: int, encoding: str) -> None:
    with path.open("w", encoding=encoding, newline="") as out:
        writer = csv.writer(out, delimiter=";")
        writer.writerow(HEADER)
        for row in rows(count):
            writer.writerow([*row[:6], f"{row[6]:%d.%m.%Y}", row[7]])


def write_xlsx(path: Path, count: int) -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Kontakty")
    sheet.append(HEADER)
    for row in rows(count):
        sheet.append(row)
    workbook.save(path)


def known(phones: frozenset[str]) -> Mapping[str, Collection[int]]:
    return {p: [int(p[-6:])] for p in phones if p.endswith("0")}


def measure(path: Path, imported: ImportStructure, write_s: float) -> dict[str, Any]:
    with path.open("rb") as source:
        started = time.perf_counter()
        preview = preview_file(imported, source, known)
        seconds = time.perf_counter() - started
    return {
        "rows": preview.rows_read,
        "accepted": len(preview.contacts),
        "problems": preview.counts(),
        "file_bytes": path.stat().st_size,
        "write_s": round(write_s, 2),
        "seconds": round(seconds, 2),
        "rows_per_s": round(preview.rows_read / seconds),
    }


def store(folder: Path, path: Path, imported: ImportStructure) -> dict[str, Any]:
    """The accepted contacts of ``path`` added to a new campaign on SQLite, as the confirm does."""
    from apps.container import Container
    from apps.settings import Settings
    from kc_domain.audit.service import SYSTEM
    from kc_domain.organisation.hours import OpeningHours

    settings = Settings.from_env(
        {"KC_DATABASE_URL": f"sqlite:///{folder / 'kc.sqlite3'}", "KC_SECRET_KEY": "b" * 40}
    )
    container = Container(settings=settings)
    container.database().upgrade()
    queue = container.admin().create(
        SYSTEM, "queue", {"name": "Pohledávky", "number": "+420261100900", "hours": OpeningHours.office()}
    )
    campaigns = container.campaigns()
    campaign = campaigns.create(
        SYSTEM, {"name": "Bench", "queue_id": queue.id, "mode": "preview", "caller_id": "+420261100900"}
    )
    assert campaign.id is not None
    with path.open("rb") as source:
        contacts = preview_file(imported, source, known).accepted(skip_rejected=True)
    started = time.perf_counter()
    added = campaigns.add_entries(SYSTEM, campaign.id, [c.as_entry(campaign.id) for c in contacts])
    seconds = time.perf_counter() - started
    container.database().dispose()
    return {"added": added, "seconds": round(seconds, 2), "rows_per_s": round(added / seconds)}


def run(count: int) -> dict[str, Any]:
    figures: dict[str, Any] = {"rows": count, "python": sys.version.split()[0]}
    with tempfile.TemporaryDirectory() as folder:
        cases: list[tuple[str, Callable[[Path], None], ImportStructure]] = [
            ("csv_utf8", lambda path: write_csv(path, count, "utf-8-sig"), structure(FileType.CSV)),
            (
                "csv_windows_1250",
                lambda path: write_csv(path, count, "cp1250"),
                structure(FileType.CSV, Encoding.WINDOWS_1250),
            ),
            ("xlsx", lambda path: write_xlsx(path, count), structure(FileType.XLSX)),
        ]
        for name, write, imported in cases:
            path = Path(folder) / f"{name}.{FileType(imported.file_type).value}"
            started = time.perf_counter()
            write(path)
            figures[name] = measure(path, imported, time.perf_counter() - started)
        figures["stored"] = store(Path(folder), Path(folder) / "csv_utf8.csv", structure(FileType.CSV))
    figures["stored"]["preview_and_store_s"] = round(
        figures["csv_utf8"]["seconds"] + figures["stored"]["seconds"], 2
    )
    figures["max_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return figures


if __name__ == "__main__":
    print(json.dumps(run(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000), indent=2, ensure_ascii=False))
