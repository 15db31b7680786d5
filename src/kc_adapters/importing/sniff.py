"""What a file is, by its first bytes: an upload's name and type say only what the sender claims."""

from __future__ import annotations

ZIP = b"PK\x03\x04"  # every Office Open XML file (.xlsx) is a zip archive
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an old Excel workbook (.xls), or a password-protected one


def file_kind(head: bytes) -> str:
    """``xlsx``, ``xls`` or ``csv`` (anything else is taken for text, the CSV reader judges it)."""
    if head.startswith(ZIP):
        return "xlsx"
    if head.startswith(OLE2):
        return "xls"
    return "csv"
