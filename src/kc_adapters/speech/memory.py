"""An in-memory speech synthesiser for tests and the demo: a quiet tone as long as the text would take."""

from __future__ import annotations

import array
import math

from kc_adapters.speech.audio import check_text, telephony_wav
from kc_ports.speech import SAMPLE_RATE

SECONDS_PER_CHAR = 0.06  # about the pace of espeak-ng's Czech voice
TONE_HZ = 440.0
AMPLITUDE = 3000


class MemorySpeech:
    """Answers each (voice, text) with a 440 Hz tone of 60 ms per character, computed once and kept;
    ``runs`` counts the computations."""

    def __init__(self, voice: str = "cs") -> None:
        self.voice = voice
        self.runs = 0
        self._cache: dict[tuple[str, str], bytes] = {}

    def synthesise(self, text: str, voice: str | None = None) -> bytes:
        """A WAV file (8 kHz mono 16-bit PCM) whose length grows with the text."""
        voice = voice or self.voice
        text = check_text(text, voice)
        key = (voice, text)
        if key not in self._cache:
            self.runs += 1
            frames = round(SAMPLE_RATE * (0.1 + SECONDS_PER_CHAR * len(text)))
            step = 2 * math.pi * TONE_HZ / SAMPLE_RATE
            samples = array.array("h", (round(AMPLITUDE * math.sin(step * i)) for i in range(frames)))
            self._cache[key] = telephony_wav(samples)
        return self._cache[key]
