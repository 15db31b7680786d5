"""Voicemail audio kept in memory (tests, the simulator), checked like the file store."""

from __future__ import annotations

from kc_adapters.voicemail import check_key, check_wav
from kc_domain.errors import NotFound


class MemoryVoicemailStore:
    """The same checks as the file store, kept in a dict."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    def save(self, key: str, data: bytes) -> float:
        check_key(key)
        duration = check_wav(data)
        self.files[key] = bytes(data)
        return duration

    def load(self, key: str) -> bytes:
        if key not in self.files:
            raise NotFound("voicemail_audio", key)
        return self.files[key]
