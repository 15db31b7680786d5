"""Shared helpers of the IVR tests: a Prague clock, an environment, valid Czech numbers computed here."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from kc_domain.ivr.interpreter import IvrEnvironment, IvrSession
from kc_domain.ivr.model import IvrTree, Node
from kc_domain.ivr.validation import ico_check_digit

PRAGUE = ZoneInfo("Europe/Prague")
# Wednesday 2026-03-11 10:00 Prague time (CET): within office hours.
NOW = datetime(2026, 3, 11, 10, 0, tzinfo=PRAGUE)


def prague(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """An instant given as Prague wall-clock time (unambiguous dates only)."""
    return datetime(year, month, day, hour, minute, tzinfo=PRAGUE)


def tree(start: str, *nodes: Node, name: str = "main") -> IvrTree:
    return IvrTree(name, 1, start, nodes)


def env(
    *,
    caller: str = "+420777123456",
    statuses: frozenset[str] = frozenset(),
    open_queues: set[int] | None = None,
    holidays: frozenset[date] = frozenset(),
) -> IvrEnvironment:
    is_open: Callable[[int], bool] = (lambda q: True) if open_queues is None else open_queues.__contains__
    return IvrEnvironment(PRAGUE, holidays, caller, statuses, is_open)


def session(t: IvrTree, variables: dict[str, str] | None = None, **kwargs: object) -> IvrSession:
    return IvrSession(t, variables, environment=env(**kwargs))  # type: ignore[arg-type]


def valid_ico(first7: str) -> str:
    """IČO check digit: weights 8,7,...,2 over the first 7 digits, ``(11 - sum % 11) % 10``.
    E.g. 2559664 -> 2*8+5*7+5*6+9*5+6*4+6*3+4*2 = 176, 176 % 11 = 0 -> check digit 1 -> 25596641."""
    return first7 + str(ico_check_digit(first7))


def valid_insurance_number(first9: str) -> str:
    """A 10-digit rodné číslo divisible by 11: the check digit d makes ``first9 * 10 + d`` divisible by 11;
    when d would be 10 (first9 % 11 == 10) the known exception writes 0."""
    d = (-int(first9) * 10) % 11
    return first9 + ("0" if d == 10 else str(d))
