"""The ACD engine's journal: the event log, routing decisions, interactions (one row per call)
and agent state intervals.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _at(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=False), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "event_log",
        sa.Column(
            "seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        _at("at"),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("call_id", sa.String(length=64), nullable=True),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_event_log")),
    )
    op.create_index(op.f("ix_event_log_at"), "event_log", ["at"])
    op.create_index(op.f("ix_event_log_call_id"), "event_log", ["call_id"])
    op.create_index(op.f("ix_event_log_agent_id"), "event_log", ["agent_id"])
    op.create_table(
        "routing_decisions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("call_id", sa.String(length=64), nullable=False),
        _at("at"),
        sa.Column("queue_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=40), nullable=False),
        sa.Column("chosen", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("candidates", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routing_decisions")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_routing_decisions_call_id"), "routing_decisions", ["call_id"])
    op.create_table(
        "interactions",
        sa.Column("call_id", sa.String(length=64), nullable=False),
        sa.Column("caller", sa.String(length=32), nullable=False),
        sa.Column("dialled", sa.String(length=32), nullable=False),
        sa.Column("direction", sa.String(length=16), nullable=False),
        sa.Column("queue_id", sa.Integer(), nullable=True),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=80), nullable=False),
        _at("arrived_at", True),
        _at("queued_at", True),
        _at("offered_at", True),
        _at("answered_at", True),
        _at("ended_at", True),
        sa.Column("end_stage", sa.String(length=32), nullable=False),
        sa.Column("cause", sa.Text(), nullable=False),
        sa.Column("waited_s", sa.Float(), nullable=True),
        sa.Column("talk_s", sa.Float(), nullable=True),
        sa.Column("offers", sa.Integer(), nullable=False),
        sa.Column("rona_count", sa.Integer(), nullable=False),
        sa.Column("holds", sa.Integer(), nullable=False),
        sa.Column("transferred_to", sa.String(length=80), nullable=False),
        sa.Column("overflow_reason", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("call_id", name=op.f("pk_interactions")),
    )
    for column in ("caller", "queue_id", "agent_id", "arrived_at", "end_stage"):
        op.create_index(op.f(f"ix_interactions_{column}"), "interactions", [column])
    op.create_table(
        "agent_state_intervals",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        _at("started_at"),
        _at("ended_at", True),
        sa.Column("pause_code", sa.String(length=20), nullable=False),
        sa.Column("call_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_state_intervals")),
        sqlite_autoincrement=True,
    )


    op.create_index(
        "ix_agent_state_intervals_agent_id_started_at", "agent_state_intervals", ["agent_id", "started_at"]
    )


def downgrade() -> None:
    for table in ("agent_state_intervals", "interactions", "routing_decisions", "event_log"):
        op.drop_table(table)
