"""Voicemail messages left by callers, their state and the agent handling them (IN-08).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "voicemails",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("caller", sa.String(length=32), nullable=False),
        sa.Column("queue_id", sa.Integer(), nullable=True),
        sa.Column("box", sa.String(length=60), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=False), nullable=False),
        sa.Column("duration_s", sa.Float(), nullable=False),
        sa.Column("audio_name", sa.String(length=64), nullable=False),
        sa.Column("client_ids", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=False), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["queue_id"], ["queues.id"], name=op.f("fk_voicemails_queue_id_queues")),
        sa.ForeignKeyConstraint(["agent_id"], ["users.id"], name=op.f("fk_voicemails_agent_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voicemails")),
        sa.UniqueConstraint("audio_name", name=op.f("uq_voicemails_audio_name")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_voicemails_received_at"), "voicemails", ["received_at"])
    op.create_index(op.f("ix_voicemails_state"), "voicemails", ["state"])


def downgrade() -> None:
    op.drop_index(op.f("ix_voicemails_state"), table_name="voicemails")
    op.drop_index(op.f("ix_voicemails_received_at"), table_name="voicemails")
    op.drop_table("voicemails")
