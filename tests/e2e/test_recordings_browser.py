"""A supervisor finds a recording in the browser, sorts the list, opens it and the player loads the
audio and seeks in it (REC-04, REC-06): the audio route's byte ranges work in a real Chromium."""

from __future__ import annotations

import array
import math
from datetime import UTC, datetime, timedelta

import pytest
from dependency_injector import providers
from playwright.sync_api import expect

from kc_adapters.recordings import FileRecordingStore
from kc_adapters.speech.audio import telephony_wav
from tests.e2e.conftest import screenshot, user_id
from tests.e2e.test_admin_journey import sign_in

pytestmark = pytest.mark.e2e

SECONDS = 8


def tone(seconds: int) -> bytes:
    """A quiet 440 Hz tone, 8 kHz mono 16-bit."""
    return telephony_wav(
        array.array("h", (int(3000 * math.sin(2 * math.pi * 440 * n / 8000)) for n in range(8000 * seconds)))
    )


@pytest.mark.req("REC-04", "REC-06")
def test_supervisor_sorts_opens_plays_and_seeks_a_recording(page, container, tmp_path):
    container.recording_store.override(providers.Object(FileRecordingStore(tmp_path / "recordings")))
    service = container.recordings()
    started = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    novakova = user_id(container, "novakova")
    short = service.receive("e2e-short", novakova, started, 2, tone(2))
    long = service.receive("e2e-long", novakova, started + timedelta(minutes=5), SECONDS, tone(SECONDS))

    sign_in(page, "supervizor")
    page.locator("#nav-recordings").click()
    expect(page.locator("#recordings")).to_be_visible()
    rows = page.locator("#recordings tbody tr")
    expect(rows).to_have_count(2)

    page.locator("#sort-duration").click()  # longest first
    expect(rows.first).to_have_attribute("id", f"recording-{long.id}")
    page.locator("#sort-duration").click()  # and back: shortest first
    expect(rows.first).to_have_attribute("id", f"recording-{short.id}")

    page.locator(f"#recording-{long.id} a").first.click()
    audio = page.locator("audio#player")
    expect(audio).to_be_visible()
    page.wait_for_function("() => document.querySelector('audio#player').readyState >= 1")
    duration = audio.evaluate("a => a.duration")
    assert abs(duration - SECONDS) < 0.2, duration

    audio.evaluate(f"a => {{ a.currentTime = {SECONDS / 2}; }}")
    page.wait_for_function("() => !document.querySelector('audio#player').seeking")
    position = audio.evaluate("a => a.currentTime")
    assert abs(position - SECONDS / 2) < 0.5, position
    expect(page.locator("#download-wav")).to_have_count(0)  # listening only, no downloads
    screenshot(page, "recordings-player")
