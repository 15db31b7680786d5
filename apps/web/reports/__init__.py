"""Historical reports (issue 7) on the web: the pages and exports (``views``) and the schedules
(``schedules``). The reports themselves are ``kc_domain.reports.catalogue.REPORTS``."""

from __future__ import annotations

from kc_domain.reports.catalogue import REPORTS

__all__ = ["REPORTS"]
