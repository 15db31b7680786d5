"""Each user has the endpoint of the phone that rings for them at the PBX (INT-04): a dial string
such as PJSIP/1001 (Asterisk) or a device number (Mitel); empty for everybody at first, which means
the agent number's line.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | Sequence[str] | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("users", sa.Column("endpoint", sa.String(96), nullable=False, server_default=""))


def downgrade() -> None:
    op.drop_column("users", "endpoint")
