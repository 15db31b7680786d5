"""The ``kc`` command: one entry point for every process and administrative task."""

from __future__ import annotations

import sys

import click

from apps.container import Container, build_container
from apps.settings import OPTIONS, SECRETS, Settings, SettingsError


def _container() -> Container:
    try:
        return build_container()
    except SettingsError as error:
        click.echo(str(error), err=True)
        sys.exit(2)


@click.group()
def main() -> None:
    """KC contact centre."""
    from apps.web.logs import configure_logging

    try:
        configure_logging(Settings.from_env().log_level)
    except SettingsError:
        configure_logging("INFO")  # the command itself reports the bad setting


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database schema to the newest version."""
    database = _container().database()
    database.upgrade()
    click.echo(f"database at revision {database.current_revision()}")


@db.command("current")
def db_current() -> None:
    """Print the schema revision of the database."""
    click.echo(_container().database().current_revision() or "empty")


@main.command("check-config")
def check_config() -> None:
    """Validate every KC_* setting and reach the database and the bus."""
    container = _container()
    settings = container.settings()
    for option in OPTIONS:
        value = getattr(settings, option.name[3:].lower())
        shown = "***" if option.name in SECRETS and value else value
        click.echo(f"{option.name:28} {shown}")
    failed = False
    for name, ping in (
        ("database", lambda: container.uow_factory().ping()),
        ("bus", lambda: container.bus().ping()),
    ):
        try:
            ping()
            click.echo(f"{name}: reachable")
        except Exception as error:  # report any failure in words the operator can act on
            click.echo(f"{name}: NOT reachable ({error})", err=True)
            failed = True
    sys.exit(1 if failed else 0)


from apps.cli import audit, explain, recordings, serve, simulate, users  # noqa: E402  (subcommands register on main)

__all__ = ["audit", "explain", "main", "recordings", "serve", "simulate", "users"]
