"""The narrow ports: each is implemented by every adapter, the areas split the whole unit of work
and the whole journal without overlap, and the composites are exactly the union (nothing lost)."""

from __future__ import annotations

import pytest

from kc_ports import journal as journal_ports
from kc_ports import persistence as units
from tests.contract.ports import protocol_members

AREAS = (
    units.OrganisationUnit,
    units.IvrUnit,
    units.ContactsUnit,
    units.CallbacksUnit,
    units.QualityUnit,
    units.ReportingUnit,
    units.OutboundUnit,
)
SPANS = (
    units.CampaignSetupUnit,
    units.IvrSetupUnit,
    units.VoicemailUnit,
    units.EvaluationUnit,
    units.AlertingUnit,
    units.EngineUnit,
    units.ContactDeskUnit,
    units.RecordingSearchUnit,
    units.AdministrationUnit,
)
JOURNAL_PORTS = (
    journal_ports.EventLog,
    journal_ports.ContactHistory,
    journal_ports.ReportFigures,
    journal_ports.JournalUpkeep,
)

# The members of UnitOfWork and ContactJournal before they were split (issue 18): none may be lost.
UNIT_OF_WORK_BEFORE = {
    *("users", "groups", "queues", "skills", "pause_codes", "categories", "transfer_groups"),
    *("transfer_lines", "report_filters", "caller_rules", "announcements", "ivr_trees", "ivr_numbers"),
    *("voicemails", "callbacks", "client_fields", "alert_rules", "alerts", "wallboards"),
    *("report_schedules", "recordings", "evaluation_forms", "evaluations", "clients", "contacts"),
    *("audit", "__enter__", "__exit__", "commit", "rollback"),
    *("campaigns", "campaign_lists", "do_not_call", "call_scripts"),  # outbound (issue 20), after the split
    "campaign_attempts",  # the attempts with their script answers (issue 20, OUT-14)
    "import_structures",  # list import (issue 20, OUT-06)
}
JOURNAL_BEFORE = {
    *("record", "recorded_through", "open_calls", "open_intervals", "last_event_at", "events_for"),
    *("decisions_for", "interaction", "interactions_of", "missed_calls", "calls_of", "intervals"),
    *("interactions", "tally", "figures", "agent_times", "ivr_nodes", "roll_up"),
}


def test_every_adapter_unit_of_work_is_every_narrow_unit(uow_factory):
    with uow_factory() as uow:
        for port in (units.AuditedUnit, *AREAS, *SPANS, units.UnitOfWork):
            assert isinstance(uow, port), port.__name__


def test_every_adapter_journal_is_every_narrow_journal_port(journal):
    for port in (*JOURNAL_PORTS, journal_ports.ContactJournal):
        assert isinstance(journal, port), port.__name__


def test_the_unit_of_work_is_the_union_of_the_areas_and_loses_nothing():
    transaction = protocol_members(units.AuditedUnit)
    areas = [protocol_members(area) - transaction for area in AREAS]
    union = transaction.union(*areas)
    assert protocol_members(units.UnitOfWork) == union == UNIT_OF_WORK_BEFORE
    assert sum(len(area) for area in areas) == len(union - transaction)  # no repository in two areas


@pytest.mark.parametrize("span", SPANS, ids=lambda span: span.__name__)
def test_a_unit_spanning_areas_is_exactly_those_areas(span):
    areas = [area for area in AREAS if area in span.__mro__]
    assert len(areas) > 1
    assert protocol_members(span) == set().union(*(protocol_members(area) for area in areas))


def test_the_journal_is_the_union_of_its_ports_and_loses_nothing():
    ports = [protocol_members(port) for port in JOURNAL_PORTS]
    assert protocol_members(journal_ports.ContactJournal) == set().union(*ports) == JOURNAL_BEFORE
    assert sum(len(port) for port in ports) == len(JOURNAL_BEFORE)  # no method in two ports


def test_the_administration_unit_reaches_every_kind_the_pages_edit():
    from kc_domain.admin.kinds import KINDS

    assert {kind.repo for kind in KINDS.values()} <= protocol_members(units.AdministrationUnit)
