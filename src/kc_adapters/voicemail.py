"""Voicemail audio (IN-08) as WAV files in a directory; kc_adapters.memory.voicemail keeps it in memory."""

from __future__ import annotations

import re
import wave
from pathlib import Path

from kc_adapters.speech.audio import wav_format, write_atomically
from kc_domain.errors import NotFound, ValidationFailed

KEY = re.compile(r"[a-z0-9_-]{1,64}")
MAX_BYTES = 50 * 1024 * 1024
MAX_DURATION_S = 600.0


def check_key(key: str) -> str:
    if not isinstance(key, str) or not KEY.fullmatch(key):
        raise ValidationFailed.one("audio_name", "invalid", value=str(key))
    return key


def check_wav(data: bytes, max_bytes: int = MAX_BYTES, max_duration_s: float = MAX_DURATION_S) -> float:
    """The duration of a PCM WAV file in seconds; ValidationFailed (field ``audio``) if it is not one."""
    if not data:
        raise ValidationFailed.one("audio", "required")
    if len(data) > max_bytes:
        raise ValidationFailed.one("audio", "audio_too_large", max=max_bytes)
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise ValidationFailed.one("audio", "not_wav")
    try:
        found = wav_format(data)
    except (wave.Error, EOFError) as error:
        raise ValidationFailed.one("audio", "not_wav", detail=str(error)) from error
    if found.duration_s > max_duration_s:
        raise ValidationFailed.one("audio", "audio_too_long", max=max_duration_s)
    return round(found.duration_s, 2)


class FileVoicemailStore:
    """Messages as ``<directory>/<key>.wav``; only valid WAV files are written, atomically."""

    def __init__(self, directory: Path, *, max_bytes: int = MAX_BYTES) -> None:
        self.directory, self.max_bytes = Path(directory), max_bytes

    def save(self, key: str, data: bytes) -> float:
        path = self.directory / f"{check_key(key)}.wav"
        duration = check_wav(data, self.max_bytes)
        write_atomically(path, data)
        return duration

    def load(self, key: str) -> bytes:
        path = self.directory / f"{check_key(key)}.wav"
        if not path.is_file():
            raise NotFound("voicemail_audio", key)
        return path.read_bytes()
