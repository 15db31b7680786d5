"""Recordings (REC-01..REC-05, IN-27): storing what the PBX recorded, listening and downloading
(separate rights, each audited), the legal hold, retention and the integrity check."""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Callable
from contextlib import suppress
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import attrs

from kc_domain.audit.model import Outcome
from kc_domain.audit.service import SYSTEM, Actor, AuditQuery, AuditTrail
from kc_domain.errors import DomainError, NotFound, ValidationFailed
from kc_domain.recordings.model import Recording, RecordingMissing, due_for_purge
from kc_domain.recordings.spool import PendingRecording, RecordingNotStored, reason_of
from kc_domain.routing.events import CallRecorded

if TYPE_CHECKING:
    from kc_ports.journal import ContactJournal
    from kc_ports.persistence import UnitOfWork, UnitOfWorkFactory
    from kc_ports.recordings import RecordingStore
    from kc_ports.system import Clock

HOLD_REASON_MAX = 200
log = logging.getLogger("kc.recordings")
AUDIT_WINDOW = timedelta(minutes=10)  # a listen or download is audited once per user and recording in it


@attrs.frozen
class Problem:
    """What ``verify`` found wrong: with a recording (``missing``: its file, ``checksum``: the file
    changed), a call recorded with no audio kept (``no_audio``), audio waiting in the spool
    (``waiting``: ``path`` is its key) or a partial file left behind (``partial``)."""

    recording_id: int | None
    path: str
    problem: str
    call_id: str = ""
    detail: str = ""


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
        try:
            recording = self._store_audio(call_id, agent_id, started_at, duration_s, audio)
        except Exception as error:
            raise self._not_stored(call_id, agent_id, started_at, duration_s, audio, error) from error
        if self._spool.waiting():
            self.retry_pending()
        return recording

    def _store_audio(
        self,
        call_id: str,
        agent_id: int | None,
        started_at: datetime,
        duration_s: float,
        audio: bytes,
        retried: PendingRecording | None = None,
    ) -> Recording:
        measured = self._duration_of(audio)
        sha256 = hashlib.sha256(audio).hexdigest()

        def change(uow: UnitOfWork) -> tuple[Recording, dict[str, Any]]:
            params: dict[str, Any] = {"call_id": call_id}
            if retried is not None:
                params |= {"spooled_at": retried.failed_at.isoformat(), "attempts": retried.attempts + 1}
                done = _same(uow, call_id, started_at, sha256)
                if done is not None:  # stored before the spool entry could be dropped
                    return done, {**params, "path": done.path, "already_stored": True}
            path, size = self._put(uow, call_id, started_at, audio, sha256)
            recording = uow.recordings.add(
                Recording(call_id, started_at, round(duration_s or measured, 2), path, size, sha256, agent_id)
            )
            return recording, {**params, "path": path, "duration_s": recording.duration_s}

        return self._audit.run(self._uow_factory, SYSTEM, "recording.store", "recording", "", change)

    def _put(
        self, uow: UnitOfWork, call_id: str, started_at: datetime, audio: bytes, sha256: str
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

    def _orphan(self, uow: UnitOfWork, path: str, sha256: str) -> bool:
        try:
            if self._store.checksum(path) != sha256:
                return False  # another recording's file: never replaced
        except RecordingMissing:
            return False
        return not any(r.path == path for r in uow.recordings.list())

    def _not_stored(
        self,
        call_id: str,
        agent_id: int | None,
        started_at: datetime,
        duration_s: float,
        audio: bytes,
        error: Exception,
    ) -> RecordingNotStored:
        """Spool the audio and audit the failure; what ``receive`` raises."""
        now, reason = self._clock.now(), reason_of(error)
        key = f"{now:%Y%m%dT%H%M%S%f}-{_safe(call_id)[:60]}-{uuid.uuid4().hex[:8]}"
        pending: PendingRecording | None
        try:
            new = PendingRecording(key, call_id, agent_id, started_at, duration_s, now, reason)
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
            "started_at": started_at.isoformat(),
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
            self._store_audio(
                pending.call_id, pending.agent_id, pending.started_at, pending.duration_s, audio, pending
            )
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

        def change(uow: UnitOfWork) -> tuple[list[PendingRecording], dict[str, Any]]:
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

    def verify(self, journal: ContactJournal | None = None, days: int = 2) -> list[Problem]:
        """Every kept recording's file is there and unchanged; nothing waits in the spool; no
        partial file was left behind; and, given the ``journal``, every call of the last ``days``
        the PBX recorded has audio (``kc recordings verify``)."""
        with self._uow_factory() as uow:
            rows = uow.recordings.list()
        problems = [self._check(r) for r in rows if r.available]
        problems += [Problem(None, p.key, "waiting", p.call_id, p.reason) for p in self._spool.waiting()]
        problems += [Problem(None, path, "partial") for path in self._store.partials()]
        if journal is not None:
            known = {r.call_id for r in rows} | {p.call_id for p in self._spool.waiting()}
            problems += self._unrecorded(journal, known, days)
        return [p for p in problems if p is not None]

    def _check(self, recording: Recording) -> Problem | None:
        assert recording.id is not None
        try:
            if self._store.checksum(recording.path) != recording.sha256:
                return Problem(recording.id, recording.path, "checksum", recording.call_id)
        except RecordingMissing:
            return Problem(recording.id, recording.path, "missing", recording.call_id)
        return None

    def _unrecorded(self, journal: ContactJournal, known: set[str], days: int) -> list[Problem]:
        """Answered calls with a ``CallRecorded`` event and no recording, waiting or given up. A
        call with one stretch stored and another lost is not seen here (its failure is audited)."""
        now = self._clock.now()
        since = now - timedelta(days=days)
        with self._uow_factory() as uow:
            given_up = uow.audit.query(AuditQuery(since=since, action="recording.given_up"), 10_000)
        known |= {str(r.params.get("call_id", "")) for r in given_up}
        return [
            Problem(None, "", "no_audio", call.call_id)
            for call in journal.interactions(since, now, answered_only=True)
            if call.call_id not in known
            and any(isinstance(e, CallRecorded) for e in journal.events_for(call.call_id))
        ]


def _same(uow: UnitOfWork, call_id: str, started_at: datetime, sha256: str) -> Recording | None:
    return next(
        (
            r
            for r in uow.recordings.list()
            if (r.call_id, r.started_at, r.sha256) == (call_id, started_at, sha256)
        ),
        None,
    )


def _get(uow: UnitOfWork, recording_id: int) -> Recording:
    found = uow.recordings.get(recording_id)
    if found is None:
        raise NotFound("recording", recording_id)
    return found


def _safe(call_id: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in call_id)[:80] or "call"
