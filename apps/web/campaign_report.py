"""A campaign's report (OUT-14, REP-10) is the reports' campaign report (``kc_domain.reports.campaigns``)
narrowed to the campaign: ``/campaigns/<id>/report`` opens it over the days the campaign has attempts
(from its first one, within the reports' retention, to today), with its exports, charts and schedules;
the old ``report.csv`` opens its CSV for Czech Excel."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, redirect, url_for
from flask.typing import ResponseReturnValue

from apps.web.reports.views import service
from apps.web.security import requires
from apps.web.services import services
from kc_domain.identity.roles import Permission
from kc_domain.reports.filters import MAX_DAYS

bp = Blueprint("campaign_report", __name__, url_prefix="/campaigns")


def _period(campaign_id: int) -> dict[str, Any]:
    """The report's filters: the campaign, and the days from its first attempt to today."""
    reports = service()
    today = reports.today()
    attempts = services().campaigns().attempts(campaign_id)  # NotFound (404) for an unknown campaign
    first = attempts[0].started_at.astimezone(reports.zone).date() if attempts else today
    since = min(max(first, today - timedelta(days=MAX_DAYS)), today)
    return {"campaign": str(campaign_id), "since": since.isoformat(), "until": today.isoformat()}


@bp.route("/<int:campaign_id>/report")
@requires(Permission.MANAGE_CAMPAIGNS)
def show(campaign_id: int) -> ResponseReturnValue:
    return redirect(url_for("reports.show", key="campaigns", **_period(campaign_id)))


@bp.route("/<int:campaign_id>/report.csv")
@requires(Permission.MANAGE_CAMPAIGNS)
def export(campaign_id: int) -> ResponseReturnValue:
    return redirect(url_for("reports.export", key="campaigns", fmt="csv-semicolon", **_period(campaign_id)))
