"""Reading campaign contact lists from CSV and Excel files (OUT-06).

``preview_file`` is what the web shell calls with an uploaded file: the rows as
``kc_domain.outbound.importing.build_preview`` reads them, or ``ImportRefused`` with the reason
(file too large, wrong type or encoding, an empty sheet...). The file is read as a stream, once.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterator
from typing import BinaryIO

from kc_domain.outbound.import_cells import SheetRow
from kc_domain.outbound.import_problems import ImportRefused
from kc_domain.outbound.import_structure import Encoding, FileType, ImportStructure
from kc_domain.outbound.importing import MAX_FILE_BYTES, MAX_ROWS, ClientIds, ImportPreview, build_preview

from .csv_file import csv_rows
from .sniff import file_kind
from .xlsx_file import xlsx_rows


def sheet_rows(
    structure: ImportStructure, source: BinaryIO, max_bytes: int = MAX_FILE_BYTES
) -> Iterator[SheetRow]:
    """The rows of ``source`` (a seekable binary file, read from its start) as ``structure`` says
    the file is written, read as they are asked for. Raises ImportRefused for an empty or
    oversized file, one of another type or encoding, an empty or missing sheet."""
    size = source.seek(0, os.SEEK_END)
    source.seek(0)
    if size == 0:
        raise ImportRefused.because("empty_file")
    if size > max_bytes:
        raise ImportRefused.because("file_too_large", max=max_bytes, size=size)
    found = file_kind(source.read(8))
    source.seek(0)
    if structure.file_type == FileType.XLSX:
        if found != "xlsx":
            raise ImportRefused.because("wrong_file_type", expected="xlsx", found=found)
        yield from xlsx_rows(source, structure.sheet)
    else:
        if found in ("xlsx", "xls"):
            raise ImportRefused.because("wrong_file_type", expected="csv", found=found)
        yield from csv_rows(source, Encoding(structure.encoding), structure.delimiter)


def preview_file(
    structure: ImportStructure,
    source: BinaryIO,
    phones_known: ClientIds | None = None,
    identifiers_known: ClientIds | None = None,
    *,
    listed: Collection[str] = frozenset(),
    max_bytes: int = MAX_FILE_BYTES,
    max_rows: int = MAX_ROWS,
) -> ImportPreview:
    """The preview of an uploaded contact list (see ``build_preview``); raises ImportRefused, or
    ValidationFailed for an invalid structure."""
    rows = sheet_rows(structure, source, max_bytes)
    return build_preview(structure, rows, phones_known, identifiers_known, listed=listed, max_rows=max_rows)
