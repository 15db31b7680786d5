"""Where call recordings' audio is kept (REC-03): a file per recording, never overwritten, and the
spool where audio waits when storing fails (GEN-03)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from datetime import date
from typing import Protocol

import attrs

from kc_domain.recordings.model import RecordingMissing
from kc_domain.recordings.spool import PendingRecording, SpoolFull

__all__ = [
    "DiskSpace",
    "PendingRecording",
    "RecordingMissing",
    "RecordingSpool",
    "RecordingStore",
    "SpoolFull",
    "StoredAudio",
]


@attrs.frozen
class StoredAudio:
    path: str  # relative to the store, e.g. "2026/11/24/<call>-1.wav"
    size: int
    sha256: str


@attrs.frozen
class DiskSpace:
    """The free space of the store's filesystem; ``low`` under ``threshold`` bytes."""

    free: int
    total: int
    threshold: int

    @property
    def low(self) -> bool:
        return self.free < self.threshold


class RecordingSpool(Protocol):
    def keep(self, pending: PendingRecording, audio: bytes) -> PendingRecording:
        """Keep audio that could not be stored, with its metadata: on disk, or in memory (bounded;
        ``in_memory`` set) when the disk refuses it too; ``SpoolFull`` when neither can."""

    def waiting(self) -> list[PendingRecording]:
        """What waits, oldest first."""

    def audio(self, key: str) -> bytes:
        """The audio kept under ``key``; ``KeyError`` when it is not there."""

    def failed_again(self, key: str, reason: str) -> None:
        """Count another failed attempt to store it, with its reason."""

    def drop(self, key: str) -> bool:
        """Remove it (stored or given up); False when it was not there."""

    def claim(self) -> AbstractContextManager[bool]:
        """Hold the spool for one retry (True), or False when another process retries it now."""


class RecordingStore(Protocol):
    spool: RecordingSpool

    def put(self, day: date, name: str, data: bytes) -> StoredAudio:
        """Store new audio under ``day``; an existing file is never replaced (``FileExistsError``,
        its ``filename`` the existing file's path in the store). A failure leaves no partial file."""

    def read(self, path: str) -> bytes:
        """The audio; ``RecordingMissing`` when the file is gone."""

    def delete(self, path: str) -> bool:
        """Remove the file; False when it was not there."""

    def checksum(self, path: str) -> str:
        """The SHA-256 of the file as it is now; ``RecordingMissing`` when it is gone."""

    def partials(self) -> Iterator[str]:
        """Partial files a write left behind (paths in the store), spool included."""

    def space(self) -> DiskSpace:
        """The free space of the store's filesystem."""
