"""SQLAlchemy 2 table mappings, one table per domain entity.

The rows here are storage details: repositories map them to and from the domain
dataclasses explicitly, so domain objects are never instrumented by SQLAlchemy.

Conventions:

* String primary keys hold the domain's opaque uuid hex IDs. Entities that have no ID in the
  domain (memberships, coordinators, acknowledgements, decisions) use their natural key as
  the primary key, which is also the uniqueness rule the domain asks for.
* Enumerations are stored as short strings (not native enums), so adding a value needs no
  migration.
* Timestamps are timezone-aware in Python and stored as UTC (see :class:`UtcDateTime`).
* Foreign keys ``RESTRICT`` deletes: nothing in the domain deletes a meeting, case or agency,
  and losing the records they anchor would be worse than a failed delete. The audit trail
  has no foreign keys at all, so it outlives anything it mentions.
* The metadata has a naming convention, so constraint names are stable across databases and
  migrations can refer to them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    Time,
    Unicode,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Column sizes. SQLite ignores them; PostgreSQL enforces them, so they are generous.
ID = 32  # uuid4().hex
USER_ID = 128  # bot.domain.model.validate_user_id allows up to 128 characters
CHANNEL_ID = 64
ENUM = 32
REF = 255  # chat message references, idempotency keys, audit targets


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime stored as UTC.

    PostgreSQL keeps it in ``timestamp with time zone``; SQLite has no time zone support, so
    the value is stored as naive UTC there. Either way the value comes back aware and in UTC,
    so both databases round-trip identically. Naive datetimes are refused on write: their
    meaning would depend on the server's clock settings.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
            raise ValueError("naive datetimes cannot be stored: give a timezone-aware value")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base whose metadata carries the constraint naming convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: dict[Any, Any] = {  # noqa: RUF012 - SQLAlchemy reads a plain dict
        datetime: UtcDateTime(),
        date: Date(),
        time: Time(),
        str: String(REF),
        int: Integer(),
        bool: Boolean(),
    }


def _fk(target: str, *, ondelete: str = "RESTRICT") -> ForeignKey:
    return ForeignKey(target, ondelete=ondelete)


# --------------------------------------------------------------------------- people


class AgencyRow(Base):
    __tablename__ = "agencies"
    __table_args__ = (UniqueConstraint("key"),)

    id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    key: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]


class AgencyMembershipRow(Base):
    __tablename__ = "agency_memberships"
    __table_args__ = (Index(None, "user_id"),)

    # The primary key is the domain's uniqueness rule: one membership per (agency, user).
    agency_id: Mapped[str] = mapped_column(String(ID), _fk("agencies.id"), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(USER_ID), primary_key=True)
    added_by: Mapped[str] = mapped_column(String(USER_ID))
    added_at: Mapped[datetime]
    removed_at: Mapped[datetime | None]
    removed_by: Mapped[str | None] = mapped_column(String(USER_ID))


class CoordinatorRow(Base):
    __tablename__ = "coordinators"

    user_id: Mapped[str] = mapped_column(String(USER_ID), primary_key=True)
    added_by: Mapped[str] = mapped_column(String(USER_ID))
    added_at: Mapped[datetime]
    removed_at: Mapped[datetime | None]


class PersonRow(Base):
    """A chat user's display name as the bot last learnt it: personal data, shown in the
    minutes, never logged. No foreign key: anyone a document names may have one."""

    __tablename__ = "people"

    user_id: Mapped[str] = mapped_column(String(USER_ID), primary_key=True)
    display_name: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime]


# --------------------------------------------------------------------------- meetings


class MeetingChannelRow(Base):
    """A chat channel set up to hold meetings. Meetings refer to it by ``channel_id`` but
    have no foreign key to it: a meeting's record must not depend on the channel's.
    """

    __tablename__ = "meeting_channels"

    channel_id: Mapped[str] = mapped_column(String(CHANNEL_ID), primary_key=True)
    created_by: Mapped[str] = mapped_column(String(USER_ID))
    created_at: Mapped[datetime]


class MeetingSeriesRow(Base):
    __tablename__ = "meeting_series"
    __table_args__ = (
        Index(None, "channel_id"),
        CheckConstraint("ordinal IN (1, 2, 3, 4, 5, -1)", name="ordinal"),
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday"),
    )

    id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(CHANNEL_ID))
    kind: Mapped[str] = mapped_column(String(ENUM))
    ordinal: Mapped[int]
    weekday: Mapped[int]
    start_time: Mapped[time]
    holiday_policy: Mapped[str] = mapped_column(String(ENUM))
    created_by: Mapped[str] = mapped_column(String(USER_ID))
    created_at: Mapped[datetime]
    active: Mapped[bool]


class MeetingRow(Base):
    __tablename__ = "meetings"
    # A meeting is named in chat by its date within a channel.
    __table_args__ = (UniqueConstraint("channel_id", "date"), Index(None, "series_id"))

    id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(CHANNEL_ID))
    kind: Mapped[str] = mapped_column(String(ENUM))
    date: Mapped[date]
    start_time: Mapped[time]
    created_by: Mapped[str] = mapped_column(String(USER_ID))
    series_id: Mapped[str | None] = mapped_column(String(ID), _fk("meeting_series.id"))
    place: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(ENUM))
    created_at: Mapped[datetime]
    notice_ref: Mapped[str | None] = mapped_column(String(REF))
    minutes_final_at: Mapped[datetime | None]
    minutes_sha256: Mapped[str | None] = mapped_column(String(64))
    room_id: Mapped[str | None] = mapped_column(String(CHANNEL_ID), index=True, unique=True)
    room_stopped: Mapped[str] = mapped_column(Text, default="")
    room_archived_at: Mapped[datetime | None]


# --------------------------------------------------------------------------- cases


class CaseRow(Base):
    __tablename__ = "cases"
    __table_args__ = (
        # 事例番号 is unique per 年度.
        UniqueConstraint("fiscal_year", "seq"),
        CheckConstraint("seq >= 1", name="seq_positive"),
        # A consent is recorded whole or not at all.
        CheckConstraint(
            "(consent_given_on IS NULL) = (consent_recorded_by IS NULL)"
            " AND (consent_given_on IS NULL) = (consent_recorded_at IS NULL)",
            name="consent_complete",
        ),
    )

    id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    fiscal_year: Mapped[int]
    seq: Mapped[int]
    created_by: Mapped[str] = mapped_column(String(USER_ID))
    urgent: Mapped[bool]
    summary: Mapped[str] = mapped_column(Text)  # case content: never logged
    status: Mapped[str] = mapped_column(String(ENUM))
    consent_given_on: Mapped[date | None]
    consent_recorded_by: Mapped[str | None] = mapped_column(String(USER_ID))
    consent_recorded_at: Mapped[datetime | None]
    consent_withdrawn_on: Mapped[date | None]
    consent_withdrawn_by: Mapped[str | None] = mapped_column(String(USER_ID))
    created_at: Mapped[datetime]

    asked_agencies: Mapped[list[CaseAskedAgencyRow]] = relationship(
        order_by="CaseAskedAgencyRow.position",
        cascade="all, delete-orphan",
        lazy="selectin",
    )


class CaseAskedAgencyRow(Base):
    """An agency convened for a case; ``position`` keeps the coordinator's order."""

    __tablename__ = "case_asked_agencies"
    __table_args__ = (Index(None, "agency_id"),)

    case_id: Mapped[str] = mapped_column(
        String(ID), _fk("cases.id", ondelete="CASCADE"), primary_key=True
    )
    agency_id: Mapped[str] = mapped_column(String(ID), _fk("agencies.id"), primary_key=True)
    position: Mapped[int]


