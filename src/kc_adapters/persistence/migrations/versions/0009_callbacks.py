"""Callback requests kept by the engine: state, place in line and every attempt (IN-09, AG-17).

The contact history of a number (AG-05) reads ``interactions`` by caller, indexed since 0003.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXED = ("caller", "queue_id", "created_at", "state", "agent_id")


def upgrade() -> None:
    op.create_table(
        "callbacks",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("caller", sa.String(length=32), nullable=False),
        sa.Column("queue_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=False), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=False), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("preferred_at", sa.DateTime(timezone=False), nullable=True),
        sa.Column("call_id", sa.String(length=64), nullable=False),
        sa.Column("client_ids", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("attempts", sa.JSON(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("retry_after_s", sa.Integer(), nullable=False),
        sa.Column("next_try_at", sa.DateTime(timezone=False), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=False), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["queue_id"], ["queues.id"], name=op.f("fk_callbacks_queue_id_queues")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_callbacks")),
    )
    for column in INDEXED:
        op.create_index(op.f(f"ix_callbacks_{column}"), "callbacks", [column])


def downgrade() -> None:
    for column in reversed(INDEXED):
        op.drop_index(op.f(f"ix_callbacks_{column}"), table_name="callbacks")
    op.drop_table("callbacks")
