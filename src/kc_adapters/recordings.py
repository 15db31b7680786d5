"""Recordings' audio as files under a directory, by day (``YYYY/MM/DD/<name>``), written once and
atomically, with their SHA-256; a file is never overwritten (REC-03). Audio that cannot be stored
waits in a spool (``<dir>/.spool`` unless given another directory, in memory when even that
refuses it) until it is retried (GEN-03)."""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import re
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import date, datetime
from pathlib import Path

import attrs

from kc_domain.recordings.model import RecordingMissing
from kc_domain.recordings.spool import PendingRecording, SpoolFull
from kc_ports.recordings import DiskSpace, StoredAudio

NAME = re.compile(r"[A-Za-z0-9._-]{1,120}")
PATH = re.compile(r"\d{4}/\d{2}/\d{2}/[A-Za-z0-9._-]{1,120}")
LOW_FREE_BYTES = 1 << 30  # under 1 GiB free the store's space is low (an alert, /readyz)
MEMORY_SPOOL_BYTES = 256 << 20  # audio kept in memory when the spool's disk refuses it too
PARTIAL_AGE_S = 60  # a partial file older than this is no write in progress: a stray one


def _write_all(path: Path, data: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _write_once(target: Path, data: bytes) -> None:
    """Write ``target`` through a hidden partial file, never replacing it (``FileExistsError``);
    the partial file is removed whatever happens (a full disk leaves nothing behind)."""
    partial = target.with_name(f".{target.name}.part")
    try:
        _write_all(partial, data)
        os.link(partial, target)  # fails when the target exists: never overwritten
    finally:
        partial.unlink(missing_ok=True)


class FileRecordingStore:
    def __init__(
        self, root: Path, spool_dir: Path | None = None, low_free_bytes: int = LOW_FREE_BYTES
    ) -> None:
        self.root = Path(root)
        self.spool = FileRecordingSpool(Path(spool_dir) if spool_dir else self.root / ".spool")
        self.low_free_bytes = low_free_bytes

    def put(self, day: date, name: str, data: bytes) -> StoredAudio:
        if not NAME.fullmatch(name) or name.startswith("."):
            raise ValueError(f"bad recording name {name!r}")
        relative = f"{day:%Y/%m/%d}/{name}"
        target = self.root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            _write_once(target, data)
        except FileExistsError:
            raise FileExistsError(errno.EEXIST, "recording exists", relative) from None
        return StoredAudio(relative, len(data), hashlib.sha256(data).hexdigest())

    def _file(self, path: str) -> Path:
        if not PATH.fullmatch(path):
            raise RecordingMissing(path)
        return self.root / path

    def read(self, path: str) -> bytes:
        found = self._file(path)
        if not found.is_file():
            raise RecordingMissing(path)
        return found.read_bytes()

    def delete(self, path: str) -> bool:
        found = self._file(path)
        if not found.is_file():
            return False
        found.unlink()
        return True

    def checksum(self, path: str) -> str:
        digest = hashlib.sha256()
        try:
            with open(self._file(path), "rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
        except FileNotFoundError as error:
            raise RecordingMissing(path) from error
        return digest.hexdigest()

    def partials(self) -> Iterator[str]:
        old = time.time() - PARTIAL_AGE_S
        spool = self.spool.directory
        for top in (self.root,) if spool.is_relative_to(self.root) else (self.root, spool):
            for found in sorted(top.rglob(".*.part")) if top.is_dir() else ():
                with suppress(FileNotFoundError):  # finished meanwhile
                    if found.stat().st_mtime < old:
                        yield str(found.relative_to(self.root)) if top == self.root else str(found)

    def space(self) -> DiskSpace:
        there = self.root
        while not there.exists() and there != there.parent:
            there = there.parent  # not created yet: the filesystem it will be on
        usage = shutil.disk_usage(there)
        return DiskSpace(usage.free, usage.total, self.low_free_bytes)


class FileRecordingSpool:
    """``<key>.wav`` with ``<key>.json`` (its metadata, written last) in ``directory``; what the
    disk refuses is kept in memory up to ``memory_bytes``."""

    def __init__(self, directory: Path, memory_bytes: int = MEMORY_SPOOL_BYTES) -> None:
        self.directory, self._memory_bytes = directory, memory_bytes
        self._memory: dict[str, tuple[PendingRecording, bytes]] = {}
        self._lock = threading.Lock()  # the memory's entries
        self._retrying = threading.Lock()  # one retry at a time in this process

    def keep(self, pending: PendingRecording, audio: bytes) -> PendingRecording:
        if not NAME.fullmatch(pending.key) or pending.key.startswith("."):
            raise ValueError(f"bad spool key {pending.key!r}")
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            _write_once(self.directory / f"{pending.key}.wav", audio)
            self._write_meta(pending)
            return pending
        except OSError as error:
            (self.directory / f"{pending.key}.wav").unlink(missing_ok=True)
            return self._keep_in_memory(attrs.evolve(pending, in_memory=True), audio, error)

    def _keep_in_memory(self, pending: PendingRecording, audio: bytes, error: OSError) -> PendingRecording:
        with self._lock:
            held = sum(len(a) for _p, a in self._memory.values())
            if held + len(audio) > self._memory_bytes:
                raise SpoolFull(f"spool {self.directory}: {error}; memory full ({held} bytes)") from error
            self._memory[pending.key] = (pending, audio)
        return pending

    def _write_meta(self, pending: PendingRecording) -> None:
        plain = attrs.asdict(pending)
        plain |= {k: v.isoformat() for k, v in plain.items() if isinstance(v, datetime)}
        temporary = self.directory / f".{pending.key}.json.part"
        try:
            _write_all(temporary, json.dumps(plain).encode())
            os.replace(temporary, self.directory / f"{pending.key}.json")
        finally:
            temporary.unlink(missing_ok=True)

    def waiting(self) -> list[PendingRecording]:
        found = [_pending(path) for path in self.directory.glob("*.json")] if self.directory.is_dir() else []
        with self._lock:
            found += [pending for pending, _audio in self._memory.values()]
        return sorted(found, key=lambda p: p.key)

    def audio(self, key: str) -> bytes:
        with self._lock:
            if key in self._memory:
                return self._memory[key][1]
        try:
            return (self.directory / f"{key}.wav").read_bytes()
        except FileNotFoundError:
            raise KeyError(key) from None

    def failed_again(self, key: str, reason: str) -> None:
        with self._lock:
            if key in self._memory:
                pending, audio = self._memory[key]
                self._memory[key] = (
                    attrs.evolve(pending, attempts=pending.attempts + 1, reason=reason),
                    audio,
                )
                return
        pending = _pending(self.directory / f"{key}.json")
        self._write_meta(attrs.evolve(pending, attempts=pending.attempts + 1, reason=reason))

    def drop(self, key: str) -> bool:
        with self._lock:
            if self._memory.pop(key, None) is not None:
                return True
        meta = self.directory / f"{key}.json"
        there = meta.is_file()
        meta.unlink(missing_ok=True)
        (self.directory / f"{key}.wav").unlink(missing_ok=True)
        return there

    @contextmanager
    def claim(self) -> Iterator[bool]:
        if not self._retrying.acquire(blocking=False):
            yield False
            return
        try:
            with self._file_lock() as mine:
                yield mine
        finally:
            self._retrying.release()

    @contextmanager
    def _file_lock(self) -> Iterator[bool]:
        """Between processes (the engine and the worker); without a lock file (no space to create
        it) only this process is excluded."""
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            handle = open(self.directory / ".lock", "a")  # noqa: SIM115 - held for the whole retry
        except OSError:
            yield True
            return
        with handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            yield True


def _pending(meta: Path) -> PendingRecording:
    plain = json.loads(meta.read_text())
    for field in ("started_at", "failed_at"):
        plain[field] = datetime.fromisoformat(plain[field])
    return PendingRecording(**plain)


def _again(pending: PendingRecording, reason: str) -> PendingRecording:
    return attrs.evolve(pending, attempts=pending.attempts + 1, reason=reason)
