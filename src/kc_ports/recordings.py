"""Where call recordings' audio is kept (REC-03): a file per recording, never overwritten."""

from __future__ import annotations

from datetime import date
from typing import Protocol

import attrs

from kc_domain.recordings.model import RecordingMissing

__all__ = ["RecordingMissing", "RecordingStore", "StoredAudio"]


@attrs.frozen
class StoredAudio:
    path: str  # relative to the store, e.g. "2026/11/24/<call>-1.wav"
    size: int
    sha256: str


class RecordingStore(Protocol):
    def put(self, day: date, name: str, data: bytes) -> StoredAudio:
        """Store new audio under ``day``; an existing file is never replaced (``FileExistsError``)."""

    def read(self, path: str) -> bytes:
        """The audio; ``RecordingMissing`` when the file is gone."""

    def delete(self, path: str) -> bool:
        """Remove the file; False when it was not there."""

    def checksum(self, path: str) -> str:
        """The SHA-256 of the file as it is now; ``RecordingMissing`` when it is gone."""
