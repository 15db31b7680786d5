"""Reading recordings and their evaluations for the pages (REC-02, REC-06, REC-07): searches that
join a recording with what the journal and the contact records know of its call, and evaluations
with their agent and recording. The rows are read-only views, not entities."""

from __future__ import annotations

from collections.abc import Collection, Iterable
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


class RecordingSearch(Protocol):
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
        """Recordings started in [since, until) matching every given filter: the total and one page.
        ``sight``: only calls it sees (``Sight.sees_call`` with the row's queue and agent);
        ``number``: a substring of the caller's or dialled number; ``note_text``: a case-insensitive
        substring of the latest note; ``kind``: one of KINDS; ``sort``: one of SORTS (ValueError
        otherwise), missing values last, ties by the recording id in the same direction."""

    def find(self, recording_id: int) -> RecordingRow | None:
        """One recording with its call's data (the recording's page), or None."""

    def recorded_calls(self, call_ids: Iterable[str]) -> dict[str, list[int]]:
        """Which of ``call_ids`` have recordings whose audio is kept (not purged), with their ids in
        the order they were made: for the pages linking a call to its recordings."""


class EvaluationSearch(Protocol):
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
        """Evaluations made in [since, until) matching the filters, newest first (ties: the higher
        id first), at most ``limit`` after skipping ``offset``; ``agent_ids``: only these agents'."""

    def report(
        self,
        *,
        since: datetime,
        until: datetime,
        agent_id: int | None = None,
        agent_ids: Collection[int] | None = None,
    ) -> list[AgentScore]:
        """Per agent evaluated in [since, until): the number of evaluations and the average, lowest
        and highest score in percent; ordered by the agent's name, then id."""
