"""``RecordingSearch`` and ``EvaluationSearch`` over any unit of work and journal: the in-memory
fakes for the tests and the demo, answering as the SQL queries do (``tests/contract``)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from datetime import datetime
from typing import Any

from kc_domain.identity.sight import Sight
from kc_domain.recordings.evaluation import Evaluation
from kc_domain.recordings.model import Recording
from kc_domain.routing.projection import Interaction
from kc_ports.journal import ContactJournal
from kc_ports.persistence import UnitOfWork, UnitOfWorkFactory
from kc_ports.recording_search import (
    KINDS,
    NOTE_PREVIEW,
    SORTS,
    AgentScore,
    EvaluationRow,
    RecordingRow,
)

# a row's value under each sort key: None sorts last both ways, as NULLS LAST does in SQL
_SORT_KEYS: dict[str, Callable[[RecordingRow, str | None], Any]] = {
    "started_at": lambda r, _note: r.started_at,
    "agent": lambda r, _note: r.agent_name or None,
    "number": lambda r, _note: r.caller if r.direction else None,
    "duration": lambda r, _note: r.duration_s,
    "queue_wait": lambda r, _note: r.queue_wait_s,
    "category": lambda r, _note: r.category_name or None,
    "queue": lambda r, _note: r.queue_name or None,
    "note": lambda _r, note: note,
}


class MemoryRecordingSearch:
    def __init__(self, uow_factory: UnitOfWorkFactory, journal: ContactJournal) -> None:
        self._uow_factory, self._journal = uow_factory, journal

    def search(
        self,
        *,
        since: datetime,
        until: datetime,
        call_id: str = "",
        agent_id: int | None = None,
        queue_id: int | None = None,
        sight: Sight | None = None,
        number: str = "",
        category_id: int | None = None,
        kind: str | None = None,
        min_duration: float | None = None,
        max_duration: float | None = None,
        note_text: str = "",
        sort: str = "started_at",
        descending: bool = True,
        offset: int = 0,
        limit: int = 50,
    ) -> tuple[int, list[RecordingRow]]:
        if sort not in SORTS:
            raise ValueError(f"unknown sort {sort!r}")
        if kind is not None and kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}")
        wanted = note_text.casefold()
        tests: list[Callable[[RecordingRow, str | None], bool]] = [
            lambda r, _n: since <= r.started_at < until,
            lambda r, _n: not call_id or r.call_id == call_id,
            lambda r, _n: agent_id is None or r.agent_id == agent_id,
            lambda r, _n: queue_id is None or r.queue_id == queue_id,
            lambda r, _n: sight is None or sight.sees_call(r.queue_id, [r.agent_id]),
            lambda r, _n: not number or number in r.caller or number in r.dialled,
            lambda r, _n: category_id is None or r.category_id == category_id,
            lambda r, _n: kind is None or r.kind == kind,
            lambda r, _n: min_duration is None or r.duration_s >= min_duration,
            lambda r, _n: max_duration is None or r.duration_s <= max_duration,
            lambda _r, note: not wanted or wanted in (note or "").casefold(),
        ]
        found = [(row, note) for row, note in self._rows() if all(test(row, note) for test in tests)]
        key = _SORT_KEYS[sort]
        found.sort(key=lambda pair: pair[0].id, reverse=descending)
        found.sort(key=lambda pair: _nulls_last(key(*pair), descending), reverse=descending)
        page = found[max(offset, 0) : max(offset, 0) + max(limit, 0)]
        return len(found), [row for row, _note in page]

    def find(self, recording_id: int) -> RecordingRow | None:
        return next((row for row, _note in self._rows() if row.id == recording_id), None)

    def recorded_calls(self, call_ids: Iterable[str]) -> dict[str, list[int]]:
        wanted = set(call_ids)
        with self._uow_factory() as uow:
            kept = [r for r in uow.recordings.list() if r.call_id in wanted and r.purged_at is None]
        found: dict[str, list[int]] = {}
        for recording in sorted(kept, key=lambda r: (r.call_id, r.started_at, r.id or 0)):
            found.setdefault(recording.call_id, []).append(recording.id or 0)
        return found

    def _rows(self) -> list[tuple[RecordingRow, str | None]]:
        """Every recording as a row, with its call's latest note in full (None: no note)."""
        with self._uow_factory() as uow:
            recordings = uow.recordings.list()
            call_ids = {r.call_id for r in recordings}
            joined = _Joined(uow, call_ids, self._journal.interactions_of(call_ids))
            return [joined.row(recording) for recording in recordings]


