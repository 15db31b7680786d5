"""Journal first (GEN-03, IN-04): what the engine did is safe before anything is published.

Each step's events and decisions are one numbered batch. ``put`` appends the batch to a local
write-ahead file (one JSON line, handed to the operating system at once, so a killed process loses
nothing; the writer thread syncs it to disk) and queues it; the writer thread copies batches into
the journal in order, several per transaction when they pile up, and the journal keeps the number
of the last batch in the same transaction (``EventLog.recorded_through``). While the
database is away the batches wait in memory and in the file, and go in, in order, once it is back;
after a crash ``recover`` replays the file's batches the journal lacks, so none is lost and none is
written twice. The file is emptied whenever the journal has caught up.

Callback requests the engine changed are saved by the same thread after the batch that changed
them (kept in memory while the database is away; their events are in the journal either way).
"""

from __future__ import annotations

import json
import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from apps.engine.health import EngineHealth, joined
from kc_domain.callbacks.model import CallbackRequest
from kc_domain.routing.events import Event, event_from_plain, event_to_plain
from kc_domain.routing.policy import Decision, decision_from_plain, decision_to_plain
from kc_ports.journal import EventLog
from kc_ports.persistence import CallbacksUnit, UnitFactory

log = logging.getLogger("kc.engine")
JOURNAL_BATCH = 5000  # events written in one transaction at most, when writes fall behind
RETRY_S = 1.0
SYNC_EVERY_S = 1.0


class _GaveUp(Exception):
    """Stopping while the journal cannot be written: what is left stays in the file for the next
    start (``recover``)."""


class _Batch:
    __slots__ = ("callbacks", "decisions", "events", "number")

    def __init__(
        self, number: int, events: list[Event], decisions: list[Decision], callbacks: list[CallbackRequest]
    ) -> None:
        self.number, self.events, self.decisions, self.callbacks = number, events, decisions, callbacks


def _line(number: int, events: Sequence[Event], decisions: Sequence[Decision]) -> str:
    return (
        json.dumps(
            {
                "n": number,
                "events": [[type(e).__name__, event_to_plain(e)] for e in events],
                "decisions": [decision_to_plain(d) for d in decisions],
            },
            ensure_ascii=False,
            separators=(",", ":"),
            default=str,
        )
        + "\n"
    )


def read_wal(path: Path) -> list[tuple[int, list[Event], list[Decision]]]:
    """The batches in a write-ahead file, in order; a torn last line (the process died while
    writing it) is left out with a warning."""
    if not path.exists():
        return []
    batches = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        try:
            data = json.loads(line)
            events = [event_from_plain(name, fields) for name, fields in data["events"]]
            decisions = [decision_from_plain(d) for d in data["decisions"]]
        except (ValueError, KeyError, TypeError) as error:
            log.warning("journal write-ahead file %s: line %d unreadable, left out (%s)", path, number, error)
            continue
        batches.append((int(data["n"]), events, decisions))
    return batches


