"""The discrete-event loop: a heap of (time, seq, action, args) and a FixedClock set to each event.

Time is kept in whole microseconds from the start of the run, the resolution of ``datetime``, so
that the engine's timers (datetimes) and the loop's events compare exactly.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from kc_adapters.system import FixedClock

US = 1_000_000
_ONE_US = timedelta(microseconds=1)

Action = Callable[..., None]


class EventLoop:
    def __init__(self, start: datetime) -> None:
        self.start = start
        self.clock = FixedClock(start)
        self.now_us = 0
        self.processed = 0
        self._heap: list[tuple[int, int, Action, tuple[Any, ...]]] = []
        self._seq = itertools.count()

    def at(self, t_us: int, action: Action, *args: Any) -> None:
        """Run ``action(*args)`` at ``t_us``; never in the past. Events at one instant run in order."""
        heapq.heappush(self._heap, (max(t_us, self.now_us), next(self._seq), action, args))

    def after(self, delay_s: float, action: Action, *args: Any) -> None:
        self.at(self.now_us + round(delay_s * US), action, *args)

    def to_us(self, at: datetime) -> int:
        return (at - self.start) // _ONE_US

    def datetime(self, t_us: int) -> datetime:
        return self.start + timedelta(microseconds=t_us)

    def pending(self) -> int:
        return len(self._heap)

    def next_us(self) -> int | None:
        """When the next event is due (None when there is none)."""
        return self._heap[0][0] if self._heap else None

    def run(self, until_us: int, after_each: Callable[[], None]) -> None:
        """Process events up to and including ``until_us``; ``after_each`` runs after every event."""
        heap, clock, start = self._heap, self.clock, self.start
        while heap and heap[0][0] <= until_us:
            t_us, _seq, action, args = heapq.heappop(heap)
            if t_us != self.now_us:
                self.now_us = t_us
                clock.at = start + timedelta(microseconds=t_us)
            action(*args)
            self.processed += 1
            after_each()
