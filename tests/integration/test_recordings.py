"""Call recording end to end (REC-01..REC-05, IN-21, IN-27): the engine asks the PBX to record a
connected call, the simulated PBX writes real audio (Czech speech, then silence), the host hands
it to the recording service, which stores it checksummed by day; the agent's opt-out stops it;
retention purges old audio but keeps what is on legal hold; the integrity check finds a missing
or tampered file."""

from __future__ import annotations

import wave
from datetime import UTC, datetime, timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from dependency_injector import providers

from apps.engine.build import build_engine
from apps.engine.host import EngineHost
from kc_adapters.memory.bus import MemoryBus
from kc_adapters.recordings import FileRecordingStore
from kc_adapters.simulated_pbx import SimulatedPbx, SpokenRecording
from kc_adapters.speech.audio import rms, telephony_wav, wav_samples
from kc_adapters.speech.espeak import EspeakSynthesis
from kc_adapters.system import FixedClock
from kc_adapters.voicemail import check_wav
from kc_domain.audit.service import SYSTEM, AuditQuery
from kc_domain.errors import ValidationFailed
from kc_domain.recordings.service import RecordingService

MONDAY_10 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
GENERAL_LINE = "+420261105555"


@pytest.fixture
def world(container, tmp_path):
    clock = FixedClock(MONDAY_10)
    container.clock.override(providers.Object(clock))
    store = FileRecordingStore(tmp_path / "recordings")
    service = RecordingService(container.uow_factory(), clock, container.audit(), store, check_wav)
    speech = EspeakSynthesis(tmp_path / "tts")
    pbx = SimulatedPbx(strict=False, clock=clock, recording_audio=SpokenRecording(speech))
    pending: list = []
    pbx.listen(pending.append)

    def store_recording(event):
        service.receive(
            event.call_id, event.agent_id, event.started_at, event.duration_s, pbx.recording(event.recording)
        )

    host = EngineHost(
        build_engine(container, pbx, clock),
        container.journal(),
        MemoryBus(),
        clock,
        ZoneInfo("Europe/Prague"),
        uow_factory=container.uow_factory(),
        on_recording=store_recording,
    )

    def settle():
        while pending:
            event = pending.pop(0)
            host.apply(lambda engine, e=event: engine.on_pbx(e))

    novakova = next(u.id for u in container.admin().list("user") if u.username == "novakova")
    host.apply(lambda engine: (engine.log_in(novakova), engine.ready(novakova)))
    return {
        "clock": clock,
        "pbx": pbx,
        "host": host,
        "service": service,
        "store": store,
        "settle": settle,
        "agent": novakova,
        "container": container,
    }


def call(world, call_id: str, talk_s: float) -> None:
    pbx, clock, settle = world["pbx"], world["clock"], world["settle"]
    pbx.incoming(call_id, "+420603123456", GENERAL_LINE)
    settle()
    clock.advance(seconds=3)
    pbx.pick_up(call_id, world["agent"])
    settle()
    clock.advance(seconds=talk_s)
    pbx.end(call_id)
    settle()
    world["host"].apply(lambda engine: engine.ready(world["agent"]))  # the wrap-up cut short


def stored(world):
    with world["container"].uow_factory()() as uow:
        return uow.recordings.list()


@pytest.mark.req("REC-01", "REC-02", "REC-03")
def test_a_connected_call_is_recorded_with_listenable_audio_close_to_its_talk_time(world):
    call(world, "c1", 12)
    assert ("start_recording", ("c1",)) in world["pbx"].commands
    (recording,) = stored(world)
    assert (recording.call_id, recording.agent_id, recording.duration_s) == ("c1", world["agent"], 12.0)
    assert recording.path == "2026/11/23/c1-090003.wav" and recording.started_at == MONDAY_10 + timedelta(
        seconds=3
    )
    audio = world["store"].read(recording.path)
    with wave.open(BytesIO(audio)) as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (8000, 1, 2)
        assert abs(wav.getnframes() / 8000 - 12.0) < 0.1
    assert rms(telephony_wav(wav_samples(audio)[: 8000 * 3])) > 100  # speech at the start: not silence
    assert world["store"].checksum(recording.path) == recording.sha256


@pytest.mark.req("REC-01")
def test_the_agents_opt_out_stops_the_recording(world):
    pbx, settle, host = world["pbx"], world["settle"], world["host"]
    pbx.incoming("c2", "+420603123457", GENERAL_LINE)
    settle()
    pbx.pick_up("c2", world["agent"])
    settle()
    world["clock"].advance(seconds=5)
    host.apply(lambda engine: engine.set_recording(world["agent"], "c2", False))
    settle()
    world["clock"].advance(seconds=60)
    pbx.end("c2")
    settle()
    (recording,) = stored(world)
    assert recording.duration_s == 5.0


