"""Voicemail pages (IN-08): the list with playable audio, taking a message, closing it, access control."""

from __future__ import annotations

import io
import wave
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from dependency_injector import providers

from kc_adapters.voicemail import FileVoicemailStore
from kc_domain.audit.model import Outcome
from kc_domain.audit.service import AuditQuery
from kc_domain.voicemail import VoicemailState

pytestmark = pytest.mark.req("IN-08", "SEC-03")


def wav(seconds: float = 2.0) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(8000)
        writer.writeframes(b"\x10\x00" * int(seconds * 8000))
    return buffer.getvalue()


@pytest.fixture
def received(container, tmp_path: Path):
    container.voicemail_store.override(providers.Object(FileVoicemailStore(tmp_path / "voicemail")))
    queue = container.admin().list("queue")[0]
    return container.voicemail().receive("+420601234567", "Klientská linka", queue.id, wav(4.0)), queue


def test_a_received_message_is_listed_and_its_audio_served(client, container, received):
    message, queue = received
    assert client.login("supervizor").status_code == 302

    page = client.get("/voicemail/").get_data(as_text=True)
    assert "+420601234567" in page and queue.name in page and "4 s" in page
    assert f'<audio controls preload="none" src="/voicemail/{message.id}/audio">' in page
    assert "Nový" in page  # the state, in Czech
    local = message.received_at.astimezone(ZoneInfo("Europe/Prague"))  # shown in Prague time
    assert f"{local.day}. {local.month}. {local.year} {local.hour}:{local:%M}" in page

    audio = client.get(f"/voicemail/{message.id}/audio")
    assert audio.status_code == 200 and audio.mimetype == "audio/wav" and audio.data == wav(4.0)
    played = container.audit().search(container.uow_factory(), AuditQuery(action="voicemail.play"), 1)[0]
    assert played.actor == "supervizor" and played.object_id == str(message.id)


def test_assign_to_me_then_mark_done(client, container, received):
    message, _queue = received
    client.login("supervizor")
    me = next(u for u in container.admin().list("user") if u.username == "supervizor")

    assert client.post(f"/voicemail/{message.id}/assign").status_code == 302
    assert container.voicemail().get(message.id).agent_id == me.id
    page = client.get("/voicemail/?state=assigned").get_data(as_text=True)
    assert "+420601234567" in page and me.full_name in page
    assert "+420601234567" not in client.get("/voicemail/?state=new").get_data(as_text=True)

    assert client.post(f"/voicemail/{message.id}/done", {"note": "Zavoláno zpět"}).status_code == 302
    done = container.voicemail().get(message.id)
    assert done.state == VoicemailState.DONE and done.note == "Zavoláno zpět"

    again = client.post(f"/voicemail/{message.id}/done", {"note": ""}, follow_redirects=True)
    assert "Tento vzkaz už byl vyřízen." in again.get_data(as_text=True)
    rejected = container.audit().search(container.uow_factory(), AuditQuery(action="voicemail.done"), 1)[0]
    assert rejected.outcome == Outcome.REJECTED


def test_an_agent_without_the_callback_role_is_refused(client, container, received):
    message, _queue = received
    client.login("novakova")

    assert client.get("/voicemail/").status_code == 403
    assert client.get(f"/voicemail/{message.id}/audio").status_code == 403
    assert client.post(f"/voicemail/{message.id}/assign").status_code == 403
    assert container.voicemail().get(message.id).state == VoicemailState.NEW
    denied = container.audit().search(container.uow_factory(), AuditQuery(action="access.denied"), 1)[0]
    assert denied.actor == "novakova" and denied.params["path"] == f"/voicemail/{message.id}/assign"


@pytest.mark.req("GEN-01", "SEC-03")
def test_only_the_assignee_or_a_supervisor_closes_a_message(client, container, received):
    """Issue 16 #15: an agent closing a message another had taken left it credited to that other."""
    message, _queue = received
    users = {u.username: u for u in container.admin().list("user")}
    client.login("supervizor")
    assert client.post(f"/voicemail/{message.id}/assign").status_code == 302

    client.login("horak")
    refused = client.post(f"/voicemail/{message.id}/done", {"note": "hotovo"}, follow_redirects=True)
    assert "Tento vzkaz si už přiřadil jiný operátor." in refused.get_data(as_text=True)
    kept = container.voicemail().get(message.id)
    assert kept.state == VoicemailState.ASSIGNED and kept.agent_id == users["supervizor"].id
    rejected = container.audit().search(container.uow_factory(), AuditQuery(action="voicemail.done"), 1)[0]
    assert rejected.outcome == Outcome.REJECTED and rejected.actor == "horak"

    other = container.voicemail().receive("+420601234568", "Klientská linka", None, wav(1.0))
    assert client.post(f"/voicemail/{other.id}/assign").status_code == 302
    client.login("supervizor")  # a supervisor may close another's message, and is credited with it
    assert client.post(f"/voicemail/{other.id}/done", {"note": "za něj"}).status_code == 302
    closed = container.voicemail().get(other.id)
    assert closed.state == VoicemailState.DONE and closed.agent_id == users["supervizor"].id
    done = container.audit().search(container.uow_factory(), AuditQuery(action="voicemail.done"), 1)[0]
    assert done.actor == "supervizor" and done.params["assigned_to"] == users["horak"].id


@pytest.mark.req("ADM-06", "GEN-06")
def test_a_message_outside_the_supervisors_queues_cannot_be_heard_or_settled(client, container, tmp_path):
    from tests.web.test_data_sight import limit_supervisor_to_kkc

    container.voicemail_store.override(providers.Object(FileVoicemailStore(tmp_path / "voicemail")))
    assistance = next(q for q in container.admin().list("queue") if q.name == "Asistenční služba")
    message = container.voicemail().receive("+420601234567", "Asistence", assistance.id, wav(1.0))
    limit_supervisor_to_kkc(container)
    client.login("supervizor")
    assert f"/voicemail/{message.id}/audio" not in client.get("/voicemail/").get_data(as_text=True)
    assert client.get(f"/voicemail/{message.id}/audio").status_code == 403
    assert client.post(f"/voicemail/{message.id}/assign").status_code == 403
    assert client.post(f"/voicemail/{message.id}/done", {"note": "x"}).status_code == 403
    assert container.voicemail().get(message.id).state == VoicemailState.NEW
    denied = container.audit().search(container.uow_factory(), AuditQuery(action="access.denied"), 1)[0]
    assert denied.actor == "supervizor" and denied.params["path"] == f"/voicemail/{message.id}/done"
