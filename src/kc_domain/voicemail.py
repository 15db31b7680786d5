"""Voicemail (IN-08): messages callers leave when a queue overflows to a voicemail box, listed for the
agents who handle callbacks, taken by one of them and marked done. Every step and every refusal is audited."""

from __future__ import annotations

import builtins
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from kc_domain.audit.service import SYSTEM, Actor, AuditTrail
from kc_domain.errors import NotFound, ValidationFailed

if TYPE_CHECKING:
    from kc_ports.persistence import UnitFactory, VoicemailUnit
    from kc_ports.system import Clock
    from kc_ports.voicemail import VoicemailStore

E = TypeVar("E")

BOX_MAX = 60
NOTE_MAX = 2000
CALLER_MAX = 32


class VoicemailState(StrEnum):
    NEW = "new"
    ASSIGNED = "assigned"
    DONE = "done"


def _ids(values: Iterable[int]) -> frozenset[int]:
    return frozenset(values)


@attrs.define(slots=False, eq=False)
class Voicemail:
    """One message; the audio itself lives in the voicemail store under ``audio_name``."""

    caller: str
    queue_id: int | None
    box: str
    received_at: datetime
    duration_s: float
    audio_name: str
    client_ids: frozenset[int] = attrs.field(factory=frozenset, converter=_ids)
    state: VoicemailState = VoicemailState.NEW
    agent_id: int | None = None
    done_at: datetime | None = None
    note: str = ""
    id: int | None = None


class VoicemailService:
    def __init__(
        self, uow_factory: UnitFactory[VoicemailUnit], clock: Clock, audit: AuditTrail, store: VoicemailStore
    ) -> None:
        self._uow_factory, self._clock, self._audit, self._store = uow_factory, clock, audit, store

    # -- reading -------------------------------------------------------------------------------
    def get(self, voicemail_id: int) -> Voicemail:
        with self._uow_factory() as uow:
            return _get(uow, voicemail_id)

    def list(
        self, state: VoicemailState | None = None, queue_id: int | None = None
    ) -> builtins.list[Voicemail]:
        """Messages, newest first, optionally only those in ``state`` and/or of ``queue_id``."""
        with self._uow_factory() as uow:
            found = [
                v
                for v in uow.voicemails.list()
                if (state is None or v.state == state) and (queue_id is None or v.queue_id == queue_id)
            ]
        return sorted(found, key=lambda v: (v.received_at, v.id or 0), reverse=True)

    def audio(self, actor: Actor, voicemail_id: int) -> bytes:
        """The WAV audio of a message; every playback is audited."""

        def read(uow: VoicemailUnit) -> tuple[bytes, dict[str, Any]]:
            message = _get(uow, voicemail_id)
            return self._store.load(message.audio_name), {"audio_name": message.audio_name}

        return self._run(actor, "voicemail.play", str(voicemail_id), read)

    # -- writing -------------------------------------------------------------------------------
    def receive(
        self,
        caller: str,
        box: str,
        queue_id: int | None,
        audio: bytes,
        client_ids: frozenset[int] = frozenset(),
    ) -> Voicemail:
        """Store a message left by ``caller``; the audio is validated and stored first."""

        def change(uow: VoicemailUnit) -> tuple[Voicemail, dict[str, Any]]:
            errors = ValidationFailed.one  # shorthand
            if not isinstance(caller, str) or not caller.strip() or len(caller) > CALLER_MAX:
                raise errors("caller", "required" if not caller else "too_long", max=CALLER_MAX)
            if not isinstance(box, str) or not box.strip() or len(box) > BOX_MAX:
                raise errors("box", "required" if not box else "too_long", max=BOX_MAX)
            if queue_id is not None and uow.queues.get(queue_id) is None:
                raise errors("queue_id", "unknown_reference", id=queue_id)
            now = self._clock.now()
            key = f"vm-{now:%Y%m%d%H%M%S}-{uuid.uuid4().hex[:12]}"
            duration = self._store.save(key, audio)
            message = uow.voicemails.add(
                Voicemail(caller.strip(), queue_id, box.strip(), now, duration, key, client_ids=client_ids)
            )
            params = {
                "caller": message.caller,
                "box": message.box,
                "queue_id": queue_id,
                "duration_s": duration,
            }
            return message, params

        return self._run(SYSTEM, "voicemail.receive", caller if isinstance(caller, str) else "", change)

    def assign_to_self(self, actor: Actor, agent_id: int, voicemail_id: int) -> Voicemail:
        """The agent takes a message; one done or taken by another agent is refused."""

        def change(uow: VoicemailUnit) -> tuple[Voicemail, dict[str, Any]]:
            message = _get(uow, voicemail_id)
            if message.state == VoicemailState.DONE:
                raise ValidationFailed.one("state", "voicemail_done")
            if message.agent_id is not None and message.agent_id != agent_id:
                raise ValidationFailed.one("agent_id", "voicemail_taken", agent_id=message.agent_id)
            message.state, message.agent_id = VoicemailState.ASSIGNED, agent_id
            return message, {"agent_id": agent_id}

        return self._run(actor, "voicemail.assign", str(voicemail_id), change)

    def mark_done(
        self, actor: Actor, agent_id: int, voicemail_id: int, note: str = "", *, supervisor: bool = False
    ) -> Voicemail:
        """Close a message (new or assigned); one already done is refused, and so is one assigned to
        another agent unless a supervisor closes it. The message is credited to who closed it (the
        agent it was assigned to is kept in the audit record)."""

        def change(uow: VoicemailUnit) -> tuple[Voicemail, dict[str, Any]]:
            message = _get(uow, voicemail_id)
            if message.state == VoicemailState.DONE:
                raise ValidationFailed.one("state", "voicemail_done")
            assignee = message.agent_id
            if assignee is not None and assignee != agent_id and not supervisor:
                raise ValidationFailed.one("agent_id", "voicemail_taken", agent_id=assignee)
            text = (note or "").strip()
            if len(text) > NOTE_MAX:
                raise ValidationFailed.one("note", "too_long", max=NOTE_MAX)
            message.state, message.done_at, message.note = VoicemailState.DONE, self._clock.now(), text
            message.agent_id = agent_id
            return message, {"agent_id": agent_id, "assigned_to": assignee, "note": text}

        return self._run(actor, "voicemail.done", str(voicemail_id), change)

    # -- internals -----------------------------------------------------------------------------
    def _run(
        self,
        actor: Actor,
        action: str,
        object_id: str,
        change: Callable[[VoicemailUnit], tuple[E, dict[str, Any]]],
    ) -> E:
        return self._audit.run(self._uow_factory, actor, action, "voicemail", object_id, change)


def _get(uow: VoicemailUnit, voicemail_id: int) -> Voicemail:
    found = uow.voicemails.get(voicemail_id)
    if found is None:
        raise NotFound("voicemail", voicemail_id)
    return found
