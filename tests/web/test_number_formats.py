"""Numbers on the pages follow the page's language (GEN-04, docs/ui.md "Words and numbers"): the
templates write decimals through Babel's filters (``decimal``, ``percent``, ``duration``), never
with ``round(1)``; the scripts through live-common.js's ``numberText`` and ``percentText`` (one
Intl.NumberFormat for the page's ``<html lang>``), never a percentage or decimal built by hand."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

WEB = Path(__file__).resolve().parents[2] / "apps" / "web"
HAND_MADE_PERCENT = re.compile(r"\}\s*%`")  # `${value} %`
ROUND_TO_DECIMALS = re.compile(r"\|\s*round\(\s*[1-9]")  # {{ x|round(1) }} prints 312.5 in Czech too


@pytest.mark.req("GEN-04")
def test_scripts_format_numbers_only_through_the_shared_helpers() -> None:
    scripts = {path.name: path.read_text(encoding="utf-8") for path in (WEB / "static").glob("*.js")}
    for name, text in scripts.items():
        assert "Intl.NumberFormat" not in text or name == "live-common.js", name
        for line in text.splitlines():  # CSS lengths, SVG coordinates and form fields are for machines
            if HAND_MADE_PERCENT.search(line):
                assert ".style." in line, (name, line.strip())
            if "toFixed(" in line:
                assert "setAttribute" in line or ".value =" in line, (name, line.strip())


@pytest.mark.req("GEN-04")
def test_templates_write_decimals_through_babel() -> None:
    for path in (WEB / "templates").rglob("*.html"):
        assert not ROUND_TO_DECIMALS.search(path.read_text(encoding="utf-8")), path.name
