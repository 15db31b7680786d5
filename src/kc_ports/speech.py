"""Speech: text-to-speech for IVR and queue announcements (IN-07) and uploaded prompts (IN-20).

Audio crosses these ports as whole WAV files in the telephony format: 8 kHz, mono, 16-bit signed PCM.
"""

from __future__ import annotations

from typing import Any, Protocol

import attrs

from kc_domain.errors import DomainError, FieldError, ValidationFailed

SAMPLE_RATE = 8000
CHANNELS = 1
SAMPLE_WIDTH = 2  # bytes: 16-bit signed PCM
MAX_TEXT_CHARS = 2000


@attrs.frozen
class PromptInfo:
    """A stored prompt: its name and the length of the normalised audio."""

    name: str
    duration_s: float
    sample_rate: int = SAMPLE_RATE
    size_bytes: int = 0


class SpeechToolMissing(DomainError):
    """A program the speech adapter runs (espeak-ng, sox) is not installed."""

    def __init__(self, program: str, package: str) -> None:
        self.program, self.package = program, package
        super().__init__(
            f"{program} is not installed; install the Debian package {package} "
            "(scripts/ensure-services.sh does it)"
        )


class SpeechFailed(DomainError):
    """The synthesiser or the converter ran but failed; ``detail`` is what it said."""

    def __init__(self, program: str, detail: str) -> None:
        self.program, self.detail = program, detail
        super().__init__(f"{program} failed: {detail}")


class _Rejected(ValidationFailed):
    """A ValidationFailed with one field error and a readable sentence as its message."""

    def __init__(self, field: str, code: str, detail: str, **params: Any) -> None:
        super().__init__([FieldError(field, code, params)])
        self.field, self.code, self.detail = field, code, detail
        self.args = (f"{field}: {code}: {detail}",)


class TextRejected(_Rejected):
    """The text cannot be spoken (empty, too long, unknown voice); nothing was synthesised."""


class PromptRejected(_Rejected):
    """An uploaded prompt is not acceptable (bad name, not audio, too large or long); nothing was stored."""


class SpeechSynthesis(Protocol):
    def synthesise(self, text: str, voice: str = "cs") -> bytes:
        """Speak ``text`` in ``voice``; a WAV file, 8 kHz mono 16-bit PCM (TextRejected if unspeakable)."""


class PromptStore(Protocol):
    def save(self, name: str, data: bytes) -> PromptInfo:
        """Check an uploaded WAV or MP3, store it as 8 kHz mono 16-bit WAV; PromptRejected if unacceptable."""

    def load(self, name: str) -> bytes:
        """The stored, normalised WAV file of prompt ``name`` (NotFound if there is none)."""

    def info(self, name: str) -> PromptInfo:
        """Name, duration and sample rate of prompt ``name`` (NotFound if there is none)."""

    def names(self) -> list[str]:
        """The names of all stored prompts, sorted."""
