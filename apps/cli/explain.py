"""``kc explain CALL_ID`` and ``kc missed``: what the ACD did with a call, and the calls it lost."""

from __future__ import annotations

import sys
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import click

from apps.cli import _container, main
from kc_domain.routing.events import CallPaced, event_to_plain


@main.command()
@click.argument("call_id")
def explain(call_id: str) -> None:
    """Why a call went where it went: its timeline, the dialler's pacing decision that dialled it (a
    campaign's call) and every routing decision with its candidates."""
    container = _container()
    journal, zone = container.contact_history(), ZoneInfo(container.settings().timezone)
    row = journal.interaction(call_id)
    if row is None:
        click.echo(f"no call {call_id!r} in the journal", err=True)
        sys.exit(1)
    click.echo(
        f"call {call_id}: {row.caller} -> {row.dialled}, queue {row.queue_id}, agent {row.agent_id}, "
        f"ended {row.end_stage or 'not yet'}"
        + (f", waited {row.waited_s:.1f} s" if row.waited_s is not None else "")
    )
    click.echo("\ntimeline:")
    events = journal.events_for(call_id)
    for event in events:
        details = {
            k: v for k, v in event_to_plain(event).items() if k not in ("at", "call_id", "explanation")
        }
        shown = ", ".join(f"{k}={v}" for k, v in details.items() if v not in ("", None))
        click.echo(f"  {_local(event.at, zone)}  {type(event).__name__:18} {shown}")
    for paced in (e for e in events if isinstance(e, CallPaced)):  # a campaign's dialler dialled it
        click.echo(
            f"\npacing decision ({paced.mode}) of campaign {paced.campaign_id}, contact {paced.entry_id}:"
        )
        for line in paced.explanation.splitlines():
            click.echo(f"  {line}")
    decisions = journal.decisions_for(call_id)
    click.echo(f"\nrouting decisions: {len(decisions)}")
    for decision in decisions:
        click.echo(
            f"  {_local(decision.at, zone)}  rule {decision.rule}: "
            f"agent {decision.chosen} – {decision.reason}"
        )
        for c in decision.candidates:
            mark = "*" if c.agent_id == decision.chosen else " "
            click.echo(
                f"    {mark} agent {c.agent_id:5}  level {c.level:2}  priority {c.priority:2}  "
                f"idle {c.idle_s:7.0f} s  talk today {c.talk_s:7.0f} s"
            )


@main.command()
@click.option("--hours", default=24, show_default=True, help="How far back to look.")
@click.option("--queue", "queues", multiple=True, type=int, help="Only these queue ids.")
def missed(hours: int, queues: tuple[int, ...]) -> None:
    """The missed (lost) calls of the last hours, newest first (IN-26)."""
    container = _container()
    zone = ZoneInfo(container.settings().timezone)
    until = container.clock().now()
    for row in container.contact_history().missed_calls(until - timedelta(hours=hours), until, queues):
        assert row.arrived_at is not None
        waited = (row.ended_at - row.arrived_at).total_seconds() if row.ended_at else 0
        click.echo(
            f"{_local(row.arrived_at, zone)}  {row.caller:16} queue {row.queue_id}  "
            f"{row.end_stage:22} after {waited:5.0f} s"
        )


def _local(at: datetime, zone: ZoneInfo) -> str:
    return at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")
