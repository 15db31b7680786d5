"""Counting failures per key and blocking a key that fails too often (SEC-02): the value behind the
sign-in throttle per user name and per source."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kc_domain.throttle import Throttle, source_key

from .support import START

pytestmark = pytest.mark.req("SEC-02")

MINUTE = timedelta(minutes=1)


def test_the_failure_that_reaches_the_limit_blocks_the_key_for_the_block_time() -> None:
    throttle = Throttle(limit=3, window=15 * MINUTE, block=10 * MINUTE)

    assert [throttle.fail("a", START) for _ in range(3)] == [False, False, True]
    assert throttle.blocked("a", START + 10 * MINUTE - timedelta(seconds=1))
    assert not throttle.blocked("a", START + 10 * MINUTE)
    assert not throttle.blocked("b", START)


def test_failures_while_blocked_neither_count_nor_extend_the_block() -> None:
    throttle = Throttle(limit=2, window=15 * MINUTE, block=10 * MINUTE)
    throttle.fail("a", START)
    throttle.fail("a", START)

    assert throttle.fail("a", START + 9 * MINUTE)
    assert not throttle.blocked("a", START + 10 * MINUTE)
    assert not throttle.fail("a", START + 10 * MINUTE)  # a new count begins


def test_failures_older_than_the_window_are_forgotten() -> None:
    throttle = Throttle(limit=3, window=15 * MINUTE, block=10 * MINUTE)
    throttle.fail("a", START)
    throttle.fail("a", START + 14 * MINUTE)

    assert not throttle.fail("a", START + 15 * MINUTE)  # the count began anew: 1
    assert not throttle.fail("a", START + 16 * MINUTE)
    assert throttle.fail("a", START + 17 * MINUTE)


def test_forget_clears_a_key() -> None:
    throttle = Throttle(limit=2, window=MINUTE, block=MINUTE)
    throttle.fail("a", START)
    throttle.forget("a")

    assert not throttle.fail("a", START)


def test_memory_is_bounded_dropping_what_is_over_first() -> None:
    throttle = Throttle(limit=2, window=MINUTE, block=MINUTE, max_keys=10)
    throttle.fail("blocked", START)
    throttle.fail("blocked", START)
    for n in range(8):
        throttle.fail(f"old{n}", START - 2 * MINUTE)  # their window is over by START

    for n in range(100):
        throttle.fail(f"new{n}", START)

    assert len(throttle) <= 10


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("192.0.2.10", "192.0.2.10"),
        ("2001:db8:1:2::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
        ("::ffff:192.0.2.10", "192.0.2.10"),
        (" 192.0.2.10 ", "192.0.2.10"),
        ("", ""),
        ("kc user add", "kc user add"),
    ],
)
def test_a_source_is_counted_by_its_address_and_an_ipv6_one_by_its_64(address: str, key: str) -> None:
    assert source_key(address) == key
