"""One suite over every SpeechSynthesis: telephony WAV out, length follows the text, each text made once."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from kc_adapters.speech import EspeakSynthesis, MemorySpeech
from kc_adapters.speech.audio import rms, wav_format
from kc_ports.speech import MAX_TEXT_CHARS, SpeechSynthesis, SpeechToolMissing, TextRejected

pytestmark = pytest.mark.req("IN-07")  # IVR reads data out by TTS

CZECH = "Dobrý den, Všeobecná zdravotní pojišťovna. Vaše pozice ve frontě je 3."
SYNTHESISERS = ["memory", "espeak"]


def require_programs() -> None:
    """Fail (never skip) when the programs the real synthesiser runs are missing."""
    missing = [program for program in ("espeak-ng", "sox") if shutil.which(program) is None]
    if missing:
        pytest.fail(
            f"{', '.join(missing)} not installed: run scripts/ensure-services.sh "
            "(apt-get install espeak-ng sox libsox-fmt-mp3)"
        )


@pytest.fixture(params=SYNTHESISERS)
def speech(request: pytest.FixtureRequest, tmp_path: Path) -> EspeakSynthesis | MemorySpeech:
    if request.param == "memory":
        return MemorySpeech()
    require_programs()
    return EspeakSynthesis(tmp_path / "tts-cache")


def test_both_satisfy_the_port(speech: EspeakSynthesis | MemorySpeech) -> None:
    port: SpeechSynthesis = speech
    assert callable(port.synthesise)


def test_output_is_a_telephony_wav(speech: EspeakSynthesis | MemorySpeech) -> None:
    data = speech.synthesise("Ahoj.")
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    found = wav_format(data)
    assert (found.sample_rate, found.channels, found.sample_width) == (8000, 1, 2)
    assert found.frames > 0


def test_duration_grows_with_the_text(speech: EspeakSynthesis | MemorySpeech) -> None:
    short = wav_format(speech.synthesise("Dobrý den.")).duration_s
    long = wav_format(speech.synthesise("Dobrý den. " * 6 + "Děkujeme za trpělivost.")).duration_s
    assert long > 3 * short


@pytest.mark.req("IN-10")  # the queue-position announcement
def test_czech_sentence_is_long_and_audible(speech: EspeakSynthesis | MemorySpeech) -> None:
    data = speech.synthesise(CZECH, "cs")
    assert wav_format(data).duration_s > 1.0
    assert rms(data) > 300  # of 32768: clearly not silence


def test_the_same_text_is_synthesised_once(speech: EspeakSynthesis | MemorySpeech) -> None:
    first = speech.synthesise(CZECH)
    assert speech.runs == 1
    again = speech.synthesise(CZECH)
    assert again == first
    assert speech.runs == 1
    speech.synthesise(CZECH + " Prosím vydržte.")
    assert speech.runs == 2


@pytest.mark.parametrize(
    ("text", "voice", "field", "code"),
    [
        ("", "cs", "text", "required"),
        ("  \n\t ", "cs", "text", "required"),
        ("a" * (MAX_TEXT_CHARS + 1), "cs", "text", "too_long"),
        ("Ahoj", "-w/etc/passwd", "voice", "invalid"),
        ("Ahoj", "", "voice", "invalid"),
    ],
    ids=["empty", "blank", "too-long", "option-as-voice", "no-voice"],
)
def test_unspeakable_text_is_rejected_clearly(
    speech: EspeakSynthesis | MemorySpeech, text: str, voice: str, field: str, code: str
) -> None:
    # an empty voice falls back to the default in both adapters, so that case passes None-like ""
    if voice == "":
        data = speech.synthesise(text, voice)
        assert wav_format(data).frames > 0
        return
    with pytest.raises(TextRejected) as caught:
        speech.synthesise(text, voice)
    assert (caught.value.field, caught.value.code) == (field, code)
    assert code in str(caught.value)
    assert speech.runs == 0


def test_the_longest_allowed_text_is_spoken(speech: EspeakSynthesis | MemorySpeech) -> None:
    text = ("Číslo pojištěnce je 123. " * 100)[:MAX_TEXT_CHARS]
    assert wav_format(speech.synthesise(text)).duration_s > 60


# espeak-ng only -----------------------------------------------------------------------------------


@pytest.fixture
def espeak(tmp_path: Path) -> EspeakSynthesis:
    require_programs()
    return EspeakSynthesis(tmp_path / "tts-cache")


def test_the_cache_survives_a_restart(espeak: EspeakSynthesis, tmp_path: Path) -> None:
    started = time.perf_counter()
    first = espeak.synthesise(CZECH)
    made_in = time.perf_counter() - started
    assert espeak.cache_path(CZECH).is_file()
    restarted = EspeakSynthesis(tmp_path / "tts-cache")
    started = time.perf_counter()
    assert restarted.synthesise(CZECH) == first
    served_in = time.perf_counter() - started
    assert restarted.runs == 0
    assert served_in < made_in


def test_a_damaged_cache_entry_is_made_again(espeak: EspeakSynthesis) -> None:
    first = espeak.synthesise(CZECH)
    espeak.cache_path(CZECH).write_bytes(b"RIFF\x00\x00")
    assert espeak.synthesise(CZECH) == first
    assert espeak.runs == 2


def test_the_cache_key_includes_the_voice(espeak: EspeakSynthesis) -> None:
    assert espeak.cache_path("Ahoj", "cs") != espeak.cache_path("Ahoj", "sk")
    espeak.synthesise("Ahoj", "cs")
    espeak.synthesise("Ahoj", "sk")
    assert espeak.runs == 2


def test_czech_diacritics_reach_espeak(espeak: EspeakSynthesis) -> None:
    # "ř" is a sound of its own: if the UTF-8 text were mangled, both would come out the same or fail
    assert espeak.synthesise("Řeka, čeřen, šťovík.") != espeak.synthesise("Reka, ceren, stovik.")


def test_text_that_looks_like_an_option_is_spoken(espeak: EspeakSynthesis) -> None:
    assert wav_format(espeak.synthesise("-w /tmp/x --help")).duration_s > 0.5


@pytest.mark.parametrize(("argument", "program"), [("espeak", "espeak-ng"), ("sox", "sox")])
def test_a_missing_program_is_named(tmp_path: Path, argument: str, program: str) -> None:
    speech = EspeakSynthesis(tmp_path / "cache", **{argument: str(tmp_path / "not-installed" / program)})
    with pytest.raises(SpeechToolMissing, match=f"{program} is not installed; install the Debian package"):
        speech.synthesise("Ahoj")
    assert not (tmp_path / "cache").exists()
