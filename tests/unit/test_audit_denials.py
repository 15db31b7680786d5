"""Repeated refusals cannot flood the audit log (SEC-03): once per source and kind per minute in
full, the repeats as one record with their count, the chain intact."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kc_adapters.memory.persistence import MemoryUnitOfWorkFactory
from kc_adapters.system import FixedClock
from kc_domain.audit.denials import MAX_ACTORS, DenialDigest, DenialKey
from kc_domain.audit.model import Outcome
from kc_domain.audit.service import Actor, AuditTrail

from .support import START, Store

pytestmark = pytest.mark.req("SEC-03")

KIOSK = Actor("kiosk", "203.0.113.9")


def deny(
    audit: AuditTrail, uow_factory: MemoryUnitOfWorkFactory, actor: Actor = KIOSK, **kwargs: object
) -> None:
    audit.record_denial_alone(
        uow_factory,
        actor,
        "wallboard.kiosk_denied",
        object_type="wallboard",
        outcome=Outcome.DENIED,
        **kwargs,
    )


def test_a_hundred_bad_tokens_in_under_a_second_make_one_record_and_then_one_count(
    audit: AuditTrail, uow_factory: MemoryUnitOfWorkFactory, store: Store, clock: FixedClock
) -> None:
    first = clock.now()
    for _ in range(100):
        deny(audit, uow_factory)
        clock.advance(seconds=0.004)

    assert [(r.action, r.actor, r.source, r.params) for r in store.records()] == [
        ("wallboard.kiosk_denied", "kiosk", "203.0.113.9", {})
    ]
    assert audit.flush_denials(uow_factory) == 0  # the minute is not over

    clock.advance(minutes=1)
    assert audit.flush_denials(uow_factory) == 1

    summary = store.last()
    assert (summary.action, summary.actor, summary.source, summary.outcome) == (
        "wallboard.kiosk_denied",
        "kiosk",
        "203.0.113.9",
        Outcome.DENIED,
    )
    assert summary.object_type == "wallboard"
    assert summary.params == {
        "repeated": 99,
        "first": (first + timedelta(seconds=0.004)).isoformat(),
        "last": (first + timedelta(seconds=0.396)).isoformat(),
        "actors": ["kiosk"],
    }
    assert audit.verify(uow_factory) == []
    assert audit.flush_denials(uow_factory) == 0  # counted once only


def test_the_count_comes_with_the_next_refusal_after_the_minute_too(
    audit: AuditTrail, uow_factory: MemoryUnitOfWorkFactory, store: Store, clock: FixedClock
) -> None:
    for _ in range(3):
        deny(audit, uow_factory)
    clock.advance(seconds=61)

    deny(audit, uow_factory)

    assert [r.params.get("repeated") for r in store.records()] == [None, 2, None]


def test_sources_and_kinds_are_counted_apart(
    audit: AuditTrail, uow_factory: MemoryUnitOfWorkFactory, store: Store
) -> None:
    for _ in range(3):
        deny(audit, uow_factory)
        deny(audit, uow_factory, Actor("kiosk", "203.0.113.10"))
        deny(audit, uow_factory, kind="websocket")
        for reason in ("bad_credentials", "locked"):
            audit.record_denial_alone(
                uow_factory,
                Actor(f"guess-{reason}", "203.0.113.9"),
                "auth.sign_in",
                params={"reason": reason},
                outcome=Outcome.FAILED,
            )

    assert len(store.records()) == 5
    audit.flush_denials(uow_factory, everything=True)
    summaries = store.records()[5:]
    assert sorted(
        (r.action, r.source, r.params["repeated"], r.params.get("reason", "")) for r in summaries
    ) == [
        ("auth.sign_in", "203.0.113.9", 2, "bad_credentials"),
        ("auth.sign_in", "203.0.113.9", 2, "locked"),
        ("wallboard.kiosk_denied", "203.0.113.10", 2, ""),
        ("wallboard.kiosk_denied", "203.0.113.9", 2, ""),
        ("wallboard.kiosk_denied", "203.0.113.9", 2, "websocket"),
    ]


def test_a_count_names_the_user_names_tried_at_most_ten(
    audit: AuditTrail, uow_factory: MemoryUnitOfWorkFactory, store: Store
) -> None:
    for n in range(MAX_ACTORS + 4):
        audit.record_denial_alone(
            uow_factory,
            Actor(f"user{n}", "2001:db8:1:2::" + format(n + 1, "x")),  # one /64: one source
            "auth.sign_in",
            object_type="user",
            params={"reason": "bad_credentials"},
            outcome=Outcome.FAILED,
        )

    audit.flush_denials(uow_factory, everything=True)

    first, summary = store.records()
    assert first.actor == "user0" and first.source == "2001:db8:1:2::1"
    assert summary.actor == "-" and summary.source == "2001:db8:1:2::/64"
    assert summary.params["repeated"] == MAX_ACTORS + 3
    assert summary.params["actors"] == [f"user{n}" for n in range(1, MAX_ACTORS + 1)]
    assert summary.params["more_actors"] == 3
    assert summary.params["reason"] == "bad_credentials"


def test_the_open_windows_are_bounded_and_beyond_them_every_refusal_is_recorded() -> None:
    digest = DenialDigest(timedelta(minutes=1), max_keys=2)
    keys = [DenialKey(f"10.0.0.{n}", "auth.sign_in", Outcome.FAILED) for n in range(3)]

    assert [digest.admit(k, "x", "user", START) for k in keys] == [True, True, True]
    assert [digest.admit(k, "x", "user", START) for k in keys] == [False, False, True]
    assert len(digest) == 2
    assert [s.count for s in digest.due(START + timedelta(minutes=1))] == [1, 1]
    assert len(digest) == 0


def test_a_count_that_cannot_be_written_is_kept_for_the_next_flush(
    audit: AuditTrail, uow_factory: MemoryUnitOfWorkFactory, store: Store, clock: FixedClock
) -> None:
    for _ in range(3):
        deny(audit, uow_factory)
    clock.advance(minutes=1)

    def away():  # type: ignore[no-untyped-def]
        raise ConnectionError("the database is away")

    with pytest.raises(ConnectionError):
        audit.flush_denials(away)  # type: ignore[arg-type]
    assert audit.flush_denials(uow_factory) == 1  # nothing lost: written once the database is back
    assert store.last().params["repeated"] == 2
