"""Text-to-speech with espeak-ng (IN-07), resampled to the telephony format with sox, cached on disk."""

from __future__ import annotations

import hashlib
import json
import tempfile
import wave
from pathlib import Path

from kc_adapters.speech.audio import (
    SOX_OPTIONS,
    TELEPHONY_FORMAT,
    check_text,
    require_tool,
    run_tool,
    wav_format,
    write_atomically,
)
from kc_ports.speech import SpeechFailed

# Part of the cache key: bump it when the command lines or the output format change.
FORMAT_VERSION = 1


class EspeakSynthesis:
    """Speaks Czech (or any espeak-ng voice) text; each (voice, text) is synthesised once, then read from
    ``cache_dir``. ``runs`` counts the actual espeak-ng runs."""

    def __init__(
        self, cache_dir: Path, voice: str = "cs", *, espeak: str = "espeak-ng", sox: str = "sox"
    ) -> None:
        self.cache_dir = Path(cache_dir)
        self.voice = voice
        self.espeak, self.sox = espeak, sox
        self.runs = 0

    def cache_path(self, text: str, voice: str | None = None) -> Path:
        """Where the WAV of ``text`` spoken in ``voice`` is (or would be) cached."""
        voice = voice or self.voice
        key = json.dumps([FORMAT_VERSION, voice, check_text(text, voice)], ensure_ascii=False)
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
        return self.cache_dir / digest[:2] / f"{digest}.wav"

    def synthesise(self, text: str, voice: str | None = None) -> bytes:
        """Speak ``text`` in ``voice`` (default: the constructor's); a WAV file, 8 kHz mono 16-bit PCM."""
        voice = voice or self.voice
        text = check_text(text, voice)
        path = self.cache_path(text, voice)
        if path.is_file():
            cached = path.read_bytes()
            try:
                if wav_format(cached).is_telephony:
                    return cached
            except (wave.Error, EOFError):
                pass  # a damaged cache entry: synthesise again and overwrite it
        espeak = require_tool(self.espeak, "espeak-ng")
        sox = require_tool(self.sox, "sox")
        with tempfile.TemporaryDirectory(prefix="kc-tts-") as work:
            spoken, converted = Path(work) / "spoken.wav", Path(work) / "telephony.wav"
            # The text goes in on stdin, UTF-8 (-b 1), so a text starting with "-" is not an option.
            speak = [espeak, "-v", voice, "-b", "1", "--stdin", "-w", str(spoken)]
            run_tool(speak, stdin=text.encode("utf-8"))
            self.runs += 1
            run_tool([sox, *SOX_OPTIONS, str(spoken), *TELEPHONY_FORMAT, str(converted)])
            data = converted.read_bytes()
        try:
            produced = wav_format(data)
        except (wave.Error, EOFError) as exc:
            raise SpeechFailed("sox", f"did not produce a readable WAV file: {exc}") from exc
        if not produced.is_telephony or produced.frames == 0:
            raise SpeechFailed("espeak-ng", f"produced no usable audio ({produced})")
        write_atomically(path, data)
        return data
