"""Administration (ADM-02): an agent number belongs to one user only, as the admin service checks;
the database refuses a second one too (users without a number are not affected).

A database that already holds a number twice cannot be migrated: the migration names the numbers
and the users, so that the administrator gives them different numbers first.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | Sequence[str] | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HAS_NUMBER = "agent_number <> ''"


def upgrade() -> None:
    taken = (
        op.get_bind()
        .execute(
            sa.text(
                "SELECT agent_number, username FROM users WHERE agent_number IN ("
                f" SELECT agent_number FROM users WHERE {HAS_NUMBER}"
                " GROUP BY agent_number HAVING COUNT(*) > 1)"
                " ORDER BY agent_number, username"
            )
        )
        .all()
    )
    if taken:
        shared: dict[str, list[str]] = {}
        for number, username in taken:
            shared.setdefault(number, []).append(username)
        listed = "; ".join(f"{number}: {', '.join(users)}" for number, users in shared.items())
        raise RuntimeError(
            f"Several users have the same agent number ({listed}). Give each of them a number of their "
            "own in the administration, then run the migration again."
        )
    op.create_index(
        "uq_users_agent_number",
        "users",
        ["agent_number"],
        unique=True,
        sqlite_where=sa.text(HAS_NUMBER),
        postgresql_where=sa.text(HAS_NUMBER),
    )


def downgrade() -> None:
    op.drop_index("uq_users_agent_number", table_name="users")
