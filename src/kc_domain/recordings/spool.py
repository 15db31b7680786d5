"""Recordings that could not be stored (REC-03, GEN-03): the audio waits in a spool beside the
store, with what its row needs, until a retry stores it or an operator gives it up; never lost
silently."""

from __future__ import annotations

from datetime import datetime

import attrs


@attrs.frozen
class Stretch:
    """A recorded stretch of a call as the PBX reports it (``CallRecorded``)."""

    call_id: str
    agent_id: int | None
    started_at: datetime
    duration_s: float


@attrs.frozen
class PendingRecording:
    """A recorded stretch of a call waiting in the spool; ``key`` orders the spool (oldest first)."""

    key: str
    call_id: str
    agent_id: int | None
    started_at: datetime
    duration_s: float
    failed_at: datetime
    reason: str  # why storing failed the last time
    attempts: int = 1
    in_memory: bool = False  # the spool's disk refused it too: lost if the process ends

    @property
    def stretch(self) -> Stretch:
        return Stretch(self.call_id, self.agent_id, self.started_at, self.duration_s)


class SpoolFull(Exception):
    """Neither the spool's directory nor its memory could take the audio: it is lost."""


class RecordingNotStored(Exception):
    """``receive`` could not store the audio; ``pending`` is where it waits (None: lost)."""

    def __init__(self, call_id: str, reason: str, pending: PendingRecording | None) -> None:
        self.call_id, self.reason, self.pending = call_id, reason, pending
        if pending is None:
            kept = "LOST: the spool could not take it either"
        elif pending.in_memory:
            kept = f"kept IN MEMORY ONLY as {pending.key} (the spool's disk refused it too), retried"
        else:
            kept = f"kept in the spool as {pending.key}, retried"
        super().__init__(f"recording of call {call_id} not stored ({reason}); {kept}")


def reason_of(error: BaseException) -> str:
    """A short, loggable reason: the error's class and message (an OSError's errno name included)."""
    text = str(error) or error.__class__.__name__
    return f"{error.__class__.__name__}: {text}"[:300]