class CaseCodeCounterRow(Base):
    """The last 事例番号 sequence handed out in each 年度 (row-locked while allocating)."""

    __tablename__ = "case_code_counters"
    __table_args__ = (CheckConstraint("last_seq >= 1", name="last_seq_positive"),)

    fiscal_year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_seq: Mapped[int]


class AgendaItemRow(Base):
    __tablename__ = "agenda_items"
    __table_args__ = (
        UniqueConstraint("meeting_id", "case_id"),
        # A chat message heads at most one case's thread; replies are found by it.
        UniqueConstraint("thread_ref"),
        Index(None, "case_id"),
    )

    id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    meeting_id: Mapped[str] = mapped_column(String(ID), _fk("meetings.id"))
    case_id: Mapped[str] = mapped_column(String(ID), _fk("cases.id"))
    added_by: Mapped[str] = mapped_column(String(USER_ID))
    position: Mapped[int]
    occasion: Mapped[str | None] = mapped_column(String(ENUM))
    purpose: Mapped[str] = mapped_column(Text)
    thread_ref: Mapped[str | None] = mapped_column(String(REF))
    added_at: Mapped[datetime]
    monitoring_on: Mapped[date | None]


class AgencyInputRow(Base):
    __tablename__ = "agency_inputs"
    __table_args__ = (
        # One recorded input per source message: a retried event cannot add a second copy.
        UniqueConstraint("source", "source_ref"),
        Index(None, "meeting_id", "case_id"),
        Index(None, "case_id"),
        Index(None, "agency_id"),
    )

    id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    meeting_id: Mapped[str] = mapped_column(String(ID), _fk("meetings.id"))
    case_id: Mapped[str] = mapped_column(String(ID), _fk("cases.id"))
    agency_id: Mapped[str] = mapped_column(String(ID), _fk("agencies.id"))
    author_user_id: Mapped[str] = mapped_column(String(USER_ID))
    text: Mapped[str] = mapped_column(Text)  # case content: never logged
    source: Mapped[str] = mapped_column(String(ENUM))
    source_ref: Mapped[str] = mapped_column(String(REF))
    state: Mapped[str] = mapped_column(String(ENUM))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime | None]


