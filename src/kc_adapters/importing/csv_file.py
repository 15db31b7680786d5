"""CSV contact lists (OUT-06): streamed line by line in the structure's encoding. A file written in
the other encoding, in UTF-16, or converted to UTF-8 twice is recognised and refused by name."""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterator
from typing import BinaryIO

from kc_domain.outbound.import_cells import SheetRow
from kc_domain.outbound.import_problems import ImportRefused
from kc_domain.outbound.import_structure import Encoding
from kc_domain.outbound.importing import MAX_FILE_BYTES

LONE_CR = re.compile(r"(?<=\r)(?!\n)")
BOMS = {codecs.BOM_UTF8: "utf-8", codecs.BOM_UTF16_LE: "utf-16", codecs.BOM_UTF16_BE: "utf-16"}
# the letters and signs a Czech or Slovak list holds beyond ASCII: what a decoding that makes
# sense of a line gives, and what a wrong one does not
PLAUSIBLE = frozenset(map(chr, range(128))) | frozenset(
    "áčďéěíňóřšťúůýžÁČĎÉĚÍŇÓŘŠŤÚŮÝŽäľĺôŕÄĽĹÔŔöüÖÜß–—„“”‚‘’…€§°×\u00a0"
)


class _Misread(Exception):
    """A line the stated encoding does not read; ``likely`` the one that would ("" when unknown)."""

    def __init__(self, code: str, likely: str = "") -> None:
        super().__init__(code)
        self.code, self.likely = code, likely


def csv_rows(source: BinaryIO, encoding: Encoding, delimiter: str) -> Iterator[SheetRow]:
    """Each record with its number as a spreadsheet shows it (a quoted multi-line cell is one row)."""
    # csv's field limit (131,072 characters) is process-wide; it is only ever raised, to the file
    # size limit, so that the domain's own cell limit speaks, with the row and column
    if csv.field_size_limit() < MAX_FILE_BYTES:
        csv.field_size_limit(MAX_FILE_BYTES)
    number = 0
    try:
        for cells in csv.reader(_lines(source, encoding), delimiter=delimiter):
            number += 1
            yield number, cells
    except _Misread as misread:
        likely = {"likely": misread.likely} if misread.likely else {}
        raise ImportRefused.because(misread.code, number + 1, encoding=encoding.value, **likely) from None
    except csv.Error as error:
        raise ImportRefused.because("bad_csv", number + 1, reason=str(error)) from None


def _lines(source: BinaryIO, encoding: Encoding) -> Iterator[str]:
    first = True
    for raw in source:
        if first:
            raw, first = _without_bom(raw, encoding), False
        if b"\x00" in raw:
            raise _Misread("wrong_encoding", "utf-16")
        text = raw.decode("ascii") if raw.isascii() else _decoded(raw, encoding)
        if b"\r" in raw.rstrip(b"\r\n"):
            yield from (line for line in LONE_CR.split(text) if line)  # old Mac Excel's line ends
        else:
            yield text


def _without_bom(raw: bytes, encoding: Encoding) -> bytes:
    for bom, name in BOMS.items():
        if raw.startswith(bom):
            if name != encoding.value:
                raise _Misread("wrong_encoding", name)
            return raw[len(bom) :]
    return raw


def _decoded(raw: bytes, encoding: Encoding) -> str:
    if encoding == Encoding.UTF8:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise _Misread("wrong_encoding", _likely(raw, "cp1250", "windows-1250")) from None
        if _converted_twice(text):
            raise _Misread("mojibake")
        return text
    if _likely(raw, "utf-8", "utf-8"):
        raise _Misread("wrong_encoding", "utf-8")
    try:
        return raw.decode("cp1250")
    except UnicodeDecodeError:
        raise _Misread("wrong_encoding") from None


def _plausible(text: str) -> bool:
    return PLAUSIBLE.issuperset(text)


def _likely(raw: bytes, codec: str, name: str) -> str:
    """``name`` when ``raw`` decodes by ``codec`` into Czech text, else ""."""
    try:
        return name if _plausible(raw.decode(codec)) else ""
    except UnicodeDecodeError:
        return ""


def _converted_twice(text: str) -> bool:
    """UTF-8 read as Windows-1250 (or Latin-1) and saved as UTF-8 again: ``Ĺ™`` for ``ř``."""
    if _plausible(text):
        return False
    for codec in ("cp1250", "latin-1"):
        try:
            return _plausible(text.encode(codec).decode("utf-8"))
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
    return False
