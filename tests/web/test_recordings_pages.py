"""The recordings pages (REC-02, REC-04, REC-05, REC-06, AG-14): search with filters, sorting and
paging; the player's audio with byte ranges, audited once per playback; downloads as WAV and MP3
for those with the right; the legal hold; a purged recording is gone (410)."""

from __future__ import annotations

import array
import subprocess
import wave
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from dependency_injector import providers
from flask import g

from apps.web.recordings import mmss, recording_links
from kc_adapters.persistence.tables import contact_records, note_versions, recordings
from kc_adapters.recordings import FileRecordingStore
from kc_adapters.speech.audio import telephony_wav
from kc_adapters.system import FixedClock
from kc_domain.audit.service import Actor, AuditQuery
from kc_domain.routing import events as ev

NOW = datetime.now(UTC).replace(microsecond=0)
T0 = NOW - timedelta(hours=3)
SYSTEM_ACTOR = Actor("test", "127.0.0.1")
WAV = telephony_wav(array.array("h", [0]) * (8000 * 3))  # 3 s of silence: 48 044 bytes


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def ids(container, kind: str) -> dict[str, int]:  # type: ignore[no-untyped-def]
    if kind == "user":
        return {u.username: u.id for u in container.admin().list("user")}
    return {x.name: x.id for x in container.admin().list(kind)}


