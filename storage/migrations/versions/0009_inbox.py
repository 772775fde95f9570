"""The inbox of the production server (issue 14): each acked chat request whose work runs
after the ack is stored here before its ack, and deleted once that work is done; and the
serving processes' heartbeats (the rows of one that stopped are taken over by another).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inbox",
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("headers", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_inbox")),
    )
    op.create_index(op.f("ix_inbox_owner"), "inbox", ["owner"], unique=False)
    op.create_table(
        "inbox_owners",
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("seen_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("owner", name=op.f("pk_inbox_owners")),
    )


def downgrade() -> None:
    op.drop_table("inbox_owners")
    op.drop_index(op.f("ix_inbox_owner"), table_name="inbox")
    op.drop_table("inbox")
