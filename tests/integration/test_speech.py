"""Uploaded prompts (IN-20): WAV and MP3 are normalised to 8 kHz mono 16-bit; bad uploads leave no trace."""

from __future__ import annotations

import array
import io
import math
import random
import shutil
import subprocess
import sys
import wave
from pathlib import Path

import pytest

from kc_adapters.speech import FilePromptStore
from kc_adapters.speech.audio import rms, wav_format
from kc_adapters.speech.prompts import sniff
from kc_domain.errors import NotFound, ValidationFailed
from kc_ports.speech import PromptRejected, PromptStore, SpeechToolMissing

pytestmark = pytest.mark.req("IN-20")  # upload a "general problem" announcement


def require_sox() -> None:
    """Fail (never skip) when sox is missing."""
    if shutil.which("sox") is None:
        pytest.fail(
            "sox is not installed: run scripts/ensure-services.sh (apt-get install sox libsox-fmt-mp3)"
        )


def tone_wav(seconds: float, rate: int = 44100, channels: int = 2, hz: float = 440.0) -> bytes:
    """A sine tone as a 16-bit PCM WAV file, made in Python."""
    frames = round(seconds * rate)
    one = [round(8000 * math.sin(2 * math.pi * hz * i / rate)) for i in range(frames)]
    samples = array.array("h", (s for s in one for _ in range(channels)))
    if sys.byteorder == "big":
        samples.byteswap()
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(channels)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(samples.tobytes())
    return buffer.getvalue()


def mp3_of(wav: bytes, tmp_path: Path) -> bytes:
    source, target = tmp_path / "source.wav", tmp_path / "made.mp3"
    source.write_bytes(wav)
    subprocess.run(["sox", "-V1", str(source), str(target)], check=True, capture_output=True)
    return target.read_bytes()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    require_sox()
    return tmp_path / "prompts"


@pytest.fixture
def store(folder: Path) -> FilePromptStore:
    return FilePromptStore(folder)


def stored_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*")) if folder.exists() else []


def test_it_satisfies_the_port(store: FilePromptStore) -> None:
    port: PromptStore = store
    assert port.names() == []


def test_a_cd_quality_stereo_wav_is_normalised(store: FilePromptStore, folder: Path) -> None:
    info = store.save("porucha-linky", tone_wav(1.5, rate=44100, channels=2))
    assert (info.name, info.sample_rate) == ("porucha-linky", 8000)
    assert info.duration_s == pytest.approx(1.5, abs=0.01)
    stored = store.load("porucha-linky")
    found = wav_format(stored)
    assert (found.sample_rate, found.channels, found.sample_width) == (8000, 1, 2)
    assert rms(stored) > 3000  # the tone survived (8000 amplitude sine: RMS about 5650)
    assert store.info("porucha-linky") == info
    assert info.size_bytes == len(stored)
    assert store.names() == ["porucha-linky"]
    assert stored_files(folder) == ["porucha-linky.wav"]


def test_a_telephony_wav_is_kept_as_it_is(store: FilePromptStore) -> None:
    upload = tone_wav(0.5, rate=8000, channels=1)
    store.save("hello", upload)
    assert wav_format(store.load("hello")) == wav_format(upload)


def test_an_mp3_is_decoded_and_normalised(store: FilePromptStore, tmp_path: Path) -> None:
    assert store.mp3_supported(), "sox cannot decode MP3 here: apt-get install libsox-fmt-mp3"
    upload = mp3_of(tone_wav(2.0, rate=44100, channels=2), tmp_path)
    assert sniff(upload) == "mp3"
    info = store.save("obecny_problem", upload)
    assert info.duration_s == pytest.approx(2.0, abs=0.1)  # MP3 pads with an encoder delay
    found = wav_format(store.load("obecny_problem"))
    assert (found.sample_rate, found.channels, found.sample_width) == (8000, 1, 2)


