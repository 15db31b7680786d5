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


def test_docs_messages_lists_every_command_with_its_fields_and_every_bus_message():
    """docs/messages.md is the schema people read: every wire command with each field, every
    message kind by its name."""
    import attrs

    from kc_domain import messages
    from kc_domain.commanding.wire import HOST_COMMANDS
    from kc_domain.routing.commands import WIRE_COMMANDS

    text = (ROOT / "docs" / "messages.md").read_text()
    rows = {
        m.group(1): m.group(0) for m in re.finditer(r"^\| `([a-z_]+)` \| `\w+` \|.*$", text, re.MULTILINE)
    }
    for name, kind in {**WIRE_COMMANDS, **HOST_COMMANDS}.items():
        assert name in rows, f"command {name} missing from docs/messages.md"
        for field in attrs.fields(kind):
            assert f"`{field.name}`" in rows[name], f"{name}.{field.name} missing from docs/messages.md"
    kinds = [
        k
        for k in vars(messages).values()
        if isinstance(k, type) and isinstance(getattr(k, "name", None), str)
    ]
    for kind in kinds:
        if kind.name:
            assert f"`{kind.name}`" in text, f"message {kind.name} missing from docs/messages.md"
