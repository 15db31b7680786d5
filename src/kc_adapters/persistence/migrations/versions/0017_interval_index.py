"""Reports (REP-16): the agents' state intervals by start, so that a period's agent time reads only
the intervals near it.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-26
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017"
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_agent_state_intervals_started_at", "agent_state_intervals", ["started_at"])


def downgrade() -> None:
    op.drop_index("ix_agent_state_intervals_started_at", table_name="agent_state_intervals")
