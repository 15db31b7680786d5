"""One description per kind of configured object: its fields, labels, list columns and permission."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
from flask_babel import lazy_gettext as _l

from apps.web.admin.fields import Field
from apps.web.messages import ROLE_LABELS
from apps.web.services import services
from kc_domain.clients.model import FieldType
from kc_domain.identity.roles import Permission, Role
from kc_domain.organisation.model import REPORTS, CategoryKind, OverflowKind, PauseKind, RoutingStrategy
from kc_domain.supervision.model import AlertKind, Severity, WallboardLayout


@attrs.frozen
class Resource:
    kind: str
    title: Any
    singular: Any
    permission: Permission
    fields: tuple[Field, ...]

    def list_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.in_list)

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)


def _refs(kind: str) -> Callable[[], list[tuple[str, str]]]:
    def choices() -> list[tuple[str, str]]:
        admin = services().admin()
        return [(str(e.id), _label(e)) for e in admin.list(kind)]

    return choices


def _label(entity: Any) -> str:
    if hasattr(entity, "full_name"):
        return f"{entity.full_name} ({entity.username})"
    return str(getattr(entity, "name", entity.id))


def _enum(labels: dict[Any, Any]) -> Callable[[], list[tuple[str, str]]]:
    return lambda: [(k.value if hasattr(k, "value") else k, str(v)) for k, v in labels.items()]


ALERT_KINDS = {
    AlertKind.LONG_WAIT: _l("a caller waits longer than the limit"),
    AlertKind.LONG_CALL: _l("a call lasts longer than the limit"),
    AlertKind.LONG_WRAP_UP: _l("a wrap-up lasts longer than the limit"),
    AlertKind.LONG_PAUSE: _l("a pause lasts longer than allowed"),
    AlertKind.LOW_SERVICE_LEVEL: _l("today's service level is under the limit"),
}
SEVERITIES = {Severity.WARNING: _l("Warning"), Severity.CRITICAL: _l("Critical")}
WALLBOARD_LAYOUTS = {
    WallboardLayout.OVERVIEW: _l("Overview: service level, waiting, answered, lost"),
    WallboardLayout.QUEUES: _l("Queues side by side"),
    WallboardLayout.TODAY: _l("Today by the hour"),
    WallboardLayout.AGENTS: _l("Agents by state"),
}
PAUSE_KINDS = {PauseKind.WORK: _l("Work"), PauseKind.PRIVATE: _l("Private")}
CATEGORY_KINDS = {CategoryKind.CALL: _l("Call category"), CategoryKind.PRODUCT: _l("Product category")}
LANGUAGES = {"cs": "Čeština", "en": "English"}
OVERFLOW_KINDS = {
    OverflowKind.HANGUP: _l("Announce closed and hang up"),
    OverflowKind.QUEUE: _l("Another queue"),
    OverflowKind.AGENT: _l("An agent"),
    OverflowKind.LINE: _l("Internal line"),
    OverflowKind.EXTERNAL: _l("External number"),
    OverflowKind.MOBILE: _l("Mobile phone"),
    OverflowKind.VOICEMAIL: _l("Voicemail"),
    OverflowKind.IVR: _l("IVR tree"),
}
STRATEGIES = {
    RoutingStrategy.SKILL_FIRST: _l("Highest skill, then agent priority, then longest idle"),
    RoutingStrategy.LONGEST_IDLE: _l("Longest idle"),
    RoutingStrategy.LEAST_OCCUPIED: _l("Least talk time today"),
    RoutingStrategy.ROUND_ROBIN: _l("Round robin"),
}
REPORT_LABELS = {
    "calls_overview": _l("Calls overview"),
    "lost_calls": _l("Lost calls"),
    "wait_times": _l("Waiting times"),
    "agent_activity": _l("Agent activity"),
    "agent_utilisation": _l("Agent utilisation"),
    "categories": _l("Call categories"),
    "ivr": _l("IVR"),
    "campaigns": _l("Campaigns"),
    "chats": _l("Chats and other channels"),
    "hourly": _l("Hourly breakdown"),
    "distribution": _l("Peaks and distribution"),
    "service_level": _l("Service level and lost calls"),
}
assert set(REPORT_LABELS) == set(REPORTS)
FIELD_TYPES = {
    FieldType.TEXT: _l("Text"),
    FieldType.LONGTEXT: _l("Long text"),
    FieldType.DATE: _l("Date"),
    FieldType.EMAIL: _l("E-mail"),
    FieldType.PHONE: _l("Phone number"),
    FieldType.NUMBER: _l("Number"),
    FieldType.CHOICE: _l("Choice from a list"),
    FieldType.BOOL: _l("Yes or no"),
}

NAME = Field("name", _l("Name"), in_list=True)
ACTIVE = Field("active", _l("Active"), "bool", in_list=True)
POSITION = Field("position", _l("Order"), "int", help=_l("Lower numbers are shown first."))

RESOURCES: dict[str, Resource] = {
    r.kind: r
    for r in (
        Resource(
            "user",
            _l("User accounts"),
            _l("User account"),
            Permission.MANAGE_USERS,
            (
                Field("username", _l("User name"), in_list=True),
                Field("full_name", _l("Full name"), in_list=True),
                Field(
                    "agent_number",
                    _l("Agent number"),
                    help=_l("Internal number of the agent's line, 2-8 digits."),
                    in_list=True,
                ),
                Field(
                    "endpoint",
                    _l("Phone endpoint"),
                    help=_l(
                        "The phone that rings for the agent at the PBX, e.g. PJSIP/1001; "
                        "empty: the line of the agent number."
                    ),
                ),
                Field(
                    "direct_number",
                    _l("Direct number"),
                    help=_l(
                        "The officer's own number in the +420… form, shown to the people she calls for a "
                        "campaign that calls with the officer's number; empty: the line's default."
                    ),
                ),
                Field("email", _l("E-mail")),
                Field("group_id", _l("Group (workplace)"), "ref", _refs("group"), in_list=True),
                Field("roles", _l("Roles"), "multi", _enum(ROLE_LABELS), Role, in_list=True),
                Field("report_filter_ids", _l("Report access"), "refs", _refs("report_filter")),
                Field("language", _l("Language"), "choice", _enum(LANGUAGES)),
                Field(
                    "password",
                    _l("Password"),
                    "password",
                    help=_l("Required for a new account; leave empty to keep the current password."),
                ),
                ACTIVE,
            ),
        ),
        Resource(
            "group",
            _l("Groups (workplaces)"),
            _l("Group"),
            Permission.MANAGE_GROUPS,
            (
                NAME,
                Field("description", _l("Description"), in_list=True),
                Field(
                    "roles", _l("Roles granted to members"), "multi", _enum(ROLE_LABELS), Role, in_list=True
                ),
            ),
        ),
        Resource(
            "queue",
            _l("Queues"),
            _l("Queue"),
            Permission.MANAGE_QUEUES,
            (
                NAME,
                Field("number", _l("Number (DID or internal)"), in_list=True),
                Field("group_id", _l("Group (workplace)"), "ref", _refs("group"), in_list=True),
                Field("sl_target_percent", _l("Service level target (%)"), "int", in_list=True),
                Field(
                    "sl_threshold_s",
                    _l("Service level threshold (s)"),
                    "int",
                    in_list=True,
                    help=_l("Calls answered within this many seconds count as within the service level."),
                ),
                Field("wrap_up_s", _l("Wrap-up time (s)"), "int"),
                Field("priority", _l("Queue priority (1 highest, 10 lowest)"), "int"),
                Field("strategy", _l("Agent selection"), "choice", _enum(STRATEGIES), RoutingStrategy),
                Field(
                    "rona_timeout_s",
                    _l("Ring time before ring-no-answer (s)"),
                    "int",
                    help=_l(
                        "An unanswered call returns to the head of the queue and the agent is set not ready."
                    ),
                ),
                Field(
                    "sticky_wait_s",
                    _l("Wait for the caller's last agent (s)"),
                    "int",
                    help=_l("0: the last agent gets the call only when free at once."),
                ),
                Field("max_wait_s", _l("Maximum wait before overflow (s)"), "int", help=_l("0: no limit.")),
                Field("overflow_when_no_agents", _l("Overflow at once when no agent is signed in"), "bool"),
                Field(
                    "announce_every_s",
                    _l("Announce position and expected wait every (s)"),
                    "int",
                    help=_l("0: no announcements; otherwise 15 to 900 seconds."),
                ),
                Field("announce_position", _l("Announce the position in the queue"), "bool"),
                Field("announce_wait", _l("Announce the expected wait"), "bool"),
                Field(
                    "callback_key",
                    _l("Key for a callback instead of waiting"),
                    "text",
                    help=_l("One key 0-9, * or #; empty: callbacks are not offered."),
                ),
                Field(
                    "voicemail_key",
                    _l("Key for leaving a voice message"),
                    "text",
                    help=_l("One key 0-9, * or #; empty: voicemail is not offered."),
                ),
                Field("hours", _l("Opening hours"), "hours"),
                Field(
                    "overflow",
                    _l("Overflow target (closed, maximum wait, no agents)"),
                    "overflow",
                    _enum(OVERFLOW_KINDS),
                    OverflowKind,
                ),
                ACTIVE,
            ),
        ),
        Resource(
            "skill",
            _l("Agent skills"),
            _l("Skill"),
            Permission.MANAGE_SKILLS,
            (
                Field("user_id", _l("Agent"), "ref", _refs("user"), in_list=True),
                Field("queue_id", _l("Queue"), "ref", _refs("queue"), in_list=True),
                Field(
                    "level", _l("Skill level (1-10)"), "int", in_list=True, help=_l("10 is the most skilled.")
                ),
                Field(
                    "priority",
                    _l("Priority (1-10)"),
                    "int",
                    in_list=True,
                    help=_l("1: the agent gets this queue's calls first."),
                ),
                Field(
                    "sign_in_locked", _l("Agent may not sign in or out of this queue"), "bool", in_list=True
                ),
            ),
        ),
        Resource(
            "pause_code",
            _l("Pause codes"),
            _l("Pause code"),
            Permission.MANAGE_PAUSE_CODES,
            (
                Field("code", _l("Code"), in_list=True),
                NAME,
                Field("kind", _l("Kind"), "choice", _enum(PAUSE_KINDS), PauseKind, in_list=True),
                Field(
                    "max_duration_min",
                    _l("Maximum duration (min)"),
                    "int",
                    in_list=True,
                    help=_l("0 means no limit; longer pauses raise an alert."),
                ),
                ACTIVE,
            ),
        ),
        Resource(
            "category",
            _l("Call categories"),
            _l("Category"),
            Permission.MANAGE_CATEGORIES,
            (
                NAME,
                Field("parent_id", _l("Parent category"), "ref", _refs("category"), in_list=True),
                Field("kind", _l("Kind"), "choice", _enum(CATEGORY_KINDS), CategoryKind, in_list=True),
                ACTIVE,
            ),
        ),
        Resource(
            "transfer_group",
            _l("Transfer-panel groups"),
            _l("Transfer-panel group"),
            Permission.MANAGE_TRANSFER_PANEL,
            (NAME, attrs.evolve(POSITION, in_list=True)),
        ),
        Resource(
            "transfer_line",
            _l("Transfer-panel lines"),
            _l("Transfer-panel line"),
            Permission.MANAGE_TRANSFER_PANEL,
            (
                NAME,
                Field(
                    "number",
                    _l("Number"),
                    in_list=True,
                    help=_l("Internal: 2-8 digits; external: +420 and 9 digits."),
                ),
                Field("group_id", _l("Group"), "ref", _refs("transfer_group"), in_list=True),
                POSITION,
            ),
        ),
        Resource(
            "caller_rule",
            _l("Caller rules"),
            _l("Caller rule"),
            Permission.MANAGE_QUEUES,
            (
                NAME,
                Field(
                    "numbers",
                    _l("Caller numbers"),
                    "list",
                    in_list=True,
                    help=_l(
                        "One per line, e.g. a VIP or blocked list: +420 and 9 digits, or an internal line."
                    ),
                ),
                Field(
                    "prefixes",
                    _l("Number prefixes"),
                    "list",
                    in_list=True,
                    help=_l("E.g. +421 for callers from Slovakia."),
                ),
                Field(
                    "statuses",
                    _l("Caller status in the customer database"),
                    "list",
                    in_list=True,
                    help=_l("Flags such as vip or arrears."),
                ),
                Field(
                    "priority",
                    _l("Set priority (1 highest, 10 lowest)"),
                    "int",
                    in_list=True,
                    help=_l("0 keeps the call's priority."),
                ),
                Field("queue_id", _l("Send to queue"), "ref", _refs("queue"), in_list=True),
                Field("block", _l("Reject the call"), "bool", in_list=True),
                attrs.evolve(
                    POSITION, in_list=True, help=_l("Rules are tried in this order; the first match applies.")
                ),
                ACTIVE,
            ),
        ),
        Resource(
            "announcement",
            _l("General announcements"),
            _l("General announcement"),
            Permission.MANAGE_QUEUES,
            (
                NAME,
                Field(
                    "text",
                    _l("Text read to callers"),
                    in_list=True,
                    help=_l("Played before the IVR menu, e.g. about an outage of the client portal."),
                ),
                Field(
                    "prompt",
                    _l("Or an uploaded recording (name)"),
                    help=_l("Takes precedence over the text."),
                ),
                Field("numbers", _l("Dialled numbers"), "list", in_list=True, help=_l("None: every number.")),
                Field("valid_from", _l("Valid from"), "datetime", in_list=True),
                Field("valid_until", _l("Valid until"), "datetime", in_list=True),
                attrs.evolve(ACTIVE, label=_l("Active (plays now if within validity)")),
            ),
        ),
        Resource(
            "report_filter",
            _l("Report access filters"),
            _l("Report access filter"),
            Permission.MANAGE_REPORT_ACCESS,
            (
                NAME,
                Field(
                    "reports",
                    _l("Reports"),
                    "multi",
                    _enum(REPORT_LABELS),
                    None,
                    in_list=True,
                    help=_l("None selected: all reports."),
                ),
                Field(
                    "queue_ids",
                    _l("Queues"),
                    "refs",
                    _refs("queue"),
                    in_list=True,
                    help=_l("None selected: all queues."),
                ),
                Field(
                    "group_ids",
                    _l("Groups"),
                    "refs",
                    _refs("group"),
                    in_list=True,
                    help=_l("None selected: all groups."),
                ),
            ),
        ),
        Resource(
            "client_field",
            _l("Client card fields"),
            _l("Client card field"),
            Permission.MANAGE_CLIENT_FIELDS,
            (
                Field(
                    "key",
                    _l("Key"),
                    in_list=True,
                    help=_l("Lower-case letters without accents, digits and _; e.g. date_of_birth."),
                ),
                Field("label", _l("Label shown to agents"), in_list=True),
                Field("type", _l("Type"), "choice", _enum(FIELD_TYPES), FieldType, in_list=True),
                Field("choices", _l("Choices"), "lines", help=_l("For the type “choice”: one per line.")),
                attrs.evolve(POSITION, in_list=True),
                Field("required", _l("Required"), "bool", in_list=True),
                Field("show_in_list", _l("Shown in the identification list"), "bool"),
                ACTIVE,
            ),
        ),
        Resource(
            "alert_rule",
            _l("Alert rules"),
            _l("Alert rule"),
            Permission.MANAGE_ALERTS,
            (
                NAME,
                Field("kind", _l("Alert when"), "choice", _enum(ALERT_KINDS), AlertKind, in_list=True),
                Field(
                    "queue_id",
                    _l("Queue"),
                    "ref",
                    _refs("queue"),
                    in_list=True,
                    help=_l("None: every queue. For agents' alerts: agents signed into the queue."),
                ),
                Field(
                    "limit",
                    _l("Limit"),
                    "int",
                    in_list=True,
                    help=_l(
                        "Seconds; for the service level a percentage (0: the queue's target); for pauses "
                        "0 means the pause code's maximum."
                    ),
                ),
                Field("severity", _l("Severity"), "choice", _enum(SEVERITIES), Severity, in_list=True),
                Field(
                    "min_offered",
                    _l("Service level: from this many calls today"),
                    "int",
                    help=_l("Early in the day a few lost calls would sound an alarm."),
                ),
                ACTIVE,
            ),
        ),
        Resource(
            "wallboard",
            _l("Wallboards"),
            _l("Wallboard"),
            Permission.MANAGE_WALLBOARDS,
            (
                NAME,
                Field(
                    "queue_ids",
                    _l("Queues"),
                    "refs",
                    _refs("queue"),
                    in_list=True,
                    help=_l("None selected: all queues."),
                ),
                Field(
                    "layouts",
                    _l("Layouts shown in turn"),
                    "multi",
                    _enum(WALLBOARD_LAYOUTS),
                    WallboardLayout,
                    in_list=True,
                ),
                Field("rotate_s", _l("Seconds per layout"), "int", in_list=True),
                Field("waiting_warn", _l("Calls waiting: amber from"), "int"),
                Field("waiting_alarm", _l("Calls waiting: red from"), "int"),
                Field("wait_warn_s", _l("Longest wait: amber from (s)"), "int"),
                Field("wait_alarm_s", _l("Longest wait: red from (s)"), "int"),
                ACTIVE,
            ),
        ),
        Resource(
            "evaluation_form",
            _l("Evaluation forms"),
            _l("Evaluation form"),
            Permission.MANAGE_EVALUATION_FORMS,
            (
                NAME,
                Field(
                    "criteria",
                    _l("Criteria"),
                    "criteria",
                    help=_l(
                        "The score is the weighted average of the criteria in percent: each criterion's "
                        "points out of its maximum (yes counts as 1 of 1), times its weight."
                    ),
                ),
                attrs.evolve(ACTIVE, label=_l("Active (offered for new evaluations)")),
            ),
        ),
    )
}
