"""``kc simulate`` of a campaign scenario: the dialler on a virtual clock (docs/dialler.md)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from apps.simulator.campaign import CampaignScenario


def simulate_campaign(scenario: CampaignScenario, *, as_json: bool, explain: tuple[int, ...]) -> None:
    from apps.simulator.dialler import simulate_campaign as run
    from apps.simulator.dialler_kpis import campaign_kpis
    from kc_domain.outbound.pacing_explain import explain as explain_lines

    result = run(scenario, explain=explain)
    figures = campaign_kpis(result)
    if as_json:
        click.echo(json.dumps(figures, ensure_ascii=False, indent=2))
    else:
        click.echo(_table(figures))
    for number in explain:
        decision = result.explained.get(number)
        if decision is None:
            click.echo(f"\nnumber {number} was not dialled")
        else:
            click.echo(f"\nnumber {number}:\n" + "\n".join(explain_lines(decision)))


def _table(f: dict[str, Any]) -> str:
    def pct(value: float | None) -> str:
        return "–" if value is None else f"{100 * value:.2f} %"

    rates, attempts = f["abandon_rate"], f["attempts"]
    lines = [
        f"{f['scenario']} (seed {f['seed']}, {f['mode']}, {f['agents']} agents, {f['days']} days, "
        f"{f['wall_s']:.1f} s)",
        f"occupancy (talk + wrap-up / signed in): {pct(f['occupancy'])}",
        f"attempts {attempts['total']}: live {attempts['live']}, machine {attempts['machine']}, "
        f"busy {attempts['busy']}, invalid {attempts['invalid']}, no answer {attempts['no_answer']}",
        f"live contacts per agent hour: {f['live_contacts_per_agent_hour']}",
        f"abandoned {f['abandoned']} of {f['live_answers']} live answers ({pct(rates['run'])}; "
        f"cap {pct(f['abandon_cap'])}), highest over a rolling 24 h {pct(rates['rolling_24h']['max'])}",
        f"list: {f['list']['dialled']} of {f['list']['size']} numbers dialled "
        f"({pct(f['list']['penetration'])})",
        f"{'day':12} {'attempts':>9} {'live':>7} {'abandoned':>9} {'rate':>8} {'occupancy':>9}",
    ]
    for d in rates["days"]:
        lines.append(
            f"{d['date']:12} {d['attempts']:9d} {d['live_answers']:7d} {d['abandoned']:9d} "
            f"{pct(d['abandon_rate']):>8} {pct(d['occupancy']):>9}"
        )
    return "\n".join(lines)
