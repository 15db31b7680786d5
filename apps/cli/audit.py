"""``kc audit ...``: check and prune the tamper-evident audit log."""

from __future__ import annotations

import sys

import click

from apps.cli import _container, main


@main.group()
def audit() -> None:
    """Audit log."""


@audit.command("verify")
def verify() -> None:
    """Walk the hash chain; exit 1 and list the problems when a record was edited or deleted."""
    container = _container()
    problems = container.audit().verify(container.uow_factory())
    for problem in problems:
        click.echo(f"record {problem.seq}: {problem.reason}", err=True)
    if problems:
        click.echo(f"audit log NOT intact: {len(problems)} problem(s)", err=True)
        sys.exit(1)
    with container.uow_factory()() as uow:
        newest = uow.audit.last()
    # printed so that operators can keep the newest hash elsewhere: only that reveals a cut-off tail
    head = f"; newest record {newest.seq} hash {newest.hash}" if newest else ""
    click.echo(f"audit log intact{head}")


@audit.command("purge")
def purge() -> None:
    """Remove records older than KC_AUDIT_RETENTION_DAYS (the worker does this daily)."""
    container = _container()
    removed = container.audit().purge(container.uow_factory(), container.settings().audit_retention_days)
    click.echo(f"removed {removed} record(s)")
