"""An in-memory unit of work with real transaction semantics: each unit works on a copy of the
committed state and replaces it on commit, so a rollback (or an exception) forgets everything."""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Collection, Iterator, Sequence
from datetime import UTC, datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar

import attrs

from kc_adapters.memory.clients import MemoryClientRepository
from kc_adapters.memory.contacts import ContactRows, MemoryContactRepository
from kc_domain.audit.model import GENESIS, AuditRecord
from kc_domain.callbacks.model import ACTIVE_STATES, CallbackRequest, CallbackState
from kc_domain.clients.model import Client, ClientField
from kc_domain.errors import Conflict
from kc_domain.identity.model import User
from kc_domain.ivr.catalogue import IvrNumber, IvrTreeVersion
from kc_domain.organisation.model import (
    AgentGroup,
    AgentSkill,
    Announcement,
    CallCategory,
    CallerRule,
    PauseCode,
    Queue,
    ReportAccessFilter,
    TransferLine,
    TransferLineGroup,
)
from kc_domain.outbound.attempts import CampaignAttempt
from kc_domain.outbound.campaigns import Campaign, DoNotCall, ListEntry, Progress
from kc_domain.outbound.import_catalogue import StoredStructure
from kc_domain.outbound.outcomes import Outcome
from kc_domain.outbound.script_catalogue import StoredScript
from kc_domain.recordings.evaluation import Evaluation, EvaluationForm
from kc_domain.recordings.model import Recording
from kc_domain.reports.schedule import ReportSchedule
from kc_domain.supervision.model import Alert, AlertRule, Wallboard
from kc_domain.voicemail import Voicemail
from kc_ports.persistence import AuditFilter

if TYPE_CHECKING:
    from kc_ports.persistence import UnitOfWorkFactory

T = TypeVar("T")

REPOSITORIES = (
    "users",
    "groups",
    "queues",
    "skills",
    "pause_codes",
    "categories",
    "transfer_groups",
    "transfer_lines",
    "report_filters",
    "caller_rules",
    "announcements",
    "ivr_trees",
    "ivr_numbers",
    "voicemails",
    "client_fields",
    "alert_rules",
    "alerts",
    "wallboards",
    "report_schedules",
    "recordings",
    "evaluation_forms",
    "evaluations",
    "campaigns",
    "do_not_call",
    "call_scripts",
    "import_structures",
)
"""Repositories of id-numbered entities (``MemoryRepository``)."""

OTHER_REPOSITORIES = ("callbacks", "clients", "contacts", "campaign_lists", "campaign_attempts")
"""Repositories with their own class and keys: ``callbacks`` (``MemoryCallbackRepository``),
``clients`` (``MemoryClientRepository``), ``contacts`` (``MemoryContactRepository``), ``campaign_lists``
(``MemoryCampaignListRepository``), ``campaign_attempts`` (``MemoryCampaignAttemptRepository``)."""


@attrs.define
class _State:
    rows: dict[str, dict[int, Any]] = attrs.field(factory=lambda: {name: {} for name in REPOSITORIES})
    callbacks: dict[str, CallbackRequest] = attrs.field(factory=dict)
    clients: dict[int, Client] = attrs.field(factory=dict)
    contacts: ContactRows = attrs.field(factory=ContactRows)
    campaign_entries: dict[int, ListEntry] = attrs.field(factory=dict)
    campaign_attempts: dict[int, CampaignAttempt] = attrs.field(factory=dict)
    next_id: int = 1
    audit: list[AuditRecord] = attrs.field(factory=list)
    anchor: tuple[int, str] = (0, GENESIS)


class MemoryRepository(Generic[T]):
    def __init__(self, state: _State, name: str) -> None:
        self._state, self._rows = state, state.rows[name]

    def add(self, entity: T) -> T:
        entity.id = self._state.next_id  # type: ignore[attr-defined]
        self._state.next_id += 1
        self._rows[entity.id] = entity  # type: ignore[attr-defined]
        return entity

    def get(self, entity_id: int) -> T | None:
        found: T | None = self._rows.get(entity_id)
        return found

    def list(self) -> list[T]:
        return [self._rows[k] for k in sorted(self._rows)]

    def delete(self, entity: T) -> None:
        self._rows.pop(entity.id, None)  # type: ignore[attr-defined]