class _Joined:
    """What a recording's row joins: the call's interaction, agent, queue, record and latest note."""

    def __init__(self, uow: UnitOfWork, call_ids: Collection[str], calls: dict[str, Interaction]) -> None:
        self.calls = calls
        self.users = {u.id: u for u in uow.users.list()}
        self.queues = {q.id: q for q in uow.queues.list()}
        self.categories = {c.id: c for c in uow.categories.list()}
        self.records = uow.contacts.records_of(call_ids)
        self.notes = {c: versions[-1].text for c, versions in uow.contacts.notes_of(call_ids).items()}

    def row(self, recording: Recording) -> tuple[RecordingRow, str | None]:
        call = self.calls.get(recording.call_id)
        agent_id = recording.agent_id
        if agent_id is None and call is not None:
            agent_id = call.agent_id
        user = self.users.get(agent_id)
        queue = self.queues.get(call.queue_id) if call else None
        record = self.records.get(recording.call_id)
        category_id = record.category_id if record else None
        category = self.categories.get(category_id)
        note = self.notes.get(recording.call_id)
        row = RecordingRow(
            id=recording.id or 0,
            call_id=recording.call_id,
            started_at=recording.started_at,
            duration_s=float(recording.duration_s),
            agent_id=agent_id,
            agent_name=user.full_name if user else "",
            agent_number=(user.agent_number or "") if user else "",
            queue_id=call.queue_id if call else None,
            queue_name=queue.name if queue else "",
            queue_number=queue.number if queue else "",
            caller=call.caller if call else "",
            dialled=call.dialled if call else "",
            direction=call.direction if call else "",
            kind=_kind(call),
            queue_wait_s=call.waited_s if call else None,
            category_id=category_id,
            category_name=category.name if category else "",
            note=(note or "")[:NOTE_PREVIEW],
            purged=recording.purged_at is not None,
            legal_hold=recording.legal_hold,
        )
        return row, note


def _kind(call: Interaction | None) -> str:
    if call is None:
        return ""
    if call.end_stage.startswith("abandoned_"):
        return "lost"
    if call.direction == "outbound":
        return "not_connected" if call.answered_at is None else "outbound"
    return "inbound"


def _nulls_last(value: Any, descending: bool) -> tuple[bool, Any]:
    """A sort key putting None after every value in either direction."""
    missing = value is None
    return (not missing if descending else missing, value if not missing else 0)


class MemoryEvaluationSearch:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    def search(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        agent_id: int | None = None,
        recording_id: int | None = None,
        agent_ids: Collection[int] | None = None,
        limit: int = 500,
        offset: int = 0,
    ) -> list[EvaluationRow]:
        with self._uow_factory() as uow:
            names = {u.id: u.full_name for u in uow.users.list()}
            recordings = {r.id: r for r in uow.recordings.list()}
            found = [
                e
                for e in _evaluations(uow, since, until, agent_id, agent_ids)
                if recording_id is None or e.recording_id == recording_id
            ]
        found.sort(key=lambda e: (e.created_at, e.id or 0), reverse=True)
        rows = []
        for e in found[max(offset, 0) : max(offset, 0) + max(limit, 0)]:
            recording = recordings.get(e.recording_id)
            rows.append(
                EvaluationRow(
                    id=e.id or 0,
                    recording_id=e.recording_id,
                    call_id=e.call_id,
                    agent_id=e.agent_id,
                    agent_name=names.get(e.agent_id, ""),
                    form_name=e.form_name,
                    evaluator_id=e.evaluator_id,
                    evaluator_name=e.evaluator_name,
                    scores=e.scores,
                    notes=e.notes,
                    comment=e.comment,
                    score_percent=e.score_percent,
                    created_at=e.created_at,
                    updated_at=e.updated_at,
                    call_started_at=recording.started_at if recording else None,
                    duration_s=recording.duration_s if recording else None,
                )
            )
        return rows

    def report(
        self,
        *,
        since: datetime,
        until: datetime,
        agent_id: int | None = None,
        agent_ids: Collection[int] | None = None,
    ) -> list[AgentScore]:
        with self._uow_factory() as uow:
            names = {u.id: u.full_name for u in uow.users.list()}
            by_agent: dict[int, list[float]] = {}
            for e in _evaluations(uow, since, until, agent_id, agent_ids):
                by_agent.setdefault(e.agent_id, []).append(e.score_percent)
        scores = [
            AgentScore(a, names.get(a, ""), len(s), round(sum(s) / len(s), 1), min(s), max(s))
            for a, s in by_agent.items()
        ]
        return sorted(scores, key=lambda s: (s.agent_name, s.agent_id))


def _evaluations(
    uow: UnitOfWork,
    since: datetime | None,
    until: datetime | None,
    agent_id: int | None,
    agent_ids: Collection[int] | None,
) -> list[Evaluation]:
    return [
        e
        for e in uow.evaluations.list()
        if (since is None or e.created_at >= since)
        and (until is None or e.created_at < until)
        and (agent_id is None or e.agent_id == agent_id)
        and (agent_ids is None or e.agent_id in agent_ids)
    ]
