"""Carrying out a person's command (an agent's at the desktop, a supervisor's, a callback's): the
domain's rules checked, the command sent to the engine, the outcome audited.

The web parses a request into a ``CommandRequest``: the command's type, the values of the fields it
could read and the field errors of those it could not. ``CommandService.carry_out`` checks the rules
that need the administered data (AG-10: an active pause code; IN-09: an active queue for a callback)
and refuses bad input with every field named, audited ``REJECTED`` in the same unit of work as the
check, before anything is sent. A command that passes goes to the engine through ``EngineCommands``;
its reply is audited: ``OK`` with the values, ``REJECTED`` with the engine's reason, ``FAILED`` when
the engine did not answer. No unit of work is open while the engine is asked: its answer may take a
while, and the engine's host writes to the same store meanwhile.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs

from kc_domain.audit.model import Outcome
from kc_domain.audit.service import Actor, AuditTrail, error_params
from kc_domain.commanding.replies import Accepted, Reply
from kc_domain.errors import FieldError, ValidationFailed
from kc_domain.plain import to_plain
from kc_domain.routing import commands as c

if TYPE_CHECKING:
    from kc_ports.engine import EngineCommands
    from kc_ports.persistence import OrganisationUnit, UnitFactory


@attrs.frozen
class CommandRequest:
    """A command as read from a request: ``values`` by field (those that could be read), ``errors``
    for those that could not."""

    kind: type[c.Command]
    values: Mapping[str, Any]
    errors: tuple[FieldError, ...] = ()


@attrs.frozen
class Audited:
    """How a command goes into the audit log: ``action`` and the object it concerns (``object_id``
    known before, else the reply's result, e.g. a new call's id); ``implied`` fields (the signed-in
    user's id) are left out of the parameters; a refusal keeps ``request`` (what was asked) instead."""

    action: str
    object_type: str
    object_id: str = ""
    implied: frozenset[str] = frozenset()
    request: Mapping[str, Any] = attrs.field(factory=dict)


def rule_errors(uow: OrganisationUnit, request: CommandRequest) -> list[FieldError]:
    """What the administered data says against the request's values (only those that could be read)."""
    values, errors = request.values, []
    pausing = request.kind in (c.Pause, c.ForcePause) and "code" in values
    if pausing and values["code"] not in {p.code for p in uow.pause_codes.list() if p.active}:  # AG-10
        errors.append(FieldError("code", "invalid_choice", {"value": values["code"]}))
    queued = request.kind is c.RequestCallback and "queue_id" in values
    if queued and values["queue_id"] not in {q.id for q in uow.queues.list() if q.active}:
        errors.append(FieldError("queue_id", "unknown_reference", {"id": values["queue_id"]}))
    return errors


class CommandService:
    def __init__(
        self, uow_factory: UnitFactory[OrganisationUnit], audit: AuditTrail, engine: EngineCommands
    ) -> None:
        self._uow_factory, self._audit, self._engine = uow_factory, audit, engine

    def carry_out(self, actor: Actor, request: CommandRequest, audited: Audited) -> Reply:
        """The engine's reply to the request's command, audited either way; ``ValidationFailed``
        (audited, nothing sent) when a field is bad or breaks a rule."""
        with self._uow_factory() as uow:
            errors = [*request.errors, *rule_errors(uow, request)]
            if errors:
                failure = ValidationFailed(errors)
                params = {**audited.request, "error": str(failure), **error_params(failure)}
                self._record(uow, actor, audited, audited.object_id, params, Outcome.REJECTED)
                uow.commit()
                raise failure
        command = request.kind(**request.values)
        reply = self._engine.send(command)
        with self._uow_factory() as uow:
            self._record_reply(uow, actor, audited, command, reply)
            uow.commit()
        return reply

    def _record_reply(
        self, uow: OrganisationUnit, actor: Actor, audited: Audited, command: c.Command, reply: Reply
    ) -> None:
        if isinstance(reply, Accepted):
            values = {f.name: getattr(command, f.name) for f in attrs.fields(type(command))}
            params = to_plain({k: v for k, v in values.items() if k not in audited.implied})
            found = audited.object_id or ("" if isinstance(reply.result, dict) else str(reply.result or ""))
            self._record(uow, actor, audited, found, params, Outcome.OK)
            return
        outcome = Outcome.FAILED if reply.kind == "unavailable" else Outcome.REJECTED
        refused = {**audited.request, "error": reply.error}
        self._record(uow, actor, audited, audited.object_id, refused, outcome)

    def _record(
        self,
        uow: OrganisationUnit,
        actor: Actor,
        audited: Audited,
        object_id: str,
        params: Mapping[str, Any],
        outcome: Outcome,
    ) -> None:
        self._audit.record(
            uow,
            actor,
            audited.action,
            object_type=audited.object_type,
            object_id=object_id,
            params=params,
            outcome=outcome,
        )
