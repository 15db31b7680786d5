"""Voicemail (IN-08): receiving a message, taking it, closing it; refusals; audit of every step."""

from __future__ import annotations

import io
import wave

import pytest

from kc_adapters.memory.persistence import MemoryUnitOfWorkFactory
from kc_adapters.memory.voicemail import MemoryVoicemailStore
from kc_adapters.system import FixedClock
from kc_domain.audit.model import Outcome
from kc_domain.audit.service import Actor, AuditQuery, AuditTrail
from kc_domain.errors import NotFound, ValidationFailed
from kc_domain.voicemail import VoicemailService, VoicemailState

pytestmark = pytest.mark.req("IN-08", "SEC-03")

AGENT = Actor("horak", "10.0.0.7")
OTHER = Actor("supervizor", "10.0.0.8")


def wav(seconds: float = 2.0, rate: int = 8000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(b"\x00\x01" * int(seconds * rate))
    return buffer.getvalue()


@pytest.fixture
def files() -> MemoryVoicemailStore:
    return MemoryVoicemailStore()


@pytest.fixture
def voicemail(
    uow_factory: MemoryUnitOfWorkFactory, clock: FixedClock, audit: AuditTrail, files: MemoryVoicemailStore
) -> VoicemailService:
    return VoicemailService(uow_factory, clock, audit, files)


def records(audit: AuditTrail, uow_factory: MemoryUnitOfWorkFactory, action: str) -> list:
    return audit.search(uow_factory, AuditQuery(action=action), 50)


def test_a_received_message_is_stored_with_its_audio_and_listed_as_new(
    voicemail, files, clock, audit, uow_factory
):
    message = voicemail.receive("+420601234567", "Klientská linka", None, wav(3.0), frozenset({42}))

    assert message.id is not None and message.state == VoicemailState.NEW
    assert message.received_at == clock.now() and message.duration_s == 3.0
    assert message.client_ids == frozenset({42}) and message.agent_id is None
    assert files.files[message.audio_name] == wav(3.0)
    assert [m.id for m in voicemail.list()] == [message.id]
    assert voicemail.list(VoicemailState.DONE) == []
    record = records(audit, uow_factory, "voicemail.receive")[0]
    assert record.actor == "system" and record.outcome == Outcome.OK
    assert record.params["caller"] == "+420601234567" and record.params["duration_s"] == 3.0


def test_an_agent_takes_a_message_and_marks_it_done_each_step_audited(voicemail, clock, audit, uow_factory):
    message = voicemail.receive("+420601234567", "Klientská linka", None, wav())

    taken = voicemail.assign_to_self(AGENT, 7, message.id)
    assert taken.state == VoicemailState.ASSIGNED and taken.agent_id == 7
    clock.advance(minutes=5)
    closed = voicemail.mark_done(AGENT, 7, message.id, "  Zavoláno zpět  ")

    assert (
        closed.state == VoicemailState.DONE
        and closed.done_at == clock.now()
        and closed.note == "Zavoláno zpět"
    )
    assert voicemail.get(message.id).state == VoicemailState.DONE
    assert [m.id for m in voicemail.list(VoicemailState.DONE)] == [message.id]
    assign = records(audit, uow_factory, "voicemail.assign")[0]
    done = records(audit, uow_factory, "voicemail.done")[0]
    assert (assign.actor, assign.object_id, assign.params["agent_id"]) == ("horak", str(message.id), 7)
    assert done.outcome == Outcome.OK and done.params["note"] == "Zavoláno zpět"


def test_playing_the_audio_is_audited(voicemail, audit, uow_factory):
    message = voicemail.receive("+420601234567", "Klientská linka", None, wav(1.0))

    assert voicemail.audio(AGENT, message.id) == wav(1.0)
    record = records(audit, uow_factory, "voicemail.play")[0]
    assert record.actor == "horak" and record.object_id == str(message.id) and record.outcome == Outcome.OK


def test_illegal_transitions_are_refused_and_audited(voicemail, audit, uow_factory):
    message = voicemail.receive("+420601234567", "Klientská linka", None, wav())
    voicemail.assign_to_self(AGENT, 7, message.id)

    with pytest.raises(ValidationFailed) as taken:
        voicemail.assign_to_self(OTHER, 8, message.id)
    assert taken.value.errors[0].code == "voicemail_taken"

    voicemail.mark_done(AGENT, 7, message.id, "")
    with pytest.raises(ValidationFailed) as twice:
        voicemail.mark_done(AGENT, 7, message.id, "")
    assert twice.value.errors[0].code == "voicemail_done"
    with pytest.raises(ValidationFailed) as assign_done:
        voicemail.assign_to_self(AGENT, 7, message.id)
    assert assign_done.value.errors[0].code == "voicemail_done"

    assert voicemail.get(message.id).agent_id == 7
    rejected = [r for r in records(audit, uow_factory, "voicemail.") if r.outcome == Outcome.REJECTED]
    codes = [(r.action, r.actor, r.params["errors"][0]["code"]) for r in rejected]
    assert codes == [
        ("voicemail.assign", "horak", "voicemail_done"),
        ("voicemail.done", "horak", "voicemail_done"),
        ("voicemail.assign", "supervizor", "voicemail_taken"),
    ]


def test_an_unknown_message_is_not_found_and_the_attempt_audited(voicemail, audit, uow_factory):
    with pytest.raises(NotFound):
        voicemail.audio(AGENT, 999)
    record = records(audit, uow_factory, "voicemail.play")[0]
    assert record.outcome == Outcome.REJECTED and record.params["error"] == "NotFound"


@pytest.mark.parametrize(
    "audio, code",
    [
        (b"", "required"),
        (b"ID3\x03\x00\x00\x00" + b"\x00" * 100, "not_wav"),
        (b"RIFF\x00\x00\x00\x00WAVEbroken", "not_wav"),
        (wav(601.0), "audio_too_long"),
    ],
)
def test_bad_audio_is_rejected_audited_and_nothing_is_stored(
    voicemail, files, audit, uow_factory, audio, code
):
    with pytest.raises(ValidationFailed) as refused:
        voicemail.receive("+420601234567", "Klientská linka", None, audio)

    assert refused.value.errors[0].field == "audio" and refused.value.errors[0].code == code
    assert files.files == {} and voicemail.list() == []
    record = records(audit, uow_factory, "voicemail.receive")[0]
    assert record.outcome == Outcome.REJECTED and record.params["errors"][0]["code"] == code


def test_a_message_for_an_unknown_queue_is_refused_before_the_audio_is_stored(voicemail, files):
    with pytest.raises(ValidationFailed) as refused:
        voicemail.receive("+420601234567", "Klientská linka", 999, wav())
    assert refused.value.errors[0].code == "unknown_reference"
    assert files.files == {}


def test_the_file_store_keeps_wav_files_and_rejects_anything_else(tmp_path):
    from kc_adapters.voicemail import FileVoicemailStore

    store = FileVoicemailStore(tmp_path / "vm")
    assert store.save("vm-1", wav(1.5)) == 1.5
    assert store.load("vm-1") == wav(1.5)
    with pytest.raises(ValidationFailed):
        store.save("vm-2", b"not a wav file at all")
    with pytest.raises(ValidationFailed):
        store.save("../escape", wav())
    with pytest.raises(NotFound):
        store.load("vm-3")
    assert sorted(p.name for p in (tmp_path / "vm").iterdir()) == ["vm-1.wav"]
