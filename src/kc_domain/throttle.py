"""Counting failures per key (a client's network, a user name) and blocking a key that fails too
often: a value kept in memory, with the time passed in (it never reads a clock).

Used by sign-in (SEC-02) against password guessing and mass lock-outs. Each process keeps its own
counts; they start empty when the process starts.
"""

from __future__ import annotations

import ipaddress
import threading
from collections import OrderedDict
from datetime import datetime, timedelta

import attrs

IPV6_PREFIX = 64  # one subscriber usually holds a whole /64: its addresses count as one source


def source_key(address: str) -> str:
    """The key under which a client address is counted: an IPv4 address as it is, an IPv6 address
    as its /64 network (an attacker there can pick any of 2**64 addresses), anything else (a process
    name, an empty address) as it is."""
    try:
        parsed = ipaddress.ip_address(address.strip())
    except ValueError:
        return address.strip()[:64]
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, IPV6_PREFIX), strict=False))
    return str(parsed)


@attrs.define
class _Count:
    since: datetime
    failures: int = 0
    blocked_until: datetime | None = None

    def stale(self, now: datetime, window: timedelta) -> bool:
        if self.blocked_until is not None:
            return now >= self.blocked_until
        return now >= self.since + window


class Throttle:
    """At most ``limit`` failures of one key within ``window`` (counted from the key's first
    failure); the failure that reaches the limit blocks the key for ``block``. Failures while a key
    is blocked neither count nor extend the block.

    Memory is bounded: at most ``max_keys`` keys are kept; when full, the keys whose window or block
    is over go first, then the oldest ones.
    """

    def __init__(self, limit: int, window: timedelta, block: timedelta, max_keys: int = 10_000) -> None:
        if limit < 1 or max_keys < 1:
            raise ValueError("limit and max_keys must be positive")
        self.limit, self.window, self.block, self.max_keys = limit, window, block, max_keys
        self._counts: OrderedDict[str, _Count] = OrderedDict()
        self._lock = threading.Lock()

    def blocked(self, key: str, now: datetime) -> bool:
        with self._lock:
            count = self._counts.get(key)
            return count is not None and count.blocked_until is not None and now < count.blocked_until

    def fail(self, key: str, now: datetime) -> bool:
        """Count a failure of ``key``; True when the key is blocked (now or already)."""
        with self._lock:
            count = self._counts.get(key)
            if count is not None and count.stale(now, self.window):
                del self._counts[key]
                count = None
            if count is None:
                self._make_room(now)
                count = self._counts[key] = _Count(now)
            if count.blocked_until is not None:
                return True
            count.failures += 1
            if count.failures >= self.limit:
                count.blocked_until = now + self.block
            return count.blocked_until is not None

    def forget(self, key: str) -> None:
        with self._lock:
            self._counts.pop(key, None)

    def __len__(self) -> int:
        return len(self._counts)

    def _make_room(self, now: datetime) -> None:
        """Drop what is over; if that is not enough, the oldest tenth (so that a full table is not
        scanned again at every new key)."""
        if len(self._counts) < self.max_keys:
            return
        for key in [k for k, c in self._counts.items() if c.stale(now, self.window)]:
            del self._counts[key]
        if len(self._counts) >= self.max_keys:
            while self._counts and len(self._counts) > self.max_keys * 9 // 10:
                self._counts.popitem(last=False)
