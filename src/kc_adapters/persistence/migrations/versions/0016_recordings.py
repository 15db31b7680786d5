"""Call recordings (REC-01..REC-05): each recorded stretch of a call with its file in the store,
size and SHA-256, the agent, the legal hold and when retention purged its audio.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "recordings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("call_id", sa.String(length=64), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=False), nullable=False),
        sa.Column("duration_s", sa.Float(), nullable=False),
        sa.Column("path", sa.String(length=200), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("legal_hold", sa.Boolean(), nullable=False),
        sa.Column("hold_reason", sa.String(length=200), nullable=False),
        sa.Column("purged_at", sa.DateTime(timezone=False), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recordings")),
        sa.UniqueConstraint("path", name=op.f("uq_recordings_path")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_recordings_call_id"), "recordings", ["call_id"])
    op.create_index(op.f("ix_recordings_started_at"), "recordings", ["started_at"])
    op.create_index(op.f("ix_recordings_agent_id"), "recordings", ["agent_id"])


def downgrade() -> None:
    for column in ("agent_id", "started_at", "call_id"):
        op.drop_index(op.f(f"ix_recordings_{column}"), table_name="recordings")
    op.drop_table("recordings")
