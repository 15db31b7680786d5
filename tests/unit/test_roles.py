"""Roles and the permissions they grant (GEN-01, ADM-04)."""

from __future__ import annotations

import pytest

from kc_domain.identity.model import User
from kc_domain.identity.roles import ROLE_PERMISSIONS, Permission, Role, permissions_of

pytestmark = pytest.mark.req("GEN-01", "ADM-04")

MANAGE = frozenset(p for p in Permission if p.value.startswith("manage_"))
ADMIN_ONLY = frozenset(
    {
        Permission.MANAGE_USERS,
        Permission.MANAGE_GROUPS,
        Permission.MANAGE_TRANSFER_PANEL,
        Permission.MANAGE_REPORT_ACCESS,
        Permission.VIEW_AUDIT,
    }
)


def test_every_role_has_a_permission_set() -> None:
    assert set(ROLE_PERMISSIONS) == set(Role)


@pytest.mark.parametrize("role", list(Role))
def test_every_role_grants_at_least_one_permission(role: Role) -> None:
    assert ROLE_PERMISSIONS[role]
    assert permissions_of([role]) == ROLE_PERMISSIONS[role]


def test_the_administrator_has_every_permission() -> None:
    assert permissions_of([Role.ADMIN]) == frozenset(Permission)


def test_a_wallboard_account_only_views_the_wallboard() -> None:
    granted = permissions_of([Role.WALLBOARD])

    assert granted == {Permission.VIEW_WALLBOARD}
    assert not granted & MANAGE
    assert Permission.VIEW_ADMIN not in granted


@pytest.mark.parametrize("role", [Role.AGENT, Role.WALLBOARD, Role.CALLBACK, Role.LISTEN_RECORDING])
def test_operational_roles_manage_nothing(role: Role) -> None:
    assert not permissions_of([role]) & (MANAGE | {Permission.VIEW_ADMIN, Permission.VIEW_AUDIT})


@pytest.mark.parametrize("permission", sorted(ADMIN_ONLY))
def test_only_the_administrator_manages_accounts_access_and_audit(permission: Permission) -> None:
    assert {role for role in Role if permission in ROLE_PERMISSIONS[role]} == {Role.ADMIN}


@pytest.mark.parametrize("role", list(Role))
def test_whoever_may_manage_something_may_open_the_admin_pages(role: Role) -> None:
    granted = ROLE_PERMISSIONS[role]

    if granted & MANAGE:
        assert Permission.VIEW_ADMIN in granted


def test_the_supervisor_manages_skills_pause_codes_and_categories_but_not_users() -> None:
    granted = permissions_of([Role.SUPERVISOR])

    assert {Permission.MANAGE_SKILLS, Permission.MANAGE_PAUSE_CODES, Permission.MANAGE_CATEGORIES} <= granted
    assert {Permission.SUPERVISE, Permission.VIEW_WALLBOARD, Permission.VIEW_REPORTS} <= granted
    assert Permission.MANAGE_USERS not in granted
    assert Permission.MANAGE_QUEUES not in granted


def test_the_queues_role_manages_queues_and_skills() -> None:
    assert permissions_of([Role.QUEUES]) == {
        Permission.MANAGE_QUEUES,
        Permission.MANAGE_SKILLS,
        Permission.VIEW_ADMIN,
    }


def test_downloading_recordings_implies_listening_to_them() -> None:
    assert permissions_of([Role.DOWNLOAD_RECORDING]) == {
        Permission.LISTEN_RECORDINGS,
        Permission.DOWNLOAD_RECORDINGS,
    }
    assert Permission.DOWNLOAD_RECORDINGS not in permissions_of([Role.LISTEN_RECORDING])


def test_no_role_means_no_permission() -> None:
    assert permissions_of([]) == frozenset()


def test_several_roles_grant_the_union_of_their_permissions() -> None:
    granted = permissions_of([Role.AGENT, Role.CALLBACK, Role.LISTEN_RECORDING])

    assert granted == {Permission.AGENT_DESKTOP, Permission.HANDLE_CALLBACKS, Permission.LISTEN_RECORDINGS}


def test_role_and_permission_values_are_the_stable_stored_keys() -> None:
    assert [r.value for r in Role] == [
        "admin",
        "supervisor",
        "agent",
        "wallboard",
        "listen_recording",
        "download_recording",
        "queues",
        "callback",
    ]
    assert Role("admin") is Role.ADMIN
    assert all(p.value == p.name.lower() for p in Permission)


@pytest.mark.req("ADM-03")
def test_the_roles_of_a_users_group_add_to_the_users_own_roles() -> None:
    agent = User("pdvorak", "Petr Dvořák", {Role.AGENT})

    assert agent.permissions() == {Permission.AGENT_DESKTOP}
    assert agent.permissions(frozenset({Role.CALLBACK, Role.LISTEN_RECORDING})) == {
        Permission.AGENT_DESKTOP,
        Permission.HANDLE_CALLBACKS,
        Permission.LISTEN_RECORDINGS,
    }


@pytest.mark.req("ADM-03")
def test_group_roles_never_take_a_users_own_permission_away() -> None:
    supervisor = User("msvoboda", "Marie Svobodová", {Role.SUPERVISOR})

    assert supervisor.permissions(frozenset({Role.WALLBOARD})) >= permissions_of([Role.SUPERVISOR])
