"""The reports' use cases (REP-01..REP-23, ADM-06): who sees which report, the filter from a query
string, a report's document; and the scheduled reports (REP-21), each change of a schedule written
with its audit record in one unit of work.

The shells only translate: the web parses the request and renders the page or the file; the worker
renders a due schedule's document with the exporters and mails it. Both pass the reader's language
as a ``Wording`` and get the same document."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from datetime import date, datetime, tzinfo
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from kc_domain.audit.model import Outcome
from kc_domain.audit.service import Actor, AuditTrail
from kc_domain.errors import DomainError, FieldError, Forbidden, NotFound, ValidationFailed
from kc_domain.identity.roles import Permission
from kc_domain.identity.sight import granted
from kc_domain.reports.activity import pause_names
from kc_domain.reports.catalogue import REPORTS, build_document
from kc_domain.reports.definition import Context, Report, nowhere
from kc_domain.reports.document import Document
from kc_domain.reports.figures import sl_thresholds
from kc_domain.reports.filters import ReportFilter, Scope, parse_filter, restrict
from kc_domain.reports.schedule import Frequency, ReportSchedule
from kc_domain.texts import Wording

if TYPE_CHECKING:
    from kc_domain.admin.service import AdminService
    from kc_domain.ivr.catalogue import IvrCatalogue
    from kc_domain.ivr.model import IvrTree
    from kc_domain.outbound.attempts import CampaignAttempt
    from kc_domain.outbound.campaigns import Campaign
    from kc_domain.outbound.scripts import CallScript
    from kc_ports.journal import ContactJournal
    from kc_ports.persistence import OutboundUnit, UnitFactory, UnitOfWork, UnitOfWorkFactory
    from kc_ports.system import Clock

WORKER = Actor("worker", "system")


class ScheduleFailed(DomainError):
    """A schedule's report cannot be made any more; the text (in the owner's words) says why."""


def scope_of(admin: AdminService, user_id: int, permissions: frozenset[Permission]) -> Scope | None:
    """What a user may see in the reports (ADM-06): with report rights, the reports, queues and groups
    of the report-access filters assigned to the account (none: everything; several add up); an
    agent, the agents' reports with their own figures; anyone else nothing (None)."""
    if Permission.VIEW_REPORTS in permissions:
        # the same grant as every other page's sight (kc_domain.identity.sight)
        return Scope(*granted(admin.get("user", user_id), admin.list("report_filter")))
    if Permission.AGENT_DESKTOP in permissions:
        mine = frozenset(r.key for r in REPORTS.values() if r.for_agents)
        return Scope(reports=mine, own_agent_id=user_id)
    return None


