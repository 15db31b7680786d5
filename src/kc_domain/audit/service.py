"""Recording, checking and pruning the audit log."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from kc_domain.audit.denials import DenialDigest, DenialKey, DenialSummary
from kc_domain.audit.model import (
    PURGE,
    AuditEntry,
    AuditRecord,
    ChainProblem,
    ChainReport,
    Checkpoint,
    Outcome,
    examine,
    seal,
)
from kc_domain.errors import DomainError, ValidationFailed
from kc_domain.plain import capped
from kc_domain.throttle import source_key

if TYPE_CHECKING:
    from kc_ports.persistence import AuditedUnit
    from kc_ports.system import Clock

    AuditedUnits = Callable[[], AuditedUnit]  # any unit factory: the audit log is in every unit


@attrs.frozen
class Actor:
    """Who acts: a user name (or ``system``) and where from (client address or process)."""

    name: str
    source: str = ""


SYSTEM = Actor("system", "kc")
T = TypeVar("T")
U = TypeVar("U", bound="AuditedUnit")  # the unit a change works in: the narrowest its service uses


@attrs.frozen
class AuditQuery:
    since: datetime | None = None
    until: datetime | None = None
    actor: str = ""
    action: str = ""
    object_type: str = ""
    outcome: str = ""


class AuditTrail:
    """The audit log: records MACed with ``key`` (kept outside the database; None only for tests and
    logs from before KC had a key: plain SHA-256 hashes)."""

    def __init__(
        self, clock: Clock, denial_window: timedelta = timedelta(minutes=1), key: bytes | None = None
    ) -> None:
        self._clock = clock
        self._key = key
        self._denials = DenialDigest(denial_window)

    def record(
        self,
        uow: AuditedUnit,
        actor: Actor,
        action: str,
        *,
        object_type: str = "",
        object_id: object = "",
        params: Mapping[str, Any] | None = None,
        outcome: Outcome = Outcome.OK,
    ) -> AuditRecord:
        """Append to the chain inside ``uow``; it is stored when ``uow`` commits."""
        entry = AuditEntry(
            at=self._clock.now(),
            actor=actor.name,
            action=action,
            object_type=object_type,
            object_id="" if object_id is None else capped(str(object_id)),
            params=dict(params or {}),
            outcome=outcome,
            source=actor.source,
        )
        record = seal(entry, uow.audit.last(), uow.audit.anchor(), self._key)
        uow.audit.append(record)
        return record

    def run(
        self,
        uow_factory: Callable[[], U],
        actor: Actor,
        action: str,
        object_type: str,
        object_id: object,
        change: Callable[[U], tuple[T, Mapping[str, Any]]],
    ) -> T:
        """Carry out ``change`` in one unit of work and audit it there, all or nothing; when it raises a
        DomainError, nothing is saved and the refusal is audited on its own. The success is recorded
        under ``object_id``, or the result's ``id`` when none was known before (a new object)."""
        try:
            with uow_factory() as uow:
                result, params = change(uow)
                recorded = object_id if object_id not in (None, "") else getattr(result, "id", "")
                self.record(uow, actor, action, object_type=object_type, object_id=recorded, params=params)
                uow.commit()
                return result
        except DomainError as error:
            self.record_alone(
                uow_factory,
                actor,
                action,
                object_type=object_type,
                object_id=object_id or "",
                params=error_params(error),
                outcome=Outcome.REJECTED,
            )
            raise

    def record_alone(self, uow_factory: AuditedUnits, actor: Actor, action: str, **kwargs: Any) -> None:
        """Record in a transaction of its own (e.g. a rejected change after its rollback)."""
        with uow_factory() as uow:
            self.record(uow, actor, action, **kwargs)
            uow.commit()

    def record_denial(
        self,
        uow: AuditedUnit,
        actor: Actor,
        action: str,
        *,
        outcome: Outcome = Outcome.DENIED,
        kind: str | None = None,
        **fields: Any,
    ) -> AuditRecord | None:
        """A refusal anyone can repeat at will (a wrong password, a bad token, a forbidden page).

        The first one of its kind (action, outcome and ``kind``, by default ``params["reason"]``)
        from one source (an IPv6 address counts by its /64) within the denial window is recorded in
        full, in ``uow``; the repeats are only counted, and the count is recorded once the window is
        over, as one record of the same action, outcome and source with ``params`` ``repeated`` (how
        many), ``first``, ``last``, ``actors`` (the names given, at most ten) and ``reason`` (the
        kind). Counts whose window is over are recorded here too, or by ``flush_denials``. None when
        only counted.
        """
        now = self._clock.now()
        self._record_summaries(uow, self._denials.due(now))
        reason = (fields.get("params") or {}).get("reason", "") if kind is None else kind
        key = DenialKey(source_key(actor.source), action, outcome, str(reason))
        if not self._denials.admit(key, actor.name, fields.get("object_type", ""), now):
            return None
        return self.record(uow, actor, action, outcome=outcome, **fields)

    def record_denial_alone(
        self, uow_factory: AuditedUnits, actor: Actor, action: str, **kwargs: Any
    ) -> None:
        """``record_denial`` in a transaction of its own."""
        with uow_factory() as uow:
            self.record_denial(uow, actor, action, **kwargs)
            uow.commit()

    def flush_denials(self, uow_factory: AuditedUnits, *, everything: bool = False) -> int:
        """Record the counts of repeated refusals whose window is over (``everything``: all counts,
        e.g. before a process ends); how many records were written. Cheap when there are none, so
        that a web process may call it before every request."""
        summaries = self._denials.due(self._clock.now(), everything=everything)
        if summaries:
            try:
                with uow_factory() as uow:
                    self._record_summaries(uow, summaries)
                    uow.commit()
            except BaseException:
                self._denials.keep(summaries)  # recorded by a later flush
                raise
        return len(summaries)

    def _record_summaries(self, uow: AuditedUnit, summaries: list[DenialSummary]) -> None:
        for summary in summaries:
            self.record(
                uow,
                Actor(summary.actor, summary.key.source),
                summary.key.action,
                object_type=summary.object_type,
                params=summary.params(),
                outcome=summary.key.outcome,
            )

    def search(
        self, uow_factory: AuditedUnits, query: AuditQuery, limit: int, offset: int = 0
    ) -> list[AuditRecord]:
        """Matching records, newest first."""
        with uow_factory() as uow:
            return uow.audit.query(query, limit, offset)

    def verify(self, uow_factory: AuditedUnits, checkpoints: Iterable[Checkpoint] = ()) -> list[ChainProblem]:
        """Every place where the chain does not hold; empty when the log is intact."""
        return self.examine(uow_factory, checkpoints).problems

    def examine(self, uow_factory: AuditedUnits, checkpoints: Iterable[Checkpoint] = ()) -> ChainReport:
        """The problems (the chain, its head against the purge records, its tail against the
        ``checkpoints`` kept elsewhere), how many records predate the key, and the newest record."""
        with uow_factory() as uow:
            return examine(uow.audit.ordered(), uow.audit.anchor(), self._key, checkpoints)

    def checkpoint(self, uow_factory: AuditedUnits) -> Checkpoint:
        """The newest record's seq and MAC (the anchor's when the log is empty), to keep elsewhere."""
        with uow_factory() as uow:
            newest = uow.audit.last()
            return Checkpoint(newest.seq, newest.hash) if newest else Checkpoint(*uow.audit.anchor())

    def purge(self, uow_factory: AuditedUnits, retention_days: int) -> int:
        """Drop records older than the retention period; the purge itself is audited, naming the new
        anchor, so that a head cut off without it shows (``examine``)."""
        cutoff = self._clock.now() - timedelta(days=retention_days)
        with uow_factory() as uow:
            removed = uow.audit.purge_before(cutoff)
            if removed:
                seq, mac = uow.audit.anchor()
                params = {"removed": removed, "before": cutoff.isoformat(), "days": retention_days}
                self.record(uow, SYSTEM, PURGE, params={**params, "anchor": {"seq": seq, "hash": mac}})
            uow.commit()
        return removed


def error_params(error: DomainError) -> dict[str, Any]:
    """A refused change as audit parameters: each field problem, or the error's kind and text; what
    they repeat of the input is ``capped`` (a refused input of any size leaves a small record)."""
    if isinstance(error, ValidationFailed):
        return {"errors": capped([{"field": e.field, "code": e.code, **e.params} for e in error.errors])}
    return {"error": type(error).__name__, "detail": capped(str(error))}
