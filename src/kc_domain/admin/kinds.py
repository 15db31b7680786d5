"""What the administration knows about each kind of object: its repository, its unique keys,
and which other objects it refers to (checked on save, and on delete from the other side)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import attrs

from kc_domain.clients.model import ClientField
from kc_domain.identity.model import User
from kc_domain.organisation.model import (
    AgentGroup,
    AgentSkill,
    Announcement,
    CallCategory,
    CallerRule,
    OverflowKind,
    PauseCode,
    Queue,
    ReportAccessFilter,
    TransferLine,
    TransferLineGroup,
)
from kc_domain.recordings.evaluation import EvaluationForm
from kc_domain.supervision.model import AlertRule, Wallboard


@attrs.frozen
class Ref:
    """``field`` of this kind holds ids of ``kind`` objects, as ``ids(entity)`` yields them."""

    field: str
    kind: str
    ids: Callable[[Any], Iterable[int]]


def _one(attr: str) -> Callable[[Any], Iterable[int]]:
    return lambda e: [] if getattr(e, attr) is None else [getattr(e, attr)]


def _many(attr: str) -> Callable[[Any], Iterable[int]]:
    return lambda e: getattr(e, attr)


def _is_id(text: str) -> bool:
    return text.isascii() and text.isdigit()


def _overflow(kind: OverflowKind) -> Callable[[Any], Iterable[int]]:
    return lambda q: [int(q.overflow.target)] if q.overflow.kind == kind and _is_id(q.overflow.target) else []


@attrs.frozen
class Kind:
    name: str
    repo: str
    cls: type
    unique: tuple[tuple[str, ...], ...] = ()
    refs: tuple[Ref, ...] = ()
    secret_fields: frozenset[str] = frozenset()

    def label(self, entity: Any) -> str:
        for attr in ("username", "name", "code", "key"):
            if hasattr(entity, attr):
                return str(getattr(entity, attr))
        return f"{self.name} {entity.id}"


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind(
            "user",
            "users",
            User,
            (("username",), ("agent_number",)),  # agents are known and dialled by their number
            (
                Ref("group_id", "group", _one("group_id")),
                Ref("report_filter_ids", "report_filter", _many("report_filter_ids")),
            ),
            secret_fields=frozenset(
                {"password_hash", "failed_logins", "locked_until", "password_changed_at", "session_epoch"}
            ),
        ),
        Kind("group", "groups", AgentGroup, (("name",),)),
        Kind(
            "queue",
            "queues",
            Queue,
            (("name",), ("number",)),
            (
                Ref("group_id", "group", _one("group_id")),
                Ref("overflow_target", "queue", _overflow(OverflowKind.QUEUE)),
                Ref("overflow_target", "user", _overflow(OverflowKind.AGENT)),
            ),
        ),
        Kind(
            "skill",
            "skills",
            AgentSkill,
            (("user_id", "queue_id"),),
            (Ref("user_id", "user", _one("user_id")), Ref("queue_id", "queue", _one("queue_id"))),
        ),
        Kind("pause_code", "pause_codes", PauseCode, (("code",), ("name",))),
        Kind(
            "category",
            "categories",
            CallCategory,
            (("parent_id", "kind", "name"),),
            (Ref("parent_id", "category", _one("parent_id")),),
        ),
        Kind("transfer_group", "transfer_groups", TransferLineGroup, (("name",),)),
        Kind(
            "transfer_line",
            "transfer_lines",
            TransferLine,
            (("group_id", "name"),),
            (Ref("group_id", "transfer_group", _one("group_id")),),
        ),
        Kind(
            "caller_rule",
            "caller_rules",
            CallerRule,
            (("name",),),
            (Ref("queue_id", "queue", _one("queue_id")),),
        ),
        Kind("announcement", "announcements", Announcement, (("name",),)),
        Kind(
            "report_filter",
            "report_filters",
            ReportAccessFilter,
            (("name",),),
            (Ref("queue_ids", "queue", _many("queue_ids")), Ref("group_ids", "group", _many("group_ids"))),
        ),
        Kind("client_field", "client_fields", ClientField, (("key",),)),
        Kind(
            "alert_rule",
            "alert_rules",
            AlertRule,
            (("name",),),
            (Ref("queue_id", "queue", _one("queue_id")),),
        ),
        Kind(
            "wallboard",
            "wallboards",
            Wallboard,
            (("name",),),
            (Ref("queue_ids", "queue", _many("queue_ids")),),
            secret_fields=frozenset({"kiosk_token_hash"}),
        ),
        Kind("evaluation_form", "evaluation_forms", EvaluationForm, (("name",),)),
    )
}
