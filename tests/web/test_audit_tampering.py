"""The three tamperings of issue 16 (item 7) on a real SQLite copy of the demo database (SEC-03):
the oldest rows deleted and the anchor moved, the newest rows deleted, a row edited and every later
hash recomputed with plain SHA-256. ``kc audit verify`` and the audit page must catch each."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import attrs
import pytest
from click.testing import CliRunner, Result

from apps.cli import main
from apps.container import Container
from apps.keys import audit_key
from kc_adapters.persistence.tables import audit_anchor, audit_log
from kc_adapters.system import FixedClock
from kc_domain.audit.service import Actor, AuditTrail

pytestmark = pytest.mark.req("SEC-03")


def write(container: Container, count: int) -> None:
    """Audit records as KC's services write them, keyed."""
    for n in range(count):
        container.audit().record_alone(
            container.uow_factory(), Actor("admin", "10.0.0.1"), "queue.update", object_id=n
        )


@pytest.fixture
def kc(monkeypatch: pytest.MonkeyPatch, container: Container) -> CliRunner:
    """``kc`` on the test's copy of the demo database and its audit key, with more than its seed's
    audit records."""
    write(container, 150)
    monkeypatch.setenv("KC_DATABASE_URL", container.settings().database_url)
    monkeypatch.setenv("KC_SECRET_KEY", container.settings().secret_key)
    monkeypatch.setenv("KC_AUDIT_KEY", audit_key(container.settings()).decode())
    return CliRunner()


def run(kc: CliRunner, *args: str) -> Result:
    return kc.invoke(main, ["audit", *args])


def seqs(container: Container) -> list[int]:
    with container.database().engine.connect() as connection:
        return list(connection.scalars(audit_log.select().with_only_columns(audit_log.c.seq).order_by("seq")))


def test_the_demo_log_verifies_as_keyed(kc: CliRunner, container: Container) -> None:
    result = run(kc, "verify")

    assert result.exit_code == 0, result.output
    assert "audit log intact" in result.output and "plain SHA-256" not in result.output
    assert len(seqs(container)) > 125


def test_given_the_oldest_100_rows_deleted_and_the_anchor_moved_then_verify_reports_head_cut(
    kc: CliRunner, container: Container
) -> None:
    with container.database().engine.begin() as connection:
        hundredth = connection.execute(audit_log.select().where(audit_log.c.seq == 100)).one()
        connection.execute(audit_log.delete().where(audit_log.c.seq <= 100))
        connection.execute(audit_anchor.update().values(seq=100, hash=hundredth.hash))

    result = run(kc, "verify")

    assert result.exit_code == 1
    assert "record 100: head_cut" in result.output and "NOT intact: 1 problem" in result.output


def test_a_purge_names_the_new_anchor_so_the_shortened_log_verifies(
    kc: CliRunner, container: Container
) -> None:
    later = FixedClock(container.clock().now() + timedelta(days=401))  # every record past retention
    trail = AuditTrail(later, key=audit_key(container.settings()))

    removed = trail.purge(container.uow_factory(), container.settings().audit_retention_days)
    result = run(kc, "verify")

    assert result.exit_code == 0, result.output
    with container.uow_factory()() as uow:
        [purge] = list(uow.audit.ordered())
        assert removed > 150 and purge.params["anchor"] == dict(
            zip(("seq", "hash"), uow.audit.anchor(), strict=True)
        )


def test_given_the_newest_25_rows_deleted_after_a_checkpoint_then_verify_reports_tail_cut(
    kc: CliRunner, container: Container, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    checkpoints = tmp_path / "elsewhere" / "audit-checkpoints.txt"
    checkpoints.parent.mkdir()
    monkeypatch.setenv("KC_AUDIT_CHECKPOINT_FILE", str(checkpoints))
    taken = run(kc, "checkpoint")
    newest = seqs(container)[-1]
    assert taken.exit_code == 0 and taken.output.startswith(f"{newest}:")
    assert checkpoints.read_text().startswith(taken.output.strip() + " ")

    with container.database().engine.begin() as connection:
        connection.execute(audit_log.delete().where(audit_log.c.seq > newest - 25))

    assert run(kc, "verify", "--checkpoint", str(checkpoints)).exit_code == 1
    assert f"record {newest}: tail_cut" in run(kc, "verify").output  # the configured file by default
    assert f"record {newest}: tail_cut" in run(kc, "verify", "--expect", taken.output.strip()).output
    monkeypatch.delenv("KC_AUDIT_CHECKPOINT_FILE")
    assert run(kc, "verify").exit_code == 0  # without a copy kept elsewhere the cut cannot show


def test_given_a_row_edited_and_every_later_hash_recomputed_with_sha256_then_verify_reports_it(
    kc: CliRunner, container: Container
) -> None:
    with container.uow_factory()() as uow:
        records = list(uow.audit.ordered())
    forged, previous = [], records[9].hash
    for record in records[10:]:
        changed = attrs.evolve(
            record, actor="mallory" if record.seq == 11 else record.actor, prev_hash=previous
        )
        forged.append(attrs.evolve(changed, hash=changed.expected_hash()))  # plain SHA-256, no key
        previous = forged[-1].hash
    with container.database().engine.begin() as connection:
        for record in forged:
            connection.execute(
                audit_log.update()
                .where(audit_log.c.seq == record.seq)
                .values(actor=record.actor, prev_hash=record.prev_hash, hash=record.hash)
            )

    result = run(kc, "verify")

    assert result.exit_code == 1
    assert "record 11: unkeyed" in result.output and f"record {records[-1].seq}: unkeyed" in result.output


def test_the_audit_page_names_the_problems_in_czech(admin_client, container: Container) -> None:  # type: ignore[no-untyped-def]
    write(container, 20)
    with container.database().engine.begin() as connection:
        tenth = connection.execute(audit_log.select().where(audit_log.c.seq == 10)).one()
        connection.execute(audit_log.delete().where(audit_log.c.seq <= 10))
        connection.execute(audit_anchor.update().values(seq=10, hash=tenth.hash))

    page = admin_client.post("/admin/audit/verify", follow_redirects=True).get_data(as_text=True)

    assert "byl pozměněn" in page
    assert "Záznamy až po číslo 10 byly odstraněny bez záznamu o výmazu" in page


def test_the_worker_appends_a_checkpoint_when_a_file_is_set(container: Container, tmp_path: Path) -> None:
    from apps.worker import run_once

    path = tmp_path / "checkpoints.txt"
    worker = Container(settings=container.settings().with_overrides(audit_checkpoint_file=str(path)))

    assert run_once(worker)["audit-checkpoint"] == path.read_text().split()[0]
    assert run_once(container)["audit-checkpoint"] == "no KC_AUDIT_CHECKPOINT_FILE"


def test_the_audit_key_is_checked_like_the_secret_key_and_never_shown(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("KC_DATABASE_URL", f"sqlite:///{tmp_path / 'kc.sqlite3'}")
    monkeypatch.setenv("KC_SECRET_KEY", "s" * 40)
    monkeypatch.setenv("KC_AUDIT_KEY", "short")
    refused = CliRunner().invoke(main, ["check-config"])
    monkeypatch.setenv("KC_AUDIT_KEY", "a-long-audit-key-kept-apart-from-the-database")
    shown = CliRunner().invoke(main, ["check-config"])

    assert refused.exit_code == 2 and "KC_AUDIT_KEY is too short" in refused.output
    assert "KC_AUDIT_KEY                 ***" in shown.output and "kept-apart" not in shown.output
