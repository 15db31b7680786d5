"""Each user may have a direct number (E.164): the caller ID shown to the people she calls for a
campaign that calls with the officer's own number (OUT-17); empty for everybody at first, which
means the line's default.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0029"
down_revision: str | Sequence[str] | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("users", sa.Column("direct_number", sa.String(20), nullable=False, server_default=""))


def downgrade() -> None:
    op.drop_column("users", "direct_number")
