"""Recordings' audio as files under a directory, by day (``YYYY/MM/DD/<name>``), written once and
atomically, with their SHA-256; a file is never overwritten (REC-03)."""

from __future__ import annotations

import hashlib
import os
import re
from datetime import date
from pathlib import Path

from kc_domain.recordings.model import RecordingMissing
from kc_ports.recordings import StoredAudio

NAME = re.compile(r"[A-Za-z0-9._-]{1,120}")
PATH = re.compile(r"\d{4}/\d{2}/\d{2}/[A-Za-z0-9._-]{1,120}")


class FileRecordingStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def put(self, day: date, name: str, data: bytes) -> StoredAudio:
        if not NAME.fullmatch(name) or name.startswith("."):
            raise ValueError(f"bad recording name {name!r}")
        relative = f"{day:%Y/%m/%d}/{name}"
        target = self.root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{name}.part")
        with open(partial, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(partial, target)  # fails when the target exists: never overwritten
        finally:
            partial.unlink(missing_ok=True)
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
