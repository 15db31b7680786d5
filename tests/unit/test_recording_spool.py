"""Recordings are never lost silently (REC-02, REC-03, GEN-03): a store that fails (a full disk)
keeps the audio in a spool, audits the failure and says so; a retry stores it later in order, an
operator may give it up (audited); no partial file is left; verify reports calls recorded without
audio, what waits and stray partial files; the store's free space is watched."""

from __future__ import annotations

import array
import errno
import os
from datetime import timedelta
from pathlib import Path

import pytest

import kc_adapters.recordings as files
from kc_adapters.memory.journal import MemoryJournal
from kc_adapters.memory.persistence import MemoryUnitOfWorkFactory
from kc_adapters.recordings import FileRecordingSpool, FileRecordingStore
from kc_adapters.speech.audio import telephony_wav
from kc_adapters.system import FixedClock
from kc_adapters.voicemail import check_wav
from kc_domain.audit.model import Outcome
from kc_domain.audit.service import Actor, AuditQuery, AuditTrail
from kc_domain.errors import NotFound
from kc_domain.recordings.service import RecordingService
from kc_domain.recordings.spool import RecordingNotStored
from kc_domain.routing import events as ev

pytestmark = pytest.mark.req("REC-02", "REC-03", "GEN-03")
OPERATOR = Actor("cli", "kc recordings give-up")


def wav(seconds: float = 1.0, tone: int = 1) -> bytes:
    return telephony_wav(array.array("h", [tone]) * int(seconds * 8000))


