"""Outbound campaigns (OUT-01..OUT-13): the campaign with its dialling mode and calling rules, its
list of contacts with what their attempts did so far, and the do-not-call list.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | Sequence[str] | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("queue_id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("hours", sa.JSON(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("abandon_cap", sa.Float(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("ring_s", sa.Integer(), nullable=False),
        sa.Column("caller_id", sa.String(length=32), nullable=False),
        sa.Column("officer_caller_id", sa.Boolean(), nullable=False),
        sa.Column("record", sa.Boolean(), nullable=False),
        sa.Column("intro_prompt", sa.String(length=64), nullable=False),
        sa.Column("script_id", sa.Integer(), nullable=True),
        sa.Column("retries", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["queue_id"], ["queues.id"], name=op.f("fk_campaigns_queue_id_queues")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
        sa.UniqueConstraint("name", name=op.f("uq_campaigns_name")),
    )
    op.create_index(op.f("ix_campaigns_queue_id"), "campaigns", ["queue_id"])
    op.create_index(op.f("ix_campaigns_state"), "campaigns", ["state"])
    op.create_table(
        "campaign_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_try_at", sa.DateTime(timezone=False), nullable=True),
        sa.Column("agreed_with", sa.Integer(), nullable=True),
        sa.Column("last_outcome", sa.String(length=24), nullable=True),
        sa.Column("last_attempt_at", sa.DateTime(timezone=False), nullable=True),
        sa.Column("abandoned_at", sa.DateTime(timezone=False), nullable=True),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("removed", sa.Boolean(), nullable=False),
        sa.Column("reserved_by", sa.Integer(), nullable=True),
        sa.Column("reserved_at", sa.DateTime(timezone=False), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_campaign_entries_campaign_id_campaigns")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_entries")),
    )
    op.create_index(
        "ix_campaign_entries_open", "campaign_entries", ["campaign_id", "done", "removed", "next_try_at"]
    )
    op.create_index("ix_campaign_entries_phone", "campaign_entries", ["campaign_id", "phone"])
    op.create_table(
        "do_not_call",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=False), nullable=True),
        sa.Column("added_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_do_not_call")),
        sa.UniqueConstraint("phone", name=op.f("uq_do_not_call_phone")),
    )


def downgrade() -> None:
    op.drop_table("do_not_call")
    op.drop_index("ix_campaign_entries_phone", table_name="campaign_entries")
    op.drop_index("ix_campaign_entries_open", table_name="campaign_entries")
    op.drop_table("campaign_entries")
    op.drop_index(op.f("ix_campaigns_state"), table_name="campaigns")
    op.drop_index(op.f("ix_campaigns_queue_id"), table_name="campaigns")
    op.drop_table("campaigns")
