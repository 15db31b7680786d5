"""``RecordingSearch`` and ``EvaluationSearch`` over any unit of work and journal: the in-memory
fakes for the tests and the demo, answering as the SQL queries do (``tests/contract``)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from typing import Any

from kc_domain.recordings.evaluation import Evaluation
from kc_domain.recordings.model import Recording
from kc_domain.routing.projection import Interaction
from kc_ports.journal import ContactHistory
from kc_ports.persistence import EvaluationUnit, RecordingSearchUnit, UnitFactory
from kc_ports.recording_search import (
    NOTE_PREVIEW,
    AgentScore,
    EvaluationQuery,
    EvaluationRow,
    RecordingQuery,
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
    def __init__(self, uow_factory: UnitFactory[RecordingSearchUnit], journal: ContactHistory) -> None:
        self._uow_factory, self._journal = uow_factory, journal

    def search(self, query: RecordingQuery) -> tuple[int, list[RecordingRow]]:
        q, sight = query, query.sight
        wanted = q.note_text.casefold()
        tests: list[Callable[[RecordingRow, str | None], bool]] = [
            lambda r, _n: q.since <= r.started_at < q.until,
            lambda r, _n: not q.call_id or r.call_id == q.call_id,
            lambda r, _n: q.agent_id is None or r.agent_id == q.agent_id,
            lambda r, _n: q.queue_id is None or r.queue_id == q.queue_id,
            lambda r, _n: sight is None or sight.sees_call(r.queue_id, [r.agent_id]),
            lambda r, _n: not q.number or q.number in r.caller or q.number in r.dialled,
            lambda r, _n: q.category_id is None or r.category_id == q.category_id,
            lambda r, _n: q.kind is None or r.kind == q.kind,
            lambda r, _n: q.min_duration is None or r.duration_s >= q.min_duration,
            lambda r, _n: q.max_duration is None or r.duration_s <= q.max_duration,
            lambda _r, note: not wanted or wanted in (note or "").casefold(),
        ]
        found = [(row, note) for row, note in self._rows() if all(test(row, note) for test in tests)]
        key = _SORT_KEYS[q.sort]
        found.sort(key=lambda pair: pair[0].id, reverse=q.descending)
        found.sort(key=lambda pair: _nulls_last(key(*pair), q.descending), reverse=q.descending)
        start = max(q.offset, 0)
        return len(found), [row for row, _note in found[start : start + max(q.limit, 0)]]

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

    def __init__(
        self, uow: RecordingSearchUnit, call_ids: Collection[str], calls: dict[str, Interaction]
    ) -> None:
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
    def __init__(self, uow_factory: UnitFactory[EvaluationUnit]) -> None:
        self._uow_factory = uow_factory

    def search(self, wanted: EvaluationQuery) -> list[EvaluationRow]:
        with self._uow_factory() as uow:
            names = {u.id: u.full_name for u in uow.users.list()}
            recordings = {r.id: r for r in uow.recordings.list()}
            found = [
                e
                for e in _evaluations(uow, wanted)
                if wanted.recording_id is None or e.recording_id == wanted.recording_id
            ]
        found.sort(key=lambda e: (e.created_at, e.id or 0), reverse=True)
        rows = []
        start = max(wanted.offset, 0)
        for e in found[start : start + max(wanted.limit, 0)]:
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

    def report(self, wanted: EvaluationQuery) -> list[AgentScore]:
        with self._uow_factory() as uow:
            names = {u.id: u.full_name for u in uow.users.list()}
            by_agent: dict[int, list[float]] = {}
            for e in _evaluations(uow, wanted):
                by_agent.setdefault(e.agent_id, []).append(e.score_percent)
        scores = [
            AgentScore(a, names.get(a, ""), len(s), round(sum(s) / len(s), 1), min(s), max(s))
            for a, s in by_agent.items()
        ]
        return sorted(scores, key=lambda s: (s.agent_name, s.agent_id))


def _evaluations(uow: EvaluationUnit, wanted: EvaluationQuery) -> list[Evaluation]:
    """The evaluations in the query's period, of its agents."""
    since, until, agent_id, agent_ids = wanted.since, wanted.until, wanted.agent_id, wanted.agent_ids
    return [
        e
        for e in uow.evaluations.list()
        if (since is None or e.created_at >= since)
        and (until is None or e.created_at < until)
        and (agent_id is None or e.agent_id == agent_id)
        and (agent_ids is None or e.agent_id in agent_ids)
    ]
