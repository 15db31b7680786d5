"""The "general problem" announcement (IN-20): text or recording, numbers, validity window.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "announcements",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("prompt", sa.String(length=64), nullable=False),
        sa.Column("numbers", sa.JSON(), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=False), nullable=True),
        sa.Column("valid_until", sa.DateTime(timezone=False), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcements")),
        sa.UniqueConstraint("name", name=op.f("uq_announcements_name")),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    op.drop_table("announcements")