class FullDisk:
    """Directories whose filesystem is full: a write there puts part of the data, then fails with
    ENOSPC, as a real full disk does."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.full: list[Path] = []
        real = files._write_all

        def write(path: Path, data: bytes) -> None:
            if any(path.is_relative_to(d) for d in self.full):
                path.write_bytes(data[: len(data) // 2])
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
            real(path, data)

        monkeypatch.setattr(files, "_write_all", write)


@pytest.fixture
def disk(monkeypatch: pytest.MonkeyPatch) -> FullDisk:
    return FullDisk(monkeypatch)


@pytest.fixture
def store(tmp_path: Path) -> FileRecordingStore:
    return FileRecordingStore(tmp_path / "recordings", spool_dir=tmp_path / "spool")


@pytest.fixture
def service(
    uow_factory: MemoryUnitOfWorkFactory, clock: FixedClock, audit: AuditTrail, store: FileRecordingStore
) -> RecordingService:
    return RecordingService(uow_factory, clock, audit, store, check_wav)


def audited(audit: AuditTrail, uow_factory: MemoryUnitOfWorkFactory, action: str) -> list:
    return audit.search(uow_factory, AuditQuery(action=action), 50)


def rows(uow_factory: MemoryUnitOfWorkFactory) -> list:
    with uow_factory() as uow:
        return uow.recordings.list()


def all_partials(*roots: Path) -> list[Path]:
    return [p for root in roots for p in root.rglob("*.part")]


def test_given_a_full_disk_when_a_recording_arrives_then_it_waits_in_the_spool_and_the_failure_is_audited(
    service, store, disk, clock, audit, uow_factory, tmp_path
):
    disk.full.append(store.root)

    with pytest.raises(RecordingNotStored) as failed:
        service.receive("c1", 7, clock.now(), 1.0, wav())

    assert "kept in the spool" in str(failed.value) and "No space left" in str(failed.value)
    (pending,) = service.pending()
    assert (pending.call_id, pending.agent_id, pending.in_memory) == ("c1", 7, False)
    assert "ENOSPC" in pending.reason or "No space left" in pending.reason
    assert store.spool.audio(pending.key) == wav()
    assert rows(uow_factory) == []
    (record,) = audited(audit, uow_factory, "recording.store_failed")
    assert record.outcome is Outcome.FAILED and record.object_id == "c1"
    assert record.params["spooled"] == pending.key and record.params["lost"] is False
    assert all_partials(tmp_path) == []  # the half-written file is gone


def test_when_the_disk_has_space_again_then_the_retry_stores_the_spooled_audio_in_order_and_audits_it(
    service, store, disk, clock, audit, uow_factory, tmp_path
):
    disk.full.append(store.root)
    for call_id, tone in (("c1", 1), ("c2", 2)):
        with pytest.raises(RecordingNotStored):
            service.receive(call_id, None, clock.now(), 1.0, wav(tone=tone))
        clock.advance(seconds=5)
    assert service.retry_pending() == {"stored": 0, "waiting": 2, "busy": 0}
    assert [p.attempts for p in service.pending()] == [2, 2]

    disk.full.clear()
    assert service.retry_pending() == {"stored": 2, "waiting": 0, "busy": 0}

    first, second = rows(uow_factory)
    assert (first.call_id, second.call_id) == ("c1", "c2")  # oldest first
    assert store.read(first.path) == wav(tone=1) and store.checksum(second.path) == second.sha256
    assert service.pending() == [] and all_partials(tmp_path) == []
    stored = [r for r in audited(audit, uow_factory, "recording.store") if r.action == "recording.store"]
    assert [r.params["attempts"] for r in stored] == [3, 3]
    assert service.verify() == []


def test_a_recording_stored_after_a_failure_takes_what_waits_with_it(
    service, store, disk, clock, uow_factory
):
    disk.full.append(store.root)
    with pytest.raises(RecordingNotStored):
        service.receive("c1", None, clock.now(), 1.0, wav())
    disk.full.clear()
    clock.advance(seconds=30)

    service.receive("c2", None, clock.now(), 1.0, wav(tone=2))

    assert sorted(r.call_id for r in rows(uow_factory)) == ["c1", "c2"] and service.pending() == []


def test_when_the_spools_disk_is_full_too_then_the_audio_is_kept_in_memory_and_said_so(
    service, store, disk, clock, audit, uow_factory, tmp_path
):
    disk.full += [store.root, store.spool.directory]

    with pytest.raises(RecordingNotStored) as failed:
        service.receive("c1", None, clock.now(), 1.0, wav())

    assert "IN MEMORY ONLY" in str(failed.value)
    (pending,) = service.pending()
    assert pending.in_memory and audited(audit, uow_factory, "recording.store_failed")[0].params["in_memory"]
    assert service.storage()["in_memory"] == 1 and all_partials(tmp_path) == []
    disk.full.clear()
    assert service.retry_pending()["stored"] == 1 and [r.call_id for r in rows(uow_factory)] == ["c1"]


def test_when_nothing_can_take_the_audio_then_its_loss_is_audited(uow_factory, clock, audit, disk, tmp_path):
    store = FileRecordingStore(tmp_path / "recordings")
    store.spool = FileRecordingSpool(store.root / ".spool", memory_bytes=1000)
    service = RecordingService(uow_factory, clock, audit, store, check_wav)
    disk.full.append(store.root)

    with pytest.raises(RecordingNotStored) as failed:
        service.receive("c1", None, clock.now(), 1.0, wav())

    assert "LOST" in str(failed.value)
    (record,) = audited(audit, uow_factory, "recording.store_failed")
    assert record.params["lost"] is True and record.params["spooled"] == ""


def test_bad_audio_waits_too_until_an_operator_gives_it_up_which_is_audited(
    service, store, clock, audit, uow_factory
):
    with pytest.raises(RecordingNotStored):
        service.receive("c9", None, clock.now(), 1.0, b"not a wav")
    assert service.retry_pending()["waiting"] == 1

    assert service.give_up(OPERATOR, "c9") == 1

    assert service.pending() == [] and list(store.spool.directory.iterdir()) in (
        [],
        [store.spool.directory / ".lock"],
    )
    (record,) = audited(audit, uow_factory, "recording.given_up")
    assert (record.actor, record.object_id, record.params["attempts"]) == ("cli", "c9", 2)
    with pytest.raises(NotFound):
        service.give_up(OPERATOR, "c9")
    assert audited(audit, uow_factory, "recording.given_up")[0].outcome is Outcome.REJECTED


def test_audio_whose_row_was_not_saved_is_taken_as_stored_and_not_stored_twice(
    service, store, clock, uow_factory
):
    store.put(clock.now().date(), f"c1-{clock.now():%H%M%S}.wav", wav())  # an attempt that lost its row

    recording = service.receive("c1", None, clock.now(), 1.0, wav())

    assert recording.path == f"{clock.now():%Y/%m/%d}/c1-{clock.now():%H%M%S}.wav"
    assert len(list(store.root.rglob("*.wav"))) == 1


def test_another_process_retrying_makes_a_retry_wait(service, store):
    with store.spool.claim() as mine:
        assert mine and service.retry_pending()["busy"] == 1


def test_verify_reports_a_recorded_call_without_audio_what_waits_and_a_stray_partial_file(
    service, store, disk, clock, uow_factory, audit
):
    journal = MemoryJournal()
    at = clock.now() - timedelta(minutes=10)
    for call_id in ("lost", "kept", "waits", "opted-out"):
        journal.record(
            [
                ev.CallArrived(at, call_id, "+420603123456", "+420261105555"),
                ev.CallAnswered(at, call_id, 1, 7, 3.0),
            ],
            [],
        )
        if call_id != "opted-out":
            journal.record([ev.CallRecorded(at, call_id, 7, f"rec-{call_id}", at, 4.0)], [])
    service.receive("kept", 7, at, 4.0, wav())
    disk.full.append(store.root)
    with pytest.raises(RecordingNotStored):
        service.receive("waits", 7, at, 4.0, wav())
    stray = store.root / "2026/03/02/.c0-083000.wav.part"
    stray.write_bytes(b"RIFF")
    os.utime(stray, (0, 0))  # not a write in progress

    found = {(p.problem, p.call_id or p.path) for p in service.verify(journal)}

    assert found == {
        ("no_audio", "lost"),
        ("waiting", "waits"),
        ("partial", "2026/03/02/.c0-083000.wav.part"),
    }
    assert service.verify() != [] and {p.problem for p in service.verify()} == {"waiting", "partial"}


def test_low_free_space_is_reported_and_alerted_once_per_change(service, store, audit, uow_factory):
    assert service.storage()["space"] == "ok" and service.storage()["free_bytes"] > 0
    store.low_free_bytes = 1 << 62  # more than any disk has

    assert service.watch_space() == "low" and service.watch_space() == "low"
    assert service.storage()["space"] == "low"
    store.low_free_bytes = 0
    assert service.watch_space() == "ok"

    assert [r.action for r in audited(audit, uow_factory, "recording.space_")] == [
        "recording.space_ok",
        "recording.space_low",
    ]
