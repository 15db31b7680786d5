"""The engine's typed answer to a command: ``Accepted`` with its result, or ``Refused`` saying why.

A refusal keeps what the web needs to explain it (the kind of refusal; for bad input every field with
its code; the object's state or the agent who holds it) and turns back into the domain error the
engine raised (``raise_error``), so that the web's error handlers explain it like any other: 422 with
every field, 403, 404, 409, 503 for an engine that does not answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NoReturn

import attrs

from kc_domain.errors import Conflict, DomainError, FieldError, Forbidden, NotFound, ValidationFailed
from kc_domain.plain import to_plain

UNAVAILABLE = "engine_unavailable"


class EngineUnavailable(DomainError):
    """The routing engine did not answer in time; nothing was changed."""

    def __init__(self) -> None:
        super().__init__(UNAVAILABLE)


class EngineRefused(DomainError):
    """The engine refused the command in the current state (e.g. a pause during a call); ``state``
    is that state when the engine said it (``busy``, ``dialling``), for the page to name it. The
    message is the engine's own text, for the log."""

    def __init__(self, message: str, state: str | None = None) -> None:
        super().__init__(message)
        self.state = state


@attrs.frozen
class Accepted:
    """Done; ``result`` is the command's answer (a new id, a view) or None."""

    result: Any = None

    @property
    def ok(self) -> bool:
        return True

    def result_or_raise(self) -> Any:
        return self.result


@attrs.frozen
class Refused:
    """Not done, and nothing changed. ``kind``: ``validation``, ``forbidden``, ``not_found``,
    ``conflict``, ``refused`` (not in the present state) or ``unavailable`` (no answer)."""

    error: str
    kind: str = "refused"
    errors: tuple[FieldError, ...] = ()
    state: str | None = None
    holder_id: int | None = None  # another agent has it (a callback request)
    object: str = ""  # not_found: what and which
    key: str = ""

    @property
    def ok(self) -> bool:
        return False

    @classmethod
    def of(cls, error: Exception) -> Refused:
        """The refusal of a command that raised ``error``."""
        match error:
            case EngineUnavailable():
                return cls(UNAVAILABLE, "unavailable")
            case ValidationFailed():
                return cls(str(error), "validation", error.errors)
            case Forbidden():
                return cls(str(error), "forbidden")
            case NotFound():
                return cls(str(error), "not_found", object=error.kind, key=str(error.key))
            case Conflict():
                return cls(str(error), "conflict")
        state = getattr(error, "state", None)  # the object's present state did not allow the action
        holder = getattr(error, "holder_id", None)
        return cls(
            str(error),
            state=None if state is None else str(getattr(state, "value", state)),
            holder_id=holder if isinstance(holder, int) and not isinstance(holder, bool) else None,
        )

    def raise_error(self) -> NoReturn:
        """The domain error the engine raised (``EngineRefused`` for a refusal in the present state)."""
        match self.kind:
            case "validation":
                raise ValidationFailed(self.errors)
            case "forbidden":
                raise Forbidden(self.error)
            case "not_found":
                raise NotFound(self.object or "object", self.key)
            case "unavailable":
                raise EngineUnavailable()
        raise EngineRefused(self.error, self.state)

    def result_or_raise(self) -> NoReturn:
        self.raise_error()


Reply = Accepted | Refused


def reply_to_wire(reply: Reply) -> dict[str, Any]:
    """The bus form: ``{"ok": true, "result": ...}`` (no ``result`` for None) or ``{"ok": false,
    "error": text, "kind": ..., ...}`` with the refusal's details that apply."""
    if isinstance(reply, Accepted):
        return {"ok": True} if reply.result is None else {"ok": True, "result": reply.result}
    wire: dict[str, Any] = {"ok": False, "error": reply.error, "kind": reply.kind}
    if reply.errors:
        wire["errors"] = [
            {"field": e.field, "code": e.code, "params": to_plain(e.params)} for e in reply.errors
        ]
    if reply.kind == "not_found":
        wire.update(object=reply.object, key=reply.key)
    wire.update({k: v for k, v in (("state", reply.state), ("holder_id", reply.holder_id)) if v is not None})
    return wire


def reply_from_wire(message: Mapping[str, Any]) -> Reply:
    """The typed reply of a bus message (an answer without ``kind`` is a refusal in the present
    state, or the engine's absence when its error says so)."""
    if message.get("ok") is True:
        return Accepted(message.get("result"))
    error = str(message.get("error") or UNAVAILABLE)
    kind = str(message.get("kind") or ("unavailable" if error == UNAVAILABLE else "refused"))
    errors = tuple(
        FieldError(str(e.get("field", "")), str(e.get("code", "")), dict(e.get("params") or {}))
        for e in message.get("errors") or ()
        if isinstance(e, Mapping)
    )
    state, holder = message.get("state"), message.get("holder_id")
    return Refused(
        error,
        kind,
        errors,
        state=None if state is None else str(state),
        holder_id=holder if isinstance(holder, int) and not isinstance(holder, bool) else None,
        object=str(message.get("object", "")),
        key=str(message.get("key", "")),
    )
