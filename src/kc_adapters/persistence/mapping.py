"""Imperative (classical) ORM mapping of the domain's attrs entities onto ``tables``.

The domain stays free of SQLAlchemy: the mapping instruments the existing classes from outside.
That changes the classes for the whole process, so it happens only when a SQL unit of work is
built (never at import), once. The attrs classes are ``slots=False`` (instrumentation needs an
instance ``__dict__``) and ``eq=False`` (identity equality, as the ORM's identity map expects);
attrs converters still run on assignment, before the ORM's instrumented attribute sees the value.
``AuditRecord`` is frozen and deliberately unmapped: ``SqlAuditStore`` uses Core statements.
"""

from __future__ import annotations

import threading

import sqlalchemy as sa
from sqlalchemy.orm import registry

from kc_domain.clients.model import ClientField
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
from kc_domain.outbound.campaigns import Campaign, DoNotCall, ListEntry
from kc_domain.outbound.import_catalogue import StoredStructure
from kc_domain.outbound.script_catalogue import StoredScript
from kc_domain.recordings.evaluation import Evaluation, EvaluationForm
from kc_domain.recordings.model import Recording
from kc_domain.reports.schedule import ReportSchedule
from kc_domain.supervision.model import Alert, AlertRule, Wallboard
from kc_domain.voicemail import Voicemail

from . import tables

mapper_registry = registry(metadata=tables.metadata)

MAPPED: dict[type, sa.Table] = {
    User: tables.users,
    AgentGroup: tables.agent_groups,
    Queue: tables.queues,
    AgentSkill: tables.agent_skills,
    PauseCode: tables.pause_codes,
    CallCategory: tables.call_categories,
    TransferLineGroup: tables.transfer_line_groups,
    TransferLine: tables.transfer_lines,
    ReportAccessFilter: tables.report_filters,
    CallerRule: tables.caller_rules,
    Announcement: tables.announcements,
    IvrTreeVersion: tables.ivr_trees,
    IvrNumber: tables.ivr_numbers,
    Voicemail: tables.voicemails,
    ClientField: tables.client_fields,
    AlertRule: tables.alert_rules,
    Alert: tables.alerts,
    Wallboard: tables.wallboards,
    ReportSchedule: tables.report_schedules,
    Recording: tables.recordings,
    EvaluationForm: tables.evaluation_forms,
    Evaluation: tables.evaluations,
    Campaign: tables.campaigns,
    ListEntry: tables.campaign_entries,
    DoNotCall: tables.do_not_call,
    StoredScript: tables.call_scripts,
    CampaignAttempt: tables.campaign_attempts,
    StoredStructure: tables.import_structures,
}

_lock = threading.Lock()


def start_mappers() -> None:
    """Map every entity class; calling it again (from any thread) does nothing."""
    with _lock:
        for cls, table in MAPPED.items():
            if sa.inspect(cls, raiseerr=False) is None:
                mapper_registry.map_imperatively(cls, table)
