"""Evaluation of recorded calls (REC-07): the evaluation forms with their criteria, and the
evaluations of recordings with their scores, comments, notes pinned to moments and weighted score.

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | Sequence[str] | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "evaluation_forms",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("criteria", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_forms")),
        sa.UniqueConstraint("name", name=op.f("uq_evaluation_forms_name")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "evaluations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("recording_id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.String(length=64), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("form_id", sa.Integer(), nullable=True),
        sa.Column("form_name", sa.String(length=80), nullable=False),
        sa.Column("evaluator_id", sa.Integer(), nullable=False),
        sa.Column("evaluator_name", sa.String(length=120), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("notes", sa.JSON(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("score_percent", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=False), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=False), nullable=False),
        sa.ForeignKeyConstraint(
            ["recording_id"], ["recordings.id"], name=op.f("fk_evaluations_recording_id_recordings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluations")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_evaluations_recording_id"), "evaluations", ["recording_id"])
    op.create_index(op.f("ix_evaluations_created_at"), "evaluations", ["created_at"])
    op.create_index("ix_evaluations_agent_id_created_at", "evaluations", ["agent_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_evaluations_agent_id_created_at", table_name="evaluations")
    op.drop_index(op.f("ix_evaluations_created_at"), table_name="evaluations")
    op.drop_index(op.f("ix_evaluations_recording_id"), table_name="evaluations")
    op.drop_table("evaluations")
    op.drop_table("evaluation_forms")
