"""Entities the administrator configures (ADM-03, ADM-05, ADM-06..ADM-10)."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Any

import attrs

from kc_domain.errors import FieldError
from kc_domain.identity.roles import Role
from kc_domain.organisation.hours import OpeningHours
from kc_domain.validation import int_range, phone_number, prompt_name, text


class OverflowKind(StrEnum):
    """Where a call goes when its queue is closed (IN-18, ADM-05)."""

    QUEUE = "queue"
    AGENT = "agent"
    LINE = "line"
    EXTERNAL = "external"
    MOBILE = "mobile"
    VOICEMAIL = "voicemail"
    IVR = "ivr"
    HANGUP = "hangup"


@attrs.frozen
class OverflowTarget:
    """``target`` is a queue or user id for QUEUE/AGENT, a number for LINE/EXTERNAL/MOBILE,
    a mailbox or IVR tree name for VOICEMAIL/IVR, and empty for HANGUP."""

    kind: OverflowKind = OverflowKind.HANGUP
    target: str = ""

    def problems(self) -> list[FieldError]:
        errors: list[FieldError] = []
        if self.kind in (OverflowKind.QUEUE, OverflowKind.AGENT):
            if not (self.target.isascii() and self.target.isdigit()):
                errors.append(FieldError("overflow_target", "required"))
        elif self.kind == OverflowKind.LINE:
            phone_number(errors, "overflow_target", self.target, external=False)
        elif self.kind in (OverflowKind.EXTERNAL, OverflowKind.MOBILE):
            phone_number(errors, "overflow_target", self.target, external=True)
        elif self.kind == OverflowKind.IVR:
            text(errors, "overflow_target", self.target, max_length=80)
        elif self.kind == OverflowKind.VOICEMAIL:
            text(errors, "overflow_target", self.target, max_length=80, required=False)
        elif self.target:
            errors.append(FieldError("overflow_target", "must_be_empty"))
        return errors

    def to_plain(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "target": self.target}

    @classmethod
    def from_plain(cls, data: dict[str, Any]) -> OverflowTarget:
        return cls(OverflowKind(data.get("kind", "hangup")), str(data.get("target", "")))


@attrs.define(slots=False, eq=False)
class AgentGroup:
    """A workplace (KKC, AS, external call centre, expert desk); members inherit its roles."""

    name: str
    description: str = ""
    roles: frozenset[Role] = attrs.field(factory=frozenset, converter=frozenset)
    id: int | None = None

    def problems(self) -> list[FieldError]:
        errors: list[FieldError] = []
        text(errors, "name", self.name, max_length=60)
        text(errors, "description", self.description, max_length=500, required=False)
        return errors


class RoutingStrategy(StrEnum):
    """How a queue picks among its ready agents."""

    SKILL_FIRST = "skill_first"  # highest skill level, then the agent's priority, then longest idle
    LONGEST_IDLE = "longest_idle"
    LEAST_OCCUPIED = "least_occupied"  # least talk time today
    ROUND_ROBIN = "round_robin"


@attrs.define(slots=False, eq=False)
class Queue:
    name: str
    number: str = ""
    group_id: int | None = None
    sl_target_percent: int = 80
    sl_threshold_s: int = 20
    wrap_up_s: int = 30
    priority: int = 5
    hours: OpeningHours = attrs.field(factory=OpeningHours.office)
    overflow: OverflowTarget = attrs.field(factory=OverflowTarget)
    active: bool = True
    strategy: RoutingStrategy = RoutingStrategy.SKILL_FIRST
    rona_timeout_s: int = 20  # ring-no-answer: the agent goes not-ready, the call back to the head
    max_wait_s: int = 0  # overflow after this long in the queue; 0: never
    sticky_wait_s: int = 0  # IN-13: wait this long for the caller's last agent; 0: only if free
    overflow_when_no_agents: bool = False  # IN-23: nobody signed in, overflow at once
    # IN-10: callers waiting hear their position and/or the expected wait every announce_every_s (0: never)
    announce_every_s: int = 0
    announce_position: bool = True
    announce_wait: bool = True
    callback_key: str = ""  # IN-09: the DTMF key that turns waiting into a callback request ("": not offered)
    voicemail_key: str = ""  # IN-08: the DTMF key that leaves a message instead of waiting ("": not offered)
    id: int | None = None

    def problems(self) -> list[FieldError]:
        errors: list[FieldError] = []
        text(errors, "name", self.name, max_length=60)
        if self.announce_every_s != 0:
            int_range(errors, "announce_every_s", self.announce_every_s, 15, 900)
        for field in ("callback_key", "voicemail_key"):
            key = getattr(self, field)
            if key and (len(key) != 1 or key not in "0123456789*#"):
                errors.append(FieldError(field, "dtmf_key"))
        if self.callback_key and self.callback_key == self.voicemail_key:
            errors.append(FieldError("voicemail_key", "same_key"))
        int_range(errors, "rona_timeout_s", self.rona_timeout_s, 5, 120)
        int_range(errors, "max_wait_s", self.max_wait_s, 0, 7200)
        int_range(errors, "sticky_wait_s", self.sticky_wait_s, 0, 300)
        if self.number:
            phone_number(errors, "number", self.number, external=self.number.startswith("+"))
        int_range(errors, "sl_target_percent", self.sl_target_percent, 1, 100)
        int_range(errors, "sl_threshold_s", self.sl_threshold_s, 1, 3600)
        int_range(errors, "wrap_up_s", self.wrap_up_s, 0, 3600)
        int_range(errors, "priority", self.priority, 1, 10)
        errors += self.hours.problems()
        errors += self.overflow.problems()
        if (
            self.overflow.kind == OverflowKind.QUEUE
            and self.id is not None
            and self.overflow.target == str(self.id)
        ):
            errors.append(FieldError("overflow_target", "overflow_to_itself"))
        return errors


@attrs.define(slots=False, eq=False)
class AgentSkill:
    """An agent's skill in one queue (ADM-10): level 1 (novice) to 10 (expert), priority 1 (first) to 10.

    ``sign_in_locked``: the administrator forbids the agent to sign in or out of this queue (AG-03).
    """

    user_id: int
    queue_id: int
    level: int = 5
    priority: int = 5
    sign_in_locked: bool = False
    id: int | None = None

    def problems(self) -> list[FieldError]:
        errors: list[FieldError] = []
        int_range(errors, "level", self.level, 1, 10)
        int_range(errors, "priority", self.priority, 1, 10)
        return errors


class PauseKind(StrEnum):
    WORK = "work"
    PRIVATE = "private"


@attrs.define(slots=False, eq=False)
class PauseCode:
    code: str
    name: str
    kind: PauseKind = PauseKind.PRIVATE
    max_duration_min: int = 0  # 0: no limit
    active: bool = True
    id: int | None = None

    def problems(self) -> list[FieldError]:
        errors: list[FieldError] = []
        text(errors, "code", self.code, max_length=20)
        text(errors, "name", self.name, max_length=60)
        int_range(errors, "max_duration_min", self.max_duration_min, 0, 480)
        return errors


class CategoryKind(StrEnum):
    CALL = "call"
    PRODUCT = "product"


@attrs.define(slots=False, eq=False)
class CallCategory:
    """A node in the category tree (ADM-08, AG-13); inactive ones stay for history but are not offered."""

    name: str
    parent_id: int | None = None
    kind: CategoryKind = CategoryKind.CALL
    active: bool = True
    id: int | None = None

    def problems(self) -> list[FieldError]:
        errors: list[FieldError] = []
        text(errors, "name", self.name, max_length=80)
        if self.id is not None and self.parent_id == self.id:
            errors.append(FieldError("parent_id", "category_cycle"))
        return errors


@attrs.define(slots=False, eq=False)
class TransferLineGroup:
    name: str
    position: int = 0
    id: int | None = None

    def problems(self) -> list[FieldError]:
        errors: list[FieldError] = []
        text(errors, "name", self.name, max_length=60)
        int_range(errors, "position", self.position, 0, 9999)
        return errors


@attrs.define(slots=False, eq=False)
class TransferLine:
    """A line on the transfer panel (ADM-09): an expert desk, a branch, an external partner."""

    name: str
    number: str
    group_id: int | None = None
    position: int = 0
    id: int | None = None

    def problems(self) -> list[FieldError]:
        errors: list[FieldError] = []
        text(errors, "name", self.name, max_length=80)
        if not self.number:
            errors.append(FieldError("number", "required"))
        else:
            phone_number(errors, "number", self.number, external=self.number.startswith("+"))
        int_range(errors, "position", self.position, 0, 9999)
        return errors


REPORTS = (
    "calls_overview",
    "lost_calls",
    "wait_times",
    "agent_activity",
    "agent_utilisation",
    "categories",
    "ivr",
    "campaigns",
    "chats",
    "hourly",
    "distribution",
    "service_level",
)
"""Report keys a report-access filter can grant (ADM-06); the reporting issue fills them in."""


@attrs.define(slots=False, eq=False)
class ReportAccessFilter:
    """Which reports, queues and groups its holders may see; an empty set means all."""

    name: str
    reports: frozenset[str] = attrs.field(factory=frozenset, converter=frozenset)
    queue_ids: frozenset[int] = attrs.field(factory=frozenset, converter=frozenset)
    group_ids: frozenset[int] = attrs.field(factory=frozenset, converter=frozenset)
    id: int | None = None

    def problems(self) -> list[FieldError]:
        errors: list[FieldError] = []
        text(errors, "name", self.name, max_length=60)
        unknown = sorted(self.reports - set(REPORTS))
        if unknown:
            errors.append(FieldError("reports", "invalid_choice", {"value": ", ".join(unknown)}))
        return errors


_PREFIX = re.compile(r"^\+?[0-9]{1,12}\Z")
_STATUS = re.compile(r"^[a-z0-9_-]{1,32}\Z")


@attrs.define(slots=False, eq=False)
class CallerRule:
    """A routing rule by caller (IN-02), applied by the ACD on arrival; the first match by
    ``position`` wins. It matches on a listed number, a number prefix or a status flag of the
    caller in the customer database, and raises the priority, chooses the queue or blocks."""

    name: str
    numbers: frozenset[str] = attrs.field(factory=frozenset, converter=frozenset)
    prefixes: frozenset[str] = attrs.field(factory=frozenset, converter=frozenset)
    statuses: frozenset[str] = attrs.field(factory=frozenset, converter=frozenset)
    priority: int = 0  # 1 first .. 10 last; 0 keeps the call's priority
    queue_id: int | None = None
    block: bool = False
    position: int = 0
    active: bool = True
    id: int | None = None

    def problems(self) -> list[FieldError]:
        errors: list[FieldError] = []
        text(errors, "name", self.name, max_length=60)
        for number in sorted(self.numbers):
            phone_number(errors, "numbers", number, external=number.startswith("+"))
        errors += [
            FieldError("prefixes", "bad_prefix", {"value": p})
            for p in sorted(self.prefixes)
            if not _PREFIX.match(p)
        ]
        errors += [
            FieldError("statuses", "bad_status", {"value": s})
            for s in sorted(self.statuses)
            if not _STATUS.match(s)
        ]
        int_range(errors, "priority", self.priority, 0, 10)
        int_range(errors, "position", self.position, 0, 9999)
        if not (self.numbers or self.prefixes or self.statuses):
            errors.append(FieldError("numbers", "rule_needs_condition"))
        if not (self.priority or self.queue_id is not None or self.block):
            errors.append(FieldError("priority", "rule_needs_action"))
        return errors


@attrs.define(slots=False, eq=False)
class Announcement:
    """The "general problem" announcement (IN-20), e.g. an outage of the insurer's portal: played
    before the IVR menu on the listed numbers (all when none are listed) within its validity."""

    name: str
    text: str = ""  # read by text-to-speech
    prompt: str = ""  # or an uploaded recording, by name
    numbers: frozenset[str] = attrs.field(factory=frozenset, converter=frozenset)
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    active: bool = False
    id: int | None = None

    def plays_for(self, dialled: str, at: datetime) -> bool:
        return (
            self.active
            and (not self.numbers or dialled in self.numbers)
            and (self.valid_from is None or at >= self.valid_from)
            and (self.valid_until is None or at < self.valid_until)
        )

    def problems(self) -> list[FieldError]:
        errors: list[FieldError] = []
        text(errors, "name", self.name, max_length=60)
        text(errors, "text", self.text, max_length=1000, required=False)
        if not self.text.strip() and not self.prompt:
            errors.append(FieldError("text", "announcement_needs_content"))
        prompt_name(errors, "prompt", self.prompt)
        for number in sorted(self.numbers):
            phone_number(errors, "numbers", number, external=number.startswith("+"))
        if self.valid_from and self.valid_until and self.valid_until <= self.valid_from:
            errors.append(FieldError("valid_until", "ends_before_start"))
        return errors
