"""Recordings (REC-01..REC-05, IN-27): listening and downloading (separate rights, each audited),
the legal hold, retention and the integrity check; storing what the PBX recorded is in
``intake``."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

import attrs

from kc_domain.audit.model import Outcome
from kc_domain.audit.service import SYSTEM, Actor, AuditQuery
from kc_domain.errors import DomainError, NotFound, ValidationFailed
from kc_domain.recordings.intake import RecordingIntake
from kc_domain.recordings.model import Recording, RecordingMissing, due_for_purge
from kc_domain.routing.events import CallRecorded

if TYPE_CHECKING:
    from kc_ports.journal import ContactHistory
    from kc_ports.persistence import QualityUnit

HOLD_REASON_MAX = 200
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


class RecordingService(RecordingIntake):
    """Recordings for people (listening, downloading, the legal hold) and their housekeeping
    (retention, the integrity check); storing what the PBX recorded is ``RecordingIntake``'s."""

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

        def read(uow: QualityUnit) -> tuple[tuple[Recording, bytes], dict[str, Any]]:
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

    def _audited_lately(self, uow: QualityUnit, actor: Actor, action: str, recording_id: int) -> bool:
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

        def change(uow: QualityUnit) -> tuple[Recording, dict[str, Any]]:
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

        def change(uow: QualityUnit) -> tuple[dict[str, int], dict[str, Any]]:
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

    def verify(self, journal: ContactHistory | None = None, days: int = 2) -> list[Problem]:
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

    def _unrecorded(self, journal: ContactHistory, known: set[str], days: int) -> list[Problem]:
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


def _get(uow: QualityUnit, recording_id: int) -> Recording:
    found = uow.recordings.get(recording_id)
    if found is None:
        raise NotFound("recording", recording_id)
    return found
