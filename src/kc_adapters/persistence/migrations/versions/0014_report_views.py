"""Direct read access for external tools (REP-05): documented SQL views over the reports' data, the
same on SQLite and PostgreSQL (docs/reports.md; ``scripts/pg_report_reader.sql`` creates a
read-only PostgreSQL role that may read them and nothing else).

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-26
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VIEWS = {
    "report_calls": """
        SELECT i.call_id, i.direction, i.caller, i.dialled,
               i.queue_id, q.name AS queue_name, i.agent_id, u.full_name AS agent_name,
               i.arrived_at, i.queued_at, i.offered_at, i.answered_at, i.ended_at,
               i.local_day, i.local_weekday, i.local_minute,
               i.end_stage, i.caller_wait_s, i.waited_s AS queue_wait_s, i.ring_s, i.talk_s,
               i.transferred_to, i.rona_count, i.holds,
               r.category_id, c.name AS category_name, r.client_id, r.recording_opt_out
        FROM interactions i
        LEFT JOIN queues q ON q.id = i.queue_id
        LEFT JOIN users u ON u.id = i.agent_id
        LEFT JOIN contact_records r ON r.call_id = i.call_id
        LEFT JOIN call_categories c ON c.id = r.category_id
    """,
    "report_agent_states": """
        SELECT s.agent_id, u.full_name AS agent_name, s.state, s.pause_code, s.started_at, s.ended_at, s.call_id
        FROM agent_state_intervals s
        LEFT JOIN users u ON u.id = s.agent_id
    """,
}


def upgrade() -> None:
    for name, query in VIEWS.items():
        op.execute(f"CREATE VIEW {name} AS {query}")


def downgrade() -> None:
    for name in VIEWS:
        op.execute(f"DROP VIEW {name}")
