"""Audit records chained by SHA-256: each record's hash covers its content and the previous hash,
so an edited, inserted or deleted row breaks the chain from that point on."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import attrs

GENESIS = "0" * 64


class Outcome(StrEnum):
    OK = "ok"
    REJECTED = "rejected"  # invalid input; nothing changed
    DENIED = "denied"  # permission missing
    FAILED = "failed"  # e.g. wrong password


@attrs.frozen
class AuditEntry:
    """What happened, before it is placed in the chain."""

    at: datetime
    actor: str
    action: str
    object_type: str = ""
    object_id: str = ""
    params: Mapping[str, Any] = attrs.field(factory=dict)
    outcome: Outcome = Outcome.OK
    source: str = ""  # client address or process name


@attrs.frozen
class AuditRecord:
    seq: int
    at: datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    params: Mapping[str, Any]
    outcome: Outcome
    source: str
    prev_hash: str
    hash: str

    def expected_hash(self) -> str:
        return _digest(
            self.seq,
            self.prev_hash,
            self.at,
            self.actor,
            self.action,
            self.object_type,
            self.object_id,
            self.params,
            self.outcome,
            self.source,
        )


def _digest(
    seq: int,
    prev_hash: str,
    at: datetime,
    actor: str,
    action: str,
    object_type: str,
    object_id: str,
    params: Mapping[str, Any],
    outcome: Outcome,
    source: str,
) -> str:
    body = json.dumps(
        [
            seq,
            prev_hash,
            at.isoformat(timespec="microseconds"),
            actor,
            action,
            object_type,
            object_id,
            params,
            outcome.value,
            source,
        ],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def seal(
    entry: AuditEntry, previous: AuditRecord | None, anchor: tuple[int, str] = (0, GENESIS)
) -> AuditRecord:
    """Place ``entry`` after ``previous`` (or after the retention ``anchor`` when the log is empty).

    ``params`` must already be JSON-native (see ``kc_domain.plain.to_plain``) so the hash
    survives a round trip through the database.
    """
    seq, prev = (previous.seq, previous.hash) if previous else anchor
    params = json.loads(json.dumps(entry.params, default=str))
    record = AuditRecord(
        seq=seq + 1,
        at=entry.at.astimezone(UTC),  # the hash covers the offset: always store UTC
        actor=entry.actor,
        action=entry.action,
        object_type=entry.object_type,
        object_id=entry.object_id,
        params=params,
        outcome=entry.outcome,
        source=entry.source,
        prev_hash=prev,
        hash="",
    )
    return attrs.evolve(record, hash=record.expected_hash())


@attrs.frozen
class ChainProblem:
    seq: int
    reason: str  # "edited", "missing_before", "gap"


def verify(records: Iterable[AuditRecord], anchor: tuple[int, str] = (0, GENESIS)) -> list[ChainProblem]:
    """Walk the log in ``seq`` order and report every place where the chain does not hold."""
    problems: list[ChainProblem] = []
    expected_seq, expected_prev = anchor[0] + 1, anchor[1]
    for record in records:
        if record.seq != expected_seq:
            problems.append(ChainProblem(record.seq, "gap"))
        elif record.prev_hash != expected_prev:
            problems.append(ChainProblem(record.seq, "missing_before"))
        if record.expected_hash() != record.hash:
            problems.append(ChainProblem(record.seq, "edited"))
        expected_seq, expected_prev = record.seq + 1, record.hash
    return problems
