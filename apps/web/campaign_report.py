"""A campaign's report for its supervisor (OUT-14, REP-10), also while it runs: attempts, reach and
success rates, the outcomes, contacts per agent hour, per agent and per day, and the questionnaire
results of its call script, at ``/campaigns/<id>/report`` and as CSV (``report.csv``: ";"-separated,
UTF-8 with a byte-order mark, numbers for machines, text cells guarded against formulas)."""

from __future__ import annotations

from fractions import Fraction

from flask import Blueprint, Response, render_template
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from apps.web.messages import ATTEMPT_OUTCOMES
from apps.web.security import requires
from apps.web.services import services
from kc_adapters.exports.csv import spreadsheet_csv
from kc_domain.identity.roles import Permission
from kc_domain.outbound.attempt_report import AttemptFigures, CampaignReport

bp = Blueprint("campaign_report", __name__, url_prefix="/campaigns")


def _agent_names() -> dict[int, str]:
    return {u.id: u.full_name for u in services().admin().list("user") if u.id is not None}


def _share(value: Fraction | None) -> float | None:
    return None if value is None else float(value)


@bp.route("/<int:campaign_id>/report")
@requires(Permission.MANAGE_CAMPAIGNS)
def show(campaign_id: int) -> ResponseReturnValue:
    service = services().campaigns()
    campaign = service.get(campaign_id)
    return render_template(
        "campaigns/report.html",
        campaign=campaign,
        report=service.report(campaign_id),
        agents=_agent_names(),
        outcomes=ATTEMPT_OUTCOMES,
        share=_share,
    )


def _figures(figures: AttemptFigures) -> list[object]:
    def rounded(value: Fraction | None, digits: int) -> object:
        return "" if value is None else round(float(value), digits)

    return [
        figures.attempts,
        figures.skipped,
        figures.live,
        figures.successes,
        rounded(figures.reach_rate, 4),
        rounded(figures.success_rate, 4),
        round(figures.worked.total_seconds() / 3600, 2),
        rounded(figures.per_agent_hour, 2),
    ]


def report_rows(report: CampaignReport, agents: dict[int, str]) -> list[list[object]]:
    """The report's CSV lines: a table of figures (all, then per agent, then per day), the outcomes,
    then the questionnaire results (each choice's count, each number question's statistics)."""
    head = [_("Attempts"), _("Skipped"), _("Answered"), _("Successful"), _("Reach rate"),
            _("Success rate"), _("Agent hours"), _("Contacts per agent hour")]  # fmt: skip
    rows: list[list[object]] = [[_("Figures"), "", *head], [_("All"), "", *_figures(report.total)]]
    rows += [[_("Agent"), agents.get(a, f"#{a}"), *_figures(f)] for a, f in report.agents]
    rows += [[_("Day"), day.isoformat(), *_figures(f)] for day, f in report.days]
    rows += [[], [_("Outcome"), _("Attempts")]]
    rows += [[str(ATTEMPT_OUTCOMES[o]), count] for o, count in report.total.outcomes]
    results = report.questionnaire
    if results is not None:
        rows += [[], [_("Question"), _("Answer"), _("Count"), _("Mean"), _("Median")]]
        for question in results.questions:
            rows.append([question.text, _("answered"), question.answered])
            rows.append([question.text, _("skipped"), question.skipped])
            rows += [[question.text, choice.label, choice.count] for choice in question.choices]
            if question.numbers is not None and question.numbers.count:
                stats = question.numbers
                rows.append([question.text, _("numbers"), stats.count, stats.mean, stats.median])
        rows += [[_("End"), end.label, end.count] for end in results.ends]
    return rows


@bp.route("/<int:campaign_id>/report.csv")
@requires(Permission.MANAGE_CAMPAIGNS)
def export(campaign_id: int) -> ResponseReturnValue:
    service = services().campaigns()
    service.get(campaign_id)  # 404 for an unknown campaign
    return Response(
        spreadsheet_csv(report_rows(service.report(campaign_id), _agent_names())),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="campaign-{campaign_id}-report.csv"',
            "Cache-Control": "private, no-store",
        },
    )
