"""Reports (REP-06, REP-14, REP-15, REP-17, REP-19): each call's arrival in the contact centre's
time zone (day, weekday, minute of the day) and its wait and ring to pick-up in seconds, so that
filters, buckets and breakdowns need no time arithmetic in SQL; filled for the calls stored.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from kc_adapters.persistence.journal import fill_report_columns

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("interactions") as batch:
        batch.add_column(sa.Column("local_day", sa.Date(), nullable=True))
        batch.add_column(sa.Column("local_weekday", sa.SmallInteger(), nullable=True))
        batch.add_column(sa.Column("local_minute", sa.SmallInteger(), nullable=True))
        batch.add_column(sa.Column("caller_wait_s", sa.Float(), nullable=True))
        batch.add_column(sa.Column("ring_s", sa.Float(), nullable=True))
    op.create_index("ix_interactions_local_day_queue_id", "interactions", ["local_day", "queue_id"])
    fill_report_columns(op.get_bind())


def downgrade() -> None:
    op.drop_index("ix_interactions_local_day_queue_id", table_name="interactions")
    with op.batch_alter_table("interactions") as batch:
        batch.drop_column("ring_s")
        batch.drop_column("caller_wait_s")
        batch.drop_column("local_minute")
        batch.drop_column("local_weekday")
        batch.drop_column("local_day")
