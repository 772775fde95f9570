"""The meeting on record: 会議記録 (place, method, times, chair, recorder, attendance, next
meeting), 協議内容 and 緊急度 in decisions, the 担当者 of a role, the モニタリング mark of an
agenda item; and a case no longer carries a meeting kind (the meeting decides).

Revision ID: 0006
Revises: 0003
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sa.DateTime(timezone=True)
ID = sa.String(length=32)
USER_ID = sa.String(length=128)
ENUM = sa.String(length=32)


def _add_text(table: str, column: str) -> None:
    """A NOT NULL text column, empty for the rows already there."""
    op.add_column(table, sa.Column(column, sa.Text(), nullable=False, server_default=""))
    if op.get_bind().dialect.name != "sqlite":  # SQLite cannot drop a default in place
        op.alter_column(table, column, server_default=None)


def upgrade() -> None:
    # A case belongs to no meeting kind: the meeting that discusses it decides. SQLite
    # (3.35+) drops a column in place, so the tables referring to cases are left alone.
    op.drop_column("cases", "kind")

    op.add_column("agenda_items", sa.Column("monitoring_on", sa.Date(), nullable=True))
    op.add_column("role_assignments", sa.Column("assignee_user_id", USER_ID, nullable=True))
    _add_text("decisions", "discussion")
    op.add_column("decisions", sa.Column("urgency", ENUM, nullable=True))
    _add_text("decisions", "urgency_reason")

    op.create_table(
        "meeting_records",
        sa.Column("meeting_id", ID, nullable=False),
        sa.Column("recorded_by", USER_ID, nullable=False),
        sa.Column("recorded_at", TIMESTAMP, nullable=False),
        sa.Column("place", sa.Text(), nullable=False),
        sa.Column("method", ENUM, nullable=True),
        sa.Column("started_at", sa.Time(), nullable=True),
        sa.Column("ended_at", sa.Time(), nullable=True),
        sa.Column("chair_user_id", USER_ID, nullable=True),
        sa.Column("recorder_user_id", USER_ID, nullable=True),
        sa.Column("others_present", sa.Text(), nullable=False),
        sa.Column("next_meeting_on", sa.Date(), nullable=True),
        sa.Column("next_meeting_at", sa.Time(), nullable=True),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_meeting_records_meeting_id_meetings"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("meeting_id", name=op.f("pk_meeting_records")),
    )
    op.create_table(
        "meeting_attendance",
        sa.Column("meeting_id", ID, nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("agency_id", ID, nullable=True),
        sa.Column("user_id", USER_ID, nullable=True),
        sa.Column("present", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "user_id IS NOT NULL OR (agency_id IS NOT NULL AND NOT present)",
            name=op.f("ck_meeting_attendance_who"),
        ),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
            name=op.f("fk_meeting_attendance_agency_id_agencies"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meeting_records.meeting_id"],
            name=op.f("fk_meeting_attendance_meeting_id_meeting_records"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("meeting_id", "position", name=op.f("pk_meeting_attendance")),
    )
    op.create_index(
        op.f("ix_meeting_attendance_agency_id"), "meeting_attendance", ["agency_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_meeting_attendance_agency_id"), table_name="meeting_attendance")
    op.drop_table("meeting_attendance")
    op.drop_table("meeting_records")
    for table, column in (
        ("decisions", "urgency_reason"),
        ("decisions", "urgency"),
        ("decisions", "discussion"),
        ("role_assignments", "assignee_user_id"),
        ("agenda_items", "monitoring_on"),
    ):
        op.drop_column(table, column)
    # Every case comes back as a 支援会議 case: the kind was not kept.
    op.add_column("cases", sa.Column("kind", ENUM, nullable=False, server_default="support"))
