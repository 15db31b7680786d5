"""A pacing decision told in lines a supervisor reads (``kc explain`` for an attempt)."""

from __future__ import annotations

from datetime import tzinfo

from kc_domain.outbound.pacing import PacingDecision
from kc_domain.outbound.pacing_ledger import PRAGUE


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.2f} %"


def explain(d: PacingDecision, zone: tzinfo = PRAGUE) -> list[str]:
    i, s = d.inputs, d.standing
    lines = [
        f"pacing {d.at.astimezone(zone).isoformat(timespec='seconds')} {d.mode}: dial {d.dials} "
        f"(stopped by: {d.limit}); "
        f"progressive would dial {d.floor}",
        f"  agents: {i.free_agents} free, {len(i.talking)} talking, {len(i.wrapping)} in wrap-up; "
        f"{len(i.ringing)} calls ringing, {i.waiting} live answers waiting; {i.numbers_left} numbers left",
        f"  estimates: live answer {_pct(d.live_rate)} ({_pct(d.live_rate_risk)} with its uncertainty, "
        f"{d.estimate_weight:.0f} attempts' weight); a person answers after {d.mean_answer_s:.1f} s, "
        f"talk {d.mean_talk_s:.0f} s, wrap-up {d.mean_wrap_s:.0f} s",
        f"  abandons: today {s.day_abandoned} of {s.day_live} live ({_pct(s.day_rate)}), last 24 h "
        f"{s.window_abandoned} of {s.window_live} ({_pct(s.window_rate)}); cap {_pct(s.cap)}, "
        f"allowance {s.allowance:.2f}",
    ]
    p = d.prediction
    if p is None:
        return lines
    lines.append(
        f"  a person answers within {', '.join(f'{h:.1f}' for h in p.horizons_s)} s (the connect "
        f"window included): {p.expected_free:.2f} agents expected free then, "
        f"{p.expected_live:.2f} live answers expected from the calls out"
    )
    risk = f"  risk threshold {_pct(p.risk_threshold)}"
    if p.risk_last is not None:
        risk += f"; call {d.dials} risks {_pct(p.risk_last)}"
    if p.risk_next is not None:
        risk += f"; call {d.dials + 1} would risk {_pct(p.risk_next)}"
    lines.append(risk)
    return lines
