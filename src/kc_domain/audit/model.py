"""Audit records chained by HMAC-SHA256: each record's MAC covers its content and the previous MAC,
so an edited, inserted or deleted row breaks the chain from that point on, and without the key
(kept outside the database) nobody can recompute the chain after an edit. Records sealed before
KC had a key carry a plain SHA-256 hash; they are accepted only before the first keyed record."""

from __future__ import annotations

import hashlib
import hmac
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

    def expected_hash(self, key: bytes | None = None) -> str:
        """The record's MAC under ``key``; without a key, the plain SHA-256 of records before keys."""
        return _digest(
            key,
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
    key: bytes | None,
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
    if key is None:
        return hashlib.sha256(body.encode("utf-8")).hexdigest()
    return hmac.new(key, body.encode("utf-8"), hashlib.sha256).hexdigest()


def seal(
    entry: AuditEntry,
    previous: AuditRecord | None,
    anchor: tuple[int, str] = (0, GENESIS),
    key: bytes | None = None,
) -> AuditRecord:
    """Place ``entry`` after ``previous`` (or after the retention ``anchor`` when the log is empty),
    MACed with ``key`` (None: a plain hash, as before KC had an audit key).

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
    return attrs.evolve(record, hash=record.expected_hash(key))


PURGE = "audit.purge"  # the record a retention purge leaves; its params name the new anchor


@attrs.frozen
class ChainProblem:
    seq: int
    # "edited" (content or MAC differs, or a checkpoint's MAC), "missing_before" (the previous
    # record is not the one chained to), "gap" (numbering broken), "unkeyed" (a plain hash after
    # the first keyed record), "head_cut" (the anchor moved without a purge record naming it),
    # "tail_cut" (a checkpointed record is missing or beyond the newest one)
    reason: str


@attrs.frozen
class Checkpoint:
    """The newest record's seq and MAC, written down outside the database (``SEQ:MAC``)."""

    seq: int
    mac: str

    def __str__(self) -> str:
        return f"{self.seq}:{self.mac}"

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """``SEQ:MAC``, optionally followed by anything after a space (e.g. when it was taken)."""
        seq, _, mac = text.split(maxsplit=1)[0].partition(":") if text.strip() else ("", "", "")
        if not seq.isdigit() or len(mac) != len(GENESIS) or not _is_hex(mac):
            raise ValueError(f"not a checkpoint SEQ:MAC: {text!r}")
        return cls(int(seq), mac.lower())


def _is_hex(text: str) -> bool:
    return all(c in "0123456789abcdefABCDEF" for c in text)


@attrs.frozen
class ChainReport:
    problems: list[ChainProblem]
    legacy: int  # records with a plain hash, sealed before KC had an audit key
    newest: Checkpoint  # the newest record (the anchor when the log is empty)


class _Walk:
    """One pass over the log in ``seq`` order, checking each link and seal."""

    def __init__(self, anchor: tuple[int, str], key: bytes | None) -> None:
        self.key = key
        self.problems: list[ChainProblem] = []
        self.legacy = 0
        self.keyed_seen = False
        self.newest = Checkpoint(*anchor)
        self.named_anchor: object = None  # what the newest sound purge record says the anchor is
        self.seen: dict[int, str] = {}

    def step(self, record: AuditRecord, watched: Mapping[int, object]) -> None:
        if record.seq != self.newest.seq + 1:
            self.problems.append(ChainProblem(record.seq, "gap"))
        elif record.prev_hash != self.newest.mac:
            self.problems.append(ChainProblem(record.seq, "missing_before"))
        sound = self._seal_holds(record)
        if record.action == PURGE:
            self.named_anchor = record.params.get("anchor") if sound else None
        if record.seq in watched:
            self.seen[record.seq] = record.hash
        self.newest = Checkpoint(record.seq, record.hash)

    def _seal_holds(self, record: AuditRecord) -> bool:
        if self.key is not None and record.hash == record.expected_hash(self.key):
            self.keyed_seen = True
            return True
        if record.hash == record.expected_hash():
            if not self.keyed_seen:
                self.legacy += 1
                return self.key is None  # a plain purge record vouches only where there is no key
            self.problems.append(ChainProblem(record.seq, "unkeyed"))
        else:
            self.problems.append(ChainProblem(record.seq, "edited"))
        return False


def _walked(
    records: Iterable[AuditRecord], anchor: tuple[int, str], key: bytes | None, watched: Mapping[int, object]
) -> _Walk:
    walk = _Walk(anchor, key)
    for record in records:
        walk.step(record, watched)
    return walk


def verify(
    records: Iterable[AuditRecord], anchor: tuple[int, str] = (0, GENESIS), key: bytes | None = None
) -> list[ChainProblem]:
    """Walk the log in ``seq`` order and report every place where the links or seals do not hold
    (``examine`` also checks the head against the purge records and the tail against checkpoints)."""
    return _walked(records, anchor, key, {}).problems


def examine(
    records: Iterable[AuditRecord],
    anchor: tuple[int, str] = (0, GENESIS),
    key: bytes | None = None,
    checkpoints: Iterable[Checkpoint] = (),
) -> ChainReport:
    """``verify``, and: a moved anchor must be named by the newest purge record (else "head_cut");
    every checkpoint past the anchor must still be there ("tail_cut") with its MAC ("edited")."""
    watched: dict[int, set[str]] = {}
    for checkpoint in checkpoints:
        watched.setdefault(checkpoint.seq, set()).add(checkpoint.mac)
    walk = _walked(records, anchor, key, watched)
    problems = list(walk.problems)
    if anchor != (0, GENESIS) and walk.named_anchor != {"seq": anchor[0], "hash": anchor[1]}:
        problems.append(ChainProblem(anchor[0], "head_cut"))
    for seq, macs in sorted(watched.items()):
        found = anchor[1] if seq == anchor[0] else walk.seen.get(seq)
        if seq > anchor[0] and found is None:
            problems.append(ChainProblem(seq, "tail_cut"))
        elif found is not None and macs != {found} and ChainProblem(seq, "edited") not in problems:
            problems.append(ChainProblem(seq, "edited"))
    return ChainReport(problems, walk.legacy, walk.newest)
