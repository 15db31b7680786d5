"""Recording, checking and pruning the audit log."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from kc_domain.audit.model import AuditEntry, AuditRecord, ChainProblem, Outcome, seal, verify
from kc_domain.errors import DomainError, ValidationFailed

if TYPE_CHECKING:
    from kc_ports.persistence import UnitOfWork, UnitOfWorkFactory
    from kc_ports.system import Clock


@attrs.frozen
class Actor:
    """Who acts: a user name (or ``system``) and where from (client address or process)."""

    name: str
    source: str = ""


SYSTEM = Actor("system", "kc")
T = TypeVar("T")


@attrs.frozen
class AuditQuery:
    since: datetime | None = None
    until: datetime | None = None
    actor: str = ""
    action: str = ""
    object_type: str = ""
    outcome: str = ""


class AuditTrail:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    def record(
        self,
        uow: UnitOfWork,
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
            object_id="" if object_id is None else str(object_id),
            params=dict(params or {}),
            outcome=outcome,
            source=actor.source,
        )
        record = seal(entry, uow.audit.last(), uow.audit.anchor())
        uow.audit.append(record)
        return record

    def run(
        self,
        uow_factory: UnitOfWorkFactory,
        actor: Actor,
        action: str,
        object_type: str,
        object_id: object,
        change: Callable[[UnitOfWork], tuple[T, Mapping[str, Any]]],
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

    def record_alone(self, uow_factory: UnitOfWorkFactory, actor: Actor, action: str, **kwargs: Any) -> None:
        """Record in a transaction of its own (e.g. a rejected change after its rollback)."""
        with uow_factory() as uow:
            self.record(uow, actor, action, **kwargs)
            uow.commit()

    def search(
        self, uow_factory: UnitOfWorkFactory, query: AuditQuery, limit: int, offset: int = 0
    ) -> list[AuditRecord]:
        """Matching records, newest first."""
        with uow_factory() as uow:
            return uow.audit.query(query, limit, offset)

    def verify(self, uow_factory: UnitOfWorkFactory) -> list[ChainProblem]:
        """Every place where the chain does not hold; empty when the log is intact."""
        with uow_factory() as uow:
            return verify(uow.audit.ordered(), uow.audit.anchor())

    def purge(self, uow_factory: UnitOfWorkFactory, retention_days: int) -> int:
        """Drop records older than the retention period; the purge itself is audited."""
        cutoff = self._clock.now() - timedelta(days=retention_days)
        with uow_factory() as uow:
            removed = uow.audit.purge_before(cutoff)
            if removed:
                self.record(
                    uow,
                    SYSTEM,
                    "audit.purge",
                    params={"removed": removed, "before": cutoff.isoformat(), "days": retention_days},
                )
            uow.commit()
        return removed


def error_params(error: DomainError) -> dict[str, Any]:
    """A refused change as audit parameters: each field problem, or the error's kind and text."""
    if isinstance(error, ValidationFailed):
        return {"errors": [{"field": e.field, "code": e.code, **e.params} for e in error.errors]}
    return {"error": type(error).__name__, "detail": str(error)}
