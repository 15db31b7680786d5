"""``kc recordings ...``: check the recordings' files and apply retention (REC-03)."""

from __future__ import annotations

import sys

import click

from apps.cli import _container, main


@main.group()
def recordings() -> None:
    """Call recordings."""


@recordings.command("verify")
def verify() -> None:
    """Check that every kept recording's file is there and unchanged (SHA-256); exit 1 on a problem."""
    container = _container()
    problems = container.recordings().verify()
    for problem in problems:
        what = "file missing" if problem.problem == "missing" else "checksum mismatch (file changed)"
        click.echo(f"recording {problem.recording_id} ({problem.path}): {what}", err=True)
    if problems:
        click.echo(f"recordings NOT intact: {len(problems)} problem(s)", err=True)
        sys.exit(1)
    click.echo("recordings intact")


@recordings.command("purge")
def purge() -> None:
    """Delete the audio of recordings older than KC_RECORDING_RETENTION_DAYS that are not on legal
    hold (the worker does this daily)."""
    container = _container()
    counts = container.recordings().purge(container.settings().recording_retention_days)
    click.echo(", ".join(f"{k}: {v}" for k, v in counts.items()))
