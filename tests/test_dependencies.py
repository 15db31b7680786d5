"""The declared dependencies are the imported ones, and the lock is what gets installed."""

from __future__ import annotations

import tomllib
from pathlib import Path

from scripts.check_dependencies import ROOT, imported_modules, main, problems

PYPROJECT = {
    "project": {"dependencies": ["flask>=3.0", "psycopg[binary]>=3.1", "Flask_Babel>=4"]},
    "dependency-groups": {"dev": ["pytest>=8.0", "ruff>=0.5"]},
    "tool": {"kc": {"dependencies": {"used-without-import": {"psycopg": "driver", "ruff": "linter"}}}},
}
OWNERS = {
    "flask": ["Flask"],
    "flask_babel": ["flask-babel"],
    "pytest": ["pytest"],
    "werkzeug": ["Werkzeug"],
    "psycopg": ["psycopg"],
}


def test_the_project_declares_exactly_what_it_imports(capsys):
    assert main() == 0, capsys.readouterr().err


def test_agreeing_declarations_pass():
    runtime = {"flask": {"apps/web/__init__.py"}, "flask_babel": {"apps/web/i18n.py"}}
    assert problems(PYPROJECT, runtime, {"pytest": {"tests/conftest.py"}}, OWNERS) == []


def test_an_import_of_a_transitive_dependency_is_reported_with_its_file():
    runtime = {"flask": {"a.py"}, "flask_babel": {"b.py"}, "werkzeug": {"apps/web/serve.py"}}
    assert problems(PYPROJECT, runtime, {"pytest": {"t.py"}}, OWNERS) == [
        "werkzeug: imported by apps/web/serve.py but werkzeug is not in [project] dependencies"
    ]


def test_a_dev_dependency_may_not_be_imported_by_the_runtime():
    runtime = {"flask": {"a.py"}, "flask_babel": {"b.py"}, "pytest": {"src/x.py"}}
    assert problems(PYPROJECT, runtime, {"pytest": {"t.py"}}, OWNERS) == [
        "pytest: imported by src/x.py but pytest is not in [project] dependencies"
    ]


def test_a_declared_dependency_nobody_imports_is_reported():
    found = problems(PYPROJECT, {"flask": {"a.py"}}, {}, OWNERS)
    assert found == [
        "flask-babel: in [project] dependencies but never imported by src/ or apps/",
        "pytest: in the dev group but never imported by tests/, bench/ or scripts/",
    ]


def test_a_module_no_distribution_installs_is_reported():
    runtime = {"flask": {"a.py"}, "flask_babel": {"b.py"}, "nowhere": {"apps/x.py"}}
    assert "nowhere: imported by apps/x.py but installed by no distribution" in problems(
        PYPROJECT, runtime, {"pytest": {"t.py"}}, OWNERS
    )


def test_imports_are_read_from_the_source_relative_stdlib_and_first_party_left_out(tmp_path: Path):
    tree = tmp_path / "apps"
    tree.mkdir()
    (tree / "m.py").write_text(
        "import json\nimport flask.json\nfrom . import sibling\nfrom kc_domain import x\n"
        "from yaml import safe_load\n",
        encoding="utf-8",
    )
    assert imported_modules([tree]) == {"flask": {"apps/m.py"}, "yaml": {"apps/m.py"}}


def test_the_lock_pins_the_installer_that_pyproject_requires():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    required = pyproject["tool"]["uv"]["required-version"].removeprefix("==")
    pinned = (ROOT / "requirements-uv.txt").read_text(encoding="utf-8")
    assert f"\nuv=={required} \\\n" in pinned
    assert pinned.count("--hash=sha256:") >= 10  # every platform's wheel, each with its hash


def test_every_locked_package_carries_hashes():
    lock = tomllib.loads((ROOT / "uv.lock").read_text(encoding="utf-8"))
    for package in lock["package"]:
        if package.get("source", {}).get("editable"):
            continue
        files = package.get("wheels", []) + ([package["sdist"]] if "sdist" in package else [])
        assert files and all(f["hash"].startswith("sha256:") for f in files), package["name"]
