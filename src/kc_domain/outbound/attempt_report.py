"""A campaign's report (OUT-14, REP-10), also while it runs, from its attempts (``CampaignAttempt``):

- ``attempts``: the attempts that ended with an outcome (a call placed); ``skipped``: those the agent
  skipped without calling; attempts still open are not counted yet;
- ``reach_rate``: live answers (a person answered: ``outcomes.LIVE``) over attempts;
- ``success_rate``: successes over attempts;
- ``outcomes``: attempts per outcome;
- ``contacts_per_agent_hour``: attempts over agent hours, an agent's hours being the time from the
  start to the end of each of her attempts (skipped ones too), summed;
- the same per agent and per day (the Prague day the attempt started), and the questionnaire results
  of the attempts' script answers (``questionnaire_results``; attempts with no answer left out).

Rates are exact ``Fraction``s, None when nothing was attempted; the pages round them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date, timedelta, tzinfo
from fractions import Fraction

import attrs

from kc_domain.outbound.attempts import CampaignAttempt
from kc_domain.outbound.outcomes import LIVE, Outcome
from kc_domain.outbound.script_results import ScriptResults, questionnaire_results
from kc_domain.outbound.scripts import CallScript


@attrs.frozen
class AttemptFigures:
    """The figures of a set of attempts (a campaign's, an agent's, a day's)."""

    attempts: int = 0
    skipped: int = 0
    live: int = 0
    successes: int = 0
    worked: timedelta = timedelta(0)  # agent time spent on the attempts
    outcomes: tuple[tuple[Outcome, int], ...] = ()

    @property
    def reach_rate(self) -> Fraction | None:
        return Fraction(self.live, self.attempts) if self.attempts else None

    @property
    def success_rate(self) -> Fraction | None:
        return Fraction(self.successes, self.attempts) if self.attempts else None

    @property
    def per_agent_hour(self) -> Fraction | None:
        """Attempts per hour of agent time (seconds counted whole)."""
        seconds = int(self.worked.total_seconds())
        return Fraction(self.attempts * 3600, seconds) if seconds else None


@attrs.frozen
class CampaignReport:
    total: AttemptFigures
    agents: tuple[tuple[int, AttemptFigures], ...]  # by agent id
    days: tuple[tuple[date, AttemptFigures], ...]  # by day, oldest first
    questionnaire: ScriptResults | None  # None: the campaign has no script


def figures(attempts: Iterable[CampaignAttempt]) -> AttemptFigures:
    ended = [a for a in attempts if a.ended_at is not None]
    called = [a.outcome for a in ended if a.outcome is not None]
    counted = Counter(called)
    worked = sum((a.ended_at - a.started_at for a in ended if a.ended_at is not None), timedelta(0))
    return AttemptFigures(
        attempts=len(called),
        skipped=len(ended) - len(called),
        live=sum(1 for o in called if o in LIVE),
        successes=counted[Outcome.SUCCESS],
        worked=worked,
        outcomes=tuple((o, counted[o]) for o in Outcome if counted[o]),
    )


def campaign_report(
    attempts: Sequence[CampaignAttempt], zone: tzinfo, script: CallScript | None = None
) -> CampaignReport:
    """The report of a campaign whose attempts are ``attempts``; days in ``zone``."""
    by_agent: dict[int, list[CampaignAttempt]] = {}
    by_day: dict[date, list[CampaignAttempt]] = {}
    for attempt in (a for a in attempts if not a.open):  # an open attempt counts once it ends
        if attempt.agent_id is not None:  # a dialler's call no agent took counts, not per agent
            by_agent.setdefault(attempt.agent_id, []).append(attempt)
        by_day.setdefault(attempt.started_at.astimezone(zone).date(), []).append(attempt)
    answered = [a.answers for a in attempts if a.answers and a.outcome is not None]
    return CampaignReport(
        total=figures(attempts),
        agents=tuple((agent, figures(mine)) for agent, mine in sorted(by_agent.items())),
        days=tuple((day, figures(those)) for day, those in sorted(by_day.items())),
        questionnaire=None if script is None else questionnaire_results(script, answered),
    )
