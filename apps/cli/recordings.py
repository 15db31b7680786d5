"""``kc recordings ...``: check the recordings' files, retry or give up the spooled ones (GEN-03)
and apply retention (REC-03)."""

from __future__ import annotations

import sys

import click

from apps.cli import _container, main
from kc_domain.audit.service import Actor
from kc_domain.errors import NotFound
from kc_domain.recordings.service import Problem

SAYS = {
    "missing": "file missing",
    "checksum": "checksum mismatch (file changed)",
    "no_audio": "recorded by the PBX, no audio kept",
    "waiting": "waiting in the spool, not stored",
    "partial": "partial file left behind",
}


def _line(problem: Problem) -> str:
    if problem.recording_id is not None:
        return f"recording {problem.recording_id} ({problem.path}): {SAYS[problem.problem]}"
    if problem.problem == "partial":
        return f"{problem.path}: {SAYS['partial']}"
    detail = f" ({problem.detail})" if problem.detail else ""
    spooled = f" as {problem.path}" if problem.path else ""
    return f"call {problem.call_id}: {SAYS[problem.problem]}{spooled}{detail}"


@main.group()
def recordings() -> None:
    """Call recordings."""


@recordings.command("verify")
@click.option("--days", default=2, show_default=True, help="How far back to look for calls without audio.")
def verify(days: int) -> None:
    """Check that every kept recording's file is there and unchanged (SHA-256), that every call the
    PBX recorded in the last DAYS has audio, that nothing waits in the spool and that no partial
    file was left behind; exit 1 on a problem."""
    container = _container()
    problems = container.recordings().verify(container.contact_history(), days)
    for problem in problems:
        click.echo(_line(problem), err=True)
    if problems:
        click.echo(f"recordings NOT intact: {len(problems)} problem(s)", err=True)
        sys.exit(1)
    click.echo("recordings intact")


@recordings.command("retry")
def retry() -> None:
    """Store the recordings waiting in the spool (the worker does this every minute); exit 1 when
    some still wait."""
    counts = _container().recordings().retry_pending()
    click.echo(", ".join(f"{k}: {v}" for k, v in counts.items()))
    if counts["waiting"] or counts["busy"]:
        sys.exit(1)


@recordings.command("give-up")
@click.argument("call_or_key")
def give_up(call_or_key: str) -> None:
    """Abandon the spooled audio of a call (or one spool entry by its key): audited, then deleted."""
    try:
        count = _container().recordings().give_up(Actor("cli", "kc recordings give-up"), call_or_key)
    except NotFound:
        click.echo(f"nothing waits in the spool for {call_or_key}", err=True)
        sys.exit(1)
    click.echo(f"given up: {count}")


@recordings.command("purge")
def purge() -> None:
    """Delete the audio of recordings older than KC_RECORDING_RETENTION_DAYS that are not on legal
    hold (the worker does this daily)."""
    container = _container()
    counts = container.recordings().purge(container.settings().recording_retention_days)
    click.echo(", ".join(f"{k}: {v}" for k, v in counts.items()))
