"""The ``kc`` command: one entry point for every process and administrative task."""

from __future__ import annotations

import sys
from typing import Any

import click

from apps.container import Container, build_container
from apps.settings import MASKED, OPTIONS, Settings, SettingsError


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
@click.option(
    "--engine-wait",
    default=3.0,
    show_default=True,
    help="Seconds to listen for the engine's heartbeat on the bus (0: do not listen).",
)
def check_config(engine_wait: float) -> None:
    """Validate every KC_* setting, reach the database and the bus, and say how the engine is
    doing (its heartbeat; not a failure when no engine runs yet)."""
    container = _container()
    settings = container.settings()
    for option in OPTIONS:
        value = getattr(settings, option.name[3:].lower())
        shown = "***" if option.name in MASKED and value else value
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
    if engine_wait > 0 and not failed:
        _say_engine(container, engine_wait)
    sys.exit(1 if failed else 0)


def _say_engine(container: Any, wait_s: float) -> None:
    """The engine's heartbeat in words, as /readyz and the supervisor's page have it."""
    import threading
    import time

    from apps.engine.health import HEALTH_CHANNEL, judge, read_heartbeat

    heard: list[dict[str, Any]] = []
    came = threading.Event()

    def hear(message: dict[str, Any]) -> None:
        heard.append(message)
        came.set()

    subscription = container.bus().subscribe(HEALTH_CHANNEL, hear)
    try:
        started = time.monotonic()
        came.wait(wait_s)
        age = None if not heard else 0.0
        state, reasons = judge(read_heartbeat(heard[-1]) if heard else None, age)
    finally:
        subscription.close()
    if not heard and container.settings().bus_url.startswith("memory"):
        reasons = [*reasons, "the bus is in-process (memory://): only `kc demo` hears its own engine"]
    waited = f" (listened {time.monotonic() - started:.1f} s)"
    click.echo(f"engine: {state}{waited}" + "".join(f"\n  - {r}" for r in reasons))


from apps.cli import asterisk, audit, explain, recordings, serve, simulate, users  # noqa: E402  (subcommands register on main)

__all__ = ["asterisk", "audit", "explain", "main", "recordings", "serve", "simulate", "users"]
