"""The call figures of the reports (REP-11..REP-20), defined once: the raw sums over the calls of
one group (a queue, an agent, an hour, a day...) in ``CallFigures``, and every derived figure as
one of its properties. ``call_figures`` is the reference computation over interaction rows; the
SQL journal computes the same sums in the database (the contract tests hold them equal).

Definitions (docs/metrics.md):
- a call's *wait* runs from its arrival (the IVR included) to its pick-up; its *ring* from the
  moment it was offered to the agent to the pick-up;
- *answered*: inbound calls picked up by an agent; *lost*: inbound calls the caller left before
  that, by stage; a *short abandon* is a call lost within SHORT_ABANDON_S of its arrival;
- the *service level* is ``kc_domain.metrics.service_level`` over the queue's threshold, applied
  to the queue wait (``waited_s``, from the queue entry), the same as the live view.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, tzinfo
from types import MappingProxyType
from typing import Any

import attrs

from kc_domain.metrics import service_level
from kc_domain.reports.filters import ReportFilter
from kc_domain.routing.call import CallEnd
from kc_domain.routing.projection import Interaction

SHORT_ABANDON_S = 5.0
BUCKETS = (10, 20, 30)  # seconds: up to 10, up to 20, up to 30, more (REP-14, REP-15)
GROUPS = ("total", "queue", "agent", "hour", "interval", "day", "weekday", "category")

LOST_STAGES = {
    CallEnd.ABANDONED_BEFORE_IVR.value: "lost_before_ivr",
    CallEnd.ABANDONED_IN_IVR.value: "lost_in_ivr",
    CallEnd.ABANDONED_IN_QUEUE.value: "lost_in_queue",
    CallEnd.ABANDONED_RINGING.value: "lost_ringing",
}


@attrs.frozen
class CallFigures:
    inbound: int = 0
    outbound: int = 0
    answered: int = 0  # inbound
    outbound_connected: int = 0
    lost: int = 0
    lost_before_ivr: int = 0
    lost_in_ivr: int = 0
    lost_in_queue: int = 0
    lost_ringing: int = 0
    short_abandons: int = 0
    transferred: int = 0
    called_back: int = 0  # the caller chose a callback instead of waiting
    answered_in_sl: int = 0
    talk_s: float = 0.0  # inbound answered calls
    outbound_talk_s: float = 0.0
    wait_s: float = 0.0  # answered calls: arrival to pick-up
    queue_wait_s: float = 0.0  # answered calls: queue entry to pick-up
    ring_s: float = 0.0  # answered calls: offer to pick-up
    wait_10: int = 0  # answered within 10 s of arrival
    wait_20: int = 0
    wait_30: int = 0
    wait_more: int = 0
    ring_10: int = 0  # picked up within 10 s of ringing
    ring_20: int = 0
    ring_30: int = 0
    ring_more: int = 0

    def __add__(self, other: CallFigures) -> CallFigures:
        return CallFigures(*(a + b for a, b in zip(attrs.astuple(self), attrs.astuple(other), strict=True)))

    @property
    def calls(self) -> int:
        return self.inbound + self.outbound

    @property
    def service_level(self) -> float | None:
        return service_level(self.answered_in_sl, self.answered + self.lost)

    @property
    def lost_share(self) -> float | None:
        """Lost among answered and lost calls (the hotline's SLA of REP-20)."""
        settled = self.answered + self.lost
        return round(self.lost / settled, 4) if settled else None

    @property
    def average_wait_s(self) -> float | None:
        return round(self.wait_s / self.answered, 1) if self.answered else None

    @property
    def average_queue_wait_s(self) -> float | None:
        return round(self.queue_wait_s / self.answered, 1) if self.answered else None

    @property
    def average_talk_s(self) -> float | None:
        return round(self.talk_s / self.answered, 1) if self.answered else None

    @property
    def average_outbound_talk_s(self) -> float | None:
        return round(self.outbound_talk_s / self.outbound_connected, 1) if self.outbound_connected else None


def sl_thresholds(queues: Iterable[Any]) -> dict[int, int]:
    """Each queue's service-level threshold in seconds, by queue id, as the figures take them."""
    return {q.id: q.sl_threshold_s for q in queues}


def report_times(row: Interaction, zone: tzinfo) -> dict[str, Any]:
    """What the journal stores with each call for the reports: its arrival in the contact centre's
    zone (day, weekday, minute of the day), the caller's wait in seconds from arrival to pick-up (or
    to hanging up, for a lost call) and the ring from the offer to pick-up."""
    found: dict[str, Any] = dict.fromkeys(
        ("local_day", "local_weekday", "local_minute", "caller_wait_s", "ring_s")
    )
    if row.arrived_at is not None:
        local = row.arrived_at.astimezone(zone)
        found |= {
            "local_day": local.date(),
            "local_weekday": local.weekday(),
            "local_minute": local.hour * 60 + local.minute,
        }
        until = row.answered_at or (row.ended_at if row.end_stage in LOST_STAGES else None)
        if until is not None:  # picked up, or the caller hung up waiting
            found["caller_wait_s"] = _seconds(row.arrived_at, until)
    if row.answered_at is not None and row.offered_at is not None:
        found["ring_s"] = _seconds(row.offered_at, row.answered_at)
    return found


def _seconds(start: datetime, end: datetime) -> float:
    return round(max(0.0, (end - start).total_seconds()), 3)


def group_key(
    group: str,
    row: Interaction,
    times: Mapping[str, Any],
    categories: Mapping[str, int | None],
    interval: int = 60,
) -> Any:
    match group:
        case "category":
            return categories.get(row.call_id)
        case "total":
            return None
        case "queue":
            return row.queue_id
        case "agent":
            return row.agent_id
        case "hour":
            return times["local_minute"] // 60
        case "interval":  # the filter's time-of-day interval, as its first minute
            return times["local_minute"] // interval * interval
        case "day":
            return times["local_day"]
        case "weekday":
            return times["local_weekday"]
    raise ValueError(f"no such group: {group!r}")


def selected(
    row: Interaction,
    times: Mapping[str, Any],
    wanted: ReportFilter,
    agents: frozenset[int],
    categories: Mapping[str, int | None] = MappingProxyType({}),
) -> bool:
    """The filter on one call (``agents``: the agents it covers, groups resolved; empty: all;
    ``categories``: each call's category, for the category filter)."""
    if wanted.category_ids and categories.get(row.call_id) not in wanted.category_ids:
        return False
    if times["local_day"] is None or not wanted.since <= times["local_day"] <= wanted.until:
        return False
    if wanted.weekdays and times["local_weekday"] not in wanted.weekdays:
        return False
    window = wanted.minutes
    if window is not None and not window[0] <= times["local_minute"] < window[1]:
        return False
    if wanted.queue_ids and row.queue_id not in wanted.queue_ids:
        return False
    return not agents or row.agent_id in agents


def call_figures(
    rows: Iterable[Interaction],
    wanted: ReportFilter,
    group: str,
    thresholds: Mapping[int, int],
    zone: tzinfo,
    agents: frozenset[int] = frozenset(),
    categories: Mapping[str, int | None] = MappingProxyType({}),
) -> dict[Any, CallFigures]:
    """The reference computation: figures by group key over the selected calls; ``categories``: the
    call category of each call id (its contact record's), for the ``category`` group (REP-03)."""
    sums: dict[Any, dict[str, float]] = {}
    for row in rows:
        times = report_times(row, zone)
        if not selected(row, times, wanted, agents, categories):
            continue
        key = group_key(group, row, times, categories, wanted.interval_min)
        into = sums.setdefault(key, dict.fromkeys(_FIELDS, 0))
        _count(into, row, times, thresholds)
    return {key: _figures(values) for key, values in sums.items()}


_FIELDS = [f.name for f in attrs.fields(CallFigures)]
_FLOATS = {f.name for f in attrs.fields(CallFigures) if f.type in ("float", float)}


def _figures(values: Mapping[str, float]) -> CallFigures:
    fields: dict[str, Any] = {k: (round(v, 3) if k in _FLOATS else int(v)) for k, v in values.items()}
    return CallFigures(**fields)


def _bucket(seconds: float, prefix: str) -> str:
    for limit in BUCKETS:
        if seconds <= limit:
            return f"{prefix}_{limit}"
    return f"{prefix}_more"


def _count(
    into: dict[str, float], row: Interaction, times: Mapping[str, Any], thresholds: Mapping[int, int]
) -> None:
    answered = row.answered_at is not None
    if row.direction == "outbound":
        into["outbound"] += 1
        if answered:
            into["outbound_connected"] += 1
            into["outbound_talk_s"] += row.talk_s or 0.0
        return
    into["inbound"] += 1
    if row.end_stage == CallEnd.TRANSFERRED.value:
        into["transferred"] += 1
    if row.end_stage == CallEnd.CALLED_BACK.value:
        into["called_back"] += 1
    stage = LOST_STAGES.get(row.end_stage)
    if stage is not None:
        into["lost"] += 1
        into[stage] += 1
        if times["caller_wait_s"] is not None and times["caller_wait_s"] <= SHORT_ABANDON_S:
            into["short_abandons"] += 1
    if not answered:
        return
    into["answered"] += 1
    into["talk_s"] += row.talk_s or 0.0
    wait = times["caller_wait_s"] or 0.0
    into["wait_s"] += wait
    into[_bucket(wait, "wait")] += 1
    into["queue_wait_s"] += row.waited_s or 0.0
    limit = thresholds.get(row.queue_id) if row.queue_id is not None else None
    if limit is not None and row.waited_s is not None and row.waited_s <= limit:
        into["answered_in_sl"] += 1
    if times["ring_s"] is not None:
        into["ring_s"] += times["ring_s"]
        into[_bucket(times["ring_s"], "ring")] += 1
