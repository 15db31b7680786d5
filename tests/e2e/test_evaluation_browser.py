"""A supervisor evaluates a recorded call while listening, in a real headless Chromium (REC-07): picks
a form, scores the criteria, clicks the timeline under the player to pin a note to that moment,
seeks by clicking the note, saves; the agent then sees the evaluation with the note."""

from __future__ import annotations

import array
import math
from datetime import UTC, datetime, timedelta

import pytest
from dependency_injector import providers
from playwright.sync_api import expect

from kc_adapters.recordings import FileRecordingStore
from kc_adapters.speech.audio import telephony_wav
from kc_domain.audit.service import SYSTEM
from kc_domain.recordings.evaluation import Criterion, Scale
from tests.e2e.conftest import screenshot, user_id
from tests.e2e.test_admin_journey import sign_in

pytestmark = pytest.mark.e2e

SECONDS = 8


def tone(seconds: int) -> bytes:
    return telephony_wav(
        array.array("h", (int(3000 * math.sin(2 * math.pi * 440 * n / 8000)) for n in range(8000 * seconds)))
    )


@pytest.mark.req("REC-07")
def test_supervisor_scores_a_call_pins_a_note_on_the_timeline_and_the_agent_sees_it(
    page, container, tmp_path
):
    container.recording_store.override(providers.Object(FileRecordingStore(tmp_path / "recordings")))
    started = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    recording = container.recordings().receive(
        "e2e-eval", user_id(container, "novakova"), started, SECONDS, tone(SECONDS)
    )
    admin = container.admin()
    admin.create(
        SYSTEM, "evaluation_form", {"name": "Krátký", "criteria": (Criterion("Pozdrav", Scale.YES_NO),)}
    )
    form = admin.create(
        SYSTEM,
        "evaluation_form",
        {
            "name": "Kvalita hovoru",
            "criteria": (
                Criterion("Pozdrav a představení", Scale.POINTS, 5, 2),
                Criterion("Ověření totožnosti", Scale.YES_NO, weight=3),
            ),
        },
    )

    sign_in(page, "supervizor")
    page.goto(f"/recordings/{recording.id}")
    page.wait_for_function("() => document.querySelector('audio#player').readyState >= 1")
    page.locator("#form-choice").select_option(label="Kvalita hovoru")
    sheet = page.locator(f"#sheet-f{form.id}")
    expect(sheet).to_be_visible()
    expect(page.locator("fieldset.sheet:visible")).to_have_count(1)

    sheet.locator(f'input[name="f{form.id}_score_1"][value="4"]').check()
    sheet.locator(f'input[name="f{form.id}_score_2"][value="1"]').check()
    sheet.locator(f'input[name="f{form.id}_comment_1"]').fill("Chybělo jméno pojišťovny")

    timeline = page.locator("#timeline")
    box = timeline.bounding_box()
    assert box is not None
    timeline.click(position={"x": box["width"] * 0.75, "y": box["height"] / 2})  # 6 s of 8
    note = page.locator("#notes .note-row")
    expect(note).to_have_count(1)
    offset = float(note.locator('input[name="note_offset"]').input_value())
    assert abs(offset - 0.75 * SECONDS) < 0.3, offset
    expect(note.locator(".seek")).to_have_text("0:05" if offset < 6 else "0:06")
    note.locator('input[name="note_text"]').fill("Skočila klientovi do řeči")
    expect(timeline.locator(".marker")).to_have_count(1)

    note.locator(".seek").click()  # the player goes to the note's moment
    page.wait_for_function(
        f"() => Math.abs(document.querySelector('audio#player').currentTime - {offset}) < 0.6"
    )
    page.locator("audio#player").evaluate("a => a.pause()")
    page.locator("#evaluation-comment").fill("Celkově dobrý hovor.")
    screenshot(page, "evaluation-sheet")
    page.locator("#evaluation-save").click()

    expect(page.locator(".flash.success")).to_contain_text("92,0")
    expect(page.locator("#recording-evaluations tbody tr")).to_have_count(1)
    with container.uow_factory()() as uow:
        (saved,) = uow.evaluations.list()
    assert [n.text for n in saved.notes] == ["Skočila klientovi do řeči"]
    assert abs(saved.notes[0].offset_s - offset) < 0.05

    page.locator("#logout").click()
    sign_in(page, "novakova")
    page.locator("#nav-evaluations").click()
    evaluation = page.locator(f"#evaluation-{saved.id}")
    expect(evaluation).to_be_visible()
    expect(evaluation).to_contain_text("92,0")
    expect(evaluation).to_contain_text("Kvalita hovoru")
    expect(evaluation).to_contain_text("Petr Svoboda")
    expect(evaluation).to_contain_text("Chybělo jméno pojišťovny")
    expect(evaluation).to_contain_text("Skočila klientovi do řeči")
    screenshot(page, "evaluation-agent")
