"""Where each user starts and what the menu offers: one list of KC's tools, the permission each
needs, the area it belongs to, and the daily tools of each kind of user (docs: design/ui.md,
"Every role starts at its work").

The menu shows the user's daily tools by name and everything else under a named group (an area),
so that it fits on one line at 1366 px for every role; the start page shows the daily tools first,
then the other areas. Both are built here, from permissions only (never role names).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs
from flask import Flask, current_app, request, url_for
from flask_babel import lazy_gettext as _l

from apps.web.security import current_user
from kc_domain.identity.roles import Permission


@attrs.frozen
class Tool:
    """A page of KC: ``needs`` any one of the permissions; ``key`` names its ids (``nav-<key>``)."""

    key: str
    endpoint: str
    label: Any
    description: Any
    needs: tuple[Permission, ...]
    area: str

    def allowed(self, permissions: frozenset[Permission]) -> bool:
        return any(p in permissions for p in self.needs)

    @property
    def url(self) -> str:
        return url_for(self.endpoint)

    def shows(self, path: str) -> bool:
        """Whether the page at ``path`` is this tool or one of its sub-pages."""
        url = self.url
        return path == url or (url != "/" and url.endswith("/") and path.startswith(url))


@attrs.frozen
class Area:
    key: str
    label: Any
    tools: tuple[Tool, ...]


P = Permission
TOOLS: tuple[Tool, ...] = (
    Tool("desktop", "desktop.index", _l("Agent desktop"),
         _l("Calls, clients, notes and the transfer panel"), (P.AGENT_DESKTOP,), "desk"),
    Tool("clients", "clients.index", _l("Clients"),
         _l("Find a client by name, number or phone; a new client card"), (P.AGENT_DESKTOP,), "desk"),
    Tool("my-history", "contacts.history", _l("My call history"),
         _l("Your calls with their notes and categories"), (P.AGENT_DESKTOP,), "desk"),
    Tool("supervisor", "supervisor.index", _l("Live view"),
         _l("Agents, queues and alerts as they happen; listen in, whisper, pause"), (P.SUPERVISE,),
         "supervision"),
    Tool("alerts", "supervisor.alerts", _l("Alerts"),
         _l("Alerts of the last days and who acknowledged them"), (P.SUPERVISE,), "supervision"),
    Tool("campaigns", "campaigns.index", _l("Campaigns"),
         _l("Outbound campaigns, their contacts, call scripts and the do-not-call list"),
         (P.MANAGE_CAMPAIGNS,), "supervision"),
    Tool("wallboard", "wallboard.index", _l("Wallboards"),
         _l("Screens for the room with the queues' figures"), (P.VIEW_WALLBOARD,), "supervision"),
    Tool("reports", "reports.index", _l("Reports"),
         _l("Calls, service level, agents' activity; exports and schedules"),
         (P.VIEW_REPORTS, P.AGENT_DESKTOP), "quality"),
    Tool("recordings", "recordings.index", _l("Recordings"),
         _l("Find, play and evaluate recorded calls"), (P.LISTEN_RECORDINGS,), "quality"),
    Tool("evaluations", "evaluations.index", _l("Evaluations"),
         _l("Evaluations of calls and their scores"), (P.EVALUATE_CALLS, P.AGENT_DESKTOP), "quality"),
    Tool("callbacks", "callbacks.index", _l("Callbacks"),
         _l("Callers waiting to be called back"), (P.HANDLE_CALLBACKS,), "follow_up"),
    Tool("missed", "calls.missed", _l("Missed calls"),
         _l("Calls lost before an agent answered"), (P.HANDLE_CALLBACKS,), "follow_up"),
    Tool("voicemail", "voicemail.index", _l("Voicemail"),
         _l("Messages callers left"), (P.HANDLE_CALLBACKS,), "follow_up"),
    Tool("admin", "admin.index", _l("Administration"),
         _l("Users, groups, queues, skills, pauses, categories, transfer panel"), (P.VIEW_ADMIN,),
         "configuration"),
    Tool("ivr", "ivr.index", _l("IVR trees"),
         _l("Voice menus and the numbers that start them"), (P.MANAGE_QUEUES,), "configuration"),
    Tool("audit", "audit.index", _l("Audit log"), _l("Who did what and when"), (P.VIEW_AUDIT,),
         "configuration"),
)  # fmt: skip

AREAS: tuple[tuple[str, Any], ...] = (
    ("desk", _l("Agent work")),
    ("supervision", _l("Supervision")),
    ("quality", _l("Reports and quality")),
    ("follow_up", _l("Missed calls and messages")),
    ("configuration", _l("Configuration")),
)

# the daily tools of the administrator, the supervisor and the agent, in the order they are shown;
# a user is the first of these whose permission they hold (someone with none: every tool is daily)
DAILY: tuple[tuple[Permission, tuple[str, ...], tuple[str, ...]], ...] = (
    # permission, daily tools, the order of the other areas
    (P.MANAGE_USERS, ("admin", "ivr", "audit"), ("supervision", "quality", "follow_up", "desk")),
    (
        P.SUPERVISE,
        ("supervisor", "alerts", "reports", "recordings", "evaluations", "callbacks"),
        ("follow_up", "supervision", "desk", "quality", "configuration"),
    ),
    (
        P.AGENT_DESKTOP,
        ("desktop", "clients", "my-history", "evaluations", "reports"),
        ("follow_up", "quality", "supervision", "configuration"),
    ),
)
_BY_KEY = {t.key: t for t in TOOLS}


@attrs.frozen
class Navigation:
    """What one user is offered: the daily tools, then the other areas with their tools."""

    daily: tuple[Tool, ...]
    areas: tuple[Area, ...]
    main: Permission | None  # the permission that chose the daily tools (None: everything is daily)
    current: str | None = None  # the key of the tool whose page is shown (the most specific one)

    def holds_current(self, area: Area) -> bool:
        return any(t.key == self.current for t in area.tools)


def navigation_for(permissions: frozenset[Permission], path: str = "") -> Navigation:
    installed = current_app.view_functions
    allowed = [t for t in TOOLS if t.allowed(permissions) and t.endpoint in installed]
    shown = sorted((t for t in allowed if path and t.shows(path)), key=lambda t: len(t.url))
    current = shown[-1].key if shown else None  # /admin/audit/ is the audit log, not the administration
    for main, daily_keys, order in DAILY:
        if main in permissions:
            daily = tuple(_BY_KEY[k] for k in daily_keys if _BY_KEY[k] in allowed)
            rest = [t for t in allowed if t not in daily]
            return Navigation(daily, _areas(rest, order), main, current)
    return Navigation(tuple(allowed), (), None, current)


def _areas(tools: Iterable[Tool], order: tuple[str, ...]) -> tuple[Area, ...]:
    listed = list(tools)
    labels = dict(AREAS)
    ranked = [*order, *(k for k, _label in AREAS if k not in order)]
    found = []
    for key in ranked:
        inside = tuple(t for t in listed if t.area == key)
        if inside:
            found.append(Area(key, labels[key], inside))
    return tuple(found)


def init_app(app: Flask) -> None:
    @app.context_processor
    def _navigation() -> dict[str, object]:
        user = current_user()
        return {"navigation": navigation_for(user.permissions, request.path) if user is not None else None}
