"""Historical reports (issue 7): every report is a ``Report`` in one of the modules listed here."""

from __future__ import annotations

from apps.web.reports import activity, calls, categories, ivr
from apps.web.reports.base import Report

REPORTS: dict[str, Report] = {
    r.key: r for module in (calls, activity, categories, ivr) for r in module.REPORTS
}