@pytest.mark.req("IN-21")
def test_a_call_passed_to_an_internal_line_stops_recording_when_so_configured(world):
    engine = world["host"].engine
    engine.record_internal = False
    pbx, settle = world["pbx"], world["settle"]
    for call_id, target in (("c3", "2410"), ("c4", "+420541105200")):
        pbx.incoming(call_id, "+420603123458", GENERAL_LINE)
        settle()
        pbx.pick_up(call_id, world["agent"])
        settle()
        world["clock"].advance(seconds=8)
        world["host"].apply(lambda e, c=call_id, t=target: e.blind_transfer(world["agent"], c, t))
        settle()
        world["host"].apply(lambda e: e.ready(world["agent"]))
    assert ("stop_recording", ("c3",)) in pbx.commands and ("stop_recording", ("c4",)) not in pbx.commands
    assert sorted(r.call_id for r in stored(world)) == ["c3", "c4"]  # both stretches up to the transfer


@pytest.mark.req("REC-03", "IN-27", "REC-05")
def test_retention_purges_old_audio_but_keeps_the_held_and_is_audited(world):
    call(world, "old", 4)
    call(world, "held", 4)
    _old, held = stored(world)
    service, clock, container = world["service"], world["clock"], world["container"]
    with pytest.raises(ValidationFailed):
        service.hold(SYSTEM, held.id, True, "")  # a hold needs its reason
    service.hold(SYSTEM, held.id, True, "Stížnost klienta 2026/117")
    clock.advance(days=189)
    assert service.purge(190) == {"purged": 0, "already_missing": 0, "on_hold": 1}
    clock.advance(days=2)
    assert service.purge(190) == {"purged": 1, "already_missing": 0, "on_hold": 1}
    kept = {r.call_id: r for r in stored(world)}
    assert kept["old"].purged_at == clock.now() and kept["held"].purged_at is None
    assert world["store"].read(kept["held"].path)
    with pytest.raises(ValidationFailed) as gone:
        service.audio(SYSTEM, kept["old"].id, "listen")
    assert gone.value.errors[0].code == "recording_purged"
    with pytest.raises(ValueError):
        service.purge(30)  # shorter than six months: refused
    actions = [
        r.action
        for r in container.audit().search(container.uow_factory(), AuditQuery(action="recording."), 50)
    ]
    assert "recording.purge" in actions and "recording.hold" in actions


@pytest.mark.req("REC-03")
def test_the_integrity_check_finds_a_missing_and_a_tampered_file(world):
    call(world, "a", 3)
    call(world, "b", 3)
    first, second = stored(world)
    root = world["store"].root
    (root / first.path).unlink()
    (root / second.path).write_bytes(b"RIFF tampered")
    problems = {(p.recording_id, p.problem) for p in world["service"].verify()}
    assert problems == {(first.id, "missing"), (second.id, "checksum")}
    with pytest.raises(ValidationFailed) as missing:
        world["service"].audio(SYSTEM, first.id, "listen")
    assert missing.value.errors[0].code == "recording_missing"
    with pytest.raises(FileExistsError):
        world["store"].put(
            second.started_at.date(), second.path.rsplit("/", 1)[1], b"again"
        )  # never overwritten


@pytest.mark.req("REC-03", "IN-27")
def test_kc_recordings_verify_and_purge(monkeypatch, tmp_path):
    import array

    from click.testing import CliRunner

    from apps.cli import main
    from apps.container import build_container

    monkeypatch.setenv("KC_DATABASE_URL", f"sqlite:///{tmp_path / 'kc.sqlite3'}")
    monkeypatch.setenv("KC_SECRET_KEY", "s" * 40)
    monkeypatch.setenv("KC_RECORDINGS_DIR", str(tmp_path / "recordings"))
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    intact = runner.invoke(main, ["recordings", "verify"])
    assert intact.exit_code == 0 and "recordings intact" in intact.output
    container = build_container()
    wav = telephony_wav(array.array("h", [0]) * 16000)
    recording = container.recordings().receive("cli-1", None, MONDAY_10, 2.0, wav)
    (tmp_path / "recordings" / recording.path).unlink()
    broken = runner.invoke(main, ["recordings", "verify"])
    assert (
        broken.exit_code == 1
        and f"recording {recording.id}" in broken.output
        and "file missing" in broken.output
    )
    purged = runner.invoke(main, ["recordings", "purge"])
    assert purged.exit_code == 0 and "purged: 0" in purged.output  # three days old: kept


@pytest.mark.req("REC-03")
def test_a_reused_call_id_gets_a_file_of_its_own_and_nothing_is_replaced(world):
    import array

    first = world["service"].receive("dup", None, MONDAY_10, 1.0, telephony_wav(array.array("h", [0]) * 8000))
    with world["container"].uow_factory()() as uow:  # a database restored, the files kept
        uow.recordings.delete(uow.recordings.get(first.id))
        uow.commit()
    again = world["service"].receive(
        "dup", None, MONDAY_10, 2.0, telephony_wav(array.array("h", [0]) * 16000)
    )
    assert again.path != first.path and again.path.startswith("2026/11/23/dup-090000-")
    assert world["store"].checksum(first.path) == first.sha256  # the older file is untouched