class ConfidentialityAcknowledgementRow(Base):
    __tablename__ = "confidentiality_acknowledgements"
    __table_args__ = (Index(None, "user_id"),)

    # The primary key is the uniqueness rule: one acknowledgement per notice version.
    meeting_id: Mapped[str] = mapped_column(String(ID), _fk("meetings.id"), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(USER_ID), primary_key=True)
    notice_version: Mapped[str] = mapped_column(String(ENUM), primary_key=True)
    acknowledged_at: Mapped[datetime]
    via: Mapped[str] = mapped_column(String(ENUM))


class RoleAssignmentRow(Base):
    __tablename__ = "role_assignments"
    __table_args__ = (
        Index(None, "case_id"),
        Index(None, "meeting_id"),
        Index(None, "agency_id"),
    )

    id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(ID), _fk("cases.id"))
    agency_id: Mapped[str] = mapped_column(String(ID), _fk("agencies.id"))
    meeting_id: Mapped[str | None] = mapped_column(String(ID), _fk("meetings.id"))
    task: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(USER_ID))
    assignee: Mapped[str] = mapped_column(Text)
    assignee_user_id: Mapped[str | None] = mapped_column(String(USER_ID))
    due_on: Mapped[date | None]
    lead: Mapped[bool]
    created_at: Mapped[datetime]


