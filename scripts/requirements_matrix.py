"""Keep docs/requirements.md true: one row per requirement ID of the catalogue, with the tests
that carry ``@pytest.mark.req("ID")`` filled in from the test files.

    python scripts/requirements_matrix.py          # rewrite the Tests column
    python scripts/requirements_matrix.py --check  # exit 1 if the document is out of date
"""

from __future__ import annotations

import ast
import re
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "requirements.md"
ROW = re.compile(r"^\| (?P<id>[A-Z]+-\d+) \| (?P<status>[^|]*) \| (?P<where>[^|]*) \| (?P<tests>[^|]*) \|$")


def tests_by_requirement() -> dict[str, set[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for path in sorted((ROOT / "tests").rglob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "req":
                for arg in node.args:
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        found[arg.value].add(path.relative_to(ROOT).as_posix())
    return found


def render(text: str, tests: dict[str, set[str]]) -> str:
    lines = []
    for line in text.splitlines():
        match = ROW.match(line)
        if match:
            listed = ", ".join(f"`{t}`" for t in sorted(tests.get(match["id"], ()))) or "–"
            line = f"| {match['id']} | {match['status'].strip()} | {match['where'].strip()} | {listed} |"
        lines.append(line)
    return "\n".join(lines) + "\n"


def main() -> int:
    text = DOC.read_text(encoding="utf-8")
    updated = render(text, tests_by_requirement())
    if "--check" in sys.argv:
        if updated != text:
            print("docs/requirements.md is out of date: run python scripts/requirements_matrix.py")
            return 1
        return 0
    DOC.write_text(updated, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
