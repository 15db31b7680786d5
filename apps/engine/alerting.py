"""The alerts of the live contact centre (RT-06), kept by the engine host: after each live view
the administered rules are checked (``kc_domain.supervision.alerts``), new alerts are stored, ended
ones closed, and the open ones go out with the view. The host is their only writer; a supervisor's
acknowledgement comes in as the host command ``alert_ack``.

Rules and pause-code limits are read again every ``refresh_s`` seconds, so an administrator's
change takes effect without a restart.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime
from typing import Any

from kc_domain.errors import NotFound
from kc_domain.messages import LiveView, OpenAlert
from kc_domain.supervision.alerts import acknowledge, conditions, reconcile
from kc_domain.supervision.model import Alert, AlertRule
from kc_ports.persistence import AlertingUnit, UnitFactory

log = logging.getLogger("kc.alerts")


def alert_plain(alert: Alert) -> dict[str, Any]:
    """An alert's wire form (``OpenAlert``), as an acknowledgement answers it."""
    return OpenAlert.of(alert).to_wire()


class AlertWatch:
    def __init__(self, uow_factory: UnitFactory[AlertingUnit], refresh_s: float = 10.0) -> None:
        self._uow_factory, self._refresh_s = uow_factory, refresh_s
        self._rules: list[AlertRule] = []
        self._pause_limits: dict[str, int] = {}
        self._loaded = float("-inf")
        with uow_factory() as uow:  # alerts left open by an earlier run carry on
            self.open: dict[int, Alert] = {a.id: a for a in uow.alerts.list() if a.open and a.id is not None}

    def check(self, view: LiveView, now: datetime) -> bool:
        """Bring the open alerts in step with the view; True when any began or ended."""
        self._refresh()
        found = conditions(view, self._rules, self._pause_limits, now)
        changes = reconcile(self.open.values(), found, now)
        if not changes.raised and not changes.cleared:
            return False
        with self._uow_factory() as uow:
            for alert in changes.raised:
                uow.alerts.add(alert)
            for alert in changes.cleared:
                self._store(uow, alert)
            uow.commit()
        for alert in changes.cleared:
            self.open.pop(alert.id or 0, None)
        self.open.update((a.id, a) for a in changes.raised if a.id is not None)
        log.info("alerts: %d raised, %d cleared", len(changes.raised), len(changes.cleared))
        return True

    def acknowledge(self, alert_id: int, user_id: int, now: datetime) -> dict[str, Any]:
        """A supervisor has seen the alert (open or already over); the first acknowledgement stays."""
        alert = self.open.get(alert_id)
        with self._uow_factory() as uow:
            stored = uow.alerts.get(alert_id)
            if stored is None:
                raise NotFound("alert", alert_id)
            target = alert or stored
            acknowledge(target, user_id, now)
            self._store(uow, target)
            uow.commit()
        return alert_plain(target)

    def plain(self) -> tuple[OpenAlert, ...]:
        """The open alerts, the most severe and oldest first."""
        ordered = sorted(
            self.open.values(),
            key=lambda a: (a.severity.value != "critical", a.raised_at or datetime.min, a.id or 0),
        )
        return tuple(OpenAlert.of(a) for a in ordered)

    def _refresh(self) -> None:
        if time.monotonic() - self._loaded < self._refresh_s:
            return
        with self._uow_factory() as uow:
            self._rules = [r for r in uow.alert_rules.list() if r.active]
            self._pause_limits = {p.code: p.max_duration_min * 60 for p in uow.pause_codes.list()}
        self._loaded = time.monotonic()

    @staticmethod
    def _store(uow: AlertingUnit, alert: Alert) -> None:
        """Write an alert the host holds (loaded in another unit) onto its stored row."""
        stored = None if alert.id is None else uow.alerts.get(alert.id)
        if stored is None:
            return
        stored.cleared_at = alert.cleared_at
        stored.acknowledged_at = alert.acknowledged_at
        stored.acknowledged_by = alert.acknowledged_by
