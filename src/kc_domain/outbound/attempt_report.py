"""A campaign's figures (OUT-14, REP-10), also while it runs, from its attempts (``CampaignAttempt``);
the report that shows them is ``kc_domain.reports.campaigns``.

- ``attempts``: the attempts that ended with an outcome (a call placed), the automatic dialler's
  without an agent (``agent_id`` None) among them; ``skipped``: those the agent skipped without
  calling; attempts still open are not counted yet;
- ``reach_rate``: live answers (a person answered: ``outcomes.LIVE``) over attempts;
- ``success_rate``: successes over attempts;
- ``abandon_rate``: abandoned calls (answered, no agent free: ``Outcome.ABANDONED``) over live
  answers, the abandoned ones included, as the predictive pacing counts them (``pacing_ledger``);
- ``outcomes``: attempts per outcome;
- ``contacts_per_agent_hour``: the attempts an agent made over agent hours, an agent's hours being
  the time from the start to the end of each of her attempts (skipped ones too), summed; the
  dialler's attempts without an agent add no agent time;
- the same per agent (attempts with an agent) and per day (the Prague day the attempt started), and
  over a rolling window (``recent``: the last 24 hours before now).

Rates are exact ``Fraction``s, None when nothing was attempted; the reports round them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta, tzinfo
from fractions import Fraction
from typing import Any

import attrs

from kc_domain.outbound.attempts import CampaignAttempt
from kc_domain.outbound.outcomes import LIVE, Outcome

ROLLING = timedelta(hours=24)


@attrs.frozen
class AttemptFigures:
    """The figures of a set of attempts (a campaign's, an agent's, a day's)."""

    attempts: int = 0
    skipped: int = 0
    live: int = 0
    successes: int = 0
    abandoned: int = 0
    by_agents: int = 0  # attempts an agent made (the dialler's without one left out)
    worked: timedelta = timedelta(0)  # agent time spent on the attempts
    outcomes: tuple[tuple[Outcome, int], ...] = ()

    @property
    def reach_rate(self) -> Fraction | None:
        return Fraction(self.live, self.attempts) if self.attempts else None

    @property
    def success_rate(self) -> Fraction | None:
        return Fraction(self.successes, self.attempts) if self.attempts else None

    @property
    def abandon_rate(self) -> Fraction | None:
        return Fraction(self.abandoned, self.live) if self.live else None

    @property
    def per_agent_hour(self) -> Fraction | None:
        """Attempts an agent made per hour of agent time (seconds counted whole)."""
        seconds = int(self.worked.total_seconds())
        return Fraction(self.by_agents * 3600, seconds) if seconds else None


@attrs.frozen
class CampaignReport:
    total: AttemptFigures
    agents: tuple[tuple[int, AttemptFigures], ...]  # by agent id (attempts with an agent)
    days: tuple[tuple[date, AttemptFigures], ...]  # by day, oldest first


def figures(attempts: Iterable[CampaignAttempt]) -> AttemptFigures:
    ended = [a for a in attempts if a.ended_at is not None]
    called = [a for a in ended if a.outcome is not None]
    counted = Counter(a.outcome for a in called)
    by_agents = [a for a in ended if a.agent_id is not None]
    worked = sum((a.ended_at - a.started_at for a in by_agents if a.ended_at is not None), timedelta(0))
    return AttemptFigures(
        attempts=len(called),
        skipped=len(ended) - len(called),
        live=sum(1 for a in called if a.outcome in LIVE),
        successes=counted[Outcome.SUCCESS],
        abandoned=counted[Outcome.ABANDONED],
        by_agents=sum(1 for a in called if a.agent_id is not None),
        worked=worked,
        outcomes=tuple((o, counted[o]) for o in Outcome if counted[o]),
    )


def campaign_report(attempts: Sequence[CampaignAttempt], zone: tzinfo) -> CampaignReport:
    """The figures of ``attempts`` in all, per agent and per day in ``zone``."""
    by_agent: dict[int, list[CampaignAttempt]] = {}
    by_day: dict[date, list[CampaignAttempt]] = {}
    for attempt in (a for a in attempts if not a.open):  # an open attempt counts once it ends
        if attempt.agent_id is not None:
            by_agent.setdefault(attempt.agent_id, []).append(attempt)
        by_day.setdefault(attempt.started_at.astimezone(zone).date(), []).append(attempt)
    return CampaignReport(
        total=figures(attempts),
        agents=tuple((agent, figures(mine)) for agent, mine in sorted(by_agent.items())),
        days=tuple((day, figures(those)) for day, those in sorted(by_day.items())),
    )


def recent(attempts: Iterable[CampaignAttempt], now: datetime, window: timedelta = ROLLING) -> AttemptFigures:
    """The figures of the attempts started within ``window`` before ``now`` (the rolling 24 hours)."""
    return figures(a for a in attempts if now - window <= a.started_at < now)


def answered(attempts: Iterable[CampaignAttempt]) -> list[dict[str, Any]]:
    """The script answers of the attempts that ended with an outcome, for the questionnaire results."""
    return [a.answers for a in attempts if a.answers and a.outcome is not None]
