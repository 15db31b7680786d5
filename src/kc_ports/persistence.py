"""Repositories, the audit store and the units of work that commit them together.

One transaction, narrow views: ``AuditedUnit`` (the audit store and the transaction) is in every
unit; each bounded area has its unit (``OrganisationUnit``, ``IvrUnit``, ``ContactsUnit``,
``CallbacksUnit``, ``QualityUnit``, ``ReportingUnit``); a use case reaching several areas names them
(``ContactDeskUnit``...); ``UnitOfWork`` is the union the adapters implement. A service takes a
``UnitFactory`` of the narrowest unit it uses, so mypy shows it reaches nothing else."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self, TypeAlias, TypeVar, runtime_checkable

from kc_domain.audit.model import AuditRecord
from kc_domain.callbacks.model import CallbackRequest, CallbackState
from kc_domain.clients.model import Client, ClientField
from kc_domain.contacts.model import ContactRecord, NoteVersion
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
from kc_domain.outbound.script_catalogue import StoredScript
from kc_domain.recordings.evaluation import Evaluation, EvaluationForm
from kc_domain.recordings.model import Recording
from kc_domain.reports.schedule import ReportSchedule
from kc_domain.supervision.model import Alert, AlertRule, Wallboard
from kc_domain.voicemail import Voicemail

T = TypeVar("T")


class Repository(Protocol[T]):
    """A collection of one kind of entity; changes land when the unit of work commits."""

    def add(self, entity: T) -> T:
        """Add a new entity and give it an ``id``."""

    def get(self, entity_id: int) -> T | None:
        """The entity with this id, or None."""

    def list(self) -> list[T]:
        """All entities, ordered by id."""

    def delete(self, entity: T) -> None:
        """Remove an entity obtained from this repository."""


class AuditFilter(Protocol):
    """Anything with these attributes; see kc_domain.audit.service.AuditQuery.

    Read-only properties, so that a frozen attrs class (AuditQuery) satisfies the protocol.
    """

    @property
    def since(self) -> datetime | None: ...
    @property
    def until(self) -> datetime | None: ...
    @property
    def actor(self) -> str: ...
    @property
    def action(self) -> str: ...
    @property
    def object_type(self) -> str: ...
    @property
    def outcome(self) -> str: ...


class AuditStore(Protocol):
    """Append-only storage of sealed audit records."""

    def last(self) -> AuditRecord | None:
        """The newest record, locked against concurrent appenders until commit."""

    def append(self, record: AuditRecord) -> None:
        """Store a sealed record; a record with an existing ``seq`` is a conflict."""

    def anchor(self) -> tuple[int, str]:
        """(seq, hash) of the last record removed by retention, or (0, GENESIS)."""

    def ordered(self) -> Iterator[AuditRecord]:
        """Every record in ``seq`` order, streamed."""

    def query(self, where: AuditFilter, limit: int, offset: int = 0) -> list[AuditRecord]:
        """Records matching the filter, newest first."""

    def purge_before(self, cutoff: datetime) -> int:
        """Delete records older than ``cutoff``, move the anchor past them, return how many."""


class CallbackRepository(Protocol):
    """Callback requests (IN-09, AG-17), keyed by their string id; the engine is their one writer.

    Entities come back as copies: changing a loaded request changes nothing until it is ``save``d,
    and a saved request is stored as it was at the ``save`` (later changes need another ``save``).
    """

    def get(self, callback_id: str) -> CallbackRequest | None:
        """The request with this id, or None."""

    def save(self, request: CallbackRequest) -> None:
        """Insert the request, or replace the stored one with the same id (attempts included)."""

    def active(self) -> list[CallbackRequest]:
        """Every open, assigned or dialling request, in line order (``CallbackRequest.sort_key``)."""

    def search(
        self,
        *,
        states: Collection[CallbackState] | None = None,
        queue_ids: Collection[int] | None = None,
        agent_id: int | None = None,
        since: datetime | None = None,
        limit: int = 500,
    ) -> list[CallbackRequest]:
        """Requests matching every given filter (None: any), at most ``limit`` of them.

        ``since`` keeps requests created at or after it. Order: the active requests first, in line
        order (``sort_key``), then the finished ones, the most recently closed first (ties by id).
        """


class ClientRepository(Protocol):
    """The customer database (CDB-02, IN-11), keyed by int ids; each client with its set of phones.

    Entities come back as copies: a change lands only through ``save`` (and the commit).
    """

    def add(self, client: Client) -> Client:
        """Store a new client and give it an ``id``."""

    def get(self, client_id: int) -> Client | None:
        """The client with this id, or None."""

    def save(self, client: Client) -> None:
        """Store a changed client if the stored one is still at ``client.version``; both versions then
        go up by one. A client changed (or deleted) meanwhile raises Conflict."""

    def by_phone(self, number: str) -> list[Client]:
        """Every client with this E.164 number, ordered by ``Client.search_key()``, then id."""

    def ids_by_phones(self, numbers: Collection[str]) -> dict[str, set[int]]:
        """For many E.164 numbers at once (a campaign list's import): each known number -> the ids
        of the clients who have it; unknown numbers are left out."""

    def ids_by_identifiers(self, identifiers: Collection[str]) -> dict[str, set[int]]:
        """For many identifiers at once (insurance numbers, IČO): each known one -> client ids."""

    def search(self, text: str, limit: int) -> list[Client]:
        """Clients whose search key (``Client.search_key``) contains every word of ``text`` (folded
        by ``search_terms``), in the ``by_phone`` order, at most ``limit``."""

    def list(self, limit: int, offset: int = 0) -> list[Client]:
        """A page of clients ordered by id."""


class ContactRepository(Protocol):
    """What agents record about calls (IN-12, AG-04, AG-13, REC-01), keyed by the engine's call id.

    Entities come back as copies: a change lands only through ``save`` or ``save_note``.
    """

    def get(self, call_id: str) -> ContactRecord | None:
        """The call's record, or None."""

    def save(self, record: ContactRecord) -> None:
        """Insert the record, or replace the stored one of the same call."""

    def notes(self, call_id: str) -> list[NoteVersion]:
        """Every note version of the call, oldest (number 1) first."""

    def save_note(self, note: NoteVersion) -> None:
        """Insert the version, or replace the stored one with the same call id and number."""

    def records_of(self, call_ids: Collection[str]) -> dict[str, ContactRecord]:
        """The records of these calls (those that have one), by call id."""

    def notes_of(self, call_ids: Collection[str]) -> dict[str, list[NoteVersion]]:
        """The note versions of these calls (those that have some), by call id, oldest first."""

    def for_client(self, client_id: int, limit: int = 20) -> list[ContactRecord]:
        """Records of calls with this client, the most recently updated first."""

    def matching(self, call_ids: Collection[str], text: str, client_ids: Collection[int] = ()) -> set[str]:
        """Those of ``call_ids`` whose note (any version) contains ``text`` ignoring case, or whose
        record names one of ``client_ids``."""


class CampaignListRepository(Protocol):
    """A campaign's list of contacts: many rows, written at once, read a page or a due batch at a
    time. The entries returned are live in the unit (their changes are written at its commit)."""

    def add_many(self, entries: Sequence[ListEntry]) -> int:
        """Store new entries (ids are given here); how many."""

    def get(self, entry_id: int) -> ListEntry | None: ...

    def many(self, entry_ids: Collection[int]) -> list[ListEntry]:
        """The entries of these ids that exist, in id order (one query)."""

    def of_campaign(
        self, campaign_id: int, *, open_only: bool = False, limit: int | None = None, offset: int = 0
    ) -> list[ListEntry]:
        """In list order; ``open_only``: those that may still be called (not done, not removed)."""

    def due(self, campaign_id: int, now: datetime, limit: int) -> list[ListEntry]:
        """Open entries due at ``now`` (or with no due time), highest priority and fewest attempts first."""

    def phones(self, campaign_id: int) -> dict[str, int]:
        """The list's numbers (not removed) -> the entry's id."""

    def agreed_with(self, agent_id: int) -> list[ListEntry]:
        """Open entries of every campaign with a callback agreed with this agent (her appointments)."""

    def held_by(self, holder: int) -> list[ListEntry]:
        """Entries of every campaign reserved for ``holder`` (an agent, or the dialler), lapsed or not."""

    def progress(self, campaign_id: int) -> Progress: ...


class CampaignAttemptRepository(Protocol):
    """The attempts of campaigns' agents (OUT-14, OUT-18): appended, never deleted; those returned
    are live in the unit (their changes are written at its commit)."""

    def append(self, attempt: CampaignAttempt) -> CampaignAttempt:
        """Store a new attempt (its id is given here)."""

    def of_campaign(self, campaign_id: int) -> list[CampaignAttempt]:
        """Oldest first (by start, then id)."""

    def of_entry(self, entry_id: int) -> list[CampaignAttempt]:
        """Oldest first (by start, then id)."""

    def started_between(
        self, campaign_ids: Collection[int], since: datetime, until: datetime
    ) -> list[CampaignAttempt]:
        """The attempts of these campaigns started in [since, until), oldest first (a report's)."""

    def open_of(self, agent_id: int) -> CampaignAttempt | None:
        """The agent's latest attempt not ended yet, if any."""


@runtime_checkable
class AuditedUnit(Protocol):
    """One transaction with the audit log in it; leaving the block without commit rolls back.

    Every narrow unit below is one, because every use case audits in the transaction of its change.
    """

    @property
    def audit(self) -> AuditStore: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    def commit(self) -> None:
        """Make every change of this unit durable at once."""

    def rollback(self) -> None:
        """Forget every change since the last commit."""


# -- one unit per bounded area ----------------------------------------------------------------------
# Read-only properties, so that an adapter's own repository classes (subtypes) satisfy them.


@runtime_checkable
class OrganisationUnit(AuditedUnit, Protocol):
    """Who works where and how calls are sorted: the organisation every other area refers to."""

    @property
    def users(self) -> Repository[User]: ...
    @property
    def groups(self) -> Repository[AgentGroup]: ...
    @property
    def queues(self) -> Repository[Queue]: ...
    @property
    def skills(self) -> Repository[AgentSkill]: ...
    @property
    def pause_codes(self) -> Repository[PauseCode]: ...
    @property
    def categories(self) -> Repository[CallCategory]: ...
    @property
    def transfer_groups(self) -> Repository[TransferLineGroup]: ...
    @property
    def transfer_lines(self) -> Repository[TransferLine]: ...
    @property
    def caller_rules(self) -> Repository[CallerRule]: ...
    @property
    def announcements(self) -> Repository[Announcement]: ...


@runtime_checkable
class IvrUnit(AuditedUnit, Protocol):
    """The IVR trees (every version) and the numbers that start them."""

    @property
    def ivr_trees(self) -> Repository[IvrTreeVersion]: ...
    @property
    def ivr_numbers(self) -> Repository[IvrNumber]: ...


@runtime_checkable
class ContactsUnit(AuditedUnit, Protocol):
    """Contacts and clients: the customer database, its fields, and what agents record about calls."""

    @property
    def clients(self) -> ClientRepository: ...
    @property
    def client_fields(self) -> Repository[ClientField]: ...
    @property
    def contacts(self) -> ContactRepository: ...


@runtime_checkable
class CallbacksUnit(AuditedUnit, Protocol):
    """What callers left to be returned: callback requests and voicemails."""

    @property
    def callbacks(self) -> CallbackRepository: ...
    @property
    def voicemails(self) -> Repository[Voicemail]: ...


@runtime_checkable
class QualityUnit(AuditedUnit, Protocol):
    """Quality: call recordings, evaluation forms and the evaluations made with them."""

    @property
    def recordings(self) -> Repository[Recording]: ...
    @property
    def evaluation_forms(self) -> Repository[EvaluationForm]: ...
    @property
    def evaluations(self) -> Repository[Evaluation]: ...


@runtime_checkable
class OutboundUnit(AuditedUnit, Protocol):
    """Outbound campaigns: the campaigns, their lists of contacts, the call scripts their agents run,
    the do-not-call list and the structures contact lists are imported with."""

    @property
    def campaigns(self) -> Repository[Campaign]: ...
    @property
    def campaign_lists(self) -> CampaignListRepository: ...
    @property
    def do_not_call(self) -> Repository[DoNotCall]: ...
    @property
    def call_scripts(self) -> Repository[StoredScript]: ...
    @property
    def campaign_attempts(self) -> CampaignAttemptRepository: ...
    @property
    def import_structures(self) -> Repository[StoredStructure]: ...


@runtime_checkable
class ReportingUnit(AuditedUnit, Protocol):
    """Reporting and supervision: who sees which figures, scheduled reports, wallboards and alerts."""

    @property
    def report_filters(self) -> Repository[ReportAccessFilter]: ...
    @property
    def report_schedules(self) -> Repository[ReportSchedule]: ...
    @property
    def wallboards(self) -> Repository[Wallboard]: ...
    @property
    def alert_rules(self) -> Repository[AlertRule]: ...
    @property
    def alerts(self) -> Repository[Alert]: ...


# -- use cases that span areas: the areas they reach, named ------------------------------------------


@runtime_checkable
class CampaignSetupUnit(OutboundUnit, OrganisationUnit, Protocol):
    """Campaigns, with the queues they belong to and the agents who work them."""


@runtime_checkable
class IvrSetupUnit(IvrUnit, OrganisationUnit, Protocol):
    """IVR trees and numbers, with the queues a tree may send calls to."""


@runtime_checkable
class VoicemailUnit(CallbacksUnit, OrganisationUnit, Protocol):
    """Voicemails, with the queues whose agents may hear them."""


@runtime_checkable
class EvaluationUnit(QualityUnit, OrganisationUnit, Protocol):
    """Evaluations of recordings, with the users who evaluate and are evaluated."""


@runtime_checkable
class AlertingUnit(ReportingUnit, OrganisationUnit, Protocol):
    """Alert rules and the alerts they raise, with the pause codes rules may watch."""


@runtime_checkable
class EngineUnit(CallbacksUnit, AlertingUnit, Protocol):
    """What the routing engine's process keeps besides its journal: callbacks and alerts."""


@runtime_checkable
class ContactDeskUnit(ContactsUnit, CallbacksUnit, OrganisationUnit, Protocol):
    """An agent's record of a call: contacts and clients, open callbacks, categories, queues, users."""


@runtime_checkable
class RecordingSearchUnit(QualityUnit, ContactsUnit, OrganisationUnit, Protocol):
    """Finding recordings by their call's record, evaluations, queue, category and agent."""


@runtime_checkable
class AdministrationUnit(OrganisationUnit, ContactsUnit, QualityUnit, ReportingUnit, Protocol):
    """Every kind the administration pages edit (``kc_domain.admin.kinds``); reached by name."""


@runtime_checkable
class UnitOfWork(
    OrganisationUnit, IvrUnit, ContactsUnit, CallbacksUnit, QualityUnit, ReportingUnit, OutboundUnit, Protocol
):
    """One transaction over every repository: what the adapters implement. Consumers take the
    narrowest unit above that they use."""


U_co = TypeVar("U_co", bound=AuditedUnit, covariant=True)


class UnitFactory(Protocol[U_co]):
    """Opens units of one kind: ``with factory() as uow``."""

    def __call__(self) -> U_co:
        """A new unit of work (its transaction begins with the ``with`` block)."""

    def ping(self) -> None:
        """Raise if the store cannot be reached (readiness check)."""


UnitOfWorkFactory: TypeAlias = UnitFactory[UnitOfWork]
"""A factory of units over every repository (the one the container builds)."""
