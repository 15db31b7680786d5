"""Queue routing settings: strategy, ring-no-answer time, maximum wait, sticky wait, overflow
when nobody is signed in (the ACD engine issue).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (
    ("strategy", sa.String(length=16), "skill_first"),
    ("rona_timeout_s", sa.Integer(), "20"),
    ("max_wait_s", sa.Integer(), "0"),
    ("sticky_wait_s", sa.Integer(), "0"),
    ("overflow_when_no_agents", sa.Boolean(), sa.false()),
)


def upgrade() -> None:
    # Existing queues get the domain's defaults; afterwards the application always writes them.
    with op.batch_alter_table("queues") as batch:
        for name, type_, default in COLUMNS:
            batch.add_column(sa.Column(name, type_, nullable=False, server_default=default))
    with op.batch_alter_table("queues") as batch:
        for name, _type, _default in COLUMNS:
            batch.alter_column(name, server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("queues") as batch:
        for name, _type, _default in reversed(COLUMNS):
            batch.drop_column(name)
