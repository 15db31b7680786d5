"""Key figures of a run, per queue, per hour and in total, as plain JSON-ready data.

A call belongs to the queue it first entered and to the hour in which it entered it: for a call
dialled straight to a queue that is its arrival, for a call that came through an IVR tree the moment
the tree routed it (its time in the IVR is not waiting). Calls that never reached a queue (they hung
up in the IVR, the IVR hung up, transferred them, or took a voicemail or callback request itself) are
not offered to any queue; they are counted per tree under ``ivr``. The totals leave out calls that
entered their queue during the warm-up; the hourly intervals cover the whole run.

offered                 calls that entered the queue (each once, however often it was re-offered)
answered                calls an agent answered
abandoned_in_queue      callers who hung up while waiting (no phone ringing for them)
abandoned_ringing       callers who hung up while an agent's phone rang
overflowed              calls sent away by the queue (maximum wait)
callback                callers who left the queue by pressing its callback key (IN-09); their
                        request is counted under ``callbacks``, its call back is not a queue call
voicemail               callers who left the queue by pressing its voicemail key (IN-08), whether
                        or not they then left a message
rejected                any other end before an answer (none in the simulator so far)
unfinished              calls still waiting when the run stopped (neither answered nor abandoned)
offered = answered + abandoned_in_queue + abandoned_ringing + overflowed + callback + voicemail
          + rejected + unfinished

p_wait                  delayed / offered, where *delayed* means that no agent's phone rang at the
                        instant of arrival (every agent was busy); abandoned and overflowed calls that
                        waited count as delayed. This is Erlang C's and Erlang A's P(wait): the
                        probability that an arrival finds all agents busy.
asa_s                   mean wait of answered calls, from arrival to answer (0 s for those answered at
                        once, ringing time included); Erlang C asa_s, Erlang A mean_wait_answered_s
mean_wait_all_s         mean time every call spent waiting: to the answer, the hang-up, the overflow
                        or the callback/voicemail key (unfinished calls left out); Erlang A
                        mean_wait_all_s
service_level           answered within the queue's threshold (wait <= threshold) / offered: abandons,
                        even short ones, count against it; Erlang C and Erlang A service_level
service_level_answered  answered within the threshold / answered; Erlang A service_level_of_answered
abandon_rate            (abandoned_in_queue + abandoned_ringing) / offered; Erlang A p_abandon
occupancy               talk time / staffed (logged-in) time, both clipped to the period; ringing and
                        wrap-up are not talk. Only for all queues together, since an agent may serve
                        several queues. Erlang C occupancy when ring time and wrap-up are 0.
rona                    ring-no-answer events of the period's calls

Around the queues (``flow_kpis``; the whole run, warm-up included):

ivr[].entered           walks into the tree (a caller sent to another tree walks that one too)
ivr[].left              walks out of it by outcome: route (to a queue), transfer, voicemail, callback
                        (the tree's callback node), goto (another tree), hangup (the IVR hung up, e.g.
                        after an information prompt) and abandoned (the caller hung up in the tree);
                        entered = the sum of left once every call has ended
ivr[].abandon_rate      abandoned / entered
ivr[].routed_to         routed walks by queue id
ivr[].nodes             per node, summed from the CallLeftIvr statistics (kc_domain.ivr.stats): walks
                        that entered it, entries, exits, timeouts, invalid keys, abandons, keys pressed
callbacks               requests by source (queue key, IVR node, ...), merged into an open request of
                        the same caller, dialling attempts and their outcomes, completed (the customer
                        answered), failed (attempts used up), cancelled, still open at the end, and the
                        mean time from the request to its completion
voicemail               messages left, by box, and their mean length
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import attrs

from kc_domain.callbacks import events as cb
from kc_domain.ivr.stats import sum_node_stats
from kc_domain.routing import events as ev
from kc_domain.routing.call import CallEnd
from kc_domain.routing.engine import PRAGUE

ABANDONED = (CallEnd.ABANDONED_IN_QUEUE.value, CallEnd.ABANDONED_RINGING.value)
IVR_OUTCOMES = ("route", "transfer", "voicemail", "callback", "goto", "hangup", "abandoned")
FLOW_EVENTS = (
    ev.CallEnteredIvr,
    ev.CallLeftIvr,
    ev.CallVoicemailLeft,
    ev.CallDialled,
    ev.CallConnected,
    cb.CallbackEvent,
)


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
    callback: int = 0
    voicemail: int = 0
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
        elif call.end == CallEnd.CALLED_BACK.value:
            self.callback += 1
        elif call.end == CallEnd.VOICEMAIL.value:
            self.voicemail += 1
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
                "callback",
                "voicemail",
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


def flow_kpis(events: Iterable[ev.Event], *, trees: Iterable[str], open_callbacks: int) -> dict[str, Any]:
    """The ``ivr``, ``callbacks`` and ``voicemail`` sections of the report from the run's events."""
    events = list(events)
    nodes = sum_node_stats(events)
    entered: Counter[str] = Counter(e.tree for e in events if isinstance(e, ev.CallEnteredIvr))
    left: dict[str, Counter[str]] = defaultdict(Counter)
    routed: dict[str, Counter[str]] = defaultdict(Counter)
    for e in events:
        if isinstance(e, ev.CallLeftIvr):
            left[e.tree][e.outcome] += 1
            if e.outcome == "route":
                routed[e.tree][e.detail] += 1
    ivr = []
    for tree in trees:
        outcomes = {o: left[tree][o] for o in IVR_OUTCOMES}
        ivr.append(
            {
                "tree": tree,
                "entered": entered[tree],
                "left": outcomes,
                "abandon_rate": _ratio(outcomes["abandoned"], entered[tree]),
                "routed_to": dict(sorted(routed[tree].items())),
                "nodes": nodes.get(tree, {}),
            }
        )
    return {"ivr": ivr, "callbacks": _callbacks(events, open_callbacks), "voicemail": _voicemail(events)}


def _callbacks(events: list[ev.Event], still_open: int) -> dict[str, Any]:
    requested: Counter[str] = Counter()
    outcomes: Counter[str] = Counter()
    asked: dict[str, datetime] = {}
    count: Counter[str] = Counter()
    waits: list[float] = []
    for e in events:
        if isinstance(e, cb.CallbackEvent):
            count[type(e).__name__] += 1
        if isinstance(e, cb.CallbackRequested):
            requested[e.source] += 1
            asked[e.callback_id] = e.at
        elif isinstance(e, cb.CallbackAttempted):
            outcomes[e.outcome] += 1
        elif isinstance(e, cb.CallbackCompleted) and e.callback_id in asked:
            waits.append((e.at - asked[e.callback_id]).total_seconds())
    return {
        "requested": sum(requested.values()),
        "requested_by_source": dict(sorted(requested.items())),
        "merged": count["CallbackMerged"],
        "dialled": count["CallbackDialling"],
        "attempts": dict(sorted(outcomes.items())),
        "released": count["CallbackReleased"],
        "completed": count["CallbackCompleted"],
        "failed": count["CallbackFailed"],
        "cancelled": count["CallbackCancelled"],
        "open_at_end": still_open,
        "mean_request_to_completion_s": _round(sum(waits) / len(waits), 1) if waits else None,
    }


def _voicemail(events: list[ev.Event]) -> dict[str, Any]:
    left = [e for e in events if isinstance(e, ev.CallVoicemailLeft)]
    boxes = Counter(e.box for e in left)
    return {
        "left": len(left),
        "by_box": dict(sorted(boxes.items())),
        "mean_duration_s": _round(sum(e.duration_s for e in left) / len(left), 1) if left else None,
    }
