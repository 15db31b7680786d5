"""Personal statistics of an agent (AG-08): handled and lost calls and the service level over the
last 24 hours, 7, 14 and 30 days, overall and per queue the agent is signed into."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import datetime, timedelta

import attrs

from kc_domain.metrics import service_level
from kc_domain.routing.projection import Interaction

PERIODS: tuple[tuple[str, timedelta], ...] = (
    ("24h", timedelta(hours=24)),
    ("7d", timedelta(days=7)),
    ("14d", timedelta(days=14)),
    ("30d", timedelta(days=30)),
)


@attrs.frozen
class CallTally:
    """Counts over interactions of one queue (or of none, key None) in a period.

    ``offered``: inbound calls that reached the queue and were answered or lost there;
    ``answered``: inbound calls answered; ``within_sl``: of those, answered within the queue's
    service-level threshold; ``lost``: calls lost before an agent answered (projection.LOST);
    ``outbound``: outbound calls that were connected.
    """

    offered: int = 0
    answered: int = 0
    within_sl: int = 0
    lost: int = 0
    outbound: int = 0

    def __add__(self, other: CallTally) -> CallTally:
        return CallTally(*(a + b for a, b in zip(attrs.astuple(self), attrs.astuple(other), strict=True)))


def tally_rows(rows: Iterable[Interaction], thresholds: Mapping[int, float]) -> dict[int | None, CallTally]:
    """Tallies by queue id (the reference every journal adapter must match)."""
    counts: dict[int | None, list[int]] = {}
    for row in rows:
        c = counts.setdefault(row.queue_id, [0, 0, 0, 0, 0])
        inbound = row.direction != "outbound"
        answered = row.answered_at is not None
        if inbound and row.queued_at is not None and (answered or row.lost):
            c[0] += 1
        if inbound and answered:
            c[1] += 1
            limit = thresholds.get(row.queue_id) if row.queue_id is not None else None
            if limit is not None and row.waited_s is not None and row.waited_s <= limit:
                c[2] += 1
        if row.lost:
            c[3] += 1
        if not inbound and answered:
            c[4] += 1
    return {key: CallTally(*values) for key, values in counts.items()}


def service_level_percent(within: int, offered: int) -> float | None:
    """``metrics.service_level`` in per cent with one decimal (``offered`` is answered + lost)."""
    share = service_level(within, offered)
    return None if share is None else round(100.0 * share, 1)


@attrs.frozen
class QueueStats:
    queue_id: int
    handled: int  # answered by the agent in this queue
    lost: int  # lost in this queue (by anyone)
    offered: int
    answered: int
    within_sl: int
    service_level: float | None
    threshold_s: int | None
    target_percent: int | None


@attrs.frozen
class PeriodStats:
    period: str  # "24h", "7d", "14d", "30d"
    since: datetime
    until: datetime
    handled: int  # inbound calls answered by the agent (any queue)
    outbound: int  # the agent's connected outbound calls
    lost: int  # lost in the agent's queues
    offered: int
    within_sl: int
    service_level: float | None  # over the agent's queues together
    queues: tuple[QueueStats, ...]


@attrs.frozen
class PersonalStats:
    agent_id: int
    at: datetime
    queue_ids: tuple[int, ...]
    periods: tuple[PeriodStats, ...]


def period_stats(
    period: str,
    since: datetime,
    until: datetime,
    mine: Mapping[int | None, CallTally],
    queues: Mapping[int | None, CallTally],
    queue_ids: Iterable[int],
    sl: Mapping[int, tuple[int, int]],
) -> PeriodStats:
    """``mine``: the agent's own tallies by queue; ``queues``: those of the signed-in queues;
    ``sl``: queue id -> (threshold in s, target per cent)."""
    per_queue: list[QueueStats] = []
    total = CallTally()
    for queue_id in queue_ids:
        tally = queues.get(queue_id, CallTally())
        total = total + tally
        threshold, target = sl.get(queue_id, (None, None))
        per_queue.append(
            QueueStats(
                queue_id=queue_id,
                handled=mine.get(queue_id, CallTally()).answered,
                lost=tally.lost,
                offered=tally.offered,
                answered=tally.answered,
                within_sl=tally.within_sl,
                service_level=service_level_percent(tally.within_sl, tally.offered),
                threshold_s=threshold,
                target_percent=target,
            )
        )
    own = sum(mine.values(), CallTally())
    return PeriodStats(
        period=period,
        since=since,
        until=until,
        handled=own.answered,
        outbound=own.outbound,
        lost=total.lost,
        offered=total.offered,
        within_sl=total.within_sl,
        service_level=service_level_percent(total.within_sl, total.offered),
        queues=tuple(per_queue),
    )


def unique_ids(values: Collection[int]) -> tuple[int, ...]:
    return tuple(sorted(set(values)))
