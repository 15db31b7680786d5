"""``kc user ...``: accounts from the command line (first administrator, scripts)."""

from __future__ import annotations

import sys

import click

from apps.cli import _container, main
from kc_domain.audit.service import Actor
from kc_domain.errors import DomainError, ValidationFailed
from kc_domain.identity.roles import Role


@main.group()
def user() -> None:
    """User accounts."""


@user.command("add")
@click.argument("username")
@click.option("--name", "full_name", required=True, help="Full name shown in the UI.")
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice([r.value for r in Role]))
@click.option("--agent-number", default="", help="Internal number of the agent's line.")
@click.option("--email", default="")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def add(
    username: str, full_name: str, roles: tuple[str, ...], agent_number: str, email: str, password: str
) -> None:
    """Create a local account."""
    admin = _container().admin()
    values = {
        "username": username,
        "full_name": full_name,
        "roles": {Role(r) for r in roles},
        "agent_number": agent_number,
        "email": email,
    }
    try:
        created = admin.create(Actor("cli", "kc user add"), "user", values, password=password)
    except ValidationFailed as error:
        for e in error.errors:
            click.echo(f"{e.field}: {e.code} {dict(e.params) or ''}".rstrip(), err=True)
        sys.exit(1)
    except DomainError as error:
        click.echo(str(error), err=True)
        sys.exit(1)
    click.echo(f"created user {created.username} (id {created.id})")


@user.command("list")
def list_users() -> None:
    """Print every account."""
    for u in _container().admin().list("user"):
        roles = ",".join(sorted(r.value for r in u.roles))
        click.echo(f"{u.id:5} {u.username:20} {u.full_name:30} {roles} {'' if u.active else '(inactive)'}")
