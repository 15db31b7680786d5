"""Queue announcements and the caller's keys while waiting: position and expected wait every N
seconds, a key for a callback, a key for voicemail (IN-08, IN-09, IN-10).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (
    ("announce_every_s", sa.Integer(), "0"),
    ("announce_position", sa.Boolean(), sa.true()),
    ("announce_wait", sa.Boolean(), sa.true()),
    ("callback_key", sa.String(length=1), ""),
    ("voicemail_key", sa.String(length=1), ""),
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