class DecisionRow(Base):
    __tablename__ = "decisions"
    __table_args__ = (Index(None, "case_id"),)

    # The primary key is the uniqueness rule: one decision per case per meeting.
    meeting_id: Mapped[str] = mapped_column(String(ID), _fk("meetings.id"), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(ID), _fk("cases.id"), primary_key=True)
    decided_by: Mapped[str] = mapped_column(String(USER_ID))
    support_policy: Mapped[str] = mapped_column(Text)
    next_monitoring_on: Mapped[date | None]
    outcome: Mapped[str] = mapped_column(String(ENUM))
    notes: Mapped[str] = mapped_column(Text)
    decided_at: Mapped[datetime]
    discussion: Mapped[str] = mapped_column(Text)
    urgency: Mapped[str | None] = mapped_column(String(ENUM))
    urgency_reason: Mapped[str] = mapped_column(Text)


class MeetingRecordRow(Base):
    """会議記録: the meeting as it was held (one per meeting)."""

    __tablename__ = "meeting_records"

    meeting_id: Mapped[str] = mapped_column(String(ID), _fk("meetings.id"), primary_key=True)
    recorded_by: Mapped[str] = mapped_column(String(USER_ID))
    recorded_at: Mapped[datetime]
    place: Mapped[str] = mapped_column(Text)
    method: Mapped[str | None] = mapped_column(String(ENUM))
    started_at: Mapped[time | None]
    ended_at: Mapped[time | None]
    chair_user_id: Mapped[str | None] = mapped_column(String(USER_ID))
    recorder_user_id: Mapped[str | None] = mapped_column(String(USER_ID))
    others_present: Mapped[str] = mapped_column(Text)
    next_meeting_on: Mapped[date | None]
    next_meeting_at: Mapped[time | None]

    attendance: Mapped[list[MeetingAttendanceRow]] = relationship(
        order_by="MeetingAttendanceRow.position",
        cascade="all, delete-orphan",
        lazy="selectin",
    )


