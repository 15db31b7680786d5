"""Administration of configured objects (ADM-02..ADM-11): validated whole, saved whole, audited always."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import attrs
import pytest

from kc_adapters.system import Argon2Hasher, FixedClock
from kc_domain.admin.kinds import KINDS
from kc_domain.admin.service import AdminService
from kc_domain.audit.model import AuditRecord, Outcome
from kc_domain.audit.service import SYSTEM, Actor, AuditTrail
from kc_domain.clients.model import FieldType
from kc_domain.errors import InUse, NotFound, ValidationFailed
from kc_domain.identity.model import User
from kc_domain.identity.roles import Role
from kc_domain.organisation.hours import DateException, OpeningHours, parse_intervals
from kc_domain.organisation.model import (
    AgentGroup,
    CallCategory,
    CategoryKind,
    OverflowKind,
    OverflowTarget,
    PauseKind,
    Queue,
    ReportAccessFilter,
    TransferLineGroup,
)
from kc_domain.plain import to_plain
from kc_domain.recordings.evaluation import Criterion, Scale
from kc_domain.supervision.model import AlertKind, Severity, WallboardLayout

from .support import ROOT, Store

AGENT_PASSWORD = "Zelena-Louka-2026"
REQ = {
    "user": "ADM-02",
    "group": "ADM-03",
    "queue": "ADM-05",
    "skill": "ADM-10",
    "pause_code": "ADM-07",
    "category": "ADM-08",
    "transfer_group": "ADM-09",
    "transfer_line": "ADM-09",
    "report_filter": "ADM-06",
    "caller_rule": "IN-02",
    "announcement": "IN-20",
    "client_field": "CDB-03",
    "alert_rule": "RT-06",
    "wallboard": "WB-01",
    "evaluation_form": "REC-07",
}


def with_req(kind: str, *values: Any) -> Any:
    return pytest.param(kind, *values, marks=pytest.mark.req(REQ[kind], "SEC-03"), id=kind)


def office_hours() -> OpeningHours:
    weekday = parse_intervals("08:00-12:00, 12:30-16:00")
    christmas = DateException(parse_date("2026-12-24"), parse_intervals("08:00-12:00"), "Štědrý den")
    return OpeningHours(weekly=(weekday,) * 5 + ((), ()), exceptions=(christmas,), closed_on_holidays=True)


def overlapping_hours() -> OpeningHours:
    return OpeningHours(weekly=(parse_intervals("08:00-12:00, 11:00-13:00"),) + ((),) * 6)


def parse_date(text: str) -> Any:
    from datetime import date

    return date.fromisoformat(text)


@attrs.define
class World:
    """A small, realistic configuration that the tests build on."""

    root: User
    group: AgentGroup
    agent: User
    queue: Queue
    transfer_group: TransferLineGroup
    category: CallCategory
    report_filter: ReportAccessFilter


@pytest.fixture
def world(admin: AdminService, root: User) -> World:
    group = admin.create(
        ROOT, "group", {"name": "KKC Praha", "description": "Kontaktní centrum Praha", "roles": {Role.AGENT}}
    )
    agent = admin.create(
        ROOT,
        "user",
        {
            "username": "pdvorak",
            "full_name": "Petr Dvořák",
            "roles": {Role.AGENT},
            "group_id": group.id,
            "agent_number": "2001",
        },
        password=AGENT_PASSWORD,
    )
    queue = admin.create(
        ROOT, "queue", {"name": "Informace", "number": "+420222111000", "group_id": group.id}
    )
    transfer_group = admin.create(ROOT, "transfer_group", {"name": "Pobočky", "position": 1})
    category = admin.create(ROOT, "category", {"name": "Dotazy", "kind": CategoryKind.CALL})
    report_filter = admin.create(ROOT, "report_filter", {"name": "Celá Praha", "reports": {"calls_overview"}})
    return World(root, group, agent, queue, transfer_group, category, report_filter)


def valid_values(kind: str, w: World) -> dict[str, Any]:
    return {
        "user": {
            "username": "jnovak",
            "full_name": "Jan Novák",
            "roles": {Role.AGENT, Role.CALLBACK},
            "email": "jan.novak@example.cz",
            "agent_number": "2101",
            "group_id": w.group.id,
            "report_filter_ids": {w.report_filter.id},
            "language": "cs",
        },
        "group": {
            "name": "Expertní pracoviště",
            "description": "Specialisté na reklamace a stížnosti",
            "roles": {Role.LISTEN_RECORDING},
        },
        "queue": {
            "name": "Reklamace",
            "number": "+420222333444",
            "group_id": w.group.id,
            "sl_target_percent": 90,
            "sl_threshold_s": 30,
            "wrap_up_s": 60,
            "priority": 3,
            "hours": office_hours(),
            "overflow": OverflowTarget(OverflowKind.QUEUE, str(w.queue.id)),
        },
        "skill": {"user_id": w.agent.id, "queue_id": w.queue.id, "level": 7, "priority": 2},
        "pause_code": {"code": "OBED", "name": "Oběd", "kind": PauseKind.PRIVATE, "max_duration_min": 30},
        "category": {"name": "Reklamace zboží", "parent_id": w.category.id, "kind": CategoryKind.CALL},
        "transfer_group": {"name": "Expertní linky", "position": 2},
        "transfer_line": {
            "name": "Technická podpora",
            "number": "+420800123456",
            "group_id": w.transfer_group.id,
            "position": 1,
        },
        "announcement": {
            "name": "Výpadek portálu",
            "text": "Omlouváme se, klientský portál je dnes mimo provoz.",
            "numbers": {"+420261105555"},
            "valid_from": datetime(2026, 12, 1, 7, 0, tzinfo=UTC),
            "valid_until": datetime(2026, 12, 1, 16, 0, tzinfo=UTC),
            "active": True,
        },
        "caller_rule": {
            "name": "VIP a Slovensko",
            "numbers": {"+420602111222"},
            "prefixes": {"+421"},
            "statuses": {"vip"},
            "priority": 1,
            "queue_id": w.queue.id,
            "position": 1,
        },
        "report_filter": {
            "name": "Vedoucí Praha",
            "reports": {"calls_overview", "lost_calls", "agent_activity"},
            "queue_ids": {w.queue.id},
            "group_ids": {w.group.id},
        },
        "alert_rule": {
            "name": "Dlouhé čekání v reklamacích",
            "kind": AlertKind.LONG_WAIT,
            "queue_id": w.queue.id,
            "limit": 120,
            "severity": Severity.CRITICAL,
        },
        "wallboard": {
            "name": "Reklamace – nástěnka",
            "queue_ids": {w.queue.id},
            "layouts": {WallboardLayout.OVERVIEW, WallboardLayout.QUEUES},
            "rotate_s": 30,
            "waiting_warn": 2,
            "waiting_alarm": 5,
        },
        "evaluation_form": {
            "name": "Kvalita hovoru – reklamace",
            "criteria": (
                Criterion("Pozdrav", Scale.POINTS, 5, 2, "Představení a nabídka pomoci"),
                Criterion("Ověření totožnosti", Scale.YES_NO, weight=3),
            ),
        },
        "client_field": {
            "key": "stav_pojisteni",
            "label": "Stav pojištění",
            "type": FieldType.CHOICE,
            "choices": ("aktivní", "ukončené", "dlužník"),
            "position": 80,
            "show_in_list": True,
        },
    }[kind]


UPDATES: dict[str, dict[str, Any]] = {
    "user": {"full_name": "Jan Nováček", "email": "jan.novacek@example.cz", "roles": {Role.SUPERVISOR}},
    "group": {"description": "Specialisté na reklamace"},
    "queue": {"priority": 1, "overflow": OverflowTarget(OverflowKind.VOICEMAIL, "reklamace")},
    "skill": {"level": 9, "sign_in_locked": True},
    "pause_code": {"max_duration_min": 45, "kind": PauseKind.WORK},
    "category": {"name": "Reklamace služeb", "active": False},
    "transfer_group": {"position": 3},
    "transfer_line": {"number": "2250"},
    "report_filter": {"reports": {"hourly"}, "queue_ids": set()},
    "caller_rule": {"block": True, "priority": 0, "queue_id": None},
    "announcement": {"active": False, "numbers": set()},
    "client_field": {"label": "Stav pojištění v ICIS", "choices": ("aktivní", "ukončené"), "required": True},
    "alert_rule": {"limit": 300, "severity": Severity.WARNING},
    "wallboard": {"rotate_s": 10, "queue_ids": set()},
    "evaluation_form": {"active": False, "criteria": (Criterion("Rozloučení", Scale.POINTS, 3),)},
}


def password_for(kind: str) -> str | None:
    return AGENT_PASSWORD if kind == "user" else None


def stored(admin: AdminService, kind: str, entity_id: int) -> Any:
    return admin.get(kind, entity_id)


def assert_audited(
    record: AuditRecord, action: str, object_id: object, outcome: Outcome = Outcome.OK, actor: Actor = ROOT
) -> None:
    assert (record.actor, record.source) == (actor.name, actor.source)
    assert record.action == action
    assert record.object_type == action.split(".")[0]
    assert record.object_id == str(object_id)
    assert record.outcome == outcome


# -- create, update, delete every kind -----------------------------------------------------------


def test_the_kinds_under_test_are_every_administered_kind() -> None:
    assert set(KINDS) == set(REQ) == set(UPDATES)


@pytest.mark.parametrize("kind", [with_req(k) for k in KINDS])
def test_creating_an_object_stores_it_and_audits_it_with_after_params(
    kind: str, admin: AdminService, world: World, store: Store
) -> None:
    values = valid_values(kind, world)

    created = admin.create(ROOT, kind, values, password=password_for(kind))

    assert created.id is not None
    saved = stored(admin, kind, created.id)
    for name, value in values.items():
        assert getattr(saved, name) == value
    record = store.last()
    assert_audited(record, f"{kind}.create", created.id)
    assert record.params == {"after": admin.plain(kind, saved)}


@pytest.mark.parametrize("kind", [with_req(k) for k in KINDS])
def test_updating_an_object_saves_it_and_audits_only_the_changed_fields_before_and_after(
    kind: str, admin: AdminService, world: World, store: Store
) -> None:
    created = admin.create(ROOT, kind, valid_values(kind, world), password=password_for(kind))
    before = admin.plain(kind, created)
    changes = UPDATES[kind]

    admin.update(ROOT, kind, created.id, changes)

    saved = stored(admin, kind, created.id)
    for name, value in changes.items():
        assert getattr(saved, name) == value
    record = store.last()
    assert_audited(record, f"{kind}.update", created.id)
    assert record.params == {
        "before": {name: before[name] for name in changes},
        "after": {name: to_plain(value) for name, value in changes.items()},
    }


@pytest.mark.parametrize("kind", [with_req(k) for k in KINDS])
def test_deleting_an_object_removes_it_and_audits_what_it_was(
    kind: str, admin: AdminService, world: World, store: Store
) -> None:
    created = admin.create(ROOT, kind, valid_values(kind, world), password=password_for(kind))
    before = admin.plain(kind, created)

    admin.delete(ROOT, kind, created.id)

    assert created.id not in {e.id for e in admin.list(kind)}
    with pytest.raises(NotFound):
        admin.get(kind, created.id)
    record = store.last()
    assert_audited(record, f"{kind}.delete", created.id)
    assert record.params == {"before": before}


@pytest.mark.req("SEC-03")
def test_an_update_that_changes_nothing_records_empty_before_and_after(
    admin: AdminService, world: World, store: Store
) -> None:
    admin.update(ROOT, "queue", world.queue.id, {"name": "Informace"})

    assert store.last().params == {"before": {}, "after": {}}


@pytest.mark.req("SEC-03")
def test_every_change_and_rejection_keeps_the_audit_chain_intact(
    admin: AdminService, audit: AuditTrail, world: World, store: Store
) -> None:
    with pytest.raises(ValidationFailed):
        admin.create(ROOT, "group", {"name": ""})
    admin.update(ROOT, "group", world.group.id, {"description": "Praha – Karlín"})

    records = store.records()
    assert [r.seq for r in records] == list(range(1, len(records) + 1))
    assert audit.verify(store.factory) == []


def test_reading_returns_copies_that_do_not_change_the_store(admin: AdminService, world: World) -> None:
    queue = admin.get("queue", world.queue.id)
    queue.name = "Změněno mimo službu"

    assert admin.get("queue", world.queue.id).name == "Informace"
    assert [q.name for q in admin.list("queue")] == ["Informace"]


# -- rejected input ------------------------------------------------------------------------------


def rejected_field_codes(record: AuditRecord) -> set[tuple[str, str]]:
    return {(e["field"], e["code"]) for e in record.params["errors"]}


def assert_rejected_and_unchanged(
    store: Store,
    before: dict[str, Any],
    audit_count: int,
    failure: pytest.ExceptionInfo[ValidationFailed],
    action: str,
    object_id: object,
    field: str,
    code: str,
) -> None:
    assert (field, code) in {(e.field, e.code) for e in failure.value.errors}
    assert store.snapshot() == before
    records = store.records()
    assert len(records) == audit_count + 1
    assert_audited(records[-1], action, object_id, Outcome.REJECTED)
    assert (field, code) in rejected_field_codes(records[-1])


LONG_NAME = "Č" * 61

INVALID_CREATE: list[Any] = [
    with_req("group", lambda w: {"name": ""}, "name", "required"),
    with_req("group", lambda w: {"name": "   "}, "name", "required"),
    with_req("group", lambda w: {"name": LONG_NAME}, "name", "too_long"),
    with_req("group", lambda w: {"name": "kkc PRAHA"}, "name", "duplicate"),
    with_req("group", lambda w: {"description": "Bez názvu"}, "name", "required"),
    with_req("group", lambda w: {"name": "Brno", "barva": "modrá"}, "barva", "unknown_field"),
    with_req("group", lambda w: {"name": "Brno", "id": 77}, "id", "unknown_field"),
    with_req("queue", lambda w: {"name": "INFORMACE"}, "name", "duplicate"),
    with_req("queue", lambda w: {"name": LONG_NAME}, "name", "too_long"),
    with_req("queue", lambda w: {"name": "Reklamace", "number": "+420222111000"}, "number", "duplicate"),
    with_req(
        "queue",
        lambda w: {"name": "Reklamace", "hours": overlapping_hours()},
        "hours_mon",
        "interval_overlap",
    ),
    with_req(
        "queue", lambda w: {"name": "Reklamace", "number": "+0420222333444"}, "number", "bad_external_number"
    ),
    with_req(
        "queue",
        lambda w: {"name": "Reklamace", "number": "+420 222 333 444"},
        "number",
        "bad_external_number",
    ),
    with_req("queue", lambda w: {"name": "Reklamace", "number": "+4202"}, "number", "bad_external_number"),
    with_req("queue", lambda w: {"name": "Reklamace", "number": "1"}, "number", "bad_internal_number"),
    with_req("queue", lambda w: {"name": "Reklamace", "priority": 11}, "priority", "out_of_range"),
    with_req(
        "queue", lambda w: {"name": "Reklamace", "sl_target_percent": 0}, "sl_target_percent", "out_of_range"
    ),
    with_req("queue", lambda w: {"name": "Reklamace", "group_id": 999}, "group_id", "unknown_reference"),
    with_req(
        "queue",
        lambda w: {"name": "Reklamace", "overflow": OverflowTarget(OverflowKind.QUEUE, "999")},
        "overflow_target",
        "unknown_reference",
    ),
    with_req(
        "queue",
        lambda w: {"name": "Reklamace", "overflow": OverflowTarget(OverflowKind.AGENT, "999")},
        "overflow_target",
        "unknown_reference",
    ),
    with_req(
        "queue",
        lambda w: {"name": "Reklamace", "overflow": OverflowTarget(OverflowKind.EXTERNAL, "777123456")},
        "overflow_target",
        "bad_external_number",
    ),
    with_req(
        "queue",
        lambda w: {"name": "Reklamace", "overflow": OverflowTarget(OverflowKind.HANGUP, "777123456")},
        "overflow_target",
        "must_be_empty",
    ),
    with_req(
        "skill",
        lambda w: {"user_id": w.agent.id, "queue_id": w.queue.id, "level": 11},
        "level",
        "out_of_range",
    ),
    with_req(
        "skill",
        lambda w: {"user_id": w.agent.id, "queue_id": w.queue.id, "level": 0},
        "level",
        "out_of_range",
    ),
    with_req(
        "skill",
        lambda w: {"user_id": w.agent.id, "queue_id": w.queue.id, "priority": 11},
        "priority",
        "out_of_range",
    ),
    with_req("skill", lambda w: {"user_id": w.agent.id}, "queue_id", "required"),
    with_req("skill", lambda w: {"user_id": 999, "queue_id": w.queue.id}, "user_id", "unknown_reference"),
    with_req("skill", lambda w: {"user_id": w.agent.id, "queue_id": 999}, "queue_id", "unknown_reference"),
    with_req("pause_code", lambda w: {"code": "OBED", "name": ""}, "name", "required"),
    with_req("pause_code", lambda w: {"name": "Oběd"}, "code", "required"),
    with_req(
        "pause_code",
        lambda w: {"code": "OBED", "name": "Oběd", "max_duration_min": 481},
        "max_duration_min",
        "out_of_range",
    ),
    with_req("category", lambda w: {"name": "dotazy"}, "name", "duplicate"),
    with_req("category", lambda w: {"name": "Č" * 81}, "name", "too_long"),
    with_req("category", lambda w: {"name": "Jiné", "parent_id": 999}, "parent_id", "unknown_reference"),
    with_req("transfer_group", lambda w: {"name": "POBOČKY"}, "name", "duplicate"),
    with_req("transfer_group", lambda w: {"name": "Partneři", "position": -1}, "position", "out_of_range"),
    with_req("transfer_line", lambda w: {"name": "Podpora"}, "number", "required"),
    with_req("transfer_line", lambda w: {"name": "Podpora", "number": ""}, "number", "required"),
    with_req(
        "transfer_line", lambda w: {"name": "Podpora", "number": "+42080"}, "number", "bad_external_number"
    ),
    with_req(
        "transfer_line", lambda w: {"name": "Podpora", "number": "22-50"}, "number", "bad_internal_number"
    ),
    with_req(
        "transfer_line",
        lambda w: {"name": "Podpora", "number": "2250", "group_id": 999},
        "group_id",
        "unknown_reference",
    ),
    with_req(
        "report_filter", lambda w: {"name": "Filtr", "queue_ids": {999}}, "queue_ids", "unknown_reference"
    ),
    with_req(
        "report_filter", lambda w: {"name": "Filtr", "group_ids": {999}}, "group_ids", "unknown_reference"
    ),
    with_req(
        "report_filter", lambda w: {"name": "Filtr", "reports": {"tajne_mzdy"}}, "reports", "invalid_choice"
    ),
    with_req("report_filter", lambda w: {"name": "celá praha"}, "name", "duplicate"),
    with_req(
        "user",
        lambda w: {"username": "PDvorak", "full_name": "Pavel Dvořák", "roles": {Role.AGENT}},
        "username",
        "duplicate",
    ),
    with_req(
        "user",
        lambda w: {"username": "jan novak", "full_name": "Jan Novák", "roles": {Role.AGENT}},
        "username",
        "bad_username",
    ),
    with_req("user", lambda w: {"username": "jnovak", "roles": {Role.AGENT}}, "full_name", "required"),
    with_req(
        "user",
        lambda w: {"username": "jnovak", "full_name": "Jan Novák", "roles": set()},
        "roles",
        "required",
    ),
    with_req(
        "user",
        lambda w: {
            "username": "jnovak",
            "full_name": "Jan Novák",
            "roles": {Role.AGENT},
            "email": "jan.novak",
        },
        "email",
        "bad_email",
    ),
    with_req(
        "user",
        lambda w: {
            "username": "jnovak",
            "full_name": "Jan Novák",
            "roles": {Role.AGENT},
            "agent_number": "1",
        },
        "agent_number",
        "bad_internal_number",
    ),
    with_req(
        "user",
        lambda w: {"username": "jnovak", "full_name": "Jan Novák", "roles": {Role.AGENT}, "language": "de"},
        "language",
        "invalid_choice",
    ),
    with_req(
        "user",
        lambda w: {"username": "jnovak", "full_name": "Jan Novák", "roles": {Role.AGENT}, "group_id": 999},
        "group_id",
        "unknown_reference",
    ),
    with_req(
        "user",
        lambda w: {
            "username": "jnovak",
            "full_name": "Jan Novák",
            "roles": {Role.AGENT},
            "report_filter_ids": {999},
        },
        "report_filter_ids",
        "unknown_reference",
    ),
    with_req(
        "user",
        lambda w: {
            "username": "jnovak",
            "full_name": "Jan Novák",
            "roles": {Role.AGENT},
            "password_hash": "x",
        },
        "password_hash",
        "unknown_field",
    ),
    with_req(
        "user",
        lambda w: {"username": "jnovak", "full_name": "Jan Novák", "roles": {Role.AGENT}, "failed_logins": 0},
        "failed_logins",
        "unknown_field",
    ),
]


@pytest.mark.parametrize(("kind", "values", "field", "code"), INVALID_CREATE)
def test_given_invalid_input_when_creating_then_it_is_rejected_audited_and_nothing_changes(
    kind: str,
    values: Callable[[World], dict[str, Any]],
    field: str,
    code: str,
    admin: AdminService,
    world: World,
    store: Store,
) -> None:
    before, audit_count = store.snapshot(), len(store.records())

    with pytest.raises(ValidationFailed) as failure:
        admin.create(ROOT, kind, values(world), password=password_for(kind))

    assert_rejected_and_unchanged(store, before, audit_count, failure, f"{kind}.create", "", field, code)


def test_a_name_of_exactly_sixty_characters_is_accepted(admin: AdminService, world: World) -> None:
    assert admin.create(ROOT, "group", {"name": "Č" * 60}).name == "Č" * 60


def test_every_problem_of_an_object_is_reported_at_once(admin: AdminService, world: World) -> None:
    with pytest.raises(ValidationFailed) as failure:
        admin.create(
            ROOT,
            "queue",
            {
                "name": "",
                "priority": 0,
                "sl_target_percent": 101,
                "hours": overlapping_hours(),
                "group_id": 999,
            },
        )

    assert {(e.field, e.code) for e in failure.value.errors} == {
        ("name", "required"),
        ("priority", "out_of_range"),
        ("sl_target_percent", "out_of_range"),
        ("hours_mon", "interval_overlap"),
        ("group_id", "unknown_reference"),
    }


def test_unknown_and_missing_fields_are_reported_together(admin: AdminService, world: World) -> None:
    with pytest.raises(ValidationFailed) as failure:
        admin.create(ROOT, "transfer_line", {"nazev": "Podpora"})

    assert {(e.field, e.code) for e in failure.value.errors} == {
        ("nazev", "unknown_field"),
        ("name", "required"),
        ("number", "required"),
    }


INVALID_UPDATE: list[Any] = [
    with_req("queue", "queue", lambda w: {"name": ""}, "name", "required"),
    with_req("queue", "queue", lambda w: {"name": LONG_NAME}, "name", "too_long"),
    with_req("queue", "queue", lambda w: {"hours": overlapping_hours()}, "hours_mon", "interval_overlap"),
    with_req("queue", "queue", lambda w: {"number": "+420"}, "number", "bad_external_number"),
    with_req("queue", "queue", lambda w: {"priority": 11}, "priority", "out_of_range"),
    with_req(
        "queue",
        "queue",
        lambda w: {"overflow": OverflowTarget(OverflowKind.QUEUE, str(w.queue.id))},
        "overflow_target",
        "overflow_to_itself",
    ),
    with_req("queue", "queue", lambda w: {"vip": True}, "vip", "unknown_field"),
    with_req("group", "group", lambda w: {"name": LONG_NAME}, "name", "too_long"),
    with_req("user", "agent", lambda w: {"username": "SPRAVCE"}, "username", "duplicate"),
    with_req("user", "agent", lambda w: {"group_id": 999}, "group_id", "unknown_reference"),
    with_req(
        "user", "agent", lambda w: {"password_hash": "$argon2id$forged"}, "password_hash", "unknown_field"
    ),
    with_req("user", "agent", lambda w: {"locked_until": None}, "locked_until", "unknown_field"),
    with_req("user", "agent", lambda w: {"id": 1}, "id", "unknown_field"),
    with_req("category", "category", lambda w: {"parent_id": w.category.id}, "parent_id", "category_cycle"),
    with_req("transfer_group", "transfer_group", lambda w: {"position": 10000}, "position", "out_of_range"),
    with_req(
        "report_filter", "report_filter", lambda w: {"group_ids": {999}}, "group_ids", "unknown_reference"
    ),
]


@pytest.mark.parametrize(("kind", "target", "values", "field", "code"), INVALID_UPDATE)
def test_given_invalid_input_when_updating_then_it_is_rejected_audited_and_nothing_changes(
    kind: str,
    target: str,
    values: Callable[[World], dict[str, Any]],
    field: str,
    code: str,
    admin: AdminService,
    world: World,
    store: Store,
) -> None:
    entity_id = getattr(world, target).id
    before, audit_count = store.snapshot(), len(store.records())

    with pytest.raises(ValidationFailed) as failure:
        admin.update(ROOT, kind, entity_id, values(world))

    assert_rejected_and_unchanged(
        store, before, audit_count, failure, f"{kind}.update", entity_id, field, code
    )


@pytest.mark.parametrize("verb", ["update", "delete"])
def test_changing_an_object_that_does_not_exist_raises_not_found_and_is_audited(
    verb: str, admin: AdminService, world: World, store: Store
) -> None:
    before = store.snapshot()

    with pytest.raises(NotFound) as failure:
        if verb == "update":
            admin.update(ROOT, "pause_code", 999, {"name": "Porada"})
        else:
            admin.delete(ROOT, "pause_code", 999)

    assert (failure.value.kind, failure.value.key) == ("pause_code", 999)
    assert store.snapshot() == before
    record = store.last()
    assert_audited(record, f"pause_code.{verb}", 999, Outcome.REJECTED)
    assert record.params["error"] == "NotFound"


# -- references ----------------------------------------------------------------------------------


def assert_in_use(
    admin: AdminService,
    store: Store,
    kind: str,
    entity_id: int,
    label: str,
    used_by: tuple[str, ...],
) -> None:
    before = store.snapshot()

    with pytest.raises(InUse) as failure:
        admin.delete(ROOT, kind, entity_id)

    assert (failure.value.kind, failure.value.key, failure.value.used_by) == (kind, label, used_by)
    assert store.snapshot() == before
    record = store.last()
    assert_audited(record, f"{kind}.delete", entity_id, Outcome.REJECTED)
    assert record.params["error"] == "InUse"
    assert all(user in record.params["detail"] for user in used_by)


@pytest.mark.req("ADM-05", "ADM-10")
def test_a_queue_with_skills_cannot_be_deleted(admin: AdminService, world: World, store: Store) -> None:
    skill = admin.create(ROOT, "skill", {"user_id": world.agent.id, "queue_id": world.queue.id, "level": 8})

    assert_in_use(admin, store, "queue", world.queue.id, "Informace", (f"skill:skill {skill.id}",))


@pytest.mark.req("ADM-03")
def test_a_group_with_users_cannot_be_deleted_and_the_users_are_named(
    admin: AdminService, world: World, store: Store
) -> None:
    external = admin.create(ROOT, "group", {"name": "Externí call centrum", "roles": {Role.AGENT}})
    for username, full_name in [("zkratochvilova", "Zuzana Kratochvílová"), ("ocerny", "Ondřej Černý")]:
        values = {
            "username": username,
            "full_name": full_name,
            "roles": {Role.AGENT},
            "group_id": external.id,
        }
        admin.create(ROOT, "user", values, password=AGENT_PASSWORD)

    assert_in_use(
        admin, store, "group", external.id, "Externí call centrum", ("user:ocerny", "user:zkratochvilova")
    )


@pytest.mark.req("ADM-03")
def test_a_group_used_by_users_queues_and_report_filters_names_all_of_them(
    admin: AdminService, world: World, store: Store
) -> None:
    admin.create(ROOT, "report_filter", {"name": "Jen KKC", "group_ids": {world.group.id}})

    assert_in_use(
        admin,
        store,
        "group",
        world.group.id,
        "KKC Praha",
        ("queue:Informace", "report_filter:Jen KKC", "user:pdvorak"),
    )


@pytest.mark.req("ADM-09")
def test_a_transfer_group_with_lines_cannot_be_deleted(
    admin: AdminService, world: World, store: Store
) -> None:
    for name, number in [("Pobočka Brno", "+420541111222"), ("Pobočka Ostrava", "3150")]:
        admin.create(
            ROOT, "transfer_line", {"name": name, "number": number, "group_id": world.transfer_group.id}
        )

    assert_in_use(
        admin,
        store,
        "transfer_group",
        world.transfer_group.id,
        "Pobočky",
        ("transfer_line:Pobočka Brno", "transfer_line:Pobočka Ostrava"),
    )


@pytest.mark.req("ADM-08")
def test_a_category_with_subcategories_cannot_be_deleted(
    admin: AdminService, world: World, store: Store
) -> None:
    admin.create(ROOT, "category", {"name": "Ceník", "parent_id": world.category.id})

    assert_in_use(admin, store, "category", world.category.id, "Dotazy", ("category:Ceník",))


@pytest.mark.req("ADM-06")
def test_a_report_filter_held_by_users_cannot_be_deleted(
    admin: AdminService, world: World, store: Store
) -> None:
    admin.update(ROOT, "user", world.agent.id, {"report_filter_ids": {world.report_filter.id}})

    assert_in_use(admin, store, "report_filter", world.report_filter.id, "Celá Praha", ("user:pdvorak",))


@pytest.mark.req("ADM-05")
def test_a_queue_that_another_queue_overflows_to_cannot_be_deleted(
    admin: AdminService, world: World, store: Store
) -> None:
    admin.create(
        ROOT,
        "queue",
        {"name": "Noční linka", "overflow": OverflowTarget(OverflowKind.QUEUE, str(world.queue.id))},
    )

    assert_in_use(admin, store, "queue", world.queue.id, "Informace", ("queue:Noční linka",))


@pytest.mark.req("ADM-02", "ADM-10")
def test_an_agent_with_skills_or_receiving_overflow_cannot_be_deleted(
    admin: AdminService, world: World, store: Store
) -> None:
    skill = admin.create(ROOT, "skill", {"user_id": world.agent.id, "queue_id": world.queue.id})
    admin.create(
        ROOT, "queue", {"name": "VIP", "overflow": OverflowTarget(OverflowKind.AGENT, str(world.agent.id))}
    )

    assert_in_use(admin, store, "user", world.agent.id, "pdvorak", ("queue:VIP", f"skill:skill {skill.id}"))


@pytest.mark.req("ADM-05", "ADM-10")
def test_once_the_references_are_gone_the_object_can_be_deleted(admin: AdminService, world: World) -> None:
    skill = admin.create(ROOT, "skill", {"user_id": world.agent.id, "queue_id": world.queue.id})
    admin.delete(ROOT, "skill", skill.id)

    admin.delete(ROOT, "queue", world.queue.id)

    assert admin.list("queue") == []


# -- categories and overflow ---------------------------------------------------------------------


@pytest.fixture
def tree(admin: AdminService, world: World) -> tuple[CallCategory, CallCategory, CallCategory]:
    a = world.category
    b = admin.create(ROOT, "category", {"name": "Ceník", "parent_id": a.id})
    c = admin.create(ROOT, "category", {"name": "Tarify pro firmy", "parent_id": b.id})
    return a, b, c


@pytest.mark.req("ADM-08")
@pytest.mark.parametrize("new_parent", [1, 2], ids=["under-child", "under-grandchild"])
def test_given_a_category_tree_when_a_parent_moves_under_its_descendant_then_the_cycle_is_rejected(
    new_parent: int, admin: AdminService, tree: tuple[CallCategory, ...], store: Store
) -> None:
    root_category = tree[0]
    before = store.snapshot()

    with pytest.raises(ValidationFailed) as failure:
        admin.update(ROOT, "category", root_category.id, {"parent_id": tree[new_parent].id})

    assert ("parent_id", "category_cycle") in {(e.field, e.code) for e in failure.value.errors}
    assert store.snapshot() == before
    assert store.last().outcome == Outcome.REJECTED


@pytest.mark.req("ADM-08")
def test_a_category_can_move_to_another_branch_without_a_cycle(
    admin: AdminService, tree: tuple[CallCategory, ...]
) -> None:
    a, _b, c = tree

    admin.update(ROOT, "category", c.id, {"parent_id": a.id})

    assert admin.get("category", c.id).parent_id == a.id


@pytest.mark.req("ADM-08")
def test_the_same_category_name_is_allowed_under_another_parent_or_of_another_kind(
    admin: AdminService, tree: tuple[CallCategory, ...]
) -> None:
    a, b, _c = tree

    admin.create(ROOT, "category", {"name": "Ceník", "parent_id": b.id})
    admin.create(ROOT, "category", {"name": "Ceník", "parent_id": a.id, "kind": CategoryKind.PRODUCT})

    with pytest.raises(ValidationFailed):
        admin.create(ROOT, "category", {"name": "CENÍK", "parent_id": a.id})


@pytest.mark.req("ADM-05", "IN-18")
def test_a_queue_may_overflow_to_another_queue_but_not_to_itself(admin: AdminService, world: World) -> None:
    night = admin.create(ROOT, "queue", {"name": "Noční linka"})

    admin.update(
        ROOT, "queue", world.queue.id, {"overflow": OverflowTarget(OverflowKind.QUEUE, str(night.id))}
    )
    with pytest.raises(ValidationFailed) as failure:
        admin.update(ROOT, "queue", night.id, {"overflow": OverflowTarget(OverflowKind.QUEUE, str(night.id))})

    assert [(e.field, e.code) for e in failure.value.errors] == [("overflow_target", "overflow_to_itself")]
    assert admin.get("queue", world.queue.id).overflow == OverflowTarget(OverflowKind.QUEUE, str(night.id))


@pytest.mark.req("ADM-05", "IN-18", "SEC-03")
def test_a_non_ascii_digit_overflow_target_is_rejected_and_audited_not_a_crash(
    admin: AdminService, world: World, store: Store
) -> None:
    """BUG: "²".isdigit() is True, so OverflowTarget.problems() accepts it and kinds._overflow()
    then calls int("²"): a ValueError escapes the service (HTTP 500) and no rejection is audited."""
    before, audit_count = store.snapshot(), len(store.records())

    with pytest.raises(ValidationFailed) as failure:
        admin.create(
            ROOT, "queue", {"name": "Reklamace", "overflow": OverflowTarget(OverflowKind.QUEUE, "²")}
        )

    assert_rejected_and_unchanged(
        store, before, audit_count, failure, "queue.create", "", "overflow_target", "required"
    )


@pytest.mark.req("ADM-05", "IN-18")
def test_a_queue_cannot_overflow_to_itself_by_writing_its_id_in_fullwidth_digits(
    admin: AdminService, world: World, store: Store
) -> None:
    """BUG: "１２".isdigit() is True and int("１２") == 12, so the reference check finds queue 12,
    while the self-overflow check compares the text "１２" with "12" and lets it through."""
    fullwidth = str(world.queue.id).translate({ord(d): 0xFF10 + int(d) for d in "0123456789"})

    with pytest.raises(ValidationFailed):
        admin.update(
            ROOT, "queue", world.queue.id, {"overflow": OverflowTarget(OverflowKind.QUEUE, fullwidth)}
        )

    assert admin.get("queue", world.queue.id).overflow == OverflowTarget()


@pytest.mark.req("ADM-05", "IN-18")
@pytest.mark.parametrize(
    "overflow",
    [
        OverflowTarget(OverflowKind.LINE, "2250"),
        OverflowTarget(OverflowKind.EXTERNAL, "+420800123456"),
        OverflowTarget(OverflowKind.MOBILE, "+420777123456"),
        OverflowTarget(OverflowKind.VOICEMAIL, ""),
        OverflowTarget(OverflowKind.IVR, "hlavni-menu"),
        OverflowTarget(OverflowKind.HANGUP, ""),
    ],
    ids=lambda o: o.kind.value,
)
def test_a_closed_queue_can_overflow_to_every_kind_of_target(
    overflow: OverflowTarget, admin: AdminService, world: World
) -> None:
    admin.update(ROOT, "queue", world.queue.id, {"overflow": overflow})

    assert admin.get("queue", world.queue.id).overflow == overflow


@pytest.mark.req("ADM-05", "IN-18")
def test_opening_hours_with_exceptions_are_stored_and_audited_as_plain_data(
    admin: AdminService, world: World, store: Store
) -> None:
    admin.update(ROOT, "queue", world.queue.id, {"hours": office_hours()})

    assert admin.get("queue", world.queue.id).hours == office_hours()
    after = store.last().params["after"]["hours"]
    assert after["exceptions"][0]["note"] == "Štědrý den"
    json.dumps(after)


# -- administrators ------------------------------------------------------------------------------


@pytest.mark.req("ADM-02", "GEN-01")
def test_the_last_active_admin_cannot_be_deleted(admin: AdminService, world: World, store: Store) -> None:
    before = store.snapshot()

    with pytest.raises(ValidationFailed) as failure:
        admin.delete(SYSTEM, "user", world.root.id)

    assert [(e.field, e.code) for e in failure.value.errors] == [("roles", "last_admin")]
    assert store.snapshot() == before
    assert_audited(store.last(), "user.delete", world.root.id, Outcome.REJECTED, actor=SYSTEM)


@pytest.mark.req("ADM-02", "GEN-01")
@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"active": False}, "last_admin"),
        ({"roles": {Role.SUPERVISOR, Role.QUEUES}}, "last_admin"),
        ({"roles": set()}, "required"),
    ],
    ids=["deactivate", "demote", "no-role"],
)
def test_the_last_active_admin_cannot_be_deactivated_or_lose_the_admin_role(
    change: dict[str, Any], code: str, admin: AdminService, world: World, store: Store
) -> None:
    before = store.snapshot()

    with pytest.raises(ValidationFailed) as failure:
        admin.update(SYSTEM, "user", world.root.id, change)

    assert [(e.field, e.code) for e in failure.value.errors] == [("roles", code)]
    assert store.snapshot() == before
    assert_audited(store.last(), "user.update", world.root.id, Outcome.REJECTED, actor=SYSTEM)


@pytest.mark.req("ADM-02", "GEN-01")
def test_an_inactive_admin_does_not_count_as_a_remaining_admin(admin: AdminService, world: World) -> None:
    values = {"username": "zastupce", "full_name": "Karel Zástupce", "roles": {Role.ADMIN}, "active": False}
    admin.create(ROOT, "user", values, password=AGENT_PASSWORD)

    with pytest.raises(ValidationFailed) as failure:
        admin.update(SYSTEM, "user", world.root.id, {"roles": {Role.SUPERVISOR}})

    assert [(e.field, e.code) for e in failure.value.errors] == [("roles", "last_admin")]


@pytest.mark.req("ADM-02", "GEN-01")
def test_with_a_second_active_admin_the_first_can_be_demoted_and_deleted(
    admin: AdminService, world: World
) -> None:
    values = {"username": "zastupce", "full_name": "Karel Zástupce", "roles": {Role.ADMIN}}
    deputy = admin.create(ROOT, "user", values, password=AGENT_PASSWORD)
    by_deputy = Actor("zastupce", "10.1.2.4")

    admin.update(by_deputy, "user", world.root.id, {"roles": {Role.SUPERVISOR}})
    admin.delete(by_deputy, "user", world.root.id)

    assert [u.username for u in admin.list("user")] == ["pdvorak", "zastupce"]
    with pytest.raises(ValidationFailed):
        admin.update(SYSTEM, "user", deputy.id, {"active": False})


@pytest.mark.req("ADM-02")
def test_a_user_cannot_delete_themself(admin: AdminService, world: World, store: Store) -> None:
    admin.create(
        ROOT,
        "user",
        {"username": "zastupce", "full_name": "K. Z.", "roles": {Role.ADMIN}},
        password=AGENT_PASSWORD,
    )
    before = store.snapshot()

    with pytest.raises(ValidationFailed) as failure:
        admin.delete(ROOT, "user", world.root.id)

    assert [(e.field, e.code) for e in failure.value.errors] == [("id", "cannot_delete_self")]
    assert store.snapshot() == before
    assert_audited(store.last(), "user.delete", world.root.id, Outcome.REJECTED)


@pytest.mark.req("ADM-02")
def test_a_user_cannot_deactivate_themself(admin: AdminService, world: World, store: Store) -> None:
    admin.create(
        ROOT,
        "user",
        {"username": "zastupce", "full_name": "K. Z.", "roles": {Role.ADMIN}},
        password=AGENT_PASSWORD,
    )
    before = store.snapshot()

    with pytest.raises(ValidationFailed) as failure:
        admin.update(ROOT, "user", world.root.id, {"active": False})

    assert [(e.field, e.code) for e in failure.value.errors] == [("active", "cannot_deactivate_self")]
    assert store.snapshot() == before


@pytest.mark.req("ADM-02")
def test_a_user_may_change_their_own_other_fields(admin: AdminService, world: World) -> None:
    admin.update(ROOT, "user", world.root.id, {"full_name": "Jana Nová", "language": "en"})

    assert admin.get("user", world.root.id).full_name == "Jana Nová"


# -- passwords -----------------------------------------------------------------------------------


def new_user() -> dict[str, Any]:
    return {"username": "jnovak", "full_name": "Jan Novák", "roles": {Role.AGENT}}


@pytest.mark.req("ADM-02", "SEC-02")
def test_creating_a_user_stores_only_an_argon2_hash_of_the_password(
    admin: AdminService, world: World, hasher: Argon2Hasher, clock: FixedClock, store: Store
) -> None:
    user = admin.create(ROOT, "user", new_user(), password=AGENT_PASSWORD)

    saved = store.user(user.id)
    assert saved.password_hash.startswith("$argon2id$")
    assert AGENT_PASSWORD not in saved.password_hash
    assert hasher.verify(saved.password_hash, AGENT_PASSWORD)
    assert saved.password_changed_at == clock.now()
    assert (saved.failed_logins, saved.locked_until) == (0, None)


@pytest.mark.req("ADM-02", "SEC-02", "SEC-03")
def test_passwords_and_hashes_never_appear_in_the_audit_log(
    admin: AdminService, world: World, store: Store
) -> None:
    user = admin.create(ROOT, "user", new_user(), password=AGENT_PASSWORD)
    admin.update(ROOT, "user", user.id, {"email": "jan@example.cz"}, password="Nove-Heslo-2027")
    with pytest.raises(ValidationFailed):
        admin.update(ROOT, "user", user.id, {}, password="slabe")

    log = json.dumps([to_plain(r) for r in store.records()], ensure_ascii=False)
    assert AGENT_PASSWORD not in log
    assert "Nove-Heslo-2027" not in log
    assert "slabe" not in log
    assert "$argon2" not in log
    for secret in KINDS["user"].secret_fields:
        assert f'"{secret}"' not in log


@pytest.mark.req("ADM-02", "SEC-02", "SEC-03")
def test_changing_a_password_rehashes_it_unlocks_and_audits_only_a_marker(
    admin: AdminService, world: World, hasher: Argon2Hasher, clock: FixedClock, store: Store
) -> None:
    with store.factory() as uow:
        agent = uow.users.get(world.agent.id)
        assert agent is not None
        agent.failed_logins, agent.locked_until = 3, clock.now()
        uow.commit()
    clock.advance(days=1)

    admin.update(ROOT, "user", world.agent.id, {}, password="Nove-Heslo-2027")

    saved = store.user(world.agent.id)
    assert hasher.verify(saved.password_hash, "Nove-Heslo-2027")
    assert not hasher.verify(saved.password_hash, AGENT_PASSWORD)
    assert saved.password_changed_at == clock.now()
    assert (saved.failed_logins, saved.locked_until) == (0, None)
    assert store.last().params == {"before": {"password": None}, "after": {"password": "***"}}


@pytest.mark.req("ADM-02", "SEC-02")
def test_an_update_without_a_password_keeps_the_old_one(
    admin: AdminService, world: World, hasher: Argon2Hasher, store: Store
) -> None:
    admin.update(ROOT, "user", world.agent.id, {"full_name": "Petr Dvořák ml."}, password="")

    assert hasher.verify(store.user(world.agent.id).password_hash, AGENT_PASSWORD)


@pytest.mark.req("ADM-02", "SEC-02")
@pytest.mark.parametrize("password", [None, ""])
def test_creating_a_user_requires_a_password(
    password: str | None, admin: AdminService, world: World, store: Store
) -> None:
    before = store.snapshot()

    with pytest.raises(ValidationFailed) as failure:
        admin.create(ROOT, "user", new_user(), password=password)

    assert [(e.field, e.code) for e in failure.value.errors] == [("password", "required")]
    assert store.snapshot() == before


@pytest.mark.req("ADM-02", "SEC-02")
@pytest.mark.parametrize(
    ("password", "codes"),
    [
        ("Kratke-1", ["password_too_short"]),
        ("bez-velkych-pismen-1", ["password_needs_upper"]),
        ("Heslo-JNOVAK-2026", ["password_contains_username"]),
        ("heslo", ["password_too_short", "password_needs_digit", "password_needs_upper"]),
    ],
)
def test_creating_a_user_with_a_password_against_the_policy_is_rejected(
    password: str, codes: list[str], admin: AdminService, world: World, store: Store
) -> None:
    before, audit_count = store.snapshot(), len(store.records())

    with pytest.raises(ValidationFailed) as failure:
        admin.create(ROOT, "user", new_user(), password=password)

    assert [e.code for e in failure.value.errors] == codes
    assert {e.field for e in failure.value.errors} == {"password"}
    assert store.snapshot() == before
    assert len(store.records()) == audit_count + 1
    assert store.last().outcome == Outcome.REJECTED


@pytest.mark.req("ADM-02", "SEC-02")
def test_a_weak_new_password_on_update_changes_nothing(
    admin: AdminService, world: World, store: Store
) -> None:
    before = store.snapshot()

    with pytest.raises(ValidationFailed):
        admin.update(ROOT, "user", world.agent.id, {"full_name": "Jiné jméno"}, password="pdvorak-Heslo-1")

    assert store.snapshot() == before


@pytest.mark.req("ADM-02")
def test_plain_user_data_leaves_out_every_secret(admin: AdminService, world: World) -> None:
    data = admin.plain("user", admin.get("user", world.agent.id))

    assert not set(data) & KINDS["user"].secret_fields
    assert data["roles"] == ["agent"]
    assert data["username"] == "pdvorak"


# -- no limits -----------------------------------------------------------------------------------


@pytest.mark.req("ADM-11", "ADM-05")
def test_there_is_no_limit_on_the_number_of_queues(
    admin: AdminService, audit: AuditTrail, world: World, store: Store
) -> None:
    for n in range(1, 51):
        admin.create(ROOT, "queue", {"name": f"Fronta č. {n}", "number": f"{3000 + n}"})

    assert len(admin.list("queue")) == 51
    assert sum(r.action == "queue.create" for r in store.records()) == 51
    assert audit.verify(store.factory) == []


@pytest.mark.req("ADM-11", "ADM-10")
def test_there_is_no_limit_on_skills_per_agent(admin: AdminService, world: World) -> None:
    queues = [admin.create(ROOT, "queue", {"name": f"Produkt {n}"}) for n in range(20)]

    for level, queue in enumerate(queues, start=1):
        admin.create(
            ROOT, "skill", {"user_id": world.agent.id, "queue_id": queue.id, "level": level % 10 + 1}
        )

    assert len(admin.list("skill")) == 20
    with pytest.raises(ValidationFailed) as failure:
        admin.create(ROOT, "skill", {"user_id": world.agent.id, "queue_id": queues[0].id})
    assert [(e.field, e.code) for e in failure.value.errors] == [("queue_id", "duplicate")]
