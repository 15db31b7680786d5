"""Reading recordings and their evaluations for the pages (REC-02, REC-06, REC-07): searches that
join a recording with what the journal and the contact records know of its call, and evaluations
with their agent and recording. The rows are read-only views, not entities."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

import attrs

from kc_domain.identity.sight import Sight
from kc_domain.recordings.evaluation import Score, TimelineNote

KINDS = ("inbound", "outbound", "lost", "not_connected")
SORTS = ("started_at", "agent", "number", "duration", "queue_wait", "category", "queue", "note")
NOTE_PREVIEW = 500  # characters of the note a row carries


@attrs.frozen
class RecordingRow:
    id: int
    call_id: str
    started_at: datetime
    duration_s: float
    agent_id: int | None  # the recording's agent, else the call's
    agent_name: str
    agent_number: str
    queue_id: int | None
    queue_name: str
    queue_number: str
    caller: str  # the other party: who called in, or the number an agent dialled
    dialled: str
    direction: str  # inbound, outbound ("" when the journal has no row for the call)
    kind: str  # one of KINDS ("" without a journal row)
    queue_wait_s: float | None
    category_id: int | None
    category_name: str
    note: str  # the latest note version, cut to NOTE_PREVIEW characters
    purged: bool
    legal_hold: bool


@attrs.frozen
class EvaluationRow:
    id: int
    recording_id: int
    call_id: str
    agent_id: int
    agent_name: str
    form_name: str
    evaluator_id: int
    evaluator_name: str
    scores: tuple[Score, ...]
    notes: tuple[TimelineNote, ...]
    comment: str
    score_percent: float
    created_at: datetime
    updated_at: datetime
    call_started_at: datetime | None  # None when the recording is gone
    duration_s: float | None


@attrs.frozen
class AgentScore:
    agent_id: int
    agent_name: str
    count: int
    average: float  # rounded to one decimal
    lowest: float
    highest: float


@attrs.frozen
class RecordingQuery:
    """Recordings started in [since, until) matching every given filter, sorted and paged.

    ``sight``: only calls it sees (``Sight.sees_call`` with the row's queue and agent); ``number``: a
    substring of the caller's or dialled number; ``note_text``: a case-insensitive substring of the
    latest note; ``kind``: one of KINDS; ``sort``: one of SORTS (ValueError otherwise), missing
    values last, ties by the recording id in the same direction, so paging is stable."""

    since: datetime
    until: datetime
    call_id: str = ""
    agent_id: int | None = None
    queue_id: int | None = None
    sight: Sight | None = None
    number: str = ""
    category_id: int | None = None
    kind: str | None = None
    min_duration: float | None = None
    max_duration: float | None = None
    note_text: str = ""
    sort: str = "started_at"
    descending: bool = True
    offset: int = 0
    limit: int = 50

    def __attrs_post_init__(self) -> None:
        if self.sort not in SORTS:
            raise ValueError(f"unknown sort {self.sort!r}")
        if self.kind is not None and self.kind not in KINDS:
            raise ValueError(f"unknown kind {self.kind!r}")


def _optional_ids(ids: Iterable[int] | None) -> frozenset[int] | None:
    return None if ids is None else frozenset(ids)


@attrs.frozen
class EvaluationQuery:
    """Evaluations made in [since, until) (None: no bound) matching the filters, at most ``limit``
    after skipping ``offset``; ``agent_ids``: only these agents' (None: any)."""

    since: datetime | None = None
    until: datetime | None = None
    agent_id: int | None = None
    recording_id: int | None = None
    agent_ids: frozenset[int] | None = attrs.field(default=None, converter=_optional_ids)
    limit: int = 500
    offset: int = 0


class RecordingSearch(Protocol):
    def search(self, query: RecordingQuery) -> tuple[int, list[RecordingRow]]:
        """The total of the recordings matching ``query`` and its page of them."""

    def find(self, recording_id: int) -> RecordingRow | None:
        """One recording with its call's data (the recording's page), or None."""

    def recorded_calls(self, call_ids: Iterable[str]) -> dict[str, list[int]]:
        """Which of ``call_ids`` have recordings whose audio is kept (not purged), with their ids in
        the order they were made: for the pages linking a call to its recordings."""


class EvaluationSearch(Protocol):
    def search(self, query: EvaluationQuery) -> list[EvaluationRow]:
        """The evaluations ``query`` asks for, newest first (ties: the higher id first)."""

    def report(self, query: EvaluationQuery) -> list[AgentScore]:
        """Per agent evaluated as ``query`` asks (its period and agents; its recording and paging
        do not apply): the number of evaluations and the average, lowest and highest score in
        percent; ordered by the agent's name, then id."""
