"""Key figures of a run, per queue, per hour and in total, as plain JSON-ready data.

A call belongs to the queue it first entered and to the hour in which it arrived. The totals
leave out calls that arrived during the warm-up; the hourly intervals cover the whole run.

offered                 calls that arrived (each once, however often it was re-offered)
answered                calls an agent answered
abandoned_in_queue      callers who hung up while waiting (no phone ringing for them)
abandoned_ringing       callers who hung up while an agent's phone rang
overflowed              calls sent away by the queue (maximum wait)
unfinished              calls still waiting when the run stopped (neither answered nor abandoned)
offered = answered + abandoned_in_queue + abandoned_ringing + overflowed + rejected + unfinished

p_wait                  delayed / offered, where *delayed* means that no agent's phone rang at the
                        instant of arrival (every agent was busy); abandoned and overflowed calls that
                        waited count as delayed. This is Erlang C's and Erlang A's P(wait): the
                        probability that an arrival finds all agents busy.
asa_s                   mean wait of answered calls, from arrival to answer (0 s for those answered at
                        once, ringing time included); Erlang C asa_s, Erlang A mean_wait_answered_s
mean_wait_all_s         mean time every call spent waiting: to the answer, the hang-up or the overflow
                        (unfinished calls left out); Erlang A mean_wait_all_s
service_level           answered within the queue's threshold (wait <= threshold) / offered: abandons,
                        even short ones, count against it; Erlang C and Erlang A service_level
service_level_answered  answered within the threshold / answered; Erlang A service_level_of_answered
abandon_rate            (abandoned_in_queue + abandoned_ringing) / offered; Erlang A p_abandon
occupancy               talk time / staffed (logged-in) time, both clipped to the period; ringing and
                        wrap-up are not talk. Only for all queues together, since an agent may serve
                        several queues. Erlang C occupancy when ring time and wrap-up are 0.
rona                    ring-no-answer events of the period's calls
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import attrs

from kc_domain.routing.call import CallEnd
from kc_domain.routing.engine import PRAGUE

ABANDONED = (CallEnd.ABANDONED_IN_QUEUE.value, CallEnd.ABANDONED_RINGING.value)


@attrs.frozen
class CallRecord:
    queue_id: int
    arrived_s: float  # seconds from the start of the run
    delayed: bool  # no agent's phone rang at the instant of arrival
    wait_s: float  # to the answer, or to the end of an unanswered call
    answered: bool
    end: str  # a CallEnd value, or "unfinished"
    talk: tuple[float, float] | None  # (answered, ended) seconds from the start of the run
    rona: int
    within_sl: bool  # answered with wait <= the queue's service-level threshold


@attrs.define
class Tally:
    offered: int = 0
    answered: int = 0
    abandoned_in_queue: int = 0
    abandoned_ringing: int = 0
    overflowed: int = 0
    rejected: int = 0
    unfinished: int = 0
    delayed: int = 0
    within_sl: int = 0
    rona: int = 0
    wait_answered_s: float = 0.0
    wait_all_s: float = 0.0
    talk_s: float = 0.0
    staffed_s: float = 0.0

    def add(self, call: CallRecord) -> None:
        self.offered += 1
        self.delayed += call.delayed
        self.rona += call.rona
        if call.answered:
            self.answered += 1
            self.within_sl += call.within_sl
            self.wait_answered_s += call.wait_s
        elif call.end == "unfinished":
            self.unfinished += 1
            return
        elif call.end in ABANDONED:
            if call.end == CallEnd.ABANDONED_IN_QUEUE.value:
                self.abandoned_in_queue += 1
            else:
                self.abandoned_ringing += 1
        elif call.end == CallEnd.OVERFLOWED.value:
            self.overflowed += 1
        else:
            self.rejected += 1
        self.wait_all_s += call.wait_s

    def figures(self, occupancy: bool) -> dict[str, Any]:
        out: dict[str, Any] = {
            name: getattr(self, name)
            for name in (
                "offered",
                "answered",
                "abandoned_in_queue",
                "abandoned_ringing",
                "overflowed",
                "rejected",
                "unfinished",
                "delayed",
                "rona",
            )
        }
        counted = self.offered - self.unfinished
        out["p_wait"] = _ratio(self.delayed, self.offered)
        out["asa_s"] = _round(self.wait_answered_s / self.answered if self.answered else 0.0, 2)
        out["mean_wait_all_s"] = _round(self.wait_all_s / counted if counted else 0.0, 2)
        out["service_level"] = _ratio(self.within_sl, self.offered)
        out["service_level_answered"] = _ratio(self.within_sl, self.answered)
        out["abandon_rate"] = _ratio(self.abandoned_in_queue + self.abandoned_ringing, self.offered)
        out["talk_s"] = _round(self.talk_s, 1)
        if occupancy:
            out["staffed_s"] = _round(self.staffed_s, 1)
            out["occupancy"] = _ratio(self.talk_s, self.staffed_s)
        return out


def _ratio(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


def _round(value: float, digits: int) -> float:
    return round(value, digits)


def _spread(tallies: dict[int, Tally], span: tuple[float, float], field: str, lo: float, hi: float) -> None:
    """Add the part of ``span`` inside [lo, hi) to each hour's ``field``."""
    start, end = max(span[0], lo), min(span[1], hi)
    while start < end:
        hour = int(start // 3600)
        cut = min(end, (hour + 1) * 3600.0)
        tally = tallies[hour]
        setattr(tally, field, getattr(tally, field) + cut - start)
        start = cut


def compute_kpis(
    *,
    start: datetime,
    duration_s: float,
    warmup_s: float,
    queues: Iterable[tuple[int, str, int]],  # (id, name, service-level threshold)
    calls: Iterable[CallRecord],
    sessions: Iterable[tuple[float, float]],  # (log in, log out) seconds from the start of the run
) -> dict[str, Any]:
    queues = list(queues)
    by_queue: dict[int, dict[int, Tally]] = {q[0]: defaultdict(Tally) for q in queues}
    total_q: dict[int, Tally] = {q[0]: Tally() for q in queues}
    hours: dict[int, Tally] = defaultdict(Tally)
    total = Tally()
    for call in calls:
        hour = int(call.arrived_s // 3600)
        by_queue[call.queue_id][hour].add(call)
        hours[hour].add(call)
        if call.talk is not None:
            _spread(by_queue[call.queue_id], call.talk, "talk_s", 0.0, math.inf)
            _spread(hours, call.talk, "talk_s", 0.0, math.inf)
            t0, t1 = max(call.talk[0], warmup_s), min(call.talk[1], duration_s)
            if t1 > t0:
                total.talk_s += t1 - t0
                total_q[call.queue_id].talk_s += t1 - t0
        if call.arrived_s >= warmup_s:
            total.add(call)
            total_q[call.queue_id].add(call)
    for login, logout in sessions:
        _spread(hours, (login, logout), "staffed_s", 0.0, math.inf)
        total.staffed_s += max(0.0, min(logout, duration_s) - max(login, warmup_s))
    last = max([math.ceil(duration_s / 3600), *(h + 1 for h in hours)])

    def label(hour: int) -> str:
        return (start + timedelta(hours=hour)).astimezone(PRAGUE).strftime("%Y-%m-%d %H:%M")

    def intervals(tallies: dict[int, Tally], occupancy: bool) -> list[dict[str, Any]]:
        return [{"from": label(h), **tallies[h].figures(occupancy)} for h in range(last)]

    return {
        "total": total.figures(occupancy=True),
        "queues": [
            {
                "id": queue_id,
                "name": name,
                "sl_threshold_s": threshold,
                "total": total_q[queue_id].figures(occupancy=False),
                "intervals": intervals(by_queue[queue_id], occupancy=False),
            }
            for queue_id, name, threshold in queues
        ],
        "intervals": intervals(hours, occupancy=True),
    }
