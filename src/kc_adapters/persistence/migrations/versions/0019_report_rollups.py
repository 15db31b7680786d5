"""Reports (REP-11..REP-20, REP-16): roll-ups of whole past days, the call figures by queue and
15-minute slot, by queue, agent and hour, by queue, call category and hour, and each agent's time
per state and pause code per day, with the list of rolled days and the thresholds they used (empty
at first: the worker fills them); and the per-node IVR counts by day (REP-09), filled from the
walks already journaled.

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from kc_adapters.persistence.ivr_days import fill_ivr_days
from kc_adapters.persistence.types import UTCDateTime

revision: str = "0019"
down_revision: str | Sequence[str] | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTS = (
    "inbound", "outbound", "answered", "outbound_connected", "lost", "lost_before_ivr", "lost_in_ivr",
    "lost_in_queue", "lost_ringing", "short_abandons", "transferred", "called_back", "answered_in_sl",
)  # fmt: skip
SECONDS = ("talk_s", "outbound_talk_s", "wait_s", "queue_wait_s", "ring_s")
BUCKETS = ("wait_10", "wait_20", "wait_30", "wait_more", "ring_10", "ring_20", "ring_30", "ring_more")


def upgrade() -> None:
    op.create_table(
        "report_rollup_days",
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("thresholds", sa.Text(), nullable=False),
        sa.Column("rolled_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "report_call_rollups",
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("weekday", sa.SmallInteger(), nullable=False),
        sa.Column("slot", sa.SmallInteger(), nullable=False),
        sa.Column("queue_id", sa.Integer(), nullable=True),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("category_id", sa.Integer(), nullable=True),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS),
        *(sa.Column(name, sa.Float(), nullable=False) for name in SECONDS),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in BUCKETS),
    )
    op.create_index("ix_report_call_rollups_kind_day", "report_call_rollups", ["kind", "day"])
    op.create_table(
        "report_agent_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("pause_code", sa.String(20), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("started", sa.Integer(), nullable=False),
        sa.Column("carried", sa.Integer(), nullable=False),
    )
    op.create_index("ix_report_agent_days_day", "report_agent_days", ["day"])
    op.create_table(
        "ivr_node_days",
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("tree", sa.Text(), primary_key=True),
        sa.Column("node", sa.Text(), primary_key=True),
        *(
            sa.Column(name, sa.Integer(), nullable=False)
            for name in ("calls", "entries", "exits", "timeouts", "invalid", "abandons")
        ),
    )
    op.create_table(
        "ivr_choice_days",
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("tree", sa.Text(), primary_key=True),
        sa.Column("node", sa.Text(), primary_key=True),
        sa.Column("key", sa.Text(), primary_key=True),
        sa.Column("count", sa.Integer(), nullable=False),
    )
    fill_ivr_days(op.get_bind())


def downgrade() -> None:
    op.drop_table("ivr_choice_days")
    op.drop_table("ivr_node_days")
    op.drop_index("ix_report_agent_days_day", table_name="report_agent_days")
    op.drop_table("report_agent_days")
    op.drop_index("ix_report_call_rollups_kind_day", table_name="report_call_rollups")
    op.drop_table("report_call_rollups")
    op.drop_table("report_rollup_days")
