"""What agents record about a call: the contact record (client, category, recording opt-out) and the
versions of its note (IN-12, AG-04, AG-13, REC-01); indexes for an agent's own history and a queue's
statistics over a period (AG-08, AG-09).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PERIOD_INDEXES = {
    "ix_interactions_agent_id_arrived_at": ["agent_id", "arrived_at"],
    "ix_interactions_queue_id_arrived_at": ["queue_id", "arrived_at"],
}


def upgrade() -> None:
    op.create_table(
        "contact_records",
        sa.Column("call_id", sa.String(length=64), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("client_id", sa.Integer(), nullable=True),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("recording_opt_out", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=False), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("call_id", name=op.f("pk_contact_records")),
    )
    op.create_index(op.f("ix_contact_records_agent_id"), "contact_records", ["agent_id"])
    op.create_index(op.f("ix_contact_records_client_id"), "contact_records", ["client_id"])
    op.create_table(
        "note_versions",
        sa.Column("call_id", sa.String(length=64), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("author_name", sa.String(length=120), nullable=False),
        sa.Column("at", sa.DateTime(timezone=False), nullable=False),
        sa.Column("draft", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("call_id", "number", name=op.f("pk_note_versions")),
    )
    op.create_index(op.f("ix_note_versions_author_id"), "note_versions", ["author_id"])
    for name, columns in PERIOD_INDEXES.items():
        op.create_index(name, "interactions", columns)


def downgrade() -> None:
    for name in PERIOD_INDEXES:
        op.drop_index(name, table_name="interactions")
    op.drop_index(op.f("ix_note_versions_author_id"), table_name="note_versions")
    op.drop_table("note_versions")
    op.drop_index(op.f("ix_contact_records_client_id"), table_name="contact_records")
    op.drop_index(op.f("ix_contact_records_agent_id"), table_name="contact_records")
    op.drop_table("contact_records")
