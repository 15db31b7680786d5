"""Uploaded prompts (IN-20) kept as files: validated, normalised to 8 kHz mono 16-bit WAV with sox."""

from __future__ import annotations

import re
import subprocess
import tempfile
import wave
from pathlib import Path

from kc_adapters.speech.audio import (
    SOX_OPTIONS,
    TELEPHONY_FORMAT,
    require_tool,
    run_tool,
    wav_format,
    write_atomically,
)
from kc_domain.errors import NotFound
from kc_ports.speech import SAMPLE_RATE, PromptInfo, PromptRejected, SpeechFailed

NAME = re.compile(r"[a-z0-9_-]{1,64}")
MAX_BYTES = 20 * 1024 * 1024
MAX_DURATION_S = 600.0


def sniff(data: bytes) -> str | None:
    """``"wav"`` or ``"mp3"`` from the first bytes (never from a file name), else None."""
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "wav"
    if data[:3] == b"ID3":
        return "mp3"
    if len(data) >= 4 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0:
        version, layer = (data[1] >> 3) & 3, (data[1] >> 1) & 3
        bitrate, rate = data[2] >> 4, (data[2] >> 2) & 3
        if version != 1 and layer == 1 and bitrate not in (0, 15) and rate != 3:  # an MPEG layer III frame
            return "mp3"
    return None


def check_name(name: str) -> str:
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise PromptRejected(
            "name", "invalid", f"{name!r}: use 1 to 64 characters of a-z, 0-9, '_' and '-'", max=64
        )
    return name


class FilePromptStore:
    """Prompts as ``<directory>/<name>.wav``. An upload is checked (WAV or MP3 by its magic bytes, at most
    ``max_bytes`` and ``max_duration_s``), converted, and only then stored; a rejected one leaves no trace."""

    def __init__(
        self,
        directory: Path,
        *,
        max_bytes: int = MAX_BYTES,
        max_duration_s: float = MAX_DURATION_S,
        sox: str = "sox",
    ) -> None:
        self.directory = Path(directory)
        self.max_bytes, self.max_duration_s = max_bytes, max_duration_s
        self.sox = sox
        self._mp3: bool | None = None

    def mp3_supported(self) -> bool:
        """Whether this sox can decode MP3 (Debian package libsox-fmt-mp3)."""
        if self._mp3 is None:
            sox = require_tool(self.sox, "sox")
            result = subprocess.run([sox, "-h"], capture_output=True, timeout=30, check=False)
            lines = result.stdout.decode("utf-8", "replace").splitlines()
            formats = next((line for line in lines if "FILE FORMATS" in line), "")
            self._mp3 = "mp3" in formats.split()
        return self._mp3

    def save(self, name: str, data: bytes) -> PromptInfo:
        """Validate and normalise an uploaded WAV or MP3 and store it as ``name`` (replacing an older one)."""
        check_name(name)
        if not data:
            raise PromptRejected("audio", "required", "the upload is empty")
        if len(data) > self.max_bytes:
            raise PromptRejected(
                "audio", "too_large", f"{len(data)} bytes, at most {self.max_bytes}", max=self.max_bytes
            )
        kind = sniff(data)
        if kind is None:
            raise PromptRejected(
                "audio", "not_audio", f"neither a WAV nor an MP3 file (it starts with {data[:8]!r})"
            )
        sox = require_tool(self.sox, "sox")
        if kind == "mp3" and not self.mp3_supported():
            raise PromptRejected(
                "audio",
                "unsupported",
                "MP3 cannot be decoded on this server (sox lacks libsox-fmt-mp3); upload a WAV file",
            )
        with tempfile.TemporaryDirectory(prefix="kc-prompt-") as work:
            upload, converted = Path(work) / f"upload.{kind}", Path(work) / "telephony.wav"
            upload.write_bytes(data)
            # trim: never convert more than just over the limit, however long the upload claims to be.
            limit = f"{self.max_duration_s + 1:.3f}"
            try:
                convert = [sox, *SOX_OPTIONS, "-t", kind, str(upload), *TELEPHONY_FORMAT, str(converted)]
                run_tool([*convert, "trim", "0", limit])
            except SpeechFailed as exc:
                raise PromptRejected(
                    "audio", "unreadable", f"the {kind.upper()} file cannot be decoded: {exc.detail}"
                ) from exc
            normalised = converted.read_bytes()
        try:
            produced = wav_format(normalised)
        except (wave.Error, EOFError) as exc:
            raise PromptRejected("audio", "unreadable", f"conversion gave no readable audio: {exc}") from exc
        if produced.frames == 0:
            raise PromptRejected("audio", "empty", "the file holds no sound")
        if produced.duration_s > self.max_duration_s:
            raise PromptRejected(
                "audio",
                "too_long",
                f"longer than {self.max_duration_s:g} s",
                max_seconds=self.max_duration_s,
            )
        write_atomically(self._path(name), normalised)
        return PromptInfo(name, produced.duration_s, produced.sample_rate, len(normalised))

    def load(self, name: str) -> bytes:
        """The stored WAV of ``name``."""
        try:
            return self._path(check_name(name)).read_bytes()
        except FileNotFoundError:
            raise NotFound("prompt", name) from None

    def info(self, name: str) -> PromptInfo:
        """Name, duration, sample rate and size of the stored prompt ``name``."""
        path = self._path(check_name(name))
        try:
            with wave.open(str(path), "rb") as reader:
                rate, frames = reader.getframerate(), reader.getnframes()
            size = path.stat().st_size
        except FileNotFoundError:
            raise NotFound("prompt", name) from None
        return PromptInfo(name, frames / rate if rate else 0.0, rate or SAMPLE_RATE, size)

    def names(self) -> list[str]:
        """Every stored prompt's name, sorted."""
        if not self.directory.is_dir():
            return []
        return sorted(p.stem for p in self.directory.glob("*.wav") if NAME.fullmatch(p.stem))

    def _path(self, name: str) -> Path:
        return self.directory / f"{name}.wav"
