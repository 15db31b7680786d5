"""Recordings from the PBX (REC-01, REC-03, GEN-03): the audio checked and stored with its row, and
when that fails, kept in the spool, audited and retried until it is stored or an operator gives it
up; the store's free space watched. Never lost silently."""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Callable
from contextlib import suppress
from datetime import datetime
from typing import TYPE_CHECKING, Any

import attrs

from kc_domain.audit.model import Outcome
from kc_domain.audit.service import SYSTEM, Actor, AuditQuery, AuditTrail
from kc_domain.errors import NotFound
from kc_domain.recordings.model import Recording, RecordingMissing
from kc_domain.recordings.spool import PendingRecording, RecordingNotStored, Stretch, reason_of

if TYPE_CHECKING:
    from kc_ports.persistence import QualityUnit, UnitFactory
    from kc_ports.recordings import RecordingStore
    from kc_ports.system import Clock

log = logging.getLogger("kc.recordings")


class RecordingIntake:
    """Storing what the PBX recorded; the base of ``RecordingService``."""

    def __init__(
        self,
        uow_factory: UnitFactory[QualityUnit],
        clock: Clock,
        audit: AuditTrail,
        store: RecordingStore,
        duration_of: Callable[[bytes], float],
    ) -> None:
        """``duration_of``: the length of a WAV recording in seconds (``ValidationFailed`` if the
        bytes are not one)."""
        self._uow_factory, self._clock, self._audit = uow_factory, clock, audit
        self._store, self._duration_of = store, duration_of
        self._spool = store.spool

    # -- from the PBX ---------------------------------------------------------------------------
    def receive(
        self, call_id: str, agent_id: int | None, started_at: datetime, duration_s: float, audio: bytes
    ) -> Recording:
        """Keep a recorded stretch of a call: the audio checked and stored, then its row. When that
        fails (a full disk, bad audio, the database away) the audio goes to the spool with its data,
        the failure is audited (``recording.store_failed``) and ``RecordingNotStored`` is raised, so
        the caller's health shows it; ``retry_pending`` stores it later. After a success, whatever
        waits in the spool is retried at once (the store works again)."""
        stretch = Stretch(call_id, agent_id, started_at, duration_s)
        try:
            recording = self._store_audio(stretch, audio)
        except Exception as error:
            raise self._not_stored(stretch, audio, error) from error
        if self._spool.waiting():
            self.retry_pending()
        return recording

    def _store_audio(
        self, stretch: Stretch, audio: bytes, retried: PendingRecording | None = None
    ) -> Recording:
        call_id, started_at = stretch.call_id, stretch.started_at
        measured = self._duration_of(audio)
        sha256 = hashlib.sha256(audio).hexdigest()

        def change(uow: QualityUnit) -> tuple[Recording, dict[str, Any]]:
            params: dict[str, Any] = {"call_id": call_id}
            if retried is not None:
                params |= {"spooled_at": retried.failed_at.isoformat(), "attempts": retried.attempts + 1}
                done = _same(uow, call_id, started_at, sha256)
                if done is not None:  # stored before the spool entry could be dropped
                    return done, {**params, "path": done.path, "already_stored": True}
            path, size = self._put(uow, call_id, started_at, audio, sha256)
            recording = uow.recordings.add(
                Recording(
                    call_id,
                    started_at,
                    round(stretch.duration_s or measured, 2),
                    path,
                    size,
                    sha256,
                    stretch.agent_id,
                )
            )
            return recording, {**params, "path": path, "duration_s": recording.duration_s}

        return self._audit.run(self._uow_factory, SYSTEM, "recording.store", "recording", "", change)

    def _put(
        self, uow: QualityUnit, call_id: str, started_at: datetime, audio: bytes, sha256: str
    ) -> tuple[str, int]:
        name = f"{_safe(call_id)}-{started_at:%H%M%S}"  # a call's stretches start at different times
        try:
            stored = self._store.put(started_at.date(), f"{name}.wav", audio)
        except FileExistsError as exists:  # a file of that name is there (a reused call id)
            path = exists.filename
            if isinstance(path, str) and self._orphan(uow, path, sha256):
                return path, len(audio)  # this audio, stored by an attempt whose row was not saved
            stored = self._store.put(started_at.date(), f"{name}-{uuid.uuid4().hex[:8]}.wav", audio)
        return stored.path, stored.size

    def _orphan(self, uow: QualityUnit, path: str, sha256: str) -> bool:
        try:
            if self._store.checksum(path) != sha256:
                return False  # another recording's file: never replaced
        except RecordingMissing:
            return False
        return not any(r.path == path for r in uow.recordings.list())

    def _not_stored(self, stretch: Stretch, audio: bytes, error: Exception) -> RecordingNotStored:
        """Spool the audio and audit the failure; what ``receive`` raises."""
        call_id, now, reason = stretch.call_id, self._clock.now(), reason_of(error)
        key = f"{now:%Y%m%dT%H%M%S%f}-{_safe(call_id)[:60]}-{uuid.uuid4().hex[:8]}"
        pending: PendingRecording | None
        try:
            new = PendingRecording(key, **attrs.asdict(stretch, recurse=False), failed_at=now, reason=reason)
            pending = self._spool.keep(new, audio)
        except Exception:
            log.critical(
                "call=%s recording LOST: not stored (%s) nor spooled", call_id, reason, exc_info=True
            )
            pending = None
        failure = RecordingNotStored(call_id, reason, pending)
        log.error("call=%s %s", call_id, failure)
        params = {
            "call_id": call_id,
            "started_at": stretch.started_at.isoformat(),
            "reason": reason,
            "spooled": pending.key if pending else "",
            "in_memory": bool(pending and pending.in_memory),
            "lost": pending is None,
        }
        try:
            self._audit.record_alone(
                self._uow_factory,
                SYSTEM,
                "recording.store_failed",
                object_type="recording",
                object_id=call_id,
                params=params,
                outcome=Outcome.FAILED,
            )
        except Exception:  # the database away too: the retried store's record says it was spooled
            log.exception("call=%s the failure to store a recording could not be audited", call_id)
        return failure

    # -- the spool (GEN-03) -----------------------------------------------------------------------
    def pending(self) -> list[PendingRecording]:
        """Recordings waiting in the spool, oldest first."""
        return self._spool.waiting()

    def retry_pending(self) -> dict[str, int]:
        """Store what waits in the spool, oldest first (the worker every minute, ``kc recordings
        retry``); one that fails again stays, its attempts counted. ``busy`` when another process
        is retrying."""
        counts = {"stored": 0, "waiting": 0, "busy": 0}
        with self._spool.claim() as mine:
            if not mine:
                return {**counts, "busy": 1}
            for pending in self._spool.waiting():
                if self._retry(pending):
                    counts["stored"] += 1
                else:
                    counts["waiting"] += 1
        return counts

    def _retry(self, pending: PendingRecording) -> bool:
        try:
            audio = self._spool.audio(pending.key)
        except KeyError:
            return True  # given up meanwhile
        try:
            self._store_audio(pending.stretch, audio, pending)
        except Exception as error:
            log.warning(
                "call=%s spooled recording %s not stored again: %s", pending.call_id, pending.key, error
            )
            with suppress(OSError):  # a full disk may refuse the count too
                self._spool.failed_again(pending.key, reason_of(error))
            return False
        self._spool.drop(pending.key)
        log.info("call=%s spooled recording %s stored", pending.call_id, pending.key)
        return True

    def give_up(self, actor: Actor, call_or_key: str) -> int:
        """An operator abandons the spooled audio of a call (or one spool entry by its key): audited
        (``recording.given_up``), then deleted; how many were given up (``NotFound`` when none)."""

        def change(uow: QualityUnit) -> tuple[list[PendingRecording], dict[str, Any]]:
            chosen = [p for p in self._spool.waiting() if call_or_key in (p.call_id, p.key)]
            if not chosen:
                raise NotFound("pending recording", call_or_key)
            return chosen, {
                "call_id": chosen[0].call_id,
                "keys": [p.key for p in chosen],
                "reasons": sorted({p.reason for p in chosen}),
                "attempts": sum(p.attempts for p in chosen),
            }

        chosen = self._audit.run(
            self._uow_factory, actor, "recording.given_up", "recording", call_or_key, change
        )
        for pending in chosen:
            self._spool.drop(pending.key)
        return len(chosen)

    def storage(self) -> dict[str, Any]:
        """The store's state for /readyz: free space (``space`` "low" under the threshold) and what
        waits in the spool (``in_memory``: lost if the process ends)."""
        space, waiting = self._store.space(), self._spool.waiting()
        return {
            "space": "low" if space.low else "ok",
            "free_bytes": space.free,
            "total_bytes": space.total,
            "threshold_bytes": space.threshold,
            "waiting": len(waiting),
            "in_memory": sum(1 for p in waiting if p.in_memory),
        }

    def watch_space(self) -> str:
        """Audit the store's free space falling under its threshold (``recording.space_low``, the
        alert) and coming back (``recording.space_ok``), once per change; "low" or "ok"."""
        space = self._store.space()
        state = "low" if space.low else "ok"
        with self._uow_factory() as uow:
            last = uow.audit.query(AuditQuery(action="recording.space_"), 1)
        before = last[0].action.removeprefix("recording.space_") if last else "ok"
        if state != before:
            if space.low:
                log.error("recordings' free space low: %s bytes, under %s", space.free, space.threshold)
            self._audit.record_alone(
                self._uow_factory,
                SYSTEM,
                f"recording.space_{state}",
                object_type="recording",
                params={"free_bytes": space.free, "threshold_bytes": space.threshold},
                outcome=Outcome.FAILED if space.low else Outcome.OK,
            )
        return state


def _same(uow: QualityUnit, call_id: str, started_at: datetime, sha256: str) -> Recording | None:
    return next(
        (
            r
            for r in uow.recordings.list()
            if (r.call_id, r.started_at, r.sha256) == (call_id, started_at, sha256)
        ),
        None,
    )


def _safe(call_id: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in call_id)[:80] or "call"
