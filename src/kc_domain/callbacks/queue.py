"""The callback book: open callback requests per queue, each keeping its place in line (IN-09, IN-26).

A request is a virtual contact: it is ordered by when the caller originally joined the queue, not by
when it became due, and it is not offered before its due time (preferred time, retry time).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
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
        for request in requests:
            if request.id in self._by_id:
                raise Conflict(f"callback {request.id!r} twice")
            self._by_id[request.id] = request

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
            for r in self._by_id.values()
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
        self._by_id[request.id] = request
        return Added(request, merged=False, event=request.requested())

    def remove(self, callback_id: str) -> CallbackRequest:
        request = self.get(callback_id)
        del self._by_id[callback_id]
        return request

    def prune(self) -> list[CallbackRequest]:
        """Remove and return the requests that are done, failed or cancelled."""
        gone = [r for r in self._by_id.values() if not r.is_active]
        for request in gone:
            del self._by_id[request.id]
        return gone

    def due(self, queue_id: int, now: datetime) -> list[CallbackRequest]:
        """The OPEN requests of the queue whose due time has come, in their place in line."""
        return sorted(
            (r for r in self._by_id.values() if r.queue_id == queue_id and r.is_due(now)),
            key=CallbackRequest.sort_key,
        )

    def next_for(self, queue_ids: Collection[int], now: datetime) -> CallbackRequest | None:
        """The request an agent free in ``queue_ids`` should get: the earliest in line of all due ones."""
        due = (r for r in self._by_id.values() if r.queue_id in queue_ids and r.is_due(now))
        return min(due, key=CallbackRequest.sort_key, default=None)

    def open_list(
        self,
        *,
        queue_ids: Collection[int] | None = None,
        states: Collection[CallbackState] = ACTIVE_STATES,
        agent_id: int | None = None,
    ) -> list[CallbackRequest]:
        """The desktop's callback list (AG-17, IN-26), in line order; by default only active requests."""
        return sorted(
            (
                r
                for r in self._by_id.values()
                if (queue_ids is None or r.queue_id in queue_ids)
                and r.state in states
                and (agent_id is None or r.agent_id == agent_id)
            ),
            key=CallbackRequest.sort_key,
        )
