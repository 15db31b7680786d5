"""The journal remembers how far the engine's numbered batches have reached it (GEN-03, IN-04): the
engine writes every batch of events to a local write-ahead file before it publishes anything, and
replays that file after a crash or a database outage; this one row, written in each batch's
transaction, tells which batches are in already, so none is written twice.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | Sequence[str] | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "journal_mark",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("through", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_journal_mark_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journal_mark")),
    )


def downgrade() -> None:
    op.drop_table("journal_mark")
