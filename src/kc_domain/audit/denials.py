"""Refusals that anyone can repeat at will (a wrong password, a bad kiosk token, a forbidden page):
the first of a kind from one source within a window is recorded in full, the repeats are only
counted and recorded afterwards as one record with the count (SEC-03), so that a flood of requests
cannot flood the audit log. A value kept in memory, with the time passed in.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import datetime, timedelta
from typing import Any

import attrs

from kc_domain.audit.model import Outcome

MAX_ACTORS = 10  # the names a summary lists (attempted user names); beyond, only how many more


@attrs.frozen
class DenialKey:
    """One kind of refusal from one source: what, how it ended, why, from where."""

    source: str  # kc_domain.throttle.source_key of the client address
    action: str
    outcome: Outcome
    reason: str = ""


@attrs.frozen
class DenialSummary:
    """The repeats of one kind of refusal within one window, recorded as one audit record."""

    key: DenialKey
    object_type: str
    count: int
    first: datetime
    last: datetime
    actors: tuple[str, ...]
    more_actors: int = 0

    @property
    def actor(self) -> str:
        return self.actors[0] if len(self.actors) == 1 and not self.more_actors else "-"

    def params(self) -> dict[str, Any]:
        params: dict[str, Any] = {
            "repeated": self.count,
            "first": self.first.isoformat(),
            "last": self.last.isoformat(),
            "actors": list(self.actors),
        }
        if self.more_actors:
            params["more_actors"] = self.more_actors
        if self.key.reason:
            params["reason"] = self.key.reason
        return params


@attrs.define
class _Window:
    opened: datetime
    object_type: str
    repeats: int = 0
    first: datetime | None = None
    last: datetime | None = None
    actors: list[str] = attrs.field(factory=list)
    more_actors: int = 0

    def add(self, actor: str, now: datetime) -> None:
        self.repeats += 1
        self.first = self.first or now
        self.last = now
        if actor not in self.actors:
            if len(self.actors) < MAX_ACTORS:
                self.actors.append(actor)
            else:
                self.more_actors += 1


class DenialDigest:
    """Per ``DenialKey`` one window of ``window`` from its first refusal: ``admit`` says whether a
    refusal is to be recorded in full (the first of its window) or was counted; ``due`` hands over
    the counts of the windows that are over.

    At most ``max_keys`` windows are open at once; beyond, refusals of new keys are admitted (recorded
    in full) without a window, so memory stays bounded and nothing goes unrecorded.
    """

    def __init__(self, window: timedelta = timedelta(minutes=1), max_keys: int = 10_000) -> None:
        self.window, self.max_keys = window, max_keys
        self._open: OrderedDict[DenialKey, _Window] = OrderedDict()  # in the order they opened
        self._closed: list[DenialSummary] = []  # windows over, not yet handed over by ``due``
        self._lock = threading.Lock()

    def admit(self, key: DenialKey, actor: str, object_type: str, now: datetime) -> bool:
        with self._lock:
            window = self._open.get(key)
            if window is not None:
                if now < window.opened + self.window:
                    window.add(actor, now)
                    return False
                self._close(key)
            if len(self._open) < self.max_keys:
                self._open[key] = _Window(now, object_type)
            return True

    def due(self, now: datetime, *, everything: bool = False) -> list[DenialSummary]:
        """The counts of the windows that are over (``everything``: of all windows), oldest first;
        those windows are closed."""
        with self._lock:
            while self._open:
                key, window = next(iter(self._open.items()))
                if not everything and now < window.opened + self.window:
                    break
                self._close(key)
            summaries, self._closed = self._closed, []
        return summaries

    def keep(self, summaries: list[DenialSummary]) -> None:
        """Take back counts ``due`` handed over that could not be recorded: the next ``due`` hands
        them over again, so a failed write (the database away) loses no count."""
        with self._lock:
            self._closed[:0] = summaries

    def _close(self, key: DenialKey) -> None:
        window = self._open.pop(key)
        if window.repeats and window.first and window.last:
            self._closed.append(
                DenialSummary(
                    key,
                    window.object_type,
                    window.repeats,
                    window.first,
                    window.last,
                    tuple(window.actors),
                    window.more_actors,
                )
            )

    def __len__(self) -> int:
        return len(self._open)
