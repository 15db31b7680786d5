"""Speech adapters: espeak-ng text-to-speech, uploaded prompts on disk (sox), and an in-memory fake."""

from kc_adapters.speech.espeak import EspeakSynthesis
from kc_adapters.speech.memory import MemorySpeech
from kc_adapters.speech.prompts import FilePromptStore

__all__ = ["EspeakSynthesis", "FilePromptStore", "MemorySpeech"]
