"""The container's narrow views of the journal: one object, each view a port of its own."""

from __future__ import annotations

from kc_ports.journal import ContactHistory, ContactJournal, EventLog, JournalUpkeep, ReportFigures
from kc_ports.persistence import UnitOfWork


def test_the_journal_views_are_the_one_journal_seen_through_each_narrow_port(container):
    journal = container.journal()
    assert isinstance(journal, ContactJournal)
    views = {
        "event_log": EventLog,
        "contact_history": ContactHistory,
        "report_figures": ReportFigures,
        "journal_upkeep": JournalUpkeep,
    }
    for name, port in views.items():
        view = getattr(container, name)()
        assert view is journal
        assert isinstance(view, port), name


def test_the_unit_factory_opens_the_whole_unit_every_service_narrows(container):
    with container.uow_factory()() as uow:
        assert isinstance(uow, UnitOfWork)