class ReportService:
    def __init__(
        self,
        admin: AdminService,
        journal: ContactJournal,
        ivr: IvrCatalogue,
        clock: Clock,
        zone: tzinfo,
        uow_factory: UnitFactory[OutboundUnit],  # the campaigns, their attempts and scripts
    ) -> None:
        self._admin = admin
        self._journal = journal
        self._ivr = ivr
        self._clock = clock
        self.zone = zone
        self._uow_factory = uow_factory

    def scope_of(self, user_id: int, permissions: frozenset[Permission]) -> Scope | None:
        return scope_of(self._admin, user_id, permissions)

    def owner_scope(self, user_id: int) -> Scope | None:
        """What a schedule's owner may see now (their current rights; None once inactive)."""
        owner = self._admin.get("user", user_id)
        if owner is None or not owner.active:
            return None
        groups = {g.id: g.roles for g in self._admin.list("group")}
        return self.scope_of(owner.id, owner.permissions(groups.get(owner.group_id, frozenset())))

    def known_ids(self) -> dict[str, set[int]]:
        """What a report filter may name: the ids of queues, users, groups and call categories."""
        return {
            "queues": {q.id for q in self._admin.list("queue")},
            "agents": {u.id for u in self._admin.list("user")},
            "groups": {g.id for g in self._admin.list("group")},
            "categories": {c.id for c in self._admin.list("category")},
            "campaigns": set(self._campaigns()),
        }

    def today(self) -> date:
        return self._clock.now().astimezone(self.zone).date()

    def parse(self, args: Mapping[str, list[str]]) -> ReportFilter:
        """The filter of a query string (``ValidationFailed`` naming each bad field)."""
        return parse_filter(args, self.today(), **self.known_ids())

    def filter(self, key: str, args: Mapping[str, list[str]], reader: Scope) -> ReportFilter:
        """The filter of a query string within what ``reader`` may see (``Forbidden`` beyond it)."""
        return restrict(key, self.parse(args), reader)

    def context(self, wanted: ReportFilter, words: Wording, drill: Callable[..., str] = nowhere) -> Context:
        """A report's context: names, thresholds, the groups' agents resolved."""
        users = self._admin.list("user")
        queues = self._admin.list("queue")
        agents = wanted.agent_ids
        if wanted.group_ids:
            members = frozenset(u.id for u in users if u.group_id in wanted.group_ids)
            agents = (agents & members if agents else members) or frozenset({-1})  # -1: nobody
        return Context(
            wanted,
            agents,
            self._journal,
            sl_thresholds(queues),
            {q.id: q.name for q in queues},
            {u.id: u.full_name for u in users},
            self.zone,
            self._clock.now(),
            words,
            drill,
            self._trees,  # read only by the reports that need them
            lambda: pause_names(self._admin.list("pause_code"), words.gettext),
            lambda: {c.id: c for c in self._admin.list("category")},
            self._campaigns,
            self._attempts,
            self._script,
        )

    def document(
        self, report: Report, wanted: ReportFilter, words: Wording, drill: Callable[..., str] = nowhere
    ) -> Document:
        return build_document(report, self.context(wanted, words, drill))

    def _campaigns(self) -> dict[int, Campaign]:
        with self._uow_factory() as uow:
            return {c.id: c for c in uow.campaigns.list() if c.id is not None}

    def _attempts(
        self, campaign_ids: Collection[int], since: datetime, until: datetime
    ) -> list[CampaignAttempt]:
        with self._uow_factory() as uow:
            return uow.campaign_attempts.started_between(campaign_ids, since, until)

    def _script(self, campaign: Campaign) -> CallScript | None:
        if campaign.script_id is None:
            return None
        with self._uow_factory() as uow:
            stored = uow.call_scripts.get(campaign.script_id)
        return None if stored is None else stored.script()

    def _trees(self) -> dict[str, IvrTree]:
        """Each IVR tree by name: its active version, else its newest."""
        found = {}
        for name in self._ivr.names():
            versions = self._ivr.versions(name)
            chosen = next((v for v in versions if v.active), None) or (versions[-1] if versions else None)
            if chosen is not None:
                found[name] = chosen.tree()
        return found


