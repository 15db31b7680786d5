"""Helpers shared by the speech adapters: WAV reading and writing (standard library only), running tools."""

from __future__ import annotations

import array
import io
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import wave
from pathlib import Path

import attrs

from kc_ports.speech import (
    CHANNELS,
    MAX_TEXT_CHARS,
    SAMPLE_RATE,
    SAMPLE_WIDTH,
    SpeechFailed,
    SpeechToolMissing,
    TextRejected,
)

TOOL_TIMEOUT_S = 120
VOICE = re.compile(r"[a-z0-9][a-z0-9+_-]{0,31}", re.IGNORECASE)  # cs, en-us, cs+f2; never an option
# sox global options: quiet but for errors, guard against clipping, no dither (same input, same bytes).
SOX_OPTIONS = ["-V1", "-G", "-D"]
# sox output options that produce the telephony format.
TELEPHONY_FORMAT = [
    *("-r", str(SAMPLE_RATE), "-c", str(CHANNELS), "-b", str(8 * SAMPLE_WIDTH)),
    *("-e", "signed-integer", "-t", "wav"),
]


@attrs.frozen
class WavFormat:
    sample_rate: int
    channels: int
    sample_width: int
    frames: int

    @property
    def duration_s(self) -> float:
        return self.frames / self.sample_rate if self.sample_rate else 0.0

    @property
    def is_telephony(self) -> bool:
        return (self.sample_rate, self.channels, self.sample_width) == (SAMPLE_RATE, CHANNELS, SAMPLE_WIDTH)


def wav_format(data: bytes) -> WavFormat:
    """The format of a PCM WAV file; wave.Error or EOFError if it is not one."""
    with wave.open(io.BytesIO(data), "rb") as reader:
        return WavFormat(
            reader.getframerate(), reader.getnchannels(), reader.getsampwidth(), reader.getnframes()
        )


def wav_samples(data: bytes) -> array.array[int]:
    """The 16-bit samples of a PCM WAV file (all channels interleaved)."""
    with wave.open(io.BytesIO(data), "rb") as reader:
        if reader.getsampwidth() != 2:
            raise ValueError(f"expected 16-bit samples, got {8 * reader.getsampwidth()}-bit")
        samples = array.array("h", reader.readframes(reader.getnframes()))
    if sys.byteorder == "big":
        samples.byteswap()
    return samples


def rms(data: bytes) -> float:
    """Root mean square of the samples of a 16-bit WAV file, 0..32768."""
    samples = wav_samples(data)
    if not samples:
        return 0.0
    return math.sqrt(sum(s * s for s in samples) / len(samples))


def telephony_wav(samples: array.array[int]) -> bytes:
    """A WAV file (8 kHz mono 16-bit) holding ``samples``."""
    if sys.byteorder == "big":
        samples = array.array("h", samples)
        samples.byteswap()
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(CHANNELS)
        writer.setsampwidth(SAMPLE_WIDTH)
        writer.setframerate(SAMPLE_RATE)
        writer.writeframes(samples.tobytes())
    return buffer.getvalue()


def check_text(text: str, voice: str) -> str:
    """The text to speak, stripped; TextRejected if it is empty, too long or the voice name is odd."""
    if not isinstance(text, str) or not text.strip():
        raise TextRejected("text", "required", "there is no text to speak")
    text = text.strip()
    if len(text) > MAX_TEXT_CHARS:
        raise TextRejected(
            "text", "too_long", f"{len(text)} characters, at most {MAX_TEXT_CHARS}", max=MAX_TEXT_CHARS
        )
    if not VOICE.fullmatch(voice or ""):
        raise TextRejected("voice", "invalid", f"{voice!r} is not a voice name")
    return text


def require_tool(program: str, package: str) -> str:
    """The path of ``program``; SpeechToolMissing naming the Debian package if it is not installed."""
    path = shutil.which(program)
    if path is None:
        raise SpeechToolMissing(program, package)
    return path


def run_tool(argv: list[str], *, stdin: bytes | None = None) -> None:
    """Run a tool; SpeechFailed with what it printed if it exits non-zero or runs too long."""
    try:
        result = subprocess.run(argv, input=stdin, capture_output=True, timeout=TOOL_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired as exc:
        raise SpeechFailed(Path(argv[0]).name, f"no result within {TOOL_TIMEOUT_S} s") from exc
    except OSError as exc:
        raise SpeechFailed(Path(argv[0]).name, str(exc)) from exc
    if result.returncode != 0:
        said = result.stderr.decode("utf-8", "replace").strip() or f"exit status {result.returncode}"
        raise SpeechFailed(Path(argv[0]).name, said)


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see either nothing or the whole file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=".tmp-", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
