"""The declared dependencies are exactly the imported ones.

Compares the third-party imports of the code with pyproject.toml:
- every import in src/ and apps/ comes from a runtime dependency ([project] dependencies);
- every import in tests/, bench/ and scripts/ comes from a runtime or a dev dependency;
- every declared dependency is imported somewhere it may be, unless [tool.kc.dependencies]
  used-without-import names it with the reason (a database driver loaded by URL, a command-line tool).

Run inside the project's environment (make deps-check): an import is mapped to the distribution that
installs it through the environment's metadata. Exit status 1 and one line per problem when they differ.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from collections.abc import Iterable, Mapping
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNTIME_TREES = ("src", "apps")
DEV_TREES = ("tests", "bench", "scripts")
FIRST_PARTY = frozenset({"kc_domain", "kc_ports", "kc_adapters", "apps", "tests", "bench", "scripts"})


def normalise(name: str) -> str:
    """A distribution name in its canonical form (PEP 503): Flask_Babel and flask-babel are one."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(spec: str) -> str:
    found = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", spec)
    if found is None:
        raise ValueError(f"not a requirement: {spec!r}")
    return normalise(found.group(1))


def imported_modules(trees: Iterable[Path]) -> dict[str, set[str]]:
    """Top-level module name -> the files that import it (absolute imports only)."""
    found: dict[str, set[str]] = {}
    for tree in trees:
        for path in sorted(tree.rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
                names: list[str] = []
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                for name in names:
                    found.setdefault(name.split(".")[0], set()).add(str(path.relative_to(tree.parent)))
    return {
        module: files
        for module, files in found.items()
        if module not in sys.stdlib_module_names and module not in FIRST_PARTY
    }


def problems(
    pyproject: Mapping[str, object],
    runtime_imports: Mapping[str, set[str]],
    dev_imports: Mapping[str, set[str]],
    distributions_of: Mapping[str, list[str]],
) -> list[str]:
    """Every disagreement between the declarations and the imports, one sentence each."""
    project = pyproject["project"]
    assert isinstance(project, dict)
    runtime = {requirement_name(spec) for spec in project.get("dependencies", [])}
    groups = pyproject.get("dependency-groups", {})
    assert isinstance(groups, dict)
    dev = {requirement_name(spec) for spec in groups.get("dev", []) if isinstance(spec, str)}
    tool = pyproject.get("tool", {})
    assert isinstance(tool, dict)
    exempt = {
        normalise(name): why
        for name, why in tool.get("kc", {}).get("dependencies", {}).get("used-without-import", {}).items()
    }
    found: list[str] = []

    def owners(module: str) -> set[str]:
        return {normalise(name) for name in distributions_of.get(module, [])}

    used_runtime: set[str] = set()
    for module, files in sorted(runtime_imports.items()):
        dists = owners(module)
        if not dists:
            found.append(f"{module}: imported by {min(files)} but installed by no distribution")
        elif not dists & runtime:
            found.append(
                f"{module}: imported by {min(files)} but {'/'.join(sorted(dists))} "
                "is not in [project] dependencies"
            )
        used_runtime |= dists & runtime
    used_dev: set[str] = set()
    for module, files in sorted(dev_imports.items()):
        dists = owners(module)
        if not dists:
            found.append(f"{module}: imported by {min(files)} but installed by no distribution")
        elif not dists & (runtime | dev):
            found.append(
                f"{module}: imported by {min(files)} but {'/'.join(sorted(dists))} "
                "is declared neither in [project] dependencies nor in the dev group"
            )
        used_dev |= dists & (runtime | dev)
    for name in sorted(runtime - used_runtime - set(exempt)):
        found.append(f"{name}: in [project] dependencies but never imported by src/ or apps/")
    for name in sorted(dev - used_dev - used_runtime - set(exempt)):
        found.append(f"{name}: in the dev group but never imported by tests/, bench/ or scripts/")
    for name in sorted(set(exempt) - runtime - dev):
        found.append(f"{name}: listed in used-without-import but not declared")
    return found


def main() -> int:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    found = problems(
        pyproject,
        imported_modules(ROOT / tree for tree in RUNTIME_TREES),
        imported_modules(ROOT / tree for tree in DEV_TREES),
        packages_distributions(),
    )
    for line in found:
        print(line, file=sys.stderr)
    if not found:
        print("dependencies: the declared ones are the imported ones")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
