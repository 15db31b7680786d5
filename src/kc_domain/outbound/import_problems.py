"""What is wrong with a contact list, said so that the administrator finds it (OUT-06): a stable
code, the row and column as the file shows them, the field, and the values the sentence needs.
The codes and their parameters are listed in docs/list-import.md; the web shell words them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any

import attrs

from kc_domain.errors import FieldError, ValidationFailed

REFUSAL_PROBLEMS_MAX = 100
"""A refusal lists this many problems at most, then one ``more_problems`` with the rest's count."""


class Severity(StrEnum):
    ERROR = "error"  # the row is not imported (a problem of the whole file: the file is refused)
    WARNING = "warning"  # the row is imported; the administrator should know


@attrs.frozen
class ImportProblem:
    """One problem: ``row`` as the file shows it (None: the whole file), ``column`` its letter
    (``C``), ``header`` the column's header text, ``field`` the structure's field (``phone``,
    ``extra.due_date``); each empty when it does not apply."""

    code: str
    row: int | None = None
    column: str = ""
    header: str = ""
    field: str = ""
    params: Mapping[str, Any] = attrs.field(factory=dict)
    severity: Severity = Severity.ERROR

    def as_field_error(self) -> FieldError:
        """The problem as the web shell's refusals carry them: the field (``file`` for the whole
        file), the code, and the row, column and header among the parameters."""
        where = {"row": self.row, "column": self.column, "header": self.header}
        return FieldError(
            self.field or "file", self.code, {**self.params, **{k: v for k, v in where.items() if v}}
        )


def at_most(
    problems: Iterable[ImportProblem], limit: int = REFUSAL_PROBLEMS_MAX, more: int = 0
) -> list[ImportProblem]:
    """The first ``limit`` problems, then ``more_problems`` counting the rest and ``more`` others."""
    listed = list(problems)
    left_out = max(len(listed) - limit, 0) + more
    if not left_out:
        return listed
    return [*listed[:limit], ImportProblem("more_problems", params={"count": left_out})]


class ImportRefused(ValidationFailed):
    """The file was not accepted; nothing of it is imported. ``problems`` say where and why (at
    most ``REFUSAL_PROBLEMS_MAX`` of them and a ``more_problems`` count)."""

    def __init__(self, problems: Iterable[ImportProblem], more: int = 0) -> None:
        """``more``: how many problems were found but not even kept."""
        self.problems: tuple[ImportProblem, ...] = tuple(at_most(problems, more=more))
        super().__init__(p.as_field_error() for p in self.problems)

    @classmethod
    def because(
        cls, code: str, row: int | None = None, column: str = "", header: str = "", **params: Any
    ) -> ImportRefused:
        return cls([ImportProblem(code, row, column, header, params=params)])