class MeetingAttendanceRow(Base):
    """One line of a meeting's attendance: a person present or absent for an agency (or the
    secretariat, ``agency_id`` NULL), or a whole agency absent (``user_id`` NULL)."""

    __tablename__ = "meeting_attendance"
    __table_args__ = (
        Index(None, "agency_id"),
        CheckConstraint(
            "user_id IS NOT NULL OR (agency_id IS NOT NULL AND NOT present)", name="who"
        ),
    )

    meeting_id: Mapped[str] = mapped_column(
        String(ID), _fk("meeting_records.meeting_id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    agency_id: Mapped[str | None] = mapped_column(String(ID), _fk("agencies.id"))
    user_id: Mapped[str | None] = mapped_column(String(USER_ID))
    present: Mapped[bool]


class FinalDocumentRow(Base):
    """A finalised document's exact bytes, frozen (one per meeting and kind)."""

    __tablename__ = "final_documents"

    meeting_id: Mapped[str] = mapped_column(String(ID), _fk("meetings.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(ENUM), primary_key=True)
    filename: Mapped[str] = mapped_column(String(REF))
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    finalised_by: Mapped[str] = mapped_column(String(USER_ID))
    finalised_at: Mapped[datetime]


# --------------------------------------------------------------------------- audit, idempotency


class AuditEventRow(Base):
    """The append-only audit trail. No foreign keys: it must outlive what it mentions.

    ``seq`` (an integer primary key) records insertion order, so events that share a
    timestamp (a frozen test clock, one request writing several events) still list in the
    order they were appended. ``id`` is the domain's event ID. ``prev_hash`` and
    ``chain_hash`` chain each event to the one before it (:mod:`bot.domain.audit_chain`).
    """

    __tablename__ = "audit_events"
    __table_args__ = (
        UniqueConstraint("id"),
        Index(None, "target_id"),
        Index(None, "actor"),
        Index(None, "at"),
    )

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    id: Mapped[str] = mapped_column(String(ID))
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(USER_ID))
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str] = mapped_column(String(64))
    target_id: Mapped[str] = mapped_column(String(REF))
    allowed: Mapped[bool]
    detail: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    chain_hash: Mapped[str] = mapped_column(String(64))


class AuditChainRow(Base):
    """The audit chain's head: the last event's position and hash. Appends lock this row
    (``SELECT … FOR UPDATE``), so two processes never chain onto the same event; a deleted
    or added tail shows as a head that does not match the last event."""

    __tablename__ = "audit_chain"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"))
    last_hash: Mapped[str] = mapped_column(String(64))


class SeenSignatureRow(Base):
    """A request signature already accepted, kept until its timestamp is too old to be
    accepted again: a replayed request is refused, whichever process it reaches."""

    __tablename__ = "seen_signatures"
    __table_args__ = (Index(None, "expires_at"),)

    signature: Mapped[str] = mapped_column(String(128), primary_key=True)
    seen_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class InboxRow(Base):
    """An acked chat request whose work has not finished yet (``storage.inbox``): kept
    until it has, so that a crash loses nothing. Holds the request's body (case content),
    hence deleted the moment its work is done."""

    __tablename__ = "inbox"
    __table_args__ = (Index(None, "owner"),)

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    owner: Mapped[str | None] = mapped_column(String(64))
    received_at: Mapped[datetime]
    body: Mapped[str] = mapped_column(Text)
    headers: Mapped[str] = mapped_column(Text)


class InboxOwnerRow(Base):
    """A serving process's heartbeat (Unix time): the inbox rows of one whose heartbeat
    stopped are taken over by another."""

    __tablename__ = "inbox_owners"

    owner: Mapped[str] = mapped_column(String(64), primary_key=True)
    seen_at: Mapped[float] = mapped_column(Float)


class ProcessedRequestRow(Base):
    """An idempotency key that has been acted on (chat event ID, button click, send)."""

    __tablename__ = "processed_requests"
    # Lets an operator prune old keys by age without a table scan.
    __table_args__ = (Index(None, "created_at"),)

    key: Mapped[str] = mapped_column(String(REF), primary_key=True)
    created_at: Mapped[datetime]


# --------------------------------------------------------------------------- scheduling


class SchedulerLeaseRow(Base):
    """Who runs the scheduler of this database: one row per lease name, held by one process
    until ``expires_at`` unless renewed (see :mod:`storage.lease`)."""

    __tablename__ = "scheduler_leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(REF))
    acquired_at: Mapped[datetime]
    renewed_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class SchedulerJobRow(Base):
    """APScheduler 3's job table (``SQLAlchemyJobStore``), created by the migrations so that
    the schema has one owner; the columns are exactly the ones APScheduler declares.
    ``job_state`` is a pickled job: a function reference and opaque IDs, never content."""

    __tablename__ = "apscheduler_jobs"
    __table_args__ = (Index(None, "next_run_time"),)

    id: Mapped[str] = mapped_column(Unicode(191), primary_key=True)
    next_run_time: Mapped[float | None] = mapped_column(Float(25))
    job_state: Mapped[bytes] = mapped_column(LargeBinary)


# --------------------------------------------------------------------------- direct delivery


class DirectCardRow(Base):
    """A card the bot sent to one person's 1:1 chat in the direct delivery mode (Teams), kept
    so that it can be replaced when its reader loses access (``bot.services.delivery``).

    ``key`` is ``notice:<meeting id>:<user id>`` or ``case:<agenda item id>:<user id>``. No
    foreign keys: like the audit trail, it must not stop anything from being deleted.
    """

    __tablename__ = "direct_cards"
    __table_args__ = (Index(None, "user_id"), Index(None, "meeting_id"))

    key: Mapped[str] = mapped_column(String(REF), primary_key=True)
    kind: Mapped[str] = mapped_column(String(ENUM))
    meeting_id: Mapped[str] = mapped_column(String(ID))
    item_id: Mapped[str | None] = mapped_column(String(ID))
    user_id: Mapped[str] = mapped_column(String(USER_ID))
    conversation_id: Mapped[str] = mapped_column(String(REF))
    message_id: Mapped[str] = mapped_column(String(REF))
    withdrawn: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime | None]
