"""A report's document as a file (REP-05): the bytes, content type and file name of each format the
page offers and a schedule mails."""

from __future__ import annotations

from datetime import tzinfo

import attrs

from kc_domain.reports.document import Document
from kc_domain.texts import N_, Wording

EXPORTS = {  # format -> content type, the end of the file name
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "csv": ("text/csv; charset=utf-8", "csv"),
    "csv-semicolon": ("text/csv; charset=utf-8", "excel-cs.csv"),  # not the plain CSV's name
    "pdf": ("application/pdf", "pdf"),
}
LABELS = {"generated": N_("Generated"), "total": N_("Total"), "empty": N_("No data")}  # msgids


@attrs.frozen
class ExportFile:
    body: bytes
    content_type: str  # with its charset for the text formats
    filename: str


def export_file(document: Document, key: str, fmt: str, zone: tzinfo, words: Wording) -> ExportFile:
    """The document as a file in ``fmt`` (one of EXPORTS; ValueError for another), named after the
    report's ``key`` and the time it was made."""
    if fmt not in EXPORTS:
        raise ValueError(f"no such export format: {fmt!r}")
    labels = {name: words.gettext(msgid) for name, msgid in LABELS.items()}
    if fmt == "xlsx":
        from .xlsx import to_xlsx

        body = to_xlsx(document, zone, labels, words.locale)
    elif fmt == "pdf":
        from .pdf import to_pdf

        body = to_pdf(document, zone, labels, words.locale)
    else:  # "csv-semicolon" for Czech Excel: semicolons and decimal commas
        from .csv import to_csv

        semicolon = fmt == "csv-semicolon"
        body = to_csv(document, zone, ";" if semicolon else ",", labels, czech_excel=semicolon)
    content_type, extension = EXPORTS[fmt]
    day = document.generated_at.astimezone(zone).strftime("%Y%m%d-%H%M")
    return ExportFile(body, content_type, f"kc-{key}-{day}.{extension}")
