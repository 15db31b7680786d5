"""Sessions end with sign-out and a password change (SEC-02): each user has a session epoch, stored
in every session begun; signing out, a new password or a deactivation raise it, and a session of an
older epoch is refused. Existing users start at 0.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | Sequence[str] | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN (no table copy): SQLite keeps the users table, its indexes and references.
    op.add_column("users", sa.Column("session_epoch", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    op.drop_column("users", "session_epoch")  # SQLite has DROP COLUMN since 3.35