class MemoryCallbackRepository:
    """Keeps copies, like a database: a loaded or saved request is not the stored one."""

    def __init__(self, state: _State) -> None:
        self._rows = state.callbacks

    def get(self, callback_id: str) -> CallbackRequest | None:
        found = self._rows.get(callback_id)
        return None if found is None else copy.deepcopy(found)

    def save(self, request: CallbackRequest) -> None:
        self._rows[request.id] = _in_utc(copy.deepcopy(request))

    def active(self) -> list[CallbackRequest]:
        return self.search(states=ACTIVE_STATES, limit=len(self._rows))

    def search(
        self,
        *,
        states: Collection[CallbackState] | None = None,
        queue_ids: Collection[int] | None = None,
        agent_id: int | None = None,
        since: datetime | None = None,
        limit: int = 500,
    ) -> list[CallbackRequest]:
        found = [
            r
            for r in self._rows.values()
            if (states is None or r.state in states)
            and (queue_ids is None or r.queue_id in queue_ids)
            and (agent_id is None or r.agent_id == agent_id)
            and (since is None or r.created_at >= since)
        ]
        active = sorted((r for r in found if r.is_active), key=CallbackRequest.sort_key)
        finished = sorted((r for r in found if not r.is_active), key=lambda r: r.id)
        finished.sort(key=lambda r: r.closed_at or r.created_at, reverse=True)  # stable: ties by id
        return [copy.deepcopy(r) for r in (active + finished)[:limit]]


def _in_utc(request: CallbackRequest) -> CallbackRequest:
    """Times as a database gives them back: the same instants, in UTC."""
    for name in ("created_at", "joined_at", "preferred_at", "next_try_at", "closed_at"):
        value = getattr(request, name)
        if value is not None:
            setattr(request, name, value.astimezone(UTC))
    request.attempts = [attrs.evolve(a, at=a.at.astimezone(UTC)) for a in request.attempts]
    return request


class MemoryAuditStore:
    def __init__(self, state: _State) -> None:
        self._state = state

    def last(self) -> AuditRecord | None:
        return self._state.audit[-1] if self._state.audit else None

    def append(self, record: AuditRecord) -> None:
        last = self.last()
        if record.seq <= (last.seq if last else self._state.anchor[0]):
            raise Conflict(f"audit seq {record.seq} exists")
        self._state.audit.append(record)

    def anchor(self) -> tuple[int, str]:
        return self._state.anchor

    def ordered(self) -> Iterator[AuditRecord]:
        return iter(sorted(self._state.audit, key=lambda r: r.seq))

    def query(self, where: AuditFilter, limit: int, offset: int = 0) -> list[AuditRecord]:
        found = [r for r in reversed(self._state.audit) if _matches(r, where)]
        return found[offset : offset + limit]

    def purge_before(self, cutoff: datetime) -> int:
        old = [r for r in self._state.audit if r.at < cutoff]
        if old:
            self._state.anchor = (old[-1].seq, old[-1].hash)
            self._state.audit = [r for r in self._state.audit if r.at >= cutoff]
        return len(old)


def _matches(record: AuditRecord, where: AuditFilter) -> bool:
    return (
        (where.since is None or record.at >= where.since)
        and (where.until is None or record.at < where.until)
        and (not where.actor or where.actor.casefold() in record.actor.casefold())
        and (not where.action or record.action.startswith(where.action))
        and (not where.object_type or record.object_type == where.object_type)
        and (not where.outcome or record.outcome.value == where.outcome)
    )


class MemoryUnitOfWork:
    """Implements ``kc_ports.persistence.UnitOfWork``, hence every narrow unit in it."""

    users: MemoryRepository[User]
    groups: MemoryRepository[AgentGroup]
    queues: MemoryRepository[Queue]
    skills: MemoryRepository[AgentSkill]
    pause_codes: MemoryRepository[PauseCode]
    categories: MemoryRepository[CallCategory]
    transfer_groups: MemoryRepository[TransferLineGroup]
    transfer_lines: MemoryRepository[TransferLine]
    report_filters: MemoryRepository[ReportAccessFilter]
    caller_rules: MemoryRepository[CallerRule]
    announcements: MemoryRepository[Announcement]
    ivr_trees: MemoryRepository[IvrTreeVersion]
    ivr_numbers: MemoryRepository[IvrNumber]
    voicemails: MemoryRepository[Voicemail]
    client_fields: MemoryRepository[ClientField]
    alert_rules: MemoryRepository[AlertRule]
    alerts: MemoryRepository[Alert]
    wallboards: MemoryRepository[Wallboard]
    report_schedules: MemoryRepository[ReportSchedule]
    recordings: MemoryRepository[Recording]
    evaluation_forms: MemoryRepository[EvaluationForm]
    evaluations: MemoryRepository[Evaluation]
    campaigns: MemoryRepository[Campaign]
    do_not_call: MemoryRepository[DoNotCall]
    call_scripts: MemoryRepository[StoredScript]
    import_structures: MemoryRepository[StoredStructure]
    campaign_lists: MemoryCampaignListRepository
    campaign_attempts: MemoryCampaignAttemptRepository
    callbacks: MemoryCallbackRepository
    clients: MemoryClientRepository
    contacts: MemoryContactRepository
    audit: MemoryAuditStore

    def __init__(self, factory: MemoryUnitOfWorkFactory) -> None:
        self._factory = factory

    def __enter__(self) -> Self:
        self._factory.lock.acquire()  # one writer at a time, as SQLite would have it
        self._begin()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._factory.lock.release()

    def _begin(self) -> None:
        self._state = copy.deepcopy(self._factory.committed)
        for name in REPOSITORIES:
            setattr(self, name, MemoryRepository(self._state, name))
        self.callbacks = MemoryCallbackRepository(self._state)
        self.clients = MemoryClientRepository(self._state)
        self.contacts = MemoryContactRepository(self._state.contacts)
        self.campaign_lists = MemoryCampaignListRepository(self._state)
        self.campaign_attempts = MemoryCampaignAttemptRepository(self._state)
        self.audit = MemoryAuditStore(self._state)

    def commit(self) -> None:
        self._factory.committed = copy.deepcopy(self._state)

    def rollback(self) -> None:
        self._begin()


