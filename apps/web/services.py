"""The one typed way from a request to KC's services: ``services()``.

``create_app`` keeps the wired ``apps.container.Container`` in ``app.extensions["kc"]``; every view,
hook and socket reaches it through ``services()``, whose methods name what each provider gives as the
port (or domain service) the web relies on, not the adapter behind it."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask.sansio.app import App

from apps.container import Container
from apps.settings import Settings
from kc_domain.admin.service import AdminService
from kc_domain.audit.service import AuditTrail
from kc_domain.clients.service import ClientService
from kc_domain.commanding.service import CommandService
from kc_domain.contacts.service import ContactService
from kc_domain.identity.service import SignInService
from kc_domain.ivr.catalogue import IvrCatalogue
from kc_domain.outbound.import_catalogue import ImportCatalogue
from kc_domain.outbound.script_catalogue import ScriptCatalogue
from kc_domain.outbound.service import CampaignService
from kc_domain.recordings.evaluation_service import EvaluationService
from kc_domain.recordings.service import RecordingService
from kc_domain.voicemail import VoicemailService
from kc_ports.bus import EventBus
from kc_ports.engine import EngineCommands
from kc_ports.journal import ContactHistory, ReportFigures
from kc_ports.persistence import UnitOfWorkFactory
from kc_ports.recording_search import EvaluationSearch, RecordingSearch
from kc_ports.system import Clock, HolidayCalendar


@dataclass(frozen=True, slots=True)
class Services:
    """KC's container as the web sees it. ``container`` is there for the builders shared with the
    worker and the CLI (``apps.worker.reports``, ``apps.audit_checkpoints``), which take it whole."""

    container: Container

    def settings(self) -> Settings:
        return self.container.settings()

    def clock(self) -> Clock:
        return self.container.clock()

    def holidays(self) -> HolidayCalendar:
        return self.container.holidays()

    def uow_factory(self) -> UnitOfWorkFactory:
        found: UnitOfWorkFactory = self.container.uow_factory()  # the provider is untyped
        return found

    def bus(self) -> EventBus:
        return self.container.bus()

    def contact_history(self) -> ContactHistory:
        return self.container.contact_history()

    def report_figures(self) -> ReportFigures:
        return self.container.report_figures()

    def engine_client(self) -> EngineCommands:
        return self.container.engine_client()

    def audit(self) -> AuditTrail:
        return self.container.audit()

    def admin(self) -> AdminService:
        return self.container.admin()

    def sign_in(self) -> SignInService:
        return self.container.sign_in()

    def ivr(self) -> IvrCatalogue:
        return self.container.ivr()

    def voicemail(self) -> VoicemailService:
        return self.container.voicemail()

    def recordings(self) -> RecordingService:
        return self.container.recordings()

    def recording_search(self) -> RecordingSearch:
        return self.container.recording_search()

    def evaluations(self) -> EvaluationService:
        return self.container.evaluations()

    def evaluation_search(self) -> EvaluationSearch:
        return self.container.evaluation_search()

    def contacts(self) -> ContactService:
        return self.container.contacts()

    def commands(self) -> CommandService:
        return self.container.commands()

    def clients(self) -> ClientService:
        return self.container.clients()

    def campaigns(self) -> CampaignService:
        return self.container.campaigns()

    def call_scripts(self) -> ScriptCatalogue:
        return self.container.call_scripts()

    def import_structures(self) -> ImportCatalogue:
        return self.container.import_structures()


def services(app: App | None = None) -> Services:
    """KC's services for the current app (or ``app``, outside a request: at start-up, in a socket)."""
    container: Container = (app or current_app).extensions["kc"]
    return Services(container)
