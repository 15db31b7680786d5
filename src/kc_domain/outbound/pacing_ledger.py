"""A campaign's abandoned calls against its cap, over the day and over the last 24 hours.

An *abandoned* call is one a person answered and no agent took within the connect window (2 s);
the callee hears an information message. The abandon rate is abandons over live answers (the
abandoned ones included), counted on the local (Europe/Prague) day and over a rolling 24 hours.
The *allowance* is how many more abandons the campaign could have right now and still be at its
cap on both measures: the smaller of cap x live answers - abandons over the two.
"""

from __future__ import annotations

from collections import deque
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import attrs

PRAGUE = ZoneInfo("Europe/Prague")
DEFAULT_CAP = 0.03


@attrs.frozen
class AbandonStanding:
    cap: float
    day_live: int = 0
    day_abandoned: int = 0
    window_live: int = 0  # the last 24 hours
    window_abandoned: int = 0

    @property
    def day_rate(self) -> float | None:
        return self.day_abandoned / self.day_live if self.day_live else None

    @property
    def window_rate(self) -> float | None:
        return self.window_abandoned / self.window_live if self.window_live else None

    @property
    def allowance(self) -> float:
        return min(
            self.cap * self.day_live - self.day_abandoned,
            self.cap * self.window_live - self.window_abandoned,
        )


class AbandonLedger:
    """Live answers and abandons as they happen (times passed in, in order)."""

    def __init__(
        self, cap: float = DEFAULT_CAP, *, zone: ZoneInfo = PRAGUE, window: timedelta = timedelta(hours=24)
    ) -> None:
        self.cap = cap
        self.zone = zone
        self.window = window
        self._day: date | None = None
        self._day_live = 0
        self._day_abandoned = 0
        self._live: deque[datetime] = deque()
        self._abandoned: deque[datetime] = deque()

    def live_answer(self, at: datetime) -> None:
        self._roll(at)
        self._day_live += 1
        self._live.append(at)

    def abandoned(self, at: datetime) -> None:
        """A live answer (already recorded) that no agent took in time."""
        self._roll(at)
        self._day_abandoned += 1
        self._abandoned.append(at)

    def standing(self, at: datetime) -> AbandonStanding:
        self._roll(at)
        return AbandonStanding(
            self.cap, self._day_live, self._day_abandoned, len(self._live), len(self._abandoned)
        )

    def _roll(self, at: datetime) -> None:
        day = at.astimezone(self.zone).date()
        if day != self._day:
            self._day, self._day_live, self._day_abandoned = day, 0, 0
        since = at - self.window
        for times in (self._live, self._abandoned):
            while times and times[0] <= since:
                times.popleft()