class JournalOutbox:
    def __init__(
        self,
        journal: EventLog,
        health: EngineHealth,
        wal: Path | None = None,
        uow_factory: UnitFactory[CallbacksUnit] | None = None,
    ) -> None:
        self._journal, self._health, self._wal_path = journal, health, wal
        self._uow_factory = uow_factory
        self._queue: queue.Queue[_Batch] = queue.Queue()
        self._lock = threading.Lock()
        self._number = 0  # of the last batch put
        self._written = 0  # of the last batch in the journal
        self._wal: Any = None
        self._thread: threading.Thread | None = None

    # -- start: replay what an earlier run left --------------------------------------------------
    def recover(self) -> int:
        """Write the file's batches the journal lacks (after a crash or an outage), then empty the
        file; how many batches were replayed. Raises when the journal cannot be reached."""
        through = self._journal.recorded_through()
        pending = [b for b in read_wal(self._wal_path) if b[0] > through] if self._wal_path else []
        for number, events, decisions in pending:
            self._journal.record(events, decisions, through=number)
        last = max([through, *(b[0] for b in pending)])
        self._number = self._written = last
        if self._wal_path is not None:
            try:
                self._wal_path.parent.mkdir(parents=True, exist_ok=True)
                self._wal = self._wal_path.open("w", encoding="utf-8")  # everything is in the journal
            except OSError as error:  # the engine still runs; a crash would lose the last moments
                self._health.failed("wal", error)
        if pending:
            log.warning("journal: %d batch(es) replayed from %s", len(pending), self._wal_path)
        return len(pending)

    # -- the engine's side -------------------------------------------------------------------------
    def put(
        self, events: list[Event], decisions: list[Decision], callbacks: Sequence[CallbackRequest] = ()
    ) -> None:
        """Make the batch safe (the file), then queue it for the journal. Not started (tests,
        tools): written to the journal at once."""
        if self._thread is None:
            self._journal.record(events, decisions)
            self._save_callbacks(list(callbacks))
            return
        with self._lock:
            self._number += 1
            batch = _Batch(self._number, events, decisions, list(callbacks))
            if self._wal is not None and (events or decisions):
                try:
                    self._wal.write(_line(batch.number, events, decisions))
                    self._wal.flush()
                    self._health.ok("wal")
                except OSError as error:  # e.g. a full disk: the batch is still in memory
                    self._health.failed("wal", error)
        self._queue.put(batch)

    def backlog(self) -> int:
        """Batches put and not yet in the journal."""
        return self._number - self._written

    def start(self, stop: threading.Event) -> None:
        self._thread = threading.Thread(target=self._run, args=(stop,), name="kc-journal", daemon=True)
        self._thread.start()

    def join(self) -> None:
        """Wait until every batch put is in the journal (after ``stop`` was set)."""
        if self._thread is not None:
            if not joined(self._thread, "writing the journal"):
                return  # the writer still holds the file; what it lacks stays there for the next start
            self._thread = None
        if self._wal is not None:
            self._wal.close()
            self._wal = None

    # -- the writer thread -------------------------------------------------------------------------
    def _run(self, stop: threading.Event) -> None:
        synced = time.monotonic()
        try:
            self._drain(stop, synced)
        except _GaveUp:
            log.error(
                "journal: stopped with %d batch(es) not written; they are in %s for the next start",
                self.backlog(),
                self._wal_path,
            )

    def _drain(self, stop: threading.Event, synced: float) -> None:
        while not (stop.is_set() and self._queue.empty()):
            try:
                batch = self._queue.get(timeout=0.2)
            except queue.Empty:
                self._caught_up()
                continue
            batches = [batch]
            count = len(batch.events)
            while count < JOURNAL_BATCH:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                batches.append(more)
                count += len(more.events)
            self._write(batches, stop)
            if self._wal is not None and time.monotonic() - synced >= SYNC_EVERY_S:
                self._sync()
                synced = time.monotonic()
        self._caught_up()

    def _write(self, batches: list[_Batch], stop: threading.Event) -> None:
        events = [e for b in batches for e in b.events]
        decisions = [d for b in batches for d in b.decisions]
        callbacks = [c for b in batches for c in b.callbacks]
        through = batches[-1].number
        self._retry("journal", lambda: self._journal.record(events, decisions, through=through), stop)
        self._written = through
        if callbacks:
            self._retry("callbacks", lambda: self._save_callbacks(callbacks), stop)

    def _retry(self, part: str, action: Callable[[], None], stop: threading.Event) -> None:
        """Until it works: nothing is dropped, the rest waits behind it (the file keeps it too)."""
        while True:
            try:
                action()
                self._health.ok(part)
                return
            except Exception as error:
                self._health.failed(part, error)
                self._health.gauge("journal_backlog", self.backlog())
                if stop.is_set():
                    raise _GaveUp from error
                time.sleep(RETRY_S)

    def _save_callbacks(self, callbacks: list[CallbackRequest]) -> None:
        if not callbacks or self._uow_factory is None:
            return
        latest = {c.id: c for c in callbacks}  # a request changed twice: its last state
        with self._uow_factory() as uow:
            for request in latest.values():
                uow.callbacks.save(request)
            uow.commit()

    def _sync(self) -> None:
        try:
            os.fsync(self._wal.fileno())
        except (OSError, ValueError) as error:
            self._health.failed("wal", error)

    def _caught_up(self) -> None:
        """Empty the file once the journal has every batch put."""
        self._health.gauge("journal_backlog", self.backlog())
        with self._lock:
            if self._wal is None or self._written != self._number or self._wal.tell() == 0:
                return
            try:
                self._wal.seek(0)
                self._wal.truncate()
            except OSError as error:
                self._health.failed("wal", error)
