"""The SQL unit of work: one ORM session, hence one database transaction, per ``with`` block."""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, Self

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from kc_domain.clients.model import ClientField
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
from kc_domain.outbound.campaigns import Campaign, DoNotCall
from kc_domain.outbound.import_catalogue import StoredStructure
from kc_domain.outbound.script_catalogue import StoredScript
from kc_domain.recordings.evaluation import Evaluation, EvaluationForm
from kc_domain.recordings.model import Recording
from kc_domain.reports.schedule import ReportSchedule
from kc_domain.supervision.model import Alert, AlertRule, Wallboard
from kc_domain.voicemail import Voicemail

from .audit import SqlAuditStore
from .callbacks import SqlCallbackRepository
from .campaign_attempts import SqlCampaignAttemptRepository
from .campaign_lists import SqlCampaignListRepository
from .clients import SqlClientRepository
from .contacts import SqlContactRepository
from .mapping import start_mappers
from .repository import SqlRepository

if TYPE_CHECKING:
    from kc_ports.persistence import UnitOfWorkFactory

READ_ONLY = "kc_read_only"
"""Connection execution option: on SQLite, begin with a plain (deferred) BEGIN that takes no write lock."""


REPOSITORIES: dict[str, type] = {
    "users": User,
    "groups": AgentGroup,
    "queues": Queue,
    "skills": AgentSkill,
    "pause_codes": PauseCode,
    "categories": CallCategory,
    "transfer_groups": TransferLineGroup,
    "transfer_lines": TransferLine,
    "report_filters": ReportAccessFilter,
    "caller_rules": CallerRule,
    "announcements": Announcement,
    "ivr_trees": IvrTreeVersion,
    "ivr_numbers": IvrNumber,
    "voicemails": Voicemail,
    "client_fields": ClientField,
    "alert_rules": AlertRule,
    "alerts": Alert,
    "wallboards": Wallboard,
    "report_schedules": ReportSchedule,
    "recordings": Recording,
    "evaluation_forms": EvaluationForm,
    "evaluations": Evaluation,
    "campaigns": Campaign,
    "do_not_call": DoNotCall,
    "call_scripts": StoredScript,
    "import_structures": StoredStructure,
}
"""Repository attribute -> entity class; the annotations below give each its type for mypy."""

OTHER_REPOSITORIES: dict[str, type] = {
    "contacts": SqlContactRepository,
    "callbacks": SqlCallbackRepository,
    "clients": SqlClientRepository,
    "campaign_lists": SqlCampaignListRepository,
    "campaign_attempts": SqlCampaignAttemptRepository,
}
"""Repository attribute -> a repository of its own over the session (no mapped entity class)."""


class SqlUnitOfWork:
    """Leaving the block closes the session, which rolls back whatever was not committed.

    ``expire_on_commit=False``: entities returned from the block keep their loaded values and stay
    readable after the session is gone (views render them after the unit closed). All columns are
    loaded eagerly (no relationships, no deferred columns), so a detached entity never lazy-loads.
    After an explicit ``rollback()`` the session expires its entities; reload them inside the block.
    Implements ``kc_ports.persistence.UnitOfWork``, hence every narrow unit in it.
    """

    users: SqlRepository[User]
    groups: SqlRepository[AgentGroup]
    queues: SqlRepository[Queue]
    skills: SqlRepository[AgentSkill]
    pause_codes: SqlRepository[PauseCode]
    categories: SqlRepository[CallCategory]
    transfer_groups: SqlRepository[TransferLineGroup]
    transfer_lines: SqlRepository[TransferLine]
    report_filters: SqlRepository[ReportAccessFilter]
    caller_rules: SqlRepository[CallerRule]
    announcements: SqlRepository[Announcement]
    ivr_trees: SqlRepository[IvrTreeVersion]
    ivr_numbers: SqlRepository[IvrNumber]
    voicemails: SqlRepository[Voicemail]
    callbacks: SqlCallbackRepository
    client_fields: SqlRepository[ClientField]
    alert_rules: SqlRepository[AlertRule]
    alerts: SqlRepository[Alert]
    wallboards: SqlRepository[Wallboard]
    report_schedules: SqlRepository[ReportSchedule]
    recordings: SqlRepository[Recording]
    evaluation_forms: SqlRepository[EvaluationForm]
    evaluations: SqlRepository[Evaluation]
    campaigns: SqlRepository[Campaign]
    do_not_call: SqlRepository[DoNotCall]
    call_scripts: SqlRepository[StoredScript]
    import_structures: SqlRepository[StoredStructure]
    campaign_lists: SqlCampaignListRepository
    campaign_attempts: SqlCampaignAttemptRepository
    clients: SqlClientRepository
    contacts: SqlContactRepository
    audit: SqlAuditStore

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self._session: Session | None = None

    def __enter__(self) -> Self:
        session = self._session = self._sessions()
        for name, cls in REPOSITORIES.items():
            setattr(self, name, SqlRepository(session, cls))
        for name, repository in OTHER_REPOSITORIES.items():
            setattr(self, name, repository(session))
        self.audit = SqlAuditStore(session)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None

    def commit(self) -> None:
        try:
            self._active().commit()
        except IntegrityError as error:
            raise Conflict(str(error.orig)) from error

    def rollback(self) -> None:
        self._active().rollback()

    def _active(self) -> Session:
        if self._session is None:
            raise RuntimeError("the unit of work is used outside its 'with' block")
        return self._session


class SqlUnitOfWorkFactory:
    def __init__(self, engine: sa.Engine) -> None:
        start_mappers()
        self.engine = engine
        self._sessions = sessionmaker(bind=engine, expire_on_commit=False)

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self._sessions)

    def ping(self) -> None:
        # A readiness probe must not queue behind a writer for SQLite's write lock.
        with self.engine.connect().execution_options(**{READ_ONLY: True}) as connection:
            connection.execute(sa.text("SELECT 1"))


if TYPE_CHECKING:

    def _implements(factory: SqlUnitOfWorkFactory) -> UnitOfWorkFactory:
        return factory  # mypy checks the SQL unit against the union of every narrow unit
