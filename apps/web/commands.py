"""A page's command to the engine, the same for the desktop, the supervisor and the callbacks: the
request's fields read into a typed command (``kc_domain.routing.commands``), by the command's own
fields, each with the reader of its name here; the signed-in user's id filled in, never taken from the
request; then ``CommandService`` checks, sends and audits it (``kc_domain.commanding.service``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs
from flask import request

from apps.web.query_args import whole_number
from apps.web.security import actor
from apps.web.services import services
from kc_domain.commanding.replies import Reply
from kc_domain.commanding.service import Audited, CommandRequest, CommandService
from kc_domain.errors import FieldError, ValidationFailed
from kc_domain.routing.commands import Command

Reader = Callable[[Mapping[str, Any], str], Any]


def text(body: Mapping[str, Any], field: str, max_length: int = 64) -> str:
    value = body.get(field)
    if not isinstance(value, str) or not value.strip() or len(value) > max_length:
        raise ValidationFailed(
            [FieldError(field, "required" if not value else "too_long", {"max": max_length})]
        )
    return value.strip()


def number(body: Mapping[str, Any], field: str) -> int:
    return whole_number(body.get(field), field)


def optional_number(body: Mapping[str, Any], field: str) -> int | None:
    """A whole number the page may leave out (None), e.g. the campaign contact a dial is for."""
    return None if body.get(field) is None else whole_number(body.get(field), field)


def flag(body: Mapping[str, Any], field: str) -> bool:
    value = body.get(field)
    if not isinstance(value, bool):
        raise ValidationFailed([FieldError(field, "invalid_choice", {"value": str(value)})])
    return value


def device(body: Mapping[str, Any], field: str) -> str:
    """IN-28: the mobile number to ring instead of the desk phone, or "" for the desk phone."""
    value = body.get(field, "")
    if not isinstance(value, str) or len(value) > 32:
        raise ValidationFailed([FieldError(field, "bad_external_number")])
    return value


def mode(body: Mapping[str, Any], field: str) -> str:
    value = body.get(field)
    if value not in ("listen", "whisper", "barge"):
        raise ValidationFailed([FieldError(field, "invalid_choice", {"value": str(value)})])
    return str(value)


# a command's field -> how a page's JSON gives it (the pause code's rule is the domain's: AG-10)
READERS: dict[str, Reader] = {
    "call_id": text,
    "target": text,
    "number": text,
    "code": text,
    "held": flag,
    "record": flag,
    "seconds": number,
    "queue_id": number,
    "agent_id": number,
    "alert_id": number,
    "entry_id": optional_number,
    "device": device,
    "mode": mode,
}


def read(
    kind: type[Command], body: Mapping[str, Any], implied: Mapping[str, Any], readers: Mapping[str, Reader]
) -> CommandRequest:
    """The command of ``kind`` from ``body``: every field read that can be, every other one named."""
    values, errors = dict(implied), list[FieldError]()
    for field in attrs.fields(kind):
        if field.name in implied:
            continue
        try:
            values[field.name] = readers[field.name](body, field.name)
        except ValidationFailed as error:
            errors.extend(error.errors)
    return CommandRequest(kind, values, tuple(errors))


def service() -> CommandService:
    found: CommandService = services().commands()
    return found


def json_body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


def carry_out(
    commands: Mapping[str, type[Command]],
    name: str,
    implied: Mapping[str, Any],
    audit_prefix: str,
    object_type: str,
    within: Callable[[Mapping[str, Any]], None] | None = None,
) -> tuple[dict[str, Any], int]:
    """A page's JSON command ``name`` (404 when not one of ``commands``): read from the body,
    ``within`` (the user's sight: 403, nothing audited as the command nor sent) checked once the
    fields are read, carried out and audited as ``<audit_prefix>.<name>``; the engine's refusal
    raised as the domain error it was."""
    if name not in commands:
        return {"error": "unknown command"}, 404
    body = json_body()
    command = read(commands[name], body, implied, READERS)
    if within is not None and not command.errors:
        within(command.values)
    object_id = next((str(body[k])[:64] for k in ("call_id", "agent_id", "alert_id") if body.get(k)), "")
    audited = Audited(f"{audit_prefix}.{name}", object_type, object_id, frozenset(implied), safe(body))
    reply: Reply = service().carry_out(actor(), command, audited)
    return {"ok": True, "result": reply.result_or_raise()}, 200


def safe(body: Mapping[str, Any]) -> dict[str, Any]:
    """What of a refused request goes into the audit log: short scalar values only."""
    return {k: v for k, v in body.items() if isinstance(v, str | int | bool) and len(str(v)) <= 64}
