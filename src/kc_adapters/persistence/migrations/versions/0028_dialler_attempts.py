"""Dialler attempts (OUT-01, OUT-14): an attempt of a progressive or predictive campaign that never
reached an agent (no answer, busy, answering machine, invalid number, abandoned) has no agent, so
``campaign_attempts.agent_id`` may be empty.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028"
down_revision: str | Sequence[str] | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("campaign_attempts") as batch:
        batch.alter_column("agent_id", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM campaign_attempts WHERE agent_id IS NULL")
    with op.batch_alter_table("campaign_attempts") as batch:
        batch.alter_column("agent_id", existing_type=sa.Integer(), nullable=False)
