"""Timers of the engine: a heap with lazy cancellation, so that arming and disarming cost O(log n)."""

from __future__ import annotations

import heapq
import itertools
from datetime import datetime

import attrs


@attrs.define
class Timers:
    _heap: list[tuple[datetime, int, str, str]] = attrs.field(factory=list)
    _armed: dict[tuple[str, str], int] = attrs.field(factory=dict)
    _counter: itertools.count[int] = attrs.field(factory=itertools.count)

    def arm(self, kind: str, key: str, due: datetime) -> None:
        """(Re)arm the timer ``kind`` for ``key``; an earlier arming of the same pair is forgotten."""
        token = next(self._counter)
        self._armed[(kind, key)] = token
        heapq.heappush(self._heap, (due, token, kind, key))

    def disarm(self, kind: str, key: str) -> None:
        self._armed.pop((kind, key), None)

    def next_due(self) -> datetime | None:
        self._drop_stale()
        return self._heap[0][0] if self._heap else None

    def pop_due(self, now: datetime) -> tuple[str, str] | None:
        """The earliest timer due at ``now`` (and disarm it), or None."""
        self._drop_stale()
        if not self._heap or self._heap[0][0] > now:
            return None
        _due, _token, kind, key = heapq.heappop(self._heap)
        del self._armed[(kind, key)]
        return kind, key

    def _drop_stale(self) -> None:
        while self._heap and self._armed.get((self._heap[0][2], self._heap[0][3])) != self._heap[0][1]:
            heapq.heappop(self._heap)