class ScheduleService:
    """A user's scheduled reports: created and deleted by their owner, sent by the worker; every
    change is stored with its audit record in one unit of work, all or nothing."""

    def __init__(
        self, uow_factory: UnitOfWorkFactory, audit: AuditTrail, clock: Clock, reports: ReportService
    ) -> None:
        self._uow_factory = uow_factory
        self._audit = audit
        self._clock = clock
        self._reports = reports

    def mine(self, owner_id: int) -> list[ReportSchedule]:
        with self._uow_factory() as uow:
            return [s for s in uow.report_schedules.list() if s.owner_id == owner_id]

    def own(self, owner_id: int, schedule_id: int) -> ReportSchedule:
        """The owner's schedule (``NotFound`` for another's: nobody learns it exists)."""
        with self._uow_factory() as uow:
            plan = uow.report_schedules.get(schedule_id)
        if plan is None or plan.owner_id != owner_id:
            raise NotFound("report_schedule", schedule_id)
        return plan

    def create(self, actor: Actor, owner_id: int, reader: Scope, form: Mapping[str, str]) -> ReportSchedule:
        """A schedule from the form's fields, checked whole (``ValidationFailed`` with every problem,
        audited as refused), stored with its audit record."""

        def change(uow: UnitOfWork) -> tuple[ReportSchedule, dict[str, Any]]:
            plan = self._checked(owner_id, reader, form)
            plan.next_run_at = plan.next_run(self._clock.now(), self._reports.zone)
            uow.report_schedules.add(plan)
            return plan, {"report": plan.report, "recipients": list(plan.recipients)}

        return self._audit.run(
            self._uow_factory, actor, "report.schedule_create", "report_schedule", "", change
        )

    def delete(self, actor: Actor, owner_id: int, schedule_id: int) -> ReportSchedule:
        def change(uow: UnitOfWork) -> tuple[ReportSchedule, dict[str, Any]]:
            plan = uow.report_schedules.get(schedule_id)
            if plan is None or plan.owner_id != owner_id:
                raise NotFound("report_schedule", schedule_id)
            uow.report_schedules.delete(plan)
            return plan, {"name": plan.name}

        return self._audit.run(
            self._uow_factory, actor, "report.schedule_delete", "report_schedule", schedule_id, change
        )

    def _checked(self, owner_id: int, reader: Scope, form: Mapping[str, str]) -> ReportSchedule:
        errors: list[FieldError] = []
        number = {}
        for field, default in (("weekday", "0"), ("day", "1")):
            raw = form.get(field, default).strip() or "0"
            if not raw.isdecimal():
                errors.append(FieldError(field, "not_a_number"))
            number[field] = int(raw) if raw.isdecimal() else 0
        try:
            frequency = Frequency(form.get("frequency", "daily"))
        except ValueError:
            errors.append(FieldError("frequency", "invalid_choice", {"value": form.get("frequency", "")}))
            frequency = Frequency.DAILY
        lines = form.get("recipients", "").replace(",", "\n").splitlines()
        recipients: tuple[str, ...] = tuple(line.strip() for line in lines if line.strip())
        plan = ReportSchedule(
            owner_id,
            form.get("name", "").strip(),
            form.get("report", ""),
            form.get("query", "").strip().lstrip("?"),
            form.get("format", "xlsx"),
            recipients,
            frequency,
            number["weekday"],
            number["day"],
            form.get("at", "").strip(),
        )
        errors += plan.problems(frozenset(r.key for r in REPORTS.values() if reader.allows(r.key)))
        if not errors:
            try:  # the filters must be valid now and within the owner's access
                self._reports.filter(plan.report, parse_qs(plan.query), reader)
            except ValidationFailed as error:
                errors += [FieldError("query", e.code, {**e.params, "field": e.field}) for e in error.errors]
            except Forbidden:
                errors.append(FieldError("query", "outside_access"))
        if errors:
            raise ValidationFailed(errors)
        return plan

    # -- sending ---------------------------------------------------------------------------------------
    def due(self, now: datetime) -> list[ReportSchedule]:
        with self._uow_factory() as uow:
            return [
                s
                for s in uow.report_schedules.list()
                if s.active and s.next_run_at is not None and s.next_run_at <= now
            ]

    def document(self, plan: ReportSchedule, words: Wording) -> Document:
        """The schedule's report as its owner may see it now (``ScheduleFailed`` when they may not,
        or the report is gone; ``ValidationFailed`` for filters no longer valid)."""
        reader = self._reports.owner_scope(plan.owner_id)
        if reader is None:
            raise ScheduleFailed(words.gettext("The schedule's owner may no longer see reports."))
        report = REPORTS.get(plan.report)
        if report is None:
            raise ScheduleFailed(words.gettext("The report no longer exists."))
        wanted = self._reports.filter(plan.report, parse_qs(plan.query), reader)
        return self._reports.document(report, wanted, words)

    def sent(
        self, plan: ReportSchedule, now: datetime, filename: str, *, keep_schedule: bool = False
    ) -> None:
        """Store a sending and its audit record together; ``keep_schedule``: sent by hand, the regular
        times stay."""
        if keep_schedule:
            plan.last_run_at, plan.last_error = now, ""
        else:
            plan.sent(now, self._reports.zone)
        params = {"recipients": list(plan.recipients), "file": filename}
        self._store(plan, params, Outcome.OK)

    def failed(
        self, plan: ReportSchedule, now: datetime, problem: str, *, keep_schedule: bool = False
    ) -> None:
        """Store a failed sending (retried later, REP-21) and its audit record together."""
        if keep_schedule:
            plan.last_error = problem[:500]
        else:
            plan.failed(now, self._reports.zone, problem)
        self._store(plan, {"error": problem[:200]}, Outcome.REJECTED)

    def _store(self, plan: ReportSchedule, params: dict[str, Any], outcome: Outcome) -> None:
        with self._uow_factory() as uow:
            stored = uow.report_schedules.get(plan.id) if plan.id is not None else None
            if stored is not None:
                for name in ("next_run_at", "last_run_at", "last_error", "failures"):
                    setattr(stored, name, getattr(plan, name))
            self._audit.record(
                uow,
                WORKER,
                "report.schedule_send",
                object_type="report_schedule",
                object_id=str(plan.id),
                params=params,
                outcome=outcome,
            )
            uow.commit()


def mail_text(plan: ReportSchedule, document: Document, words: Wording) -> tuple[str, str]:
    """The subject and body of a mailed report: its title and period, its filters and the schedule."""
    period = dict(document.filters).get(words.gettext("Period"), "")
    lines = [document.title, "", *(f"{label}: {value}" for label, value in document.filters), "", plan.name]
    return f"KC: {document.title} ({period})", "\n".join(lines)
