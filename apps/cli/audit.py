"""``kc audit ...``: check, checkpoint and prune the tamper-evident audit log."""

from __future__ import annotations

import sys

import click

from apps.audit_checkpoints import configured_checkpoints, read_checkpoints, take_checkpoint
from apps.cli import _container, main
from kc_domain.audit.model import Checkpoint


@main.group()
def audit() -> None:
    """Audit log."""


def _expected(_ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]) -> list[Checkpoint]:
    try:
        return [Checkpoint.parse(value) for value in values]
    except ValueError as error:
        raise click.BadParameter(str(error)) from error


@audit.command("verify")
@click.option(
    "--checkpoint",
    "checkpoint_file",
    type=click.Path(exists=True, dir_okay=False),
    help="A file of checkpoints (kc audit checkpoint); default: KC_AUDIT_CHECKPOINT_FILE.",
)
@click.option(
    "--expect", multiple=True, callback=_expected, metavar="SEQ:MAC", help="A checkpoint (repeatable)."
)
def verify(checkpoint_file: str | None, expect: list[Checkpoint]) -> None:
    """Walk the MAC chain, check its head against the purge records and its tail against the
    checkpoints; exit 1 and list the problems when records were edited or removed."""
    container = _container()
    try:
        checkpoints = (
            read_checkpoints(checkpoint_file) if checkpoint_file else configured_checkpoints(container)
        )
    except ValueError as error:
        click.echo(str(error), err=True)
        sys.exit(2)
    report = container.audit().examine(container.uow_factory(), [*checkpoints, *expect])
    for problem in report.problems:
        click.echo(f"record {problem.seq}: {problem.reason}", err=True)
    if report.legacy:
        click.echo(f"{report.legacy} oldest record(s) sealed before the audit key (plain SHA-256)")
    if report.problems:
        click.echo(f"audit log NOT intact: {len(report.problems)} problem(s)", err=True)
        sys.exit(1)
    checked = f"; {len(checkpoints) + len(expect)} checkpoint(s) match" if checkpoints or expect else ""
    # the newest seq and MAC, for operators to keep elsewhere (kc audit checkpoint): only such a copy
    # reveals a cut-off tail
    click.echo(f"audit log intact; newest record {report.newest.seq} MAC {report.newest.mac}{checked}")


@audit.command("checkpoint")
def checkpoint() -> None:
    """Print the newest record's SEQ:MAC and append it to KC_AUDIT_CHECKPOINT_FILE (when set)."""
    click.echo(str(take_checkpoint(_container())))


@audit.command("purge")
def purge() -> None:
    """Remove records older than KC_AUDIT_RETENTION_DAYS (the worker does this daily)."""
    container = _container()
    removed = container.audit().purge(container.uow_factory(), container.settings().audit_retention_days)
    click.echo(f"removed {removed} record(s)")