def full_disk(monkeypatch, *full):
    """Writes under ``full`` put half their data and fail with ENOSPC, as on a full disk."""
    import errno

    import kc_adapters.recordings as files

    real = files._write_all

    def write(path, data):
        if any(path.is_relative_to(d) for d in full):
            path.write_bytes(data[: len(data) // 2])
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        real(path, data)

    monkeypatch.setattr(files, "_write_all", write)


@pytest.mark.req("REC-02", "REC-03", "GEN-03")
def test_a_full_recordings_disk_loses_no_call_the_engine_shows_it_and_a_retry_stores_them(world, monkeypatch):
    root = world["store"].root
    full_disk(monkeypatch, root / "2026")
    for n in range(3):
        call(world, f"full-{n}", 3)
    assert stored(world) == []
    assert world["host"].health.problems.get("recordings", "").startswith("RecordingNotStored")
    assert [p.call_id for p in world["service"].pending()] == ["full-0", "full-1", "full-2"]
    container = world["container"]
    failures = container.audit().search(
        container.uow_factory(), AuditQuery(action="recording.store_failed"), 50
    )
    assert sorted(r.object_id for r in failures) == ["full-0", "full-1", "full-2"]
    assert list(root.rglob("*.part")) == []

    monkeypatch.undo()
    assert world["service"].retry_pending() == {"stored": 3, "waiting": 0, "busy": 0}
    assert [r.call_id for r in stored(world)] == ["full-0", "full-1", "full-2"]
    assert world["service"].verify(container.journal()) == []


@pytest.mark.req("REC-02", "REC-03", "GEN-03")
def test_kc_recordings_verify_reports_calls_without_audio_spooled_ones_and_partial_files_retry_and_give_up(
    monkeypatch, tmp_path
):
    import array
    import os

    from click.testing import CliRunner

    from apps.cli import main
    from apps.container import build_container
    from apps.worker import JOBS
    from kc_domain.recordings.spool import RecordingNotStored
    from kc_domain.routing import events as ev

    root = tmp_path / "recordings"
    monkeypatch.setenv("KC_DATABASE_URL", f"sqlite:///{tmp_path / 'kc.sqlite3'}")
    monkeypatch.setenv("KC_SECRET_KEY", "s" * 40)
    monkeypatch.setenv("KC_RECORDINGS_DIR", str(root))
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    container = build_container()
    now = datetime.now(UTC).replace(microsecond=0)
    at = now - timedelta(minutes=5)
    journal = container.journal()
    for call_id in ("lost", "spooled", "bad"):
        journal.record(
            [
                ev.CallArrived(at, call_id, "+420603123456", GENERAL_LINE),
                ev.CallAnswered(at, call_id, 1, 1, 2.0),
                ev.CallRecorded(at, call_id, 1, f"rec-{call_id}", at, 2.0),
            ],
            [],
        )
    wav = telephony_wav(array.array("h", [0]) * 16000)
    full_disk(monkeypatch, root / f"{at:%Y}")
    for call_id, audio in (("spooled", wav), ("bad", b"no wav")):
        with pytest.raises(RecordingNotStored):
            container.recordings().receive(call_id, 1, at, 2.0, audio)
    monkeypatch.undo()
    monkeypatch.setenv("KC_DATABASE_URL", f"sqlite:///{tmp_path / 'kc.sqlite3'}")
    monkeypatch.setenv("KC_SECRET_KEY", "s" * 40)
    monkeypatch.setenv("KC_RECORDINGS_DIR", str(root))
    stray = root / f"{at:%Y/%m/%d}" / ".other-1.wav.part"
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(b"RIFF")
    os.utime(stray, (0, 0))

    broken = runner.invoke(main, ["recordings", "verify"])
    assert broken.exit_code == 1, broken.output
    assert "call lost: recorded by the PBX, no audio kept" in broken.output
    assert "call spooled: waiting in the spool, not stored" in broken.output
    assert f"{at:%Y/%m/%d}/.other-1.wav.part: partial file left behind" in broken.output

    retried = runner.invoke(main, ["recordings", "retry"])
    assert retried.exit_code == 1 and "stored: 1, waiting: 1" in retried.output  # the bad audio waits
    gave_up = runner.invoke(main, ["recordings", "give-up", "bad"])
    assert gave_up.exit_code == 0 and "given up: 1" in gave_up.output
    assert runner.invoke(main, ["recordings", "give-up", "bad"]).exit_code == 1
    (job,) = [j for j in JOBS if j.name == "recording-spool"]
    ran = job.run(container)
    assert job.every_s == 60 and (ran["stored"], ran["waiting"]) == (0, 0) and ran["space"] in ("ok", "low")
    stray.unlink()
    left = runner.invoke(main, ["recordings", "verify"])
    assert left.exit_code == 1 and "problem(s)" in left.output
    assert "call lost:" in left.output and "spooled" not in left.output and "call bad" not in left.output
    actions = {
        (r.action, r.object_id)
        for r in container.audit().search(container.uow_factory(), AuditQuery(action="recording."), 50)
    }
    assert {("recording.store_failed", "spooled"), ("recording.given_up", "bad")} <= actions
