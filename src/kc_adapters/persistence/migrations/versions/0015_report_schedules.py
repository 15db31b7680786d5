"""Scheduled reports (REP-21): a user's report, filters, format, recipients and schedule, with the
state of its sending (next and last run, the last error, failed tries).

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "report_schedules",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("report", sa.String(length=40), nullable=False),
        sa.Column("query", sa.String(length=1000), nullable=False),
        sa.Column("format", sa.String(length=16), nullable=False),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.Column("frequency", sa.String(length=16), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("at", sa.String(length=5), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("next_run_at", sa.DateTime(timezone=False), nullable=True),
        sa.Column("last_run_at", sa.DateTime(timezone=False), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_report_schedules_owner_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_schedules")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_report_schedules_owner_id"), "report_schedules", ["owner_id"])
    op.create_index(op.f("ix_report_schedules_next_run_at"), "report_schedules", ["next_run_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_report_schedules_next_run_at"), table_name="report_schedules")
    op.drop_index(op.f("ix_report_schedules_owner_id"), table_name="report_schedules")
    op.drop_table("report_schedules")
