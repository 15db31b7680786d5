"""Scheduled reports' use cases (REP-21) over real databases: each change of a schedule (created,
deleted, sent) is written with its audit record in one unit of work; when either write fails, neither
is kept."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from dependency_injector import providers

from apps.container import Container
from apps.seed import seed
from apps.worker.reports import report_service
from kc_adapters.system import FixedClock
from kc_domain.audit.service import Actor, AuditQuery, AuditTrail
from kc_domain.errors import ValidationFailed
from kc_domain.reports.filters import Scope
from kc_domain.reports.schedule import ReportSchedule
from kc_domain.reports.service import ScheduleService
from kc_ports.persistence import UnitOfWork
from tests.conftest import copy_database, make_container
from tests.databases import fresh_postgres_url

NOW = datetime(2026, 11, 24, 5, 0, tzinfo=UTC)
SUPERVISOR = Actor("supervizor", "web")
FORM = {
    "name": "Včerejší přehled",
    "report": "calls_overview",
    "query": "preset=yesterday",
    "format": "csv",
    "recipients": "vedouci@ozp.example",
    "frequency": "daily",
    "at": "07:00",
}


class AuditDown(AuditTrail):
    """The audit store refuses every record (a full disk, a lost connection)."""

    def record(self, uow: UnitOfWork, actor: Actor, action: str, **kwargs: Any) -> Any:
        raise RuntimeError("the audit store is down")


class SchedulesDown:
    """The schedules' table refuses every write; reads go through."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        if name in ("add", "delete"):
            raise RuntimeError("the schedules' table is down")
        return getattr(self._inner, name)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def kc(request: pytest.FixtureRequest, tmp_path: Path, demo_database: Path) -> Iterator[Container]:
    if request.param == "sqlite":
        copy_database(demo_database, tmp_path / "kc.sqlite3")
        container, drop = make_container(f"sqlite:///{tmp_path / 'kc.sqlite3'}"), lambda: None
    else:
        url, drop = fresh_postgres_url()
        container = make_container(url)
        seed(container.admin())
    container.clock.override(providers.Object(FixedClock(NOW)))
    try:
        yield container
    finally:
        container.database().dispose()
        drop()


def schedules(kc: Container, audit: AuditTrail | None = None, tables_down: bool = False) -> ScheduleService:
    factory = kc.uow_factory()

    @contextmanager
    def broken() -> Iterator[UnitOfWork]:
        with factory() as uow:
            uow.report_schedules = SchedulesDown(uow.report_schedules)  # type: ignore[misc]
            yield uow

    return ScheduleService(
        broken if tables_down else factory, audit or kc.audit(), kc.clock(), report_service(kc)
    )


def owner(kc: Container) -> int:
    return int(next(u.id for u in kc.admin().list("user") if u.username == "supervizor"))


def stored(kc: Container) -> list[ReportSchedule]:
    with kc.uow_factory()() as uow:
        return uow.report_schedules.list()


def audited(kc: Container, action: str) -> list[Any]:
    return kc.audit().search(kc.uow_factory(), AuditQuery(action=action), 10)


@pytest.mark.req("REP-21")
def test_a_schedule_and_its_audit_record_are_kept_together(kc):
    plan = schedules(kc).create(SUPERVISOR, owner(kc), Scope(), FORM)
    (kept,) = stored(kc)
    (record,) = audited(kc, "report.schedule_create")
    assert (
        kept.id == plan.id
        and record.object_id == str(plan.id)
        and record.params["report"] == "calls_overview"
    )
    schedules(kc).delete(SUPERVISOR, owner(kc), plan.id)
    assert stored(kc) == [] and len(audited(kc, "report.schedule_delete")) == 1


@pytest.mark.req("REP-21")
def test_when_the_audit_write_fails_the_schedule_is_not_kept(kc):
    dead = AuditDown(kc.clock())
    with pytest.raises(RuntimeError, match="audit store"):
        schedules(kc, dead).create(SUPERVISOR, owner(kc), Scope(), FORM)
    assert stored(kc) == []
    plan = schedules(kc).create(SUPERVISOR, owner(kc), Scope(), FORM)
    with pytest.raises(RuntimeError, match="audit store"):
        schedules(kc, dead).delete(SUPERVISOR, owner(kc), plan.id)
    assert [s.id for s in stored(kc)] == [plan.id]
    due = schedules(kc).due(datetime(2026, 11, 24, 6, 0, tzinfo=UTC))
    with pytest.raises(RuntimeError, match="audit store"):
        schedules(kc, dead).sent(due[0], datetime(2026, 11, 24, 6, 0, tzinfo=UTC), "kc.csv")
    (unsent,) = stored(kc)
    assert unsent.last_run_at is None and unsent.next_run_at == plan.next_run_at  # still due: sent again
    assert audited(kc, "report.schedule_send") == []


@pytest.mark.req("REP-21")
def test_when_the_schedule_write_fails_no_audit_record_says_it_was_done(kc):
    with pytest.raises(RuntimeError, match="table is down"):
        schedules(kc, tables_down=True).create(SUPERVISOR, owner(kc), Scope(), FORM)
    plan = schedules(kc).create(SUPERVISOR, owner(kc), Scope(), FORM)
    with pytest.raises(RuntimeError, match="table is down"):
        schedules(kc, tables_down=True).delete(SUPERVISOR, owner(kc), plan.id)
    assert [s.id for s in stored(kc)] == [plan.id]
    assert len(audited(kc, "report.schedule_create")) == 1 and audited(kc, "report.schedule_delete") == []


@pytest.mark.req("REP-21")
def test_a_refused_schedule_is_audited_as_refused_and_nothing_is_stored(kc):
    with pytest.raises(ValidationFailed) as refused:
        schedules(kc).create(SUPERVISOR, owner(kc), Scope(), {**FORM, "at": "25:00"})
    assert {(e.field, e.code) for e in refused.value.errors} == {("at", "bad_time")}
    (record,) = audited(kc, "report.schedule_create")
    assert record.outcome.value == "rejected" and stored(kc) == []
