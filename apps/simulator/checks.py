"""Reading an untrusted TOML table field by field, collecting every problem with its key path."""

from __future__ import annotations

import math
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any


class ScenarioError(Exception):
    """The scenario cannot be run; ``problems`` are (key path, reason) pairs, e.g.
    ``("queues[2].arrivals_per_hour", "must be a list of 24 non-negative numbers")``."""

    def __init__(self, problems: Iterable[tuple[str, str]], source: str = "") -> None:
        self.problems = tuple(problems)
        self.source = source
        lines = [f"{path}: {reason}" if path else reason for path, reason in self.problems]
        super().__init__("\n".join(lines))


def read_toml(path: Path) -> dict[str, Any]:
    """A scenario file's tables; ScenarioError when it cannot be read or is not TOML."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScenarioError([("", f"no such scenario file: {path}")], str(path)) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ScenarioError([("", f"cannot read {path}: {error}")], str(path)) from None
    except tomllib.TOMLDecodeError as error:
        raise ScenarioError([("", f"not valid TOML: {error}")], str(path)) from None


class Reader:
    """Typed getters that record a problem and return None instead of raising on the first one."""

    def __init__(self) -> None:
        self.problems: list[tuple[str, str]] = []

    def problem(self, path: str, reason: str) -> None:
        self.problems.append((path, reason))

    def table(self, parent: dict[str, Any], key: str, path: str, *, required: bool = True) -> dict[str, Any]:
        value = parent.get(key)
        if value is None:
            if required:
                self.problem(path, "is required")
            return {}
        if not isinstance(value, dict):
            self.problem(path, "must be a table")
            return {}
        return value

    def only(self, table: dict[str, Any], allowed: Iterable[str], path: str) -> None:
        """Unknown keys are an error: a misspelt key would otherwise silently take its default."""
        allowed = set(allowed)
        for key in table:
            if key not in allowed:
                where = f"{path}.{key}" if path else key
                self.problem(where, f"unknown key (allowed: {', '.join(sorted(allowed))})")

    def number(
        self,
        table: dict[str, Any],
        key: str,
        path: str,
        *,
        default: float | None = None,
        low: float = 0.0,
        high: float = math.inf,
        low_open: bool = False,
        integer: bool = False,
    ) -> float | None:
        """A finite number in [low, high] (or (low, high] with ``low_open``); bools are not numbers."""
        value = table.get(key)
        if value is None:
            if default is None:
                self.problem(path, "is required")
            return default
        kind = "an integer" if integer else "a number"
        allowed = (int,) if integer else (int, float)
        if isinstance(value, bool) or not isinstance(value, allowed) or not math.isfinite(value):
            self.problem(path, f"must be {kind}")
            return None
        if value < low or (low_open and value == low) or value > high:
            lower = f"> {low:g}" if low_open else f">= {low:g}"
            bounds = lower if high == math.inf else f"{lower} and <= {high:g}"
            self.problem(path, f"must be {kind} {bounds}, got {value!r}")
            return None
        return value

    def text(
        self,
        table: dict[str, Any],
        key: str,
        path: str,
        *,
        default: str | None = None,
        choices: Iterable[str] = (),
    ) -> str | None:
        value = table.get(key)
        if value is None:
            if default is None:
                self.problem(path, "is required")
            return default
        options = sorted(choices)
        if not isinstance(value, str) or not value.strip():
            self.problem(path, "must be a non-empty string")
            return None
        if options and value not in options:
            self.problem(path, f"must be one of {', '.join(options)}, got {value!r}")
            return None
        return value

    def array(self, table: dict[str, Any], key: str, path: str) -> list[Any]:
        value = table.get(key)
        if value is None:
            self.problem(path, "is required")
            return []
        if not isinstance(value, list) or not value:
            self.problem(path, "must be a non-empty array")
            return []
        return value
