"""The direct delivery mode (Microsoft Teams): where each 1:1 card lives.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-10

``direct_cards`` keeps, per person and meeting (notice) or agenda item (case), the
conversation and message id of the card the bot sent to that person's 1:1 chat, so that the
card can be replaced at once when its reader loses access. No case content is stored here.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "direct_cards",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("meeting_id", sa.String(length=32), nullable=False),
        sa.Column("item_id", sa.String(length=32), nullable=True),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("conversation_id", sa.String(length=255), nullable=False),
        sa.Column("message_id", sa.String(length=255), nullable=False),
        sa.Column("withdrawn", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_direct_cards")),
    )
    op.create_index(op.f("ix_direct_cards_user_id"), "direct_cards", ["user_id"])
    op.create_index(op.f("ix_direct_cards_meeting_id"), "direct_cards", ["meeting_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_direct_cards_meeting_id"), table_name="direct_cards")
    op.drop_index(op.f("ix_direct_cards_user_id"), table_name="direct_cards")
    op.drop_table("direct_cards")
