"""Plain JSON-safe data from domain objects (audit params, API, JSON columns)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from enum import Enum
from typing import Any

import attrs
import pytest

from kc_domain.admin.kinds import KINDS
from kc_domain.audit.service import error_params
from kc_domain.clients.model import ClientField, FieldType
from kc_domain.errors import FieldError, ValidationFailed
from kc_domain.identity.model import User
from kc_domain.identity.roles import Role
from kc_domain.organisation.hours import OpeningHours, TimeInterval
from kc_domain.organisation.model import (
    AgentGroup,
    AgentSkill,
    Announcement,
    CallCategory,
    CallerRule,
    CategoryKind,
    OverflowKind,
    OverflowTarget,
    PauseCode,
    PauseKind,
    Queue,
    ReportAccessFilter,
    TransferLine,
    TransferLineGroup,
)
from kc_domain.plain import TEXT_MAX, capped, to_plain
from kc_domain.recordings.evaluation import Criterion, EvaluationForm, Scale
from kc_domain.supervision.model import AlertKind, AlertRule, Severity, Wallboard, WallboardLayout

pytestmark = pytest.mark.req("SEC-03")

CHANGED = datetime(2026, 3, 2, 8, 30, 15, 123456, tzinfo=UTC)


def agent() -> User:
    return User(
        "mkucerova",
        "Marie Kučerová",
        {Role.CALLBACK, Role.AGENT},
        email="marie.kucerova@example.cz",
        agent_number="2105",
        group_id=3,
        password_hash="$argon2id$v=19$m=1024,t=1,p=4$c2FsdA$aGFzaA",
        password_changed_at=CHANGED,
        report_filter_ids={9, 2, 5},
        id=12,
    )


def test_a_user_becomes_a_dict_of_its_fields_with_enums_as_values_and_sets_sorted() -> None:
    assert to_plain(agent()) == {
        "username": "mkucerova",
        "full_name": "Marie Kučerová",
        "roles": ["agent", "callback"],
        "email": "marie.kucerova@example.cz",
        "agent_number": "2105",
        "group_id": 3,
        "active": True,
        "language": "cs",
        "password_hash": "$argon2id$v=19$m=1024,t=1,p=4$c2FsdA$aGFzaA",
        "password_changed_at": "2026-03-02T08:30:15.123456+00:00",
        "failed_logins": 0,
        "locked_until": None,
        "session_epoch": 0,
        "report_filter_ids": [2, 5, 9],
        "endpoint": "",
        "direct_number": "",
        "id": 12,
    }


def test_omitted_fields_are_left_out() -> None:
    plain = to_plain(agent(), omit=KINDS["user"].secret_fields)

    assert set(plain) == {
        "username",
        "full_name",
        "roles",
        "email",
        "agent_number",
        "group_id",
        "active",
        "language",
        "report_filter_ids",
        "endpoint",
        "direct_number",
        "id",
    }


def test_omit_names_only_top_level_fields() -> None:
    queue = Queue("Reklamace", overflow=OverflowTarget(OverflowKind.EXTERNAL, "+420800123456"))

    plain = to_plain(queue, omit=frozenset({"target"}))

    assert plain["overflow"] == {"kind": "external", "target": "+420800123456"}


def test_nested_attrs_objects_become_nested_dicts() -> None:
    group = AgentGroup("KKC Praha", roles={Role.AGENT})

    assert to_plain({"group": group}) == {
        "group": {"name": "KKC Praha", "description": "", "roles": ["agent"], "id": None}
    }


def test_value_objects_with_their_own_to_plain_are_written_in_that_form() -> None:
    hours = OpeningHours(weekly=((TimeInterval(480, 720), TimeInterval(750, 960)),) + ((),) * 6)
    queue = Queue(
        "Reklamace", hours=hours, overflow=OverflowTarget(OverflowKind.VOICEMAIL, "reklamace"), id=4
    )

    plain = to_plain(queue)

    assert plain["hours"] == hours.to_plain()
    assert plain["hours"]["weekly"]["mon"] == ["08:00-12:00", "12:30-16:00"]
    assert OpeningHours.from_plain(plain["hours"]) == hours
    assert plain["overflow"] == {"kind": "voicemail", "target": "reklamace"}
    assert OverflowTarget.from_plain(plain["overflow"]) == queue.overflow


@pytest.mark.parametrize(
    ("value", "plain"),
    [
        (Role.ADMIN, "admin"),
        (PauseKind.WORK, "work"),
        (date(2026, 12, 24), "2026-12-24"),
        (time(8, 30), "08:30:00"),
        (CHANGED, "2026-03-02T08:30:15.123456+00:00"),
        ((1, "a", None), [1, "a", None]),
        ([Role.AGENT, date(2026, 1, 1)], ["agent", "2026-01-01"]),
        (frozenset({3, 1, 2}), [1, 2, 3]),
        ({"b", "a", "č"}, ["a", "b", "č"]),
        (frozenset({Role.WALLBOARD, Role.ADMIN}), ["admin", "wallboard"]),
        ({1: date(2026, 5, 1), "x": {2: Role.AGENT}}, {"1": "2026-05-01", "x": {"2": "agent"}}),
        ("Příliš žluťoučký kůň", "Příliš žluťoučký kůň"),
        (42, 42),
        (None, None),
        (True, True),
    ],
)
def test_values_are_converted_to_json_native_ones(value: Any, plain: Any) -> None:
    assert to_plain(value) == plain


def test_a_set_of_mixed_types_is_sorted_without_error() -> None:
    assert to_plain({2, "b", 1, "a"}) == [1, 2, "a", "b"]


def test_a_plain_enum_becomes_its_value() -> None:
    class Colour(Enum):
        RED = 1

    assert to_plain(Colour.RED) == 1


def test_private_attrs_fields_are_never_exported() -> None:
    @attrs.define
    class WithPrivate:
        name: str
        _cache: str = "secret"

    assert to_plain(WithPrivate("x")) == {"name": "x"}


EXAMPLES = {
    "user": agent(),
    "group": AgentGroup("KKC Praha", "Kontaktní centrum", {Role.AGENT}, id=1),
    "queue": Queue("Reklamace", "+420222333444", 1, overflow=OverflowTarget(OverflowKind.QUEUE, "7"), id=2),
    "skill": AgentSkill(12, 2, level=8, priority=1, id=3),
    "pause_code": PauseCode("OBED", "Oběd", PauseKind.PRIVATE, 30, id=4),
    "category": CallCategory("Reklamace zboží", parent_id=5, kind=CategoryKind.PRODUCT, id=6),
    "transfer_group": TransferLineGroup("Pobočky", 1, id=7),
    "transfer_line": TransferLine("Pobočka Brno", "+420541111222", 7, 2, id=8),
    "report_filter": ReportAccessFilter("Vedoucí", {"lost_calls", "calls_overview"}, {2}, {1}, id=9),
    "caller_rule": CallerRule("VIP", {"+420602111222"}, {"+421"}, {"vip"}, priority=1, id=10),
    "announcement": Announcement("Výpadek", "Portál je mimo provoz.", numbers={"+420261105555"}, id=11),
    "client_field": ClientField("pobocka", "Pobočka", FieldType.CHOICE, ("Praha", "Brno"), 50, id=12),
    "alert_rule": AlertRule("Dlouhé čekání", AlertKind.LONG_WAIT, 2, 90, Severity.CRITICAL, id=13),
    "wallboard": Wallboard(
        "KKC", {2}, {WallboardLayout.OVERVIEW, WallboardLayout.TODAY}, kiosk_token_hash="a" * 64, id=14
    ),
    "evaluation_form": EvaluationForm(
        "Kvalita hovoru",
        (
            Criterion("Pozdrav", Scale.POINTS, 5, 2, "Představení"),
            Criterion("Ověření", Scale.YES_NO, weight=3),
        ),
        id=15,
    ),
}


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_administered_entity_survives_json_unchanged(kind: str) -> None:
    plain = to_plain(EXAMPLES[kind], omit=KINDS[kind].secret_fields)

    assert json.loads(json.dumps(plain, ensure_ascii=False)) == plain
    assert set(plain) == {f.name for f in attrs.fields(KINDS[kind].cls)} - KINDS[kind].secret_fields


def test_to_plain_is_deterministic_for_equal_sets() -> None:
    one = ReportAccessFilter("F", {"hourly", "ivr", "chats"}, {3, 1}, set())
    other = ReportAccessFilter("F", {"chats", "hourly", "ivr"}, {1, 3}, set())

    assert json.dumps(to_plain(one)) == json.dumps(to_plain(other))


@pytest.mark.req("SEC-03", "GEN-01")
def test_a_refusal_repeats_little_of_a_huge_input() -> None:
    bomb: object = ["lol"] * 9
    for _ in range(6):
        bomb = [bomb] * 9  # what six levels of YAML aliases expand to
    errors = [FieldError("nodes", "invalid_type", {"value": bomb, "text": "x" * 10_000})] * 100
    params = error_params(ValidationFailed(errors))
    assert len(json.dumps(params)) < 5_000
    assert capped("x" * 10_000) == "x" * (TEXT_MAX - 1) + "…"
    assert capped({"a": "b", "n": [1, 2]}) == {"a": "b", "n": [1, 2]}  # small data stays as it is