def test_without_mp3_support_an_mp3_is_refused_clearly(
    store: FilePromptStore, folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    upload = mp3_of(tone_wav(0.5), tmp_path)
    monkeypatch.setattr(store, "mp3_supported", lambda: False)
    with pytest.raises(PromptRejected, match="MP3 cannot be decoded on this server") as caught:
        store.save("hello", upload)
    assert caught.value.code == "unsupported"
    assert stored_files(folder) == []


def test_a_new_upload_replaces_the_old(store: FilePromptStore) -> None:
    store.save("hello", tone_wav(1.0))
    assert store.save("hello", tone_wav(2.0)).duration_s == pytest.approx(2.0, abs=0.01)
    assert store.names() == ["hello"]


def empty_wav() -> bytes:
    return tone_wav(0.0, rate=8000, channels=1)


BAD_UPLOADS = {
    "nothing": (b"", "required", "the upload is empty"),
    "random-bytes": (
        bytes([0x00]) + random.Random(7).randbytes(4000),
        "not_audio",
        "neither a WAV nor an MP3 file",
    ),
    "text-file-named-wav": (
        "Vážení klienti, omlouváme se za výpadek.\n".encode(),
        "not_audio",
        "neither a WAV nor an MP3 file",
    ),
    "truncated-header": (tone_wav(1.0)[:24], "unreadable", "the WAV file cannot be decoded"),
    "riff-but-garbage": (b"RIFF\x10\x00\x00\x00WAVEjunkjunkjunkjunk", "unreadable", "cannot be decoded"),
    "mp3-frame-then-garbage": (b"\xff\xfb\x90\x64" + bytes(200), "unreadable", "MP3 file cannot be decoded"),
    "no-samples": (empty_wav(), "empty", "holds no sound"),
}


@pytest.mark.parametrize(("upload", "code", "says"), BAD_UPLOADS.values(), ids=BAD_UPLOADS.keys())
def test_a_bad_upload_is_refused_and_nothing_is_stored(
    store: FilePromptStore, folder: Path, upload: bytes, code: str, says: str
) -> None:
    with pytest.raises(PromptRejected) as caught:
        store.save("hello", upload)
    assert (caught.value.field, caught.value.code) == ("audio", code)
    assert says in str(caught.value)
    assert isinstance(caught.value, ValidationFailed)  # the web shell shows it as a form error
    assert store.names() == []
    assert stored_files(folder) == []


def test_a_bad_upload_keeps_the_prompt_it_would_replace(store: FilePromptStore) -> None:
    store.save("hello", tone_wav(1.0))
    before = store.load("hello")
    with pytest.raises(PromptRejected):
        store.save("hello", b"not audio at all")
    assert store.load("hello") == before


def test_too_long_is_refused(folder: Path) -> None:
    store = FilePromptStore(folder, max_duration_s=1.0)
    store.save("short", tone_wav(0.9))
    with pytest.raises(PromptRejected, match="too_long: longer than 1 s") as caught:
        store.save("long", tone_wav(1.2))
    assert caught.value.code == "too_long"
    assert store.names() == ["short"]


def test_too_long_an_mp3_is_refused(folder: Path, tmp_path: Path) -> None:
    store = FilePromptStore(folder, max_duration_s=1.0)
    with pytest.raises(PromptRejected, match="too_long"):
        store.save("long", mp3_of(tone_wav(3.0), tmp_path))
    assert stored_files(folder) == []


def test_too_large_is_refused_before_decoding(folder: Path) -> None:
    upload = tone_wav(1.0)
    store = FilePromptStore(folder, max_bytes=len(upload) - 1)
    with pytest.raises(PromptRejected, match=f"too_large: {len(upload)} bytes, at most {len(upload) - 1}"):
        store.save("hello", upload)
    assert stored_files(folder) == []


@pytest.mark.parametrize(
    "name",
    ["", "Hello", "../escape", "a/b", "x.wav", "ahoj\n", "čeština", "a" * 65, " hello", "-" * 65],
)
def test_a_bad_name_is_refused(store: FilePromptStore, folder: Path, name: str) -> None:
    with pytest.raises(PromptRejected, match="use 1 to 64 characters of a-z, 0-9") as caught:
        store.save(name, tone_wav(0.2))
    assert (caught.value.field, caught.value.code) == ("name", "invalid")
    assert stored_files(folder) == []
    assert not (folder.parent / "escape.wav").exists()


def test_the_longest_name_is_accepted(store: FilePromptStore) -> None:
    store.save("a" * 64, tone_wav(0.2))
    assert store.names() == ["a" * 64]


def test_an_unknown_prompt_is_not_found(store: FilePromptStore) -> None:
    with pytest.raises(NotFound):
        store.load("missing")
    with pytest.raises(NotFound):
        store.info("missing")
    with pytest.raises(PromptRejected):
        store.load("../../etc/passwd")


def test_a_missing_sox_is_named(tmp_path: Path) -> None:
    store = FilePromptStore(tmp_path / "prompts", sox=str(tmp_path / "nowhere" / "sox"))
    with pytest.raises(SpeechToolMissing, match="sox is not installed; install the Debian package sox"):
        store.save("hello", tone_wav(0.2))
    assert stored_files(tmp_path / "prompts") == []
