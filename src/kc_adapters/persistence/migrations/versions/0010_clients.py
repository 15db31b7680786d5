"""The customer database (CDB-02, CDB-03, IN-11): the configurable card fields, the clients and
their phone numbers, indexed by number for the caller identification.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "client_fields",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("label", sa.String(length=80), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("choices", sa.JSON(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("show_in_list", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client_fields")),
        sa.UniqueConstraint("key", name=op.f("uq_client_fields_key")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "clients",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("identifier", sa.String(length=20), nullable=False),
        sa.Column("icis_id", sa.String(length=40), nullable=False),
        sa.Column("first_name", sa.String(length=60), nullable=False),
        sa.Column("surname", sa.String(length=80), nullable=False),
        sa.Column("title", sa.String(length=40), nullable=False),
        sa.Column("company", sa.String(length=120), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("field_values", sa.JSON(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=False), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=False), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clients")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_clients_identifier"), "clients", ["identifier"])
    op.create_index(op.f("ix_clients_icis_id"), "clients", ["icis_id"])
    op.create_table(
        "client_phones",
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_client_phones_client_id_clients")
        ),
        sa.PrimaryKeyConstraint("client_id", "number", name=op.f("pk_client_phones")),
    )
    op.create_index(op.f("ix_client_phones_number"), "client_phones", ["number"])


def downgrade() -> None:
    op.drop_index(op.f("ix_client_phones_number"), table_name="client_phones")
    op.drop_table("client_phones")
    op.drop_index(op.f("ix_clients_icis_id"), table_name="clients")
    op.drop_index(op.f("ix_clients_identifier"), table_name="clients")
    op.drop_table("clients")
    op.drop_table("client_fields")
