"""Recordings (REC-01..REC-05, IN-27): storing what the PBX recorded, listening and downloading
(separate rights, each audited), the legal hold, retention and the integrity check."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import attrs

from kc_domain.audit.model import Outcome
from kc_domain.audit.service import SYSTEM, Actor, AuditQuery, AuditTrail
from kc_domain.errors import DomainError, NotFound, ValidationFailed
from kc_domain.recordings.model import Recording, RecordingMissing, due_for_purge

if TYPE_CHECKING:
    from kc_ports.persistence import UnitOfWork, UnitOfWorkFactory
    from kc_ports.recordings import RecordingStore
    from kc_ports.system import Clock

HOLD_REASON_MAX = 200
AUDIT_WINDOW = timedelta(minutes=10)  # a listen or download is audited once per user and recording in it


@attrs.frozen
class Problem:
    """What ``verify`` found wrong with one recording."""

    recording_id: int
    path: str
    problem: str  # "missing" or "checksum"


class RecordingService:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        audit: AuditTrail,
        store: RecordingStore,
        duration_of: Callable[[bytes], float],
    ) -> None:
        """``duration_of``: the length of a WAV recording in seconds (``ValidationFailed`` if the
        bytes are not one)."""
        self._uow_factory, self._clock, self._audit = uow_factory, clock, audit
        self._store, self._duration_of = store, duration_of

    # -- from the PBX ---------------------------------------------------------------------------
    def receive(
        self, call_id: str, agent_id: int | None, started_at: datetime, duration_s: float, audio: bytes
    ) -> Recording:
        """Keep a recorded stretch of a call: the audio checked and stored, then its row."""

        def change(uow: UnitOfWork) -> tuple[Recording, dict[str, Any]]:
            measured = self._duration_of(audio)
            name = f"{_safe(call_id)}-{started_at:%H%M%S}"  # a call's stretches start at different times
            try:
                stored = self._store.put(started_at.date(), f"{name}.wav", audio)
            except FileExistsError:  # a file of that name is there (a reused call id): never replaced
                stored = self._store.put(started_at.date(), f"{name}-{uuid.uuid4().hex[:8]}.wav", audio)
            recording = uow.recordings.add(
                Recording(
                    call_id,
                    started_at,
                    round(duration_s or measured, 2),
                    stored.path,
                    stored.size,
                    stored.sha256,
                    agent_id,
                )
            )
            return recording, {"call_id": call_id, "path": stored.path, "duration_s": recording.duration_s}

        return self._audit.run(self._uow_factory, SYSTEM, "recording.store", "recording", "", change)

    # -- people ---------------------------------------------------------------------------------
    def get(self, recording_id: int) -> Recording:
        with self._uow_factory() as uow:
            return _get(uow, recording_id)

    def audio(self, actor: Actor, recording_id: int, purpose: str) -> tuple[Recording, bytes]:
        """The WAV audio for listening or downloading (``purpose``: listen, download), audited once
        per user, recording and purpose within ``AUDIT_WINDOW``: every request for the audio comes
        here, whatever part of it is asked for (a player's byte ranges, a resumed download), and the
        first one in the window writes the record; the others (seeking) add none. A refusal is
        always audited."""
        action = f"recording.{purpose}"

        def read(uow: UnitOfWork) -> tuple[tuple[Recording, bytes], dict[str, Any]]:
            recording = _get(uow, recording_id)
            if not recording.available:
                raise ValidationFailed.one("recording", "recording_purged")
            try:
                data = self._store.read(recording.path)
            except RecordingMissing:
                raise ValidationFailed.one("recording", "recording_missing") from None
            return (recording, data), {"call_id": recording.call_id}

        try:
            with self._uow_factory() as uow:
                if self._audited_lately(uow, actor, action, recording_id):
                    found, _params = read(uow)
                    return found
        except DomainError:
            pass  # audited below, as every refusal is
        return self._audit.run(self._uow_factory, actor, action, "recording", recording_id, read)

    def _audited_lately(self, uow: UnitOfWork, actor: Actor, action: str, recording_id: int) -> bool:
        since = self._clock.now() - AUDIT_WINDOW
        query = AuditQuery(
            since=since, actor=actor.name, action=action, object_type="recording", outcome="ok"
        )
        return any(
            r.actor == actor.name
            and r.action == action
            and r.object_id == str(recording_id)
            and r.outcome is Outcome.OK
            for r in uow.audit.query(query, 500)
        )

    def hold(self, actor: Actor, recording_id: int, on: bool, reason: str = "") -> Recording:
        """Set or lift the legal hold that keeps a recording from retention (REC-03)."""

        def change(uow: UnitOfWork) -> tuple[Recording, dict[str, Any]]:
            recording = _get(uow, recording_id)
            if on and not reason.strip():
                raise ValidationFailed.one("reason", "required")
            if len(reason) > HOLD_REASON_MAX:
                raise ValidationFailed.one("reason", "too_long", max=HOLD_REASON_MAX)
            before = recording.legal_hold
            recording.legal_hold, recording.hold_reason = on, reason.strip() if on else ""
            return recording, {"before": before, "after": on, "reason": recording.hold_reason}

        return self._audit.run(self._uow_factory, actor, "recording.hold", "recording", recording_id, change)

    # -- housekeeping ---------------------------------------------------------------------------
    def purge(self, retention_days: int) -> dict[str, int]:
        """Delete the audio of recordings past retention and not on hold; the rows stay, marked."""
        now = self._clock.now()

        def change(uow: UnitOfWork) -> tuple[dict[str, int], dict[str, Any]]:
            due = due_for_purge(uow.recordings.list(), now, retention_days)
            missing = 0
            for recording in due:
                if not self._store.delete(recording.path):
                    missing += 1
                recording.purged_at = now
            held = sum(1 for r in uow.recordings.list() if r.legal_hold and r.available)
            counts = {"purged": len(due), "already_missing": missing, "on_hold": held}
            return counts, {**counts, "retention_days": retention_days, "ids": [r.id for r in due][:1000]}

        return self._audit.run(self._uow_factory, SYSTEM, "recording.purge", "recording", "retention", change)

    def verify(self) -> list[Problem]:
        """Every kept recording's file is there and unchanged (``kc recordings verify``)."""
        with self._uow_factory() as uow:
            kept = [r for r in uow.recordings.list() if r.available]
        problems = []
        for recording in kept:
            assert recording.id is not None
            try:
                if self._store.checksum(recording.path) != recording.sha256:
                    problems.append(Problem(recording.id, recording.path, "checksum"))
            except RecordingMissing:
                problems.append(Problem(recording.id, recording.path, "missing"))
        return problems


def _get(uow: UnitOfWork, recording_id: int) -> Recording:
    found = uow.recordings.get(recording_id)
    if found is None:
        raise NotFound("recording", recording_id)
    return found


def _safe(call_id: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in call_id)[:80] or "call"
