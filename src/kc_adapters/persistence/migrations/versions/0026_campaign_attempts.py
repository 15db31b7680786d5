"""Campaign attempts (OUT-14, OUT-15, OUT-18): one row per contact shown to an agent of a preview or
manual campaign, until skipped or finished, with the call script's answers as JSON.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | Sequence[str] | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "campaign_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.String(length=64), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=False), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=False), nullable=True),
        sa.Column("outcome", sa.String(length=24), nullable=True),
        sa.Column("skip_reason", sa.String(length=200), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("script_version", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_campaign_attempts_campaign_id_campaigns")
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["campaign_entries.id"], name=op.f("fk_campaign_attempts_entry_id_campaign_entries")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_attempts")),
    )
    op.create_index("ix_campaign_attempts_campaign", "campaign_attempts", ["campaign_id", "started_at"])
    op.create_index("ix_campaign_attempts_entry", "campaign_attempts", ["entry_id"])
    op.create_index("ix_campaign_attempts_agent_open", "campaign_attempts", ["agent_id", "ended_at"])


def downgrade() -> None:
    op.drop_index("ix_campaign_attempts_agent_open", table_name="campaign_attempts")
    op.drop_index("ix_campaign_attempts_entry", table_name="campaign_attempts")
    op.drop_index("ix_campaign_attempts_campaign", table_name="campaign_attempts")
    op.drop_table("campaign_attempts")
