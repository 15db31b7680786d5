"""Stored IVR trees with their versions and the dialled numbers mapped to them (IN-06, IN-24, ADM-11).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ivr_trees",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=False), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ivr_trees")),
        sa.UniqueConstraint("name", "version", name=op.f("uq_ivr_trees_name_version")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "ivr_numbers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("tree_name", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ivr_numbers")),
        sa.UniqueConstraint("number", name=op.f("uq_ivr_numbers_number")),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    op.drop_table("ivr_numbers")
    op.drop_table("ivr_trees")
