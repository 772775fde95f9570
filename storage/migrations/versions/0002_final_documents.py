"""Final documents: the frozen bytes and hash of finalised minutes.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sa.DateTime(timezone=True)
ID = sa.String(length=32)
USER_ID = sa.String(length=128)
ENUM = sa.String(length=32)
REF = sa.String(length=255)


def upgrade() -> None:
    op.create_table(
        "final_documents",
        sa.Column("meeting_id", ID, nullable=False),
        sa.Column("kind", ENUM, nullable=False),
        sa.Column("filename", REF, nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("finalised_by", USER_ID, nullable=False),
        sa.Column("finalised_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_final_documents_meeting_id_meetings"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("meeting_id", "kind", name=op.f("pk_final_documents")),
    )


def downgrade() -> None:
    op.drop_table("final_documents")
