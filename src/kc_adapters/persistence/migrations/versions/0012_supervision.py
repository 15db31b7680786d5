"""Supervision: alert rules and the alerts they raised, kept as history (RT-06); wallboards with
their queues, layouts, colour thresholds and kiosk token (WB-01).

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "alert_rules",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("queue_id", sa.Integer(), nullable=True),
        sa.Column("limit", sa.Integer(), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("min_offered", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["queue_id"], ["queues.id"], name=op.f("fk_alert_rules_queue_id_queues")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_rules")),
        sa.UniqueConstraint("name", name=op.f("uq_alert_rules_name")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=40), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("queue_id", sa.Integer(), nullable=True),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("limit", sa.Float(), nullable=False),
        sa.Column("detail", sa.String(length=120), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=False), nullable=True),
        sa.Column("cleared_at", sa.DateTime(timezone=False), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=False), nullable=True),
        sa.Column("acknowledged_by", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_alerts_cleared_at"), "alerts", ["cleared_at"])
    op.create_table(
        "wallboards",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("queue_ids", sa.JSON(), nullable=False),
        sa.Column("layouts", sa.JSON(), nullable=False),
        sa.Column("rotate_s", sa.Integer(), nullable=False),
        sa.Column("waiting_warn", sa.Integer(), nullable=False),
        sa.Column("waiting_alarm", sa.Integer(), nullable=False),
        sa.Column("wait_warn_s", sa.Integer(), nullable=False),
        sa.Column("wait_alarm_s", sa.Integer(), nullable=False),
        sa.Column("kiosk_token_hash", sa.String(length=64), nullable=False),
        sa.Column("kiosk_token_issued_at", sa.DateTime(timezone=False), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wallboards")),
        sa.UniqueConstraint("name", name=op.f("uq_wallboards_name")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_wallboards_kiosk_token_hash"), "wallboards", ["kiosk_token_hash"])


def downgrade() -> None:
    op.drop_index(op.f("ix_wallboards_kiosk_token_hash"), table_name="wallboards")
    op.drop_table("wallboards")
    op.drop_index(op.f("ix_alerts_cleared_at"), table_name="alerts")
    op.drop_table("alerts")
    op.drop_table("alert_rules")