@pytest.fixture
def world(container, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Three recorded calls: r1 inbound (Nováková, 2 min, waited 20 s, category, note), r2 outbound
    (Horák, 30 s), r3 inbound (Nováková, 5 min, no category)."""
    container.recording_store.override(providers.Object(FileRecordingStore(tmp_path / "recordings")))
    users, queues = ids(container, "user"), ids(container, "queue")
    categories = ids(container, "category")
    novakova, horak = users["novakova"], users["horak"]
    general = queues["Obecná linka"]
    container.journal().record(
        [
            ev.CallArrived(at(0), "c1", "+420777111222", "+420261105555"),
            ev.CallQueued(at(2), "c1", general, 5),
            ev.CallOffered(at(20), "c1", general, novakova),
            ev.CallAnswered(at(22), "c1", general, novakova, 20),
            ev.CallEnded(at(142), "c1", "completed", general, novakova),
            ev.CallDialled(at(600), "c2", "+420603999888", None, horak),
            ev.CallConnected(at(610), "c2"),
            ev.CallEnded(at(640), "c2", "completed", None, horak),
            ev.CallArrived(at(1200), "c3", "+420777333444", "+420261105555"),
            ev.CallQueued(at(1201), "c3", general, 5),
            ev.CallOffered(at(1205), "c3", general, novakova),
            ev.CallAnswered(at(1206), "c3", general, novakova, 5),
            ev.CallEnded(at(1506), "c3", "completed", general, novakova),
        ],
        [],
    )
    category = next(iter(categories.values()))
    with container.database().engine.begin() as connection:
        connection.execute(
            sa.insert(contact_records),
            [
                {
                    "call_id": "c1",
                    "agent_id": novakova,
                    "client_id": None,
                    "category_id": category,
                    "recording_opt_out": False,
                    "updated_at": at(150),
                    "version": 1,
                }
            ],
        )
        connection.execute(
            sa.insert(note_versions),
            [
                {
                    "call_id": "c1",
                    "number": n,
                    "text": text,
                    "author_id": novakova,
                    "author_name": "Marie Nováková",
                    "at": at(150 + n),
                    "draft": False,
                }
                for n, text in ((1, "první verze"), (2, "Klient se ptal na PŘEPLATEK"))
            ],
        )
    service = container.recordings()
    made = {
        "r1": service.receive("c1", novakova, at(22), 120, WAV),
        "r2": service.receive("c2", horak, at(610), 30, WAV),
        "r3": service.receive("c3", novakova, at(1206), 300, WAV),
    }
    return {
        "ids": {name: r.id for name, r in made.items()},
        "category": category,
        "general": general,
        "novakova": novakova,
        "horak": horak,
    }


def listed(response) -> list[str]:  # type: ignore[no-untyped-def]
    import re

    return re.findall(r'<tr id="recording-(\d+)"', response.get_data(as_text=True))


def names(world, response) -> list[str]:  # type: ignore[no-untyped-def]
    by_id = {str(v): k for k, v in world["ids"].items()}
    return [by_id.get(i, i) for i in listed(response)]


def signed_in(client, username: str):  # type: ignore[no-untyped-def]
    assert client.login(username).status_code == 302
    return client


def audit_actions(container, actor: str) -> list[str]:  # type: ignore[no-untyped-def]
    found = container.audit().search(container.uow_factory(), AuditQuery(action="recording."), 100)
    return [r.action for r in found if r.actor == actor]


# -- search -------------------------------------------------------------------------------------------
@pytest.mark.req("REC-02", "REC-06")
def test_listing_is_newest_first_and_sorts_by_every_column(client, world):
    signed_in(client, "supervizor")
    page = client.get("/recordings/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert names(world, page) == ["r3", "r2", "r1"]
    assert "Marie Nováková" in html and "+420777111222" in html and "Klient se ptal na PŘEPLATEK" in html
    assert "první verze" not in html  # only the latest note version
    assert 'id="nav-recordings"' in html
    for header in ("started_at", "agent", "number", "duration", "queue_wait", "category", "queue", "note"):
        assert f'id="sort-{header}"' in html
    assert names(world, client.get("/recordings/?sort=duration&dir=asc")) == ["r2", "r1", "r3"]
    assert names(world, client.get("/recordings/?sort=duration")) == ["r3", "r1", "r2"]
    # time in queue: r1 waited 20 s, r3 5 s, r2 (outbound) has none and comes last either way
    assert names(world, client.get("/recordings/?sort=queue_wait")) == ["r1", "r3", "r2"]
    assert names(world, client.get("/recordings/?sort=queue_wait&dir=asc")) == ["r3", "r1", "r2"]
    assert names(world, client.get("/recordings/?sort=number&dir=asc")) == ["r2", "r1", "r3"]
    assert names(world, client.get("/recordings/?sort=agent&dir=asc")) == ["r1", "r3", "r2"]  # Marie < Tomáš
    assert names(world, client.get("/recordings/?sort=note"))[0] == "r1"
    assert names(world, client.get("/recordings/?sort=category"))[0] == "r1"
    assert names(world, client.get("/recordings/?sort=queue"))[-1] == "r2"
    # the header of the current column flips the direction
    assert "sort=duration&amp;dir=desc" in client.get("/recordings/?sort=duration&dir=asc").get_data(
        as_text=True
    )


@pytest.mark.req("REC-02", "REC-06", "AG-14")
def test_filters(client, world):
    signed_in(client, "supervizor")

    def found(query: str) -> list[str]:
        response = client.get(f"/recordings/?{query}")
        assert response.status_code == 200, response.get_data(as_text=True)
        return names(world, response)

    assert found(f"agent={world['horak']}") == ["r2"]
    assert found(f"agent={world['novakova']}") == ["r3", "r1"]
    assert found(f"queue={world['general']}") == ["r3", "r1"]
    assert found("number=777111") == ["r1"]
    assert found("number=603") == ["r2"]
    assert found(f"category={world['category']}") == ["r1"]
    assert found("type=outbound") == ["r2"]
    assert found("type=inbound") == ["r3", "r1"]
    assert found("type=lost") == []
    assert found("min_duration=100&max_duration=200") == ["r1"]
    assert found("min_duration=121") == ["r3"]
    assert found("note=přeplatek") == ["r1"]  # case-insensitive, beyond ASCII
    assert found("note=nothing-like-it") == []
    assert found("call=c2") == ["r2"]  # the link from a call's row (REP-07, AG-14, CDB-03)
    old = (NOW - timedelta(days=60)).date().isoformat()
    assert found(f"since={old}&until={old}") == []
    assert found(f"call=c2&since={old}&until={old}") == []


@pytest.mark.req("REC-02", "AG-14")
def test_a_link_to_a_calls_recordings_finds_them_however_old(client, world, container):
    with container.database().engine.begin() as connection:
        connection.execute(
            sa.update(recordings)
            .where(recordings.c.id == world["ids"]["r2"])
            .values(started_at=NOW - timedelta(days=150))
        )
    signed_in(client, "supervizor")
    assert names(world, client.get("/recordings/")) == ["r3", "r1"]  # the last 30 days
    response = client.get("/recordings/?call=c2")
    assert names(world, response) == ["r2"]
    assert 'id="call-filter"' in response.get_data(as_text=True)


@pytest.mark.req("REC-06")
@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("since=2026-13-01", "since"),
        ("since=2026-11-20&until=2026-11-10", "until"),
        ("agent=abc", "agent"),
        ("number=12ab", "number"),
        ("type=whatever", "type"),
        ("min_duration=-5", "min_duration"),
        ("min_duration=60&max_duration=10", "max_duration"),
        ("sort=colour", "sort"),
        ("page=0", "page"),
    ],
)
def test_bad_filters_give_a_field_error_and_no_search(client, world, query, field):
    signed_in(client, "supervizor")
    response = client.get(f"/recordings/?{query}")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'class="field-error"' in html and 'id="filter-errors"' in html
    assert listed(response) == []


@pytest.mark.req("REC-06")
def test_paging_fifty_a_page_with_the_total(client, world, container):
    with container.database().engine.begin() as connection:
        connection.execute(
            sa.insert(recordings),
            [
                {
                    "call_id": f"bulk{n}",
                    "started_at": at(2000 + n),
                    "duration_s": 10.0,
                    "path": f"2026/01/01/bulk{n}.wav",
                    "size": 1,
                    "sha256": "0" * 64,
                    "agent_id": None,
                    "legal_hold": False,
                    "hold_reason": "",
                    "purged_at": None,
                }
                for n in range(60)
            ],
        )
    signed_in(client, "supervizor")
    first = client.get("/recordings/")
    html = first.get_data(as_text=True)
    assert len(listed(first)) == 50 and "63" in html and 'id="page-next"' in html
    second = client.get("/recordings/?page=2")
    assert names(world, second)[-3:] == ["r3", "r2", "r1"] and len(listed(second)) == 13
    assert not set(listed(first)) & set(listed(second))
    assert listed(client.get("/recordings/?page=3")) == []


# -- a recording, playing it --------------------------------------------------------------------------
@pytest.mark.req("REC-04", "REC-02")
def test_the_recording_page_has_a_seekable_player_and_no_downloads_for_a_listener(client, world):
    signed_in(client, "supervizor")
    rid = world["ids"]["r1"]
    html = client.get(f"/recordings/{rid}").get_data(as_text=True)
    assert f'<audio id="player" controls preload="metadata" src="/recordings/{rid}/audio">' in html
    assert "Klient se ptal na PŘEPLATEK" in html and "+420777111222" in html and "Obecná linka" in html
    assert "download.wav" not in html and "download.mp3" not in html
    assert 'id="legal-hold"' in html  # the supervisor may set the hold
    assert client.get("/recordings/99999").status_code == 404


@pytest.mark.req("REC-04", "REC-05")
def test_audio_full_and_ranges_and_one_audit_record_per_playback(client, world, container):
    signed_in(client, "supervizor")
    rid = world["ids"]["r1"]
    full = client.get(f"/recordings/{rid}/audio")
    assert full.status_code == 200 and full.mimetype == "audio/wav"
    assert full.data == WAV and full.headers["Accept-Ranges"] == "bytes"
    assert "no-store" in full.headers["Cache-Control"]
    start = client.get(f"/recordings/{rid}/audio", headers={"Range": "bytes=0-99"})
    assert start.status_code == 206 and len(start.data) == 100 and start.data == WAV[:100]
    assert start.headers["Content-Range"] == f"bytes 0-99/{len(WAV)}"
    seek = client.get(f"/recordings/{rid}/audio", headers={"Range": "bytes=24000-"})
    assert seek.status_code == 206 and seek.data == WAV[24000:]
    beyond = client.get(f"/recordings/{rid}/audio", headers={"Range": "bytes=999999999-"})
    assert beyond.status_code == 416
    # one record for the user and the recording in the window, whichever ranges were asked for
    assert audit_actions(container, "supervizor") == ["recording.listen"]


@pytest.mark.req("REC-05")
@pytest.mark.parametrize(
    "headers",
    [
        {"Range": "bytes=1-", "If-Range": '"nope"'},  # a failed If-Range sends the whole file
        {"Range": "bytes=44-"},  # all the audio after the WAV header
        {"Range": "bytes=0-99"},
        {},
    ],
)
def test_every_listen_is_audited_whatever_the_range_headers(client, world, container, headers):
    signed_in(client, "supervizor")
    rid = world["ids"]["r1"]
    heard = client.get(f"/recordings/{rid}/audio", headers=headers)
    assert heard.status_code in (200, 206) and heard.data
    assert audit_actions(container, "supervizor") == ["recording.listen"]
    # a second request in the window (seeking, replaying) adds no record
    again = client.get(f"/recordings/{rid}/audio", headers={"Range": "bytes=24000-"})
    assert again.status_code == 206
    assert audit_actions(container, "supervizor") == ["recording.listen"]


@pytest.mark.req("REC-05")
def test_listen_and_download_audited_again_after_the_window(client, world, container):
    clock = FixedClock(NOW)
    container.clock.override(providers.Object(clock))
    container.audit.reset()
    container.recordings.reset()  # the singletons take the clock when they are made
    try:
        rid = world["ids"]["r1"]
        signed_in(client, "nahravky")
        for _ in range(2):
            client.get(f"/recordings/{rid}/audio", headers={"Range": "bytes=44-"})
            client.get(f"/recordings/{rid}/download.wav", headers={"Range": "bytes=100-"})
            client.get(f"/recordings/{rid}/download.mp3")
            clock.advance(minutes=5)
        assert sorted(audit_actions(container, "nahravky")) == ["recording.download", "recording.listen"]
        clock.advance(minutes=6)
        client.get(f"/recordings/{rid}/audio", headers={"Range": "bytes=1-", "If-Range": '"nope"'})
        client.get(f"/recordings/{rid}/download.wav")
        assert sorted(audit_actions(container, "nahravky")) == [
            "recording.download",
            "recording.download",
            "recording.listen",
            "recording.listen",
        ]
    finally:
        container.clock.reset_override()
        container.audit.reset()
        container.recordings.reset()


@pytest.mark.req("REC-05")
def test_rights_listen_and_download_are_separate(client, world, container):
    rid = world["ids"]["r1"]
    signed_in(client, "novakova")  # an agent: neither
    assert client.get("/recordings/").status_code == 403
    assert client.get(f"/recordings/{rid}").status_code == 403
    assert client.get(f"/recordings/{rid}/audio").status_code == 403
    signed_in(client, "supervizor")  # listens, may not download
    assert client.get(f"/recordings/{rid}/download.wav").status_code == 403
    assert client.get(f"/recordings/{rid}/download.mp3").status_code == 403
    assert "recording.download" not in audit_actions(container, "supervizor")


@pytest.mark.req("REC-04", "REC-05")
def test_download_wav_and_mp3_audited(client, world, container, tmp_path):
    signed_in(client, "nahravky")
    rid = world["ids"]["r1"]
    html = client.get(f"/recordings/{rid}").get_data(as_text=True)
    assert 'id="download-wav"' in html and 'id="download-mp3"' in html
    assert 'id="legal-hold"' not in html  # no SUPERVISE
    wav = client.get(f"/recordings/{rid}/download.wav")
    assert wav.status_code == 200 and wav.data == WAV and wav.mimetype == "audio/wav"
    assert wav.headers["Content-Disposition"].startswith("attachment;")
    assert "c1.wav" in wav.headers["Content-Disposition"]
    mp3 = client.get(f"/recordings/{rid}/download.mp3")
    assert mp3.status_code == 200 and mp3.mimetype == "audio/mpeg"
    assert mp3.headers["Content-Disposition"].startswith("attachment;")
    assert len(mp3.data) < len(WAV) / 3
    (tmp_path / "r.mp3").write_bytes(mp3.data)
    subprocess.run(["sox", str(tmp_path / "r.mp3"), str(tmp_path / "back.wav")], check=True, timeout=60)
    with wave.open(str(tmp_path / "back.wav")) as back:
        assert abs(back.getnframes() / back.getframerate() - 3.0) < 0.2
    assert audit_actions(container, "nahravky") == ["recording.download"]  # once in the window


# -- legal hold, retention, a lost file --------------------------------------------------------------
@pytest.mark.req("REC-04")
def test_legal_hold_set_and_lifted_audited(client, world, container):
    signed_in(client, "supervizor")
    rid = world["ids"]["r2"]
    refused = client.post(f"/recordings/{rid}/hold", {"hold": "on", "reason": "  "}, follow_redirects=True)
    assert "flash error" in refused.get_data(as_text=True)
    assert not container.recordings().get(rid).legal_hold
    response = client.post(f"/recordings/{rid}/hold", {"hold": "on", "reason": "Stížnost 42/2026"})
    assert response.status_code == 302
    held = container.recordings().get(rid)
    assert held.legal_hold and held.hold_reason == "Stížnost 42/2026"
    assert "Stížnost 42/2026" in client.get(f"/recordings/{rid}").get_data(as_text=True)
    client.post(f"/recordings/{rid}/hold", {"hold": "off"})
    assert not container.recordings().get(rid).legal_hold
    holds = [
        r.outcome.value
        for r in container.audit().search(container.uow_factory(), AuditQuery(action="recording.hold"), 10)
    ]
    assert sorted(holds) == ["ok", "ok", "rejected"]  # newest first: lift, set, the refused try
    signed_in(client, "nahravky")  # no SUPERVISE
    assert client.post(f"/recordings/{rid}/hold", {"hold": "on", "reason": "x"}).status_code == 403


@pytest.mark.req("REC-04")
def test_a_purged_recording_is_gone_and_a_lost_file_is_reported(client, world, container, tmp_path):
    rid, kept = world["ids"]["r1"], world["ids"]["r3"]
    container.recordings().hold(SYSTEM_ACTOR, kept, True, "kept for the test")
    container.clock.override(providers.Object(FixedClock(NOW + timedelta(days=191))))
    container.recordings.reset()  # the service singleton takes the clock when it is made
    assert container.recordings().purge(190) == {"purged": 2, "already_missing": 0, "on_hold": 1}
    container.clock.reset_override()
    container.recordings.reset()
    signed_in(client, "nahravky")
    for path in (
        f"/recordings/{rid}/audio",
        f"/recordings/{rid}/download.wav",
        f"/recordings/{rid}/download.mp3",
    ):
        response = client.get(path)
        assert response.status_code == 410, path
        assert 'id="error-message"' in response.get_data(as_text=True)
    page = client.get(f"/recordings/{rid}").get_data(as_text=True)
    assert 'id="recording-purged"' in page and "<audio" not in page
    assert 'class="purged"' in client.get("/recordings/").get_data(as_text=True)
    # a file deleted outside KC: 404 with the reason
    path = container.recordings().get(kept).path
    (tmp_path / "recordings" / path).unlink()
    missing = client.get(f"/recordings/{kept}/audio")
    assert missing.status_code == 404 and "kc recordings verify" in missing.get_data(as_text=True)
    assert client.get(f"/recordings/{kept}/audio", headers={"Range": "bytes=100-"}).status_code == 404


def test_mmss():
    assert mmss(None) == "" and mmss(0) == "0:00" and mmss(725) == "12:05" and mmss(59.6) == "1:00"


@pytest.mark.req("AG-14", "REP-07")
def test_recording_links_for_pages_listing_calls(app, container, world):
    users = ids(container, "user")
    calls = ["c1", "c2", "c9"]  # c9 has no recording
    with app.test_request_context():
        g.user = None
        assert recording_links(calls) == {}  # nobody signed in
        g.user = container.sign_in().identity(users["supervizor"])
        # one recording: its page, to play and download at once (REP-07); several: the call's list
        r1, r2 = world["ids"]["r1"], world["ids"]["r2"]
        assert recording_links(calls) == {"c1": f"/recordings/{r1}", "c2": f"/recordings/{r2}"}
        second = container.recordings().receive("c2", world["novakova"], at(625), 15, WAV)
        assert second.id != r2 and recording_links(calls)["c2"] == "/recordings/?call=c2"
        g.user = container.sign_in().identity(users["novakova"])
        assert recording_links(calls) == {}  # an agent without the right to listen


@pytest.mark.req("REC-02", "GEN-04")
def test_the_recordings_size_is_written_in_the_pages_language(client, world):
    signed_in(client, "supervizor")
    rid = world["ids"]["r1"]
    czech = client.get(f"/recordings/{rid}").get_data(as_text=True)
    assert "<dd>46,9&nbsp;kB</dd>" in czech  # 48 044 bytes
    client.post("/language", {"language": "en", "next": "/"})
    assert "<dd>46.9&nbsp;kB</dd>" in client.get(f"/recordings/{rid}").get_data(as_text=True)
