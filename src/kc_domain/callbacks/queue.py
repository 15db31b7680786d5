"""The callback book: open callback requests per queue, each keeping its place in line (IN-09, IN-26).

A request is a virtual contact: it is ordered by when the caller originally joined the queue, not by
when it became due, and it is not offered before its due time (preferred time, retry time).
"""

from __future__ import annotations

import bisect
from collections.abc import Collection, Iterable, Iterator
from datetime import datetime

import attrs

from kc_domain.callbacks.events import CallbackEvent
from kc_domain.callbacks.model import ACTIVE_STATES, CallbackRequest, CallbackState
from kc_domain.errors import Conflict, NotFound


@attrs.frozen
class Added:
    """What ``CallbackBook.add`` did: ``request`` is the one now in the book (the earlier one when merged)."""

    request: CallbackRequest
    merged: bool
    event: CallbackEvent  # CallbackRequested, or CallbackMerged when merged


class CallbackBook:
    """The callback requests of all queues, in memory; final ones stay until ``remove``d."""

    def __init__(self, requests: Iterable[CallbackRequest] = ()) -> None:
        self._by_id: dict[str, CallbackRequest] = {}
        self._by_queue: dict[int, dict[str, CallbackRequest]] = {}  # a request never changes queue
        # per queue, (place in line, id) kept sorted: the place never changes (a merge keeps it)
        self._line: dict[int, list[tuple[tuple[datetime, int, str], str]]] = {}
        for request in requests:
            if request.id in self._by_id:
                raise Conflict(f"callback {request.id!r} twice")
            self._put(request)

    def _put(self, request: CallbackRequest) -> None:
        self._by_id[request.id] = request
        self._by_queue.setdefault(request.queue_id, {})[request.id] = request
        bisect.insort(self._line.setdefault(request.queue_id, []), (request.sort_key(), request.id))

    def _drop(self, request: CallbackRequest) -> None:
        del self._by_id[request.id]
        del self._by_queue[request.queue_id][request.id]
        line = self._line[request.queue_id]
        del line[bisect.bisect_left(line, (request.sort_key(), request.id))]

    def _in_line(self, queue_id: int) -> Iterator[CallbackRequest]:
        for _key, callback_id in self._line.get(queue_id, ()):
            yield self._by_id[callback_id]

    def _first_due(self, queue_id: int, now: datetime) -> CallbackRequest | None:
        return next((r for r in self._in_line(queue_id) if r.is_due(now)), None)

    def _of_queues(self, queue_ids: Collection[int]) -> list[CallbackRequest]:
        return [r for q in queue_ids for r in self._by_queue.get(q, {}).values()]

    def __len__(self) -> int:
        return len(self._by_id)

    def __contains__(self, callback_id: object) -> bool:
        return callback_id in self._by_id

    def get(self, callback_id: str) -> CallbackRequest:
        try:
            return self._by_id[callback_id]
        except KeyError:
            raise NotFound("callback", callback_id) from None

    def duplicate_of(self, request: CallbackRequest) -> CallbackRequest | None:
        """An active request of the same caller in the same queue, the earliest in line."""
        same = [
            r
            for r in self._by_queue.get(request.queue_id, {}).values()
            if r.is_active
            and r.queue_id == request.queue_id
            and r.caller == request.caller
            and r is not request
        ]
        return min(same, key=CallbackRequest.sort_key, default=None)

    def add(self, request: CallbackRequest, at: datetime | None = None) -> Added:
        """Put a new request in line, or merge it into the caller's active request in that queue.

        Merging keeps the earlier place and takes the new preferred time (None: as soon as possible).
        ``at`` stamps the merge event; it defaults to the new request's ``created_at``.
        """
        if request.id in self._by_id:
            raise Conflict(f"callback {request.id!r} is already in the book")
        existing = self.duplicate_of(request)
        if existing is not None:
            event = existing.merge(request, request.created_at if at is None else at)
            return Added(existing, merged=True, event=event)
        self._put(request)
        return Added(request, merged=False, event=request.requested())

    def remove(self, callback_id: str) -> CallbackRequest:
        request = self.get(callback_id)
        self._drop(request)
        return request

    def prune(self) -> list[CallbackRequest]:
        """Remove and return the requests that are done, failed or cancelled."""
        gone = [r for r in self._by_id.values() if not r.is_active]
        for request in gone:
            self._drop(request)
        return gone

    def due(self, queue_id: int, now: datetime) -> list[CallbackRequest]:
        """The OPEN requests of the queue whose due time has come, in their place in line."""
        return [r for r in self._in_line(queue_id) if r.is_due(now)]

    def next_for(self, queue_ids: Collection[int], now: datetime) -> CallbackRequest | None:
        """The request an agent free in ``queue_ids`` should get: the earliest in line of all due ones."""
        firsts = (self._first_due(q, now) for q in set(queue_ids))
        return min((r for r in firsts if r is not None), key=CallbackRequest.sort_key, default=None)

    def open_list(
        self,
        *,
        queue_ids: Collection[int] | None = None,
        states: Collection[CallbackState] = ACTIVE_STATES,
        agent_id: int | None = None,
    ) -> list[CallbackRequest]:
        """The desktop's callback list (AG-17, IN-26), in line order; by default only active requests."""
        pool = self._by_id.values() if queue_ids is None else self._of_queues(set(queue_ids))
        return sorted(
            (
                r
                for r in pool
                if (queue_ids is None or r.queue_id in queue_ids)
                and r.state in states
                and (agent_id is None or r.agent_id == agent_id)
            ),
            key=CallbackRequest.sort_key,
        )
