"""Where voicemail audio lives (IN-08): whole WAV files under a key chosen by the domain."""

from __future__ import annotations

from typing import Protocol


class VoicemailStore(Protocol):
    def save(self, key: str, data: bytes) -> float:
        """Validate ``data`` as a WAV file, store it under ``key`` and return its duration in seconds.

        Raises ValidationFailed (field ``audio``) and stores nothing when it is not acceptable."""

    def load(self, key: str) -> bytes:
        """The stored WAV file; NotFound if there is none under ``key``."""
