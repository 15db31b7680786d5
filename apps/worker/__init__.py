"""The background worker: scheduled housekeeping jobs (later issues add syncs, reports, callbacks)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import attrs

from apps.audit_checkpoints import take_checkpoint
from apps.container import Container
from apps.worker.reports import send_due

log = logging.getLogger("kc.worker")


@attrs.frozen
class Job:
    name: str
    every_s: int
    run: Callable[[Container], object]


def _purge_audit(container: Container) -> int:
    return int(container.audit().purge(container.uow_factory(), container.settings().audit_retention_days))


def _checkpoint_audit(container: Container) -> str:
    """The newest audit seq and MAC into KC_AUDIT_CHECKPOINT_FILE, kept outside the database (SEC-03)."""
    if not container.settings().audit_checkpoint_file:
        return "no KC_AUDIT_CHECKPOINT_FILE"
    return str(take_checkpoint(container))


def _send_reports(container: Container) -> dict[str, int]:
    """Scheduled reports that are due (REP-21), made and mailed without the web (``reports``)."""
    return send_due(container)


def _purge_recordings(container: Container) -> dict[str, int]:
    """Recordings past KC_RECORDING_RETENTION_DAYS and not on legal hold lose their audio (REC-03)."""
    return container.recordings().purge(container.settings().recording_retention_days)


def _retry_recordings(container: Container) -> dict[str, object]:
    """Store the recordings waiting in the spool and alert (audit) when the store's free space is
    low (GEN-03)."""
    recordings = container.recordings()
    return {**recordings.retry_pending(), "space": recordings.watch_space()}


def _roll_up_reports(container: Container) -> dict[str, int]:
    """Sum the finished days for the reports (REP-11..REP-20): a report over months reads the sums."""
    from kc_domain.reports.figures import sl_thresholds

    queues = container.admin().list("queue")
    return dict(container.journal_upkeep().roll_up(sl_thresholds(queues), container.clock().now()))


JOBS = (
    Job("audit-retention", 6 * 3600, _purge_audit),
    Job("audit-checkpoint", 3600, _checkpoint_audit),
    Job("report-schedules", 60, _send_reports),
    Job("recording-retention", 6 * 3600, _purge_recordings),
    Job("recording-spool", 60, _retry_recordings),
    Job("report-rollups", 600, _roll_up_reports),
)


def run_once(container: Container) -> dict[str, object]:
    results: dict[str, object] = {}
    for job in JOBS:
        try:
            results[job.name] = job.run(container)
            log.info("job=%s result=%s", job.name, results[job.name])
        except Exception:  # one failing job must not stop the others
            log.exception("job=%s failed", job.name)
            results[job.name] = "failed"
    return results


def run_forever(container: Container, stop: threading.Event) -> None:
    """Run each job at start and then every ``every_s`` seconds until ``stop`` is set."""
    due = {job.name: 0.0 for job in JOBS}
    elapsed = 0.0
    while not stop.is_set():
        for job in JOBS:
            if elapsed >= due[job.name]:
                try:
                    log.info("job=%s result=%s", job.name, job.run(container))
                except Exception:
                    log.exception("job=%s failed", job.name)
                due[job.name] = elapsed + job.every_s
        stop.wait(1.0)
        elapsed += 1.0
