"""``kc simulate``: a day of call traffic against the real ACD engine, or a campaign against the dialler,
in memory, on a virtual clock."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, Self, TypeVar

import click

from apps.cli import main

S = TypeVar("S", bound="_Seeded")


@main.command()
@click.argument("scenario", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print every KPI (per queue, per hour) as JSON.")
@click.option("--seed", type=int, default=None, help="Override the scenario's random seed.")
@click.option(
    "--database",
    default=None,
    metavar="URL",
    help="Also store the engine's events and decisions in this database (migrated first).",
)
@click.option(
    "--explain",
    "explain_numbers",
    type=int,
    multiple=True,
    metavar="N",
    help="Campaign scenarios: also print the pacing decision that dialled the list's N-th number (from 0).",
)
def simulate(
    scenario: Path, as_json: bool, seed: int | None, database: str | None, explain_numbers: tuple[int, ...]
) -> None:
    """Run a TOML SCENARIO (see scenarios/) and print its key figures.

    A scenario with a [campaign] table is an outbound campaign run by the dialler (docs/dialler.md);
    any other is inbound call traffic. Exit code 2 and the list of problems for a scenario that is
    not valid; nothing runs then.
    """
    from apps.simulator.campaign import is_campaign, load_campaign
    from apps.simulator.run import simulate as run
    from apps.simulator.scenario import load_scenario

    if is_campaign(scenario):
        if database:
            raise click.UsageError("--database is for inbound scenarios; a campaign runs in memory")
        from apps.cli.simulate_campaign import simulate_campaign

        simulate_campaign(_load(scenario, load_campaign, seed), as_json=as_json, explain=explain_numbers)
        return
    if explain_numbers:
        raise click.UsageError("--explain is for campaign scenarios")
    loaded = _load(scenario, load_scenario, seed)
    if database:
        db, journal = _journal(database)
        try:
            result = run(loaded, journal=journal)
        finally:
            db.dispose()
    else:
        result = run(loaded)
    figures = result.kpis()
    if database:
        figures["database"] = {"url": _safe(database), "events": result.journaled}
    if as_json:
        click.echo(json.dumps(figures, ensure_ascii=False, indent=2))
    else:
        click.echo(_table(figures, result.wall_s))


class _Seeded(Protocol):
    def with_seed(self, seed: int) -> Self: ...


def _load(path: Path, load: Callable[[Path], S], seed: int | None) -> S:
    """The scenario (with ``seed``, if given); exit code 2 and its problems when it is not valid."""
    from apps.simulator.checks import ScenarioError

    try:
        loaded = load(path)
    except ScenarioError as error:
        click.echo(f"kc simulate: {path} is not a valid scenario:", err=True)
        for line in str(error).splitlines():
            click.echo(f"  {line}", err=True)
        sys.exit(2)
    return loaded if seed is None else loaded.with_seed(seed)


def _journal(url: str) -> tuple[Any, Any]:
    """The database (migrated to the newest schema) and the engine's journal in it."""
    from kc_adapters.persistence import Database
    from kc_adapters.persistence.journal import SqlJournal

    database = Database(url)
    database.upgrade()
    return database, SqlJournal(database.engine)


def _safe(url: str) -> str:
    """The URL without its password."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _table(figures: dict[str, Any], wall_s: float) -> str:
    def pct(value: float | None) -> str:
        return "–" if value is None else f"{100 * value:5.1f} %"

    header = (
        f"{'queue':34} {'offered':>8} {'answered':>8} {'abandoned':>9} {'P(wait)':>8} {'ASA s':>7} {'SL':>7}"
    )
    lines = [
        f"{figures['scenario']} (seed {figures['seed']}, {figures['agents']} agents, {wall_s:.1f} s)",
        header,
        "-" * len(header),
    ]
    rows = [(q["name"], q["total"]) for q in figures["queues"]] + [("all queues", figures["total"])]
    for name, t in rows:
        abandoned = t["abandoned_in_queue"] + t["abandoned_ringing"]
        lines.append(
            f"{name[:34]:34} {t['offered']:8d} {t['answered']:8d} {abandoned:9d} "
            f"{pct(t['p_wait']):>8} {t['asa_s']:7.1f} {pct(t['service_level']):>7}"
        )
    lines.append(f"occupancy (talk / staffed time): {pct(figures['total']['occupancy']).strip()}")
    for tree in figures.get("ivr", []):
        left = tree["left"]
        lines.append(
            f"IVR {tree['tree']}: {tree['entered']} entered, {left['route']} routed, "
            f"{left['hangup']} ended by the IVR, {left['abandoned']} abandoned "
            f"({pct(tree['abandon_rate']).strip()})"
        )
    if "callbacks" in figures:
        c, v = figures["callbacks"], figures["voicemail"]
        lines.append(
            f"callbacks: {c['requested']} requested, {c['dialled']} dialled, {c['completed']} completed, "
            f"{c['failed']} failed, {c['open_at_end']} open at the end; voicemail: {v['left']} messages"
        )
    return "\n".join(lines)
