"""The documents that must stay true as the code moves."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_requirements_matrix_lists_the_tests_that_carry_each_id():
    result = subprocess.run(
        [sys.executable, "scripts/requirements_matrix.py", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout


def test_every_requirement_id_used_by_a_test_is_in_the_matrix():
    from scripts.requirements_matrix import tests_by_requirement

    rows = set(re.findall(r"^\| ([A-Z]+-\d+) \|", (ROOT / "docs/requirements.md").read_text(), re.M))
    assert len(rows) == 146
    assert set(tests_by_requirement()) - rows == set()


def test_done_and_partial_requirements_have_tests():
    text = (ROOT / "docs/requirements.md").read_text()
    untested = re.findall(r"^\| ([A-Z]+-\d+) \| (?:done|partial) \| [^|]* \| – \|$", text, re.M)
    assert untested == []
