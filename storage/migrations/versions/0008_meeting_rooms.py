"""A private channel per meeting (issue 11): the channel's ID, why posting there stopped,
and when it was archived.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHANNEL_ID = sa.String(length=64)


def upgrade() -> None:
    with op.batch_alter_table("meetings") as batch:
        batch.add_column(sa.Column("room_id", CHANNEL_ID, nullable=True))
        batch.add_column(sa.Column("room_stopped", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("room_archived_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_meetings_room_id", ["room_id"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("meetings") as batch:
        batch.drop_index("ix_meetings_room_id")
        batch.drop_column("room_archived_at")
        batch.drop_column("room_stopped")
        batch.drop_column("room_id")