class MemoryUnitOfWorkFactory:
    def __init__(self) -> None:
        self.committed = _State()
        self.lock = threading.RLock()

    def __call__(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self)

    def ping(self) -> None:
        return None


if TYPE_CHECKING:

    def _implements(factory: MemoryUnitOfWorkFactory) -> UnitOfWorkFactory:
        return factory  # mypy checks the memory unit against the union of every narrow unit


class MemoryCampaignListRepository:
    """``SqlCampaignListRepository``'s behaviour over the unit's copy of the rows."""

    def __init__(self, state: _State) -> None:
        self._state, self._rows = state, state.campaign_entries

    def add_many(self, entries: Sequence[ListEntry]) -> int:
        for entry in entries:
            entry.id = self._state.next_id
            self._state.next_id += 1
            self._rows[entry.id] = entry
        return len(entries)

    def get(self, entry_id: int) -> ListEntry | None:
        return self._rows.get(entry_id)

    def many(self, entry_ids: Collection[int]) -> list[ListEntry]:
        return [self._rows[i] for i in sorted(set(entry_ids)) if i in self._rows]

    def of_campaign(
        self, campaign_id: int, *, open_only: bool = False, limit: int | None = None, offset: int = 0
    ) -> list[ListEntry]:
        found = [
            e
            for _, e in sorted(self._rows.items())
            if e.campaign_id == campaign_id and not (open_only and (e.done or e.removed))
        ]
        return found[offset:] if limit is None else found[offset : offset + limit]

    def due(self, campaign_id: int, now: datetime, limit: int) -> list[ListEntry]:
        found = [
            e
            for e in self.of_campaign(campaign_id, open_only=True)
            if e.next_try_at is None or e.next_try_at <= now
        ]
        return sorted(found, key=lambda e: (-e.priority, e.attempts, e.id or 0))[:limit]

    def agreed_with(self, agent_id: int) -> list[ListEntry]:
        found = [
            e
            for e in self._rows.values()
            if e.agreed_with == agent_id and not (e.done or e.removed) and e.next_try_at is not None
        ]
        return sorted(found, key=lambda e: e.next_try_at or datetime.min)

    def held_by(self, holder: int) -> list[ListEntry]:
        return sorted((e for e in self._rows.values() if e.reserved_by == holder), key=lambda e: e.id or 0)

    def phones(self, campaign_id: int) -> dict[str, int]:
        return {e.phone: e.id for e in self.of_campaign(campaign_id) if not e.removed and e.id is not None}

    def progress(self, campaign_id: int) -> Progress:
        listed = self.of_campaign(campaign_id)
        live = [e for e in listed if not e.removed]
        return Progress(
            total=len(live),
            done=sum(e.done for e in live),
            attempted=sum(e.attempts > 0 for e in live),
            successful=sum(e.last_outcome == Outcome.SUCCESS for e in live),
            removed=len(listed) - len(live),
        )


class MemoryCampaignAttemptRepository:
    """``SqlCampaignAttemptRepository``'s behaviour over the unit's copy of the rows."""

    def __init__(self, state: _State) -> None:
        self._state, self._rows = state, state.campaign_attempts

    def append(self, attempt: CampaignAttempt) -> CampaignAttempt:
        attempt.id = self._state.next_id
        self._state.next_id += 1
        self._rows[attempt.id] = attempt
        return attempt

    def of_campaign(self, campaign_id: int) -> list[CampaignAttempt]:
        return self._select(lambda a: a.campaign_id == campaign_id)

    def of_entry(self, entry_id: int) -> list[CampaignAttempt]:
        return self._select(lambda a: a.entry_id == entry_id)

    def started_between(
        self, campaign_ids: Collection[int], since: datetime, until: datetime
    ) -> list[CampaignAttempt]:
        return self._select(lambda a: a.campaign_id in campaign_ids and since <= a.started_at < until)

    def open_of(self, agent_id: int) -> CampaignAttempt | None:
        found = self._select(lambda a: a.agent_id == agent_id and a.ended_at is None)
        return found[-1] if found else None

    def _select(self, keep: Callable[[CampaignAttempt], bool]) -> list[CampaignAttempt]:
        found = [a for a in self._rows.values() if keep(a)]
        return sorted(found, key=lambda a: (a.started_at, a.id or 0))
