"""The one place where KC is assembled: settings in, a wired object graph out."""

from __future__ import annotations

from typing import cast
from zoneinfo import ZoneInfo

from dependency_injector import containers, providers

from apps.engine.client import EngineClient
from apps.keys import audit_key
from apps.settings import VAR, Settings
from kc_adapters.mail import SmtpMailer
from kc_adapters.memory.bus import MemoryBus
from kc_adapters.persistence.database import Database
from kc_adapters.persistence.evaluation_search import SqlEvaluationSearch
from kc_adapters.persistence.journal import SqlJournal
from kc_adapters.persistence.recording_search import SqlRecordingSearch
from kc_adapters.recordings import FileRecordingStore
from kc_adapters.redis_bus import RedisBus
from kc_adapters.system import Argon2Hasher, CzechHolidays, SystemClock
from kc_adapters.voicemail import FileVoicemailStore, check_wav
from kc_domain.admin.service import AdminService
from kc_domain.audit.service import AuditTrail
from kc_domain.clients.service import ClientService
from kc_domain.commanding.service import CommandService
from kc_domain.contacts.service import ContactService
from kc_domain.identity.password import LockoutPolicy, PasswordPolicy
from kc_domain.identity.service import SignInService
from kc_domain.ivr.catalogue import IvrCatalogue
from kc_domain.outbound.campaigns import Calendar
from kc_domain.outbound.dialler_list import DiallerList
from kc_domain.outbound.import_catalogue import ImportCatalogue
from kc_domain.outbound.script_catalogue import ScriptCatalogue
from kc_domain.outbound.service import CampaignService
from kc_domain.recordings.evaluation_service import EvaluationService
from kc_domain.recordings.service import RecordingService
from kc_domain.voicemail import VoicemailService
from kc_ports.journal import ContactHistory, EventLog, JournalUpkeep, ReportFigures


def _bus(url: str) -> MemoryBus | RedisBus:
    return MemoryBus() if url.startswith("memory:") else RedisBus(url)


class Container(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=Settings)

    clock = providers.Singleton(SystemClock)
    holidays = providers.Singleton(CzechHolidays)
    hasher = providers.Singleton(Argon2Hasher)
    database = providers.Singleton(Database, url=settings.provided.database_url)
    uow_factory = providers.Singleton(database.provided.uow_factory.call())
    bus = providers.Singleton(_bus, settings.provided.bus_url)
    mailer = providers.Singleton(SmtpMailer, settings.provided.smtp_url, settings.provided.mail_from)
    journal = providers.Singleton(
        SqlJournal, database.provided.engine, providers.Factory(ZoneInfo, settings.provided.timezone)
    )
    # One journal (a ContactJournal), seen through the narrow port a consumer uses (kc_ports.journal):
    # the same provider under each name, so the same object and the same overrides.
    event_log = cast("providers.Provider[EventLog]", journal)
    contact_history = cast("providers.Provider[ContactHistory]", journal)
    report_figures = cast("providers.Provider[ReportFigures]", journal)
    journal_upkeep = cast("providers.Provider[JournalUpkeep]", journal)
    engine_client = providers.Singleton(EngineClient, bus)

    password_policy = providers.Singleton(
        PasswordPolicy,
        min_length=settings.provided.password_min_length,
        require_digit=settings.provided.password_require_digit,
        require_upper=settings.provided.password_require_upper,
        require_lower=settings.provided.password_require_lower,
        require_special=settings.provided.password_require_special,
        max_age_days=settings.provided.password_max_age_days,
    )
    lockout_policy = providers.Singleton(
        LockoutPolicy,
        max_failures=settings.provided.login_max_failures,
        lock_minutes=settings.provided.login_lock_minutes,
        max_failures_per_source=settings.provided.login_source_max_failures,
    )
    audit = providers.Singleton(AuditTrail, clock=clock, key=providers.Callable(audit_key, settings))
    admin = providers.Singleton(AdminService, uow_factory, clock, hasher, password_policy, audit)
    ivr = providers.Singleton(IvrCatalogue, uow_factory, clock, audit)
    voicemail_store = providers.Singleton(FileVoicemailStore, VAR / "voicemail")
    voicemail = providers.Singleton(VoicemailService, uow_factory, clock, audit, voicemail_store)
    recording_store = providers.Singleton(FileRecordingStore, settings.provided.recordings_dir)
    recordings = providers.Singleton(RecordingService, uow_factory, clock, audit, recording_store, check_wav)
    evaluations = providers.Singleton(EvaluationService, uow_factory, clock, audit)
    recording_search = providers.Singleton(SqlRecordingSearch, database.provided.engine)
    evaluation_search = providers.Singleton(SqlEvaluationSearch, database.provided.engine)
    contacts = providers.Singleton(ContactService, uow_factory, clock, audit, contact_history)
    commands = providers.Singleton(CommandService, uow_factory, audit, engine_client)
    clients = providers.Singleton(ClientService, uow_factory, clock, audit)
    calendar = providers.Singleton(
        Calendar, providers.Factory(ZoneInfo, settings.provided.timezone), holidays
    )  # where the calling rules of campaigns are judged: local time and Czech public holidays
    campaigns = providers.Singleton(CampaignService, uow_factory, clock, audit, calendar)
    dialler_list = providers.Singleton(DiallerList, uow_factory, clock, calendar)
    call_scripts = providers.Singleton(ScriptCatalogue, uow_factory, clock, audit)
    import_structures = providers.Singleton(ImportCatalogue, uow_factory, clock, audit)
    sign_in = providers.Singleton(
        SignInService, uow_factory, clock, hasher, password_policy, lockout_policy, audit
    )


def build_container(settings: Settings | None = None) -> Container:
    """Wire KC from ``settings`` (default: the environment); raises SettingsError when invalid."""
    container = Container(settings=settings or Settings.from_env())
    return container
