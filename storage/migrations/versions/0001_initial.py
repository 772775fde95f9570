"""Initial schema: agencies, meetings, cases, inputs, decisions, audit trail.

Revision ID: 0001
Revises:
Create Date: 2026-11-22

Written to match ``storage.orm`` exactly (tests/storage/test_migrations.py compares them).
Besides the tables, it makes ``audit_events`` append-only in the database itself: triggers
refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL), whoever connects.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# storage.orm.UtcDateTime is stored in this type; migrations must not import the ORM,
# which will keep changing after this revision is applied.
TIMESTAMP = sa.DateTime(timezone=True)
ID = sa.String(length=32)
USER_ID = sa.String(length=128)
ENUM = sa.String(length=32)
REF = sa.String(length=255)

_APPEND_ONLY_MESSAGE = "audit_events is append-only"

_POSTGRESQL_APPEND_ONLY = [
    f"""
    CREATE FUNCTION audit_events_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{_APPEND_ONLY_MESSAGE}' USING ERRCODE = 'restrict_violation';
    END
    $$
    """,
    """
    CREATE TRIGGER audit_events_no_update_or_delete
    BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()
    """,
    """
    CREATE TRIGGER audit_events_no_truncate
    BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()
    """,
]

_SQLITE_APPEND_ONLY = [
    f"""
    CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
    BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY_MESSAGE}'); END
    """,
    f"""
    CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
    BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY_MESSAGE}'); END
    """,
]


def upgrade() -> None:
    op.create_table(
        "agencies",
        sa.Column("id", ID, nullable=False),
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=100), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agencies")),
        sa.UniqueConstraint("key", name=op.f("uq_agencies_key")),
    )
    op.create_table(
        "agency_memberships",
        sa.Column("agency_id", ID, nullable=False),
        sa.Column("user_id", USER_ID, nullable=False),
        sa.Column("added_by", USER_ID, nullable=False),
        sa.Column("added_at", TIMESTAMP, nullable=False),
        sa.Column("removed_at", TIMESTAMP, nullable=True),
        sa.Column("removed_by", USER_ID, nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
            name=op.f("fk_agency_memberships_agency_id_agencies"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("agency_id", "user_id", name=op.f("pk_agency_memberships")),
    )
    op.create_index(
        op.f("ix_agency_memberships_user_id"), "agency_memberships", ["user_id"], unique=False
    )
    op.create_table(
        "coordinators",
        sa.Column("user_id", USER_ID, nullable=False),
        sa.Column("added_by", USER_ID, nullable=False),
        sa.Column("added_at", TIMESTAMP, nullable=False),
        sa.Column("removed_at", TIMESTAMP, nullable=True),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_coordinators")),
    )

    op.create_table(
        "meeting_channels",
        sa.Column("channel_id", sa.String(length=64), nullable=False),
        sa.Column("created_by", USER_ID, nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("channel_id", name=op.f("pk_meeting_channels")),
    )
    op.create_table(
        "meeting_series",
        sa.Column("id", ID, nullable=False),
        sa.Column("channel_id", sa.String(length=64), nullable=False),
        sa.Column("kind", ENUM, nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("start_time", sa.Time(), nullable=False),
        sa.Column("holiday_policy", ENUM, nullable=False),
        sa.Column("created_by", USER_ID, nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "ordinal IN (1, 2, 3, 4, 5, -1)", name=op.f("ck_meeting_series_ordinal")
        ),
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name=op.f("ck_meeting_series_weekday")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_series")),
    )
    op.create_index(
        op.f("ix_meeting_series_channel_id"), "meeting_series", ["channel_id"], unique=False
    )
    op.create_table(
        "meetings",
        sa.Column("id", ID, nullable=False),
        sa.Column("channel_id", sa.String(length=64), nullable=False),
        sa.Column("kind", ENUM, nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("start_time", sa.Time(), nullable=False),
        sa.Column("created_by", USER_ID, nullable=False),
        sa.Column("series_id", ID, nullable=True),
        sa.Column("place", sa.Text(), nullable=False),
        sa.Column("state", ENUM, nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("notice_ref", REF, nullable=True),
        sa.Column("minutes_final_at", TIMESTAMP, nullable=True),
        sa.Column("minutes_sha256", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["meeting_series.id"],
            name=op.f("fk_meetings_series_id_meeting_series"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meetings")),
        sa.UniqueConstraint("channel_id", "date", name=op.f("uq_meetings_channel_id_date")),
    )
    op.create_index(op.f("ix_meetings_series_id"), "meetings", ["series_id"], unique=False)

    op.create_table(
        "cases",
        sa.Column("id", ID, nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", ENUM, nullable=False),
        sa.Column("created_by", USER_ID, nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("status", ENUM, nullable=False),
        sa.Column("consent_given_on", sa.Date(), nullable=True),
        sa.Column("consent_recorded_by", USER_ID, nullable=True),
        sa.Column("consent_recorded_at", TIMESTAMP, nullable=True),
        sa.Column("consent_withdrawn_on", sa.Date(), nullable=True),
        sa.Column("consent_withdrawn_by", USER_ID, nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint(
            "(consent_given_on IS NULL) = (consent_recorded_by IS NULL)"
            " AND (consent_given_on IS NULL) = (consent_recorded_at IS NULL)",
            name=op.f("ck_cases_consent_complete"),
        ),
        sa.CheckConstraint("seq >= 1", name=op.f("ck_cases_seq_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
        sa.UniqueConstraint("fiscal_year", "seq", name=op.f("uq_cases_fiscal_year_seq")),
    )
    op.create_table(
        "case_asked_agencies",
        sa.Column("case_id", ID, nullable=False),
        sa.Column("agency_id", ID, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
            name=op.f("fk_case_asked_agencies_agency_id_agencies"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_case_asked_agencies_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("case_id", "agency_id", name=op.f("pk_case_asked_agencies")),
    )
    op.create_index(
        op.f("ix_case_asked_agencies_agency_id"), "case_asked_agencies", ["agency_id"], unique=False
    )
    op.create_table(
        "case_code_counters",
        sa.Column("fiscal_year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.CheckConstraint("last_seq >= 1", name=op.f("ck_case_code_counters_last_seq_positive")),
        sa.PrimaryKeyConstraint("fiscal_year", name=op.f("pk_case_code_counters")),
    )

    op.create_table(
        "agenda_items",
        sa.Column("id", ID, nullable=False),
        sa.Column("meeting_id", ID, nullable=False),
        sa.Column("case_id", ID, nullable=False),
        sa.Column("added_by", USER_ID, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("occasion", ENUM, nullable=True),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("thread_ref", REF, nullable=True),
        sa.Column("added_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_agenda_items_case_id_cases"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_agenda_items_meeting_id_meetings"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agenda_items")),
        sa.UniqueConstraint(
            "meeting_id", "case_id", name=op.f("uq_agenda_items_meeting_id_case_id")
        ),
        sa.UniqueConstraint("thread_ref", name=op.f("uq_agenda_items_thread_ref")),
    )
    op.create_index(op.f("ix_agenda_items_case_id"), "agenda_items", ["case_id"], unique=False)

    op.create_table(
        "agency_inputs",
        sa.Column("id", ID, nullable=False),
        sa.Column("meeting_id", ID, nullable=False),
        sa.Column("case_id", ID, nullable=False),
        sa.Column("agency_id", ID, nullable=False),
        sa.Column("author_user_id", USER_ID, nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("source", ENUM, nullable=False),
        sa.Column("source_ref", REF, nullable=False),
        sa.Column("state", ENUM, nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
            name=op.f("fk_agency_inputs_agency_id_agencies"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_agency_inputs_case_id_cases"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_agency_inputs_meeting_id_meetings"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agency_inputs")),
        sa.UniqueConstraint(
            "source", "source_ref", name=op.f("uq_agency_inputs_source_source_ref")
        ),
    )
    op.create_index(
        op.f("ix_agency_inputs_agency_id"), "agency_inputs", ["agency_id"], unique=False
    )
    op.create_index(op.f("ix_agency_inputs_case_id"), "agency_inputs", ["case_id"], unique=False)
    op.create_index(
        op.f("ix_agency_inputs_meeting_id_case_id"),
        "agency_inputs",
        ["meeting_id", "case_id"],
        unique=False,
    )

    op.create_table(
        "confidentiality_acknowledgements",
        sa.Column("meeting_id", ID, nullable=False),
        sa.Column("user_id", USER_ID, nullable=False),
        sa.Column("notice_version", ENUM, nullable=False),
        sa.Column("acknowledged_at", TIMESTAMP, nullable=False),
        sa.Column("via", ENUM, nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_confidentiality_acknowledgements_meeting_id_meetings"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint(
            "meeting_id",
            "user_id",
            "notice_version",
            name=op.f("pk_confidentiality_acknowledgements"),
        ),
    )
    op.create_index(
        op.f("ix_confidentiality_acknowledgements_user_id"),
        "confidentiality_acknowledgements",
        ["user_id"],
        unique=False,
    )

    op.create_table(
        "role_assignments",
        sa.Column("id", ID, nullable=False),
        sa.Column("case_id", ID, nullable=False),
        sa.Column("agency_id", ID, nullable=False),
        sa.Column("meeting_id", ID, nullable=True),
        sa.Column("task", sa.Text(), nullable=False),
        sa.Column("created_by", USER_ID, nullable=False),
        sa.Column("assignee", sa.Text(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("lead", sa.Boolean(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
            name=op.f("fk_role_assignments_agency_id_agencies"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_role_assignments_case_id_cases"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_role_assignments_meeting_id_meetings"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role_assignments")),
    )
    op.create_index(
        op.f("ix_role_assignments_agency_id"), "role_assignments", ["agency_id"], unique=False
    )
    op.create_index(
        op.f("ix_role_assignments_case_id"), "role_assignments", ["case_id"], unique=False
    )
    op.create_index(
        op.f("ix_role_assignments_meeting_id"), "role_assignments", ["meeting_id"], unique=False
    )

    op.create_table(
        "decisions",
        sa.Column("meeting_id", ID, nullable=False),
        sa.Column("case_id", ID, nullable=False),
        sa.Column("decided_by", USER_ID, nullable=False),
        sa.Column("support_policy", sa.Text(), nullable=False),
        sa.Column("next_monitoring_on", sa.Date(), nullable=True),
        sa.Column("outcome", ENUM, nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("decided_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_decisions_case_id_cases"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_decisions_meeting_id_meetings"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("meeting_id", "case_id", name=op.f("pk_decisions")),
    )
    op.create_index(op.f("ix_decisions_case_id"), "decisions", ["case_id"], unique=False)

    op.create_table(
        "audit_events",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("id", ID, nullable=False),
        sa.Column("at", TIMESTAMP, nullable=False),
        sa.Column("actor", USER_ID, nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target_type", sa.String(length=64), nullable=False),
        sa.Column("target_id", REF, nullable=False),
        sa.Column("allowed", sa.Boolean(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_events")),
        sa.UniqueConstraint("id", name=op.f("uq_audit_events_id")),
    )
    op.create_index(op.f("ix_audit_events_actor"), "audit_events", ["actor"], unique=False)
    op.create_index(op.f("ix_audit_events_at"), "audit_events", ["at"], unique=False)
    op.create_index(op.f("ix_audit_events_target_id"), "audit_events", ["target_id"], unique=False)

    op.create_table(
        "processed_requests",
        sa.Column("key", REF, nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_processed_requests")),
    )
    op.create_index(
        op.f("ix_processed_requests_created_at"), "processed_requests", ["created_at"], unique=False
    )

    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for statement in _POSTGRESQL_APPEND_ONLY:
            op.execute(statement)
    elif dialect == "sqlite":
        for statement in _SQLITE_APPEND_ONLY:
            op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER audit_events_no_truncate ON audit_events")
        op.execute("DROP TRIGGER audit_events_no_update_or_delete ON audit_events")
        op.execute("DROP FUNCTION audit_events_append_only()")
    elif dialect == "sqlite":
        op.execute("DROP TRIGGER audit_events_no_delete")
        op.execute("DROP TRIGGER audit_events_no_update")
    # Tables go in reverse dependency order; their indexes go with them.
    for table in (
        "processed_requests",
        "audit_events",
        "decisions",
        "role_assignments",
        "confidentiality_acknowledgements",
        "agency_inputs",
        "agenda_items",
        "case_code_counters",
        "case_asked_agencies",
        "cases",
        "meetings",
        "meeting_series",
        "meeting_channels",
        "coordinators",
        "agency_memberships",
        "agencies",
    ):
        op.drop_table(table)
