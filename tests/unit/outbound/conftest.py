"""Fixtures of the outbound unit tests."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from kc_domain.audit.service import AuditTrail
from kc_domain.outbound.campaigns import Calendar
from kc_domain.outbound.service import CampaignService


@pytest.fixture
def campaigns(uow_factory, clock, audit: AuditTrail, holidays) -> CampaignService:
    """The campaign use cases on the memory store, judged in Prague time with Czech holidays."""
    return CampaignService(uow_factory, clock, audit, Calendar(ZoneInfo("Europe/Prague"), holidays))
