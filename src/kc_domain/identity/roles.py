"""Roles of the tender (ADM-04) and the permissions each one grants.

Views and API routes check permissions, never role names, so that a role can be widened
without touching the web shell.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    SUPERVISOR = "supervisor"
    AGENT = "agent"
    WALLBOARD = "wallboard"
    LISTEN_RECORDING = "listen_recording"
    DOWNLOAD_RECORDING = "download_recording"
    QUEUES = "queues"
    CALLBACK = "callback"


class Permission(StrEnum):
    MANAGE_USERS = "manage_users"
    MANAGE_GROUPS = "manage_groups"
    MANAGE_QUEUES = "manage_queues"
    MANAGE_SKILLS = "manage_skills"
    MANAGE_PAUSE_CODES = "manage_pause_codes"
    MANAGE_CATEGORIES = "manage_categories"
    MANAGE_TRANSFER_PANEL = "manage_transfer_panel"
    MANAGE_REPORT_ACCESS = "manage_report_access"
    MANAGE_CLIENT_FIELDS = "manage_client_fields"
    VIEW_AUDIT = "view_audit"
    VIEW_ADMIN = "view_admin"
    AGENT_DESKTOP = "agent_desktop"
    SUPERVISE = "supervise"
    VIEW_WALLBOARD = "view_wallboard"
    LISTEN_RECORDINGS = "listen_recordings"
    DOWNLOAD_RECORDINGS = "download_recordings"
    HANDLE_CALLBACKS = "handle_callbacks"
    VIEW_REPORTS = "view_reports"
    MANAGE_ALERTS = "manage_alerts"
    MANAGE_WALLBOARDS = "manage_wallboards"
    MANAGE_EVALUATION_FORMS = "manage_evaluation_forms"  # REC-07: define the forms calls are scored with
    EVALUATE_CALLS = "evaluate_calls"  # REC-07: evaluate recordings, see everyone's evaluations and scores
    BROWSE_CLIENTS = "browse_clients"  # SEC-04: page through the whole customer database (admin)
    MANAGE_CAMPAIGNS = "manage_campaigns"  # OUT-03: campaigns, their lists, call scripts, do-not-call


_ADMIN_PAGES = {Permission.VIEW_ADMIN}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.SUPERVISOR: frozenset(
        {
            Permission.SUPERVISE,
            Permission.VIEW_WALLBOARD,
            Permission.VIEW_REPORTS,
            Permission.MANAGE_SKILLS,
            Permission.MANAGE_PAUSE_CODES,
            Permission.MANAGE_CATEGORIES,
            Permission.HANDLE_CALLBACKS,
            Permission.AGENT_DESKTOP,
            Permission.MANAGE_ALERTS,
            Permission.MANAGE_WALLBOARDS,
            Permission.MANAGE_EVALUATION_FORMS,
            Permission.EVALUATE_CALLS,
            Permission.MANAGE_CAMPAIGNS,
        }
        | _ADMIN_PAGES
    ),
    Role.AGENT: frozenset({Permission.AGENT_DESKTOP}),
    Role.WALLBOARD: frozenset({Permission.VIEW_WALLBOARD}),
    Role.LISTEN_RECORDING: frozenset({Permission.LISTEN_RECORDINGS}),
    Role.DOWNLOAD_RECORDING: frozenset({Permission.LISTEN_RECORDINGS, Permission.DOWNLOAD_RECORDINGS}),
    Role.QUEUES: frozenset({Permission.MANAGE_QUEUES, Permission.MANAGE_SKILLS} | _ADMIN_PAGES),
    Role.CALLBACK: frozenset({Permission.HANDLE_CALLBACKS}),
}


def permissions_of(roles: Iterable[Role]) -> frozenset[Permission]:
    granted: set[Permission] = set()
    for role in roles:
        granted |= ROLE_PERMISSIONS[role]
    return frozenset(granted)
