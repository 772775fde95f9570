"""SQL repositories implementing the ports of :mod:`bot.services.ports`.

Each repository maps ORM rows to domain dataclasses and back with explicit ``*_to_domain``
and ``*_from_domain`` functions, so the domain objects handed to services are plain
dataclasses that SQLAlchemy never instruments. ``save()`` copies a domain object's fields
onto its row; the change is written at the next flush or commit.

Duplicates: every ``add`` (and every ``save`` that could collide with a unique key) runs its
write inside a SAVEPOINT. When the database reports a unique violation, only the savepoint
is rolled back and :class:`~bot.domain.errors.DuplicateRecord` (a ``Duplicate``) is raised:
the unit of work's transaction and everything written in it so far stay usable, so a service
can answer "already done" and still commit its audit event. Storage words nothing: its errors
name the record and its key values (keys, codes and dates only, never case content), and the
catalogue (``bot.texts.STORAGE``) words them.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import delete, event, exists, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, SessionTransaction

from bot.domain.audit_chain import event_hash
from bot.domain.calendar import HolidayPolicy
from bot.domain.errors import DuplicateRecord, MissingRecord, Record
from bot.domain.model import (
    Agency,
    AgencyInput,
    AgencyMembership,
    AgendaItem,
    Attendance,
    AuditAction,
    AuditEvent,
    Case,
    CaseCode,
    CaseStatus,
    ConfidentialityAcknowledgement,
    Consent,
    Coordinator,
    Decision,
    FinalDocument,
    InputSource,
    InputState,
    Meeting,
    MeetingChannel,
    MeetingKind,
    MeetingMethod,
    MeetingRecord,
    MeetingSeries,
    MeetingState,
    Occasion,
    Outcome,
    Person,
    RoleAssignment,
    Urgency,
)
from bot.domain.model import utcnow as _utcnow
from storage.orm import (
    AgencyInputRow,
    AgencyMembershipRow,
    AgencyRow,
    AgendaItemRow,
    AuditChainRow,
    AuditEventRow,
    CaseAskedAgencyRow,
    CaseCodeCounterRow,
    CaseRow,
    ConfidentialityAcknowledgementRow,
    CoordinatorRow,
    DecisionRow,
    FinalDocumentRow,
    MeetingAttendanceRow,
    MeetingChannelRow,
    MeetingRecordRow,
    MeetingRow,
    MeetingSeriesRow,
    PersonRow,
    ProcessedRequestRow,
    RoleAssignmentRow,
)

__all__ = [
    "SqlAcknowledgementRepository",
    "SqlAgencyInputRepository",
    "SqlAgencyRepository",
    "SqlAgendaRepository",
    "SqlAuditTrail",
    "SqlCaseRepository",
    "SqlCoordinatorRepository",
    "SqlDecisionRepository",
    "SqlFinalDocumentRepository",
    "SqlMeetingChannelRepository",
    "SqlMeetingRecordRepository",
    "SqlMeetingRepository",
    "SqlMeetingSeriesRepository",
    "SqlMembershipRepository",
    "SqlProcessedRequests",
    "SqlRoleAssignmentRepository",
]

_Row = TypeVar("_Row")

# How often next_code retries after losing the race to create a 年度's counter row. One
# retry always suffices in practice (the winner's row is then visible); the bound only
# guards against a bug turning into an endless loop.
_COUNTER_ATTEMPTS = 5


# --------------------------------------------------------------------------- errors


def is_unique_violation(error: IntegrityError) -> bool:
    """Whether ``error`` is a unique/primary-key violation (not a foreign key or check)."""
    orig: Any = error.orig
    sqlstate = getattr(orig, "sqlstate", None)  # psycopg
    if sqlstate is not None:
        return bool(sqlstate == "23505")
    errorname = getattr(orig, "sqlite_errorname", None)  # sqlite3 (Python 3.11+)
    if errorname is not None:
        return errorname in ("SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY")
    text = str(orig).lower()
    return "unique" in text or "duplicate key" in text


class _Repository:
    """Shared plumbing: the unit of work's session and the duplicate-safe write."""

    def __init__(self, session: Session) -> None:
        self._session = session

    @contextmanager
    def _unique(self, record: Record, /, **keys: object) -> Iterator[None]:
        """Run the writes of the block in a SAVEPOINT; a unique violation →
        ``DuplicateRecord(record, **keys)``.

        Pending changes from before the block are flushed first (by ``begin_nested``), so
        a failure inside the block can only come from the block's own writes.
        """
        try:
            with self._session.begin_nested():
                yield
        except IntegrityError as error:
            if is_unique_violation(error):
                raise DuplicateRecord(record, **keys) from None
            raise

    def _row(self, row_type: type[_Row], key: Any, record: Record, /, **keys: object) -> _Row:
        row = self._session.get(row_type, key)
        if row is None:
            raise MissingRecord(record, **keys)
        return row


# --------------------------------------------------------------------------- agencies


def agency_to_domain(row: AgencyRow) -> Agency:
    return Agency(key=row.key, name=row.name, kind=row.kind, id=row.id, created_at=row.created_at)


def agency_from_domain(agency: Agency, row: AgencyRow | None = None) -> AgencyRow:
    row = row or AgencyRow(id=agency.id)
    row.key = agency.key
    row.name = agency.name
    row.kind = agency.kind
    row.created_at = agency.created_at
    return row


class SqlAgencyRepository(_Repository):
    """関係機関. ``key`` is unique."""

    def add(self, agency: Agency) -> None:
        with self._unique(Record.AGENCY, key=agency.key):
            self._session.add(agency_from_domain(agency))

    def get(self, agency_id: str) -> Agency | None:
        row = self._session.get(AgencyRow, agency_id)
        return agency_to_domain(row) if row else None

    def by_key(self, key: str) -> Agency | None:
        row = self._session.scalars(select(AgencyRow).where(AgencyRow.key == key)).first()
        return agency_to_domain(row) if row else None

    def list(self) -> Sequence[Agency]:
        rows = self._session.scalars(select(AgencyRow).order_by(AgencyRow.key))
        return [agency_to_domain(row) for row in rows]

    def save(self, agency: Agency) -> None:
        with self._unique(Record.AGENCY, key=agency.key):
            agency_from_domain(agency, self._row(AgencyRow, agency.id, Record.AGENCY))


# --------------------------------------------------------------------------- memberships


def membership_to_domain(row: AgencyMembershipRow) -> AgencyMembership:
    return AgencyMembership(
        agency_id=row.agency_id,
        user_id=row.user_id,
        added_by=row.added_by,
        added_at=row.added_at,
        removed_at=row.removed_at,
        removed_by=row.removed_by,
    )


def membership_from_domain(
    membership: AgencyMembership, row: AgencyMembershipRow | None = None
) -> AgencyMembershipRow:
    row = row or AgencyMembershipRow(agency_id=membership.agency_id, user_id=membership.user_id)
    row.added_by = membership.added_by
    row.added_at = membership.added_at
    row.removed_at = membership.removed_at
    row.removed_by = membership.removed_by
    return row


class SqlMembershipRepository(_Repository):
    """構成員: one row per (agency, user); removal is a timestamp, not a delete."""

    def add(self, membership: AgencyMembership) -> None:
        with self._unique(Record.MEMBERSHIP, user_id=membership.user_id):
            self._session.add(membership_from_domain(membership))

    def get(self, agency_id: str, user_id: str) -> AgencyMembership | None:
        row = self._session.get(AgencyMembershipRow, (agency_id, user_id))
        return membership_to_domain(row) if row else None

    def for_agency(self, agency_id: str, *, active_only: bool = True) -> Sequence[AgencyMembership]:
        query = select(AgencyMembershipRow).where(AgencyMembershipRow.agency_id == agency_id)
        return self._query(query, active_only)

    def for_user(self, user_id: str, *, active_only: bool = True) -> Sequence[AgencyMembership]:
        query = select(AgencyMembershipRow).where(AgencyMembershipRow.user_id == user_id)
        return self._query(query, active_only)

    def _query(self, query: Any, active_only: bool) -> builtins.list[AgencyMembership]:
        if active_only:
            query = query.where(AgencyMembershipRow.removed_at.is_(None))
        query = query.order_by(AgencyMembershipRow.added_at, AgencyMembershipRow.user_id)
        return [membership_to_domain(row) for row in self._session.scalars(query)]

    def save(self, membership: AgencyMembership) -> None:
        row = self._row(
            AgencyMembershipRow, (membership.agency_id, membership.user_id), Record.MEMBERSHIP
        )
        membership_from_domain(membership, row)


# --------------------------------------------------------------------------- coordinators


def coordinator_to_domain(row: CoordinatorRow) -> Coordinator:
    return Coordinator(
        user_id=row.user_id,
        added_by=row.added_by,
        added_at=row.added_at,
        removed_at=row.removed_at,
    )


def coordinator_from_domain(
    coordinator: Coordinator, row: CoordinatorRow | None = None
) -> CoordinatorRow:
    row = row or CoordinatorRow(user_id=coordinator.user_id)
    row.added_by = coordinator.added_by
    row.added_at = coordinator.added_at
    row.removed_at = coordinator.removed_at
    return row


class SqlCoordinatorRepository(_Repository):
    """事務局・コーディネーター, keyed by chat user ID."""

    def add(self, coordinator: Coordinator) -> None:
        with self._unique(Record.COORDINATOR, user_id=coordinator.user_id):
            self._session.add(coordinator_from_domain(coordinator))

    def get(self, user_id: str) -> Coordinator | None:
        row = self._session.get(CoordinatorRow, user_id)
        return coordinator_to_domain(row) if row else None

    def list(self, *, active_only: bool = True) -> Sequence[Coordinator]:
        query = select(CoordinatorRow).order_by(CoordinatorRow.added_at, CoordinatorRow.user_id)
        if active_only:
            query = query.where(CoordinatorRow.removed_at.is_(None))
        return [coordinator_to_domain(row) for row in self._session.scalars(query)]

    def save(self, coordinator: Coordinator) -> None:
        row = self._row(CoordinatorRow, coordinator.user_id, Record.COORDINATOR)
        coordinator_from_domain(coordinator, row)


# --------------------------------------------------------------------------- meeting channels


def channel_to_domain(row: MeetingChannelRow) -> MeetingChannel:
    return MeetingChannel(
        channel_id=row.channel_id, created_by=row.created_by, created_at=row.created_at
    )


def channel_from_domain(channel: MeetingChannel) -> MeetingChannelRow:
    return MeetingChannelRow(
        channel_id=channel.channel_id, created_by=channel.created_by, created_at=channel.created_at
    )


class SqlMeetingChannelRepository(_Repository):
    """Channels set up for meetings (``/shien setup``), keyed by chat channel ID."""

    def add(self, channel: MeetingChannel) -> None:
        with self._unique(Record.CHANNEL):
            self._session.add(channel_from_domain(channel))

    def get(self, channel_id: str) -> MeetingChannel | None:
        row = self._session.get(MeetingChannelRow, channel_id)
        return channel_to_domain(row) if row else None

    def list(self) -> Sequence[MeetingChannel]:
        query = select(MeetingChannelRow).order_by(
            MeetingChannelRow.created_at, MeetingChannelRow.channel_id
        )
        return [channel_to_domain(row) for row in self._session.scalars(query)]


# --------------------------------------------------------------------------- meeting series


def series_to_domain(row: MeetingSeriesRow) -> MeetingSeries:
    return MeetingSeries(
        channel_id=row.channel_id,
        kind=MeetingKind(row.kind),
        ordinal=row.ordinal,
        weekday=row.weekday,
        start_time=row.start_time,
        holiday_policy=HolidayPolicy(row.holiday_policy),
        created_by=row.created_by,
        id=row.id,
        created_at=row.created_at,
        active=row.active,
    )


def series_from_domain(
    series: MeetingSeries, row: MeetingSeriesRow | None = None
) -> MeetingSeriesRow:
    row = row or MeetingSeriesRow(id=series.id)
    row.channel_id = series.channel_id
    row.kind = series.kind.value
    row.ordinal = series.ordinal
    row.weekday = series.weekday
    row.start_time = series.start_time
    row.holiday_policy = series.holiday_policy.value
    row.created_by = series.created_by
    row.created_at = series.created_at
    row.active = series.active
    return row


class SqlMeetingSeriesRepository(_Repository):
    """A channel's regular meetings (毎月第n曜日)."""

    def add(self, series: MeetingSeries) -> None:
        with self._unique(Record.SERIES):
            self._session.add(series_from_domain(series))

    def get(self, series_id: str) -> MeetingSeries | None:
        row = self._session.get(MeetingSeriesRow, series_id)
        return series_to_domain(row) if row else None

    def for_channel(self, channel_id: str, *, active_only: bool = True) -> Sequence[MeetingSeries]:
        query = select(MeetingSeriesRow).where(MeetingSeriesRow.channel_id == channel_id)
        if active_only:
            query = query.where(MeetingSeriesRow.active.is_(True))
        query = query.order_by(MeetingSeriesRow.created_at, MeetingSeriesRow.id)
        return [series_to_domain(row) for row in self._session.scalars(query)]

    def save(self, series: MeetingSeries) -> None:
        series_from_domain(series, self._row(MeetingSeriesRow, series.id, Record.SERIES))


# --------------------------------------------------------------------------- meetings


def meeting_to_domain(row: MeetingRow) -> Meeting:
    return Meeting(
        channel_id=row.channel_id,
        kind=MeetingKind(row.kind),
        date=row.date,
        start_time=row.start_time,
        created_by=row.created_by,
        series_id=row.series_id,
        place=row.place,
        state=MeetingState(row.state),
        id=row.id,
        created_at=row.created_at,
        notice_ref=row.notice_ref,
        minutes_final_at=row.minutes_final_at,
        minutes_sha256=row.minutes_sha256,
        room_id=row.room_id,
        room_stopped=row.room_stopped or "",
        room_archived_at=row.room_archived_at,
    )


def _columns(row: Any) -> dict[str, Any]:
    """A row's column values, for a bulk INSERT."""
    return {column.key: getattr(row, column.key) for column in row.__table__.columns}


def meeting_from_domain(meeting: Meeting, row: MeetingRow | None = None) -> MeetingRow:
    row = row or MeetingRow(id=meeting.id)
    row.channel_id = meeting.channel_id
    row.kind = meeting.kind.value
    row.date = meeting.date
    row.start_time = meeting.start_time
    row.created_by = meeting.created_by
    row.series_id = meeting.series_id
    row.place = meeting.place
    row.state = meeting.state.value
    row.created_at = meeting.created_at
    row.notice_ref = meeting.notice_ref
    row.minutes_final_at = meeting.minutes_final_at
    row.minutes_sha256 = meeting.minutes_sha256
    row.room_id = meeting.room_id
    row.room_stopped = meeting.room_stopped
    row.room_archived_at = meeting.room_archived_at
    return row


class SqlMeetingRepository(_Repository):
    """Meetings; one per channel and date."""

    def add(self, meeting: Meeting) -> None:
        with self._unique(Record.MEETING, date=meeting.date.isoformat()):
            self._session.add(meeting_from_domain(meeting))

    def add_many(self, meetings: Sequence[Meeting]) -> None:
        """One bulk INSERT (a twelve-month series is one statement, not twelve flushes)."""
        if not meetings:
            return
        rows = [_columns(meeting_from_domain(meeting)) for meeting in meetings]
        with self._unique(Record.MEETING, date=meetings[0].date.isoformat()):
            self._session.execute(insert(MeetingRow), rows)

    def days(self, channel_id: str) -> set[date]:
        query = select(MeetingRow.date).where(MeetingRow.channel_id == channel_id)
        return set(self._session.scalars(query))

    def get(self, meeting_id: str) -> Meeting | None:
        row = self._session.get(MeetingRow, meeting_id)
        return meeting_to_domain(row) if row else None

    def on_date(self, channel_id: str, day: date) -> Meeting | None:
        query = select(MeetingRow).where(
            MeetingRow.channel_id == channel_id, MeetingRow.date == day
        )
        row = self._session.scalars(query).first()
        return meeting_to_domain(row) if row else None

    def upcoming(self, channel_id: str, from_day: date) -> Sequence[Meeting]:
        query = (
            select(MeetingRow)
            .where(
                MeetingRow.channel_id == channel_id,
                MeetingRow.date >= from_day,
                MeetingRow.state != MeetingState.CANCELLED.value,
            )
            .order_by(MeetingRow.date, MeetingRow.start_time)
        )
        return [meeting_to_domain(row) for row in self._session.scalars(query)]

    def by_room(self, room_id: str) -> Meeting | None:
        row = self._session.scalars(select(MeetingRow).where(MeetingRow.room_id == room_id)).first()
        return meeting_to_domain(row) if row is not None else None

    def with_open_rooms(self) -> Sequence[Meeting]:
        query = (
            select(MeetingRow)
            .where(MeetingRow.room_id.is_not(None), MeetingRow.room_archived_at.is_(None))
            .order_by(MeetingRow.date, MeetingRow.id)
        )
        return [meeting_to_domain(row) for row in self._session.scalars(query)]

    def finalised_before(self, cutoff: datetime) -> Sequence[Meeting]:
        query = (
            select(MeetingRow)
            .where(MeetingRow.minutes_final_at.is_not(None), MeetingRow.minutes_final_at < cutoff)
            .order_by(MeetingRow.minutes_final_at, MeetingRow.id)
        )
        return [meeting_to_domain(row) for row in self._session.scalars(query)]

    def save(self, meeting: Meeting) -> None:
        # Moving a meeting to a date the channel already has is a duplicate, too.
        with self._unique(Record.MEETING, date=meeting.date.isoformat()):
            meeting_from_domain(meeting, self._row(MeetingRow, meeting.id, Record.MEETING))


# --------------------------------------------------------------------------- cases


def case_to_domain(row: CaseRow) -> Case:
    consent = None
    if row.consent_given_on is not None:
        # The check constraint ck_cases_consent_complete keeps these together.
        assert row.consent_recorded_by is not None and row.consent_recorded_at is not None
        consent = Consent(
            given_on=row.consent_given_on,
            recorded_by=row.consent_recorded_by,
            recorded_at=row.consent_recorded_at,
            withdrawn_on=row.consent_withdrawn_on,
            withdrawn_by=row.consent_withdrawn_by,
        )
    return Case(
        code=CaseCode(row.fiscal_year, row.seq),
        created_by=row.created_by,
        asked_agency_ids=[asked.agency_id for asked in row.asked_agencies],
        urgent=row.urgent,
        summary=row.summary,
        status=CaseStatus(row.status),
        consent=consent,
        id=row.id,
        created_at=row.created_at,
    )


def case_from_domain(case: Case, row: CaseRow | None = None) -> CaseRow:
    row = row or CaseRow(id=case.id, asked_agencies=[])
    row.fiscal_year = case.code.fiscal_year
    row.seq = case.code.seq
    row.created_by = case.created_by
    row.urgent = case.urgent
    row.summary = case.summary
    row.status = case.status.value
    consent = case.consent
    row.consent_given_on = consent.given_on if consent else None
    row.consent_recorded_by = consent.recorded_by if consent else None
    row.consent_recorded_at = consent.recorded_at if consent else None
    row.consent_withdrawn_on = consent.withdrawn_on if consent else None
    row.consent_withdrawn_by = consent.withdrawn_by if consent else None
    row.created_at = case.created_at
    # Reuse the row of an agency that stays asked (its primary key is (case, agency)), so
    # reordering is an UPDATE of positions; agencies no longer asked are deleted as orphans.
    existing = {asked.agency_id: asked for asked in row.asked_agencies}
    asked_rows = []
    for position, agency_id in enumerate(dict.fromkeys(case.asked_agency_ids)):
        asked = existing.get(agency_id) or CaseAskedAgencyRow(agency_id=agency_id)
        asked.position = position
        asked_rows.append(asked)
    row.asked_agencies = asked_rows
    return row


class SqlCaseRepository(_Repository):
    """事例. The code (年度 + 連番) is unique; ``next_code`` allocates it safely."""

    def next_code(self, fiscal_year: int) -> CaseCode:
        """Allocate the next 事例番号 of ``fiscal_year``.

        The counter row is incremented with an UPDATE, which on PostgreSQL locks it until
        the unit of work ends: a concurrent caller waits, then sees the committed value. If
        the 年度 has no row yet, it is inserted (in a savepoint); a caller that loses that
        insert race retries the UPDATE, which now finds the winner's row. On SQLite the
        whole transaction holds the database's write lock (``BEGIN IMMEDIATE``), which
        serialises callers the same way. A rolled-back unit of work gives its code back.
        """
        counter = CaseCodeCounterRow
        increment = (
            update(counter)
            .where(counter.fiscal_year == fiscal_year)
            .values(last_seq=counter.last_seq + 1)
            .returning(counter.last_seq)
            .execution_options(synchronize_session=False)
        )
        for _ in range(_COUNTER_ATTEMPTS):
            seq = self._session.execute(increment).scalar_one_or_none()
            if seq is not None:
                return CaseCode(fiscal_year, seq)
            try:
                with self._session.begin_nested():
                    self._session.execute(
                        insert(counter).values(fiscal_year=fiscal_year, last_seq=1)
                    )
            except IntegrityError as error:
                if not is_unique_violation(error):
                    raise
                continue  # another transaction created the row first: increment it instead
            return CaseCode(fiscal_year, 1)
        raise RuntimeError("could not allocate a case code")  # pragma: no cover

    def add(self, case: Case) -> None:
        with self._unique(Record.CASE, code=case.code):
            self._session.add(case_from_domain(case))

    def get(self, case_id: str) -> Case | None:
        row = self._session.get(CaseRow, case_id)
        return case_to_domain(row) if row else None

    def by_code(self, code: CaseCode) -> Case | None:
        query = select(CaseRow).where(
            CaseRow.fiscal_year == code.fiscal_year, CaseRow.seq == code.seq
        )
        row = self._session.scalars(query).first()
        return case_to_domain(row) if row else None

    def list(self, *, fiscal_year: int | None = None) -> Sequence[Case]:
        query = select(CaseRow).order_by(CaseRow.fiscal_year, CaseRow.seq)
        if fiscal_year is not None:
            query = query.where(CaseRow.fiscal_year == fiscal_year)
        return [case_to_domain(row) for row in self._session.scalars(query)]

    def save(self, case: Case) -> None:
        with self._unique(Record.CASE, code=case.code):
            case_from_domain(case, self._row(CaseRow, case.id, Record.CASE, code=case.code))


# --------------------------------------------------------------------------- agenda


def agenda_item_to_domain(row: AgendaItemRow) -> AgendaItem:
    return AgendaItem(
        meeting_id=row.meeting_id,
        case_id=row.case_id,
        added_by=row.added_by,
        position=row.position,
        occasion=Occasion(row.occasion) if row.occasion is not None else None,
        purpose=row.purpose,
        thread_ref=row.thread_ref,
        id=row.id,
        added_at=row.added_at,
        monitoring_on=row.monitoring_on,
    )


def agenda_item_from_domain(item: AgendaItem, row: AgendaItemRow | None = None) -> AgendaItemRow:
    row = row or AgendaItemRow(id=item.id)
    row.meeting_id = item.meeting_id
    row.case_id = item.case_id
    row.added_by = item.added_by
    row.position = item.position
    row.occasion = item.occasion.value if item.occasion is not None else None
    row.purpose = item.purpose
    row.thread_ref = item.thread_ref
    row.added_at = item.added_at
    row.monitoring_on = item.monitoring_on
    return row


class SqlAgendaRepository(_Repository):
    """議題: a case appears at most once on a meeting's agenda; a thread heads one item."""

    def by_id(self, item_id: str) -> AgendaItem | None:
        row = self._session.get(AgendaItemRow, item_id)
        return agenda_item_to_domain(row) if row else None

    def by_thread(self, thread_ref: str) -> AgendaItem | None:
        query = select(AgendaItemRow).where(AgendaItemRow.thread_ref == thread_ref)
        row = self._session.scalars(query).first()
        return agenda_item_to_domain(row) if row else None

    def add(self, item: AgendaItem) -> None:
        with self._unique(Record.AGENDA_ITEM):
            self._session.add(agenda_item_from_domain(item))

    def get(self, meeting_id: str, case_id: str) -> AgendaItem | None:
        query = select(AgendaItemRow).where(
            AgendaItemRow.meeting_id == meeting_id, AgendaItemRow.case_id == case_id
        )
        row = self._session.scalars(query).first()
        return agenda_item_to_domain(row) if row else None

    def for_meeting(self, meeting_id: str) -> Sequence[AgendaItem]:
        query = (
            select(AgendaItemRow)
            .where(AgendaItemRow.meeting_id == meeting_id)
            .order_by(AgendaItemRow.position, AgendaItemRow.added_at, AgendaItemRow.id)
        )
        return [agenda_item_to_domain(row) for row in self._session.scalars(query)]

    def for_case(self, case_id: str) -> Sequence[AgendaItem]:
        query = (
            select(AgendaItemRow)
            .where(AgendaItemRow.case_id == case_id)
            .order_by(AgendaItemRow.added_at, AgendaItemRow.id)
        )
        return [agenda_item_to_domain(row) for row in self._session.scalars(query)]

    def save(self, item: AgendaItem) -> None:
        with self._unique(Record.AGENDA_ITEM):
            agenda_item_from_domain(item, self._row(AgendaItemRow, item.id, Record.AGENDA_ITEM))

    def remove(self, item_id: str) -> None:
        self._session.delete(self._row(AgendaItemRow, item_id, Record.AGENDA_ITEM))
        self._session.flush()


# --------------------------------------------------------------------------- agency inputs


def agency_input_to_domain(row: AgencyInputRow) -> AgencyInput:
    return AgencyInput(
        meeting_id=row.meeting_id,
        case_id=row.case_id,
        agency_id=row.agency_id,
        author_user_id=row.author_user_id,
        text=row.text,
        source=InputSource(row.source),
        source_ref=row.source_ref,
        state=InputState(row.state),
        id=row.id,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def agency_input_from_domain(
    agency_input: AgencyInput, row: AgencyInputRow | None = None
) -> AgencyInputRow:
    row = row or AgencyInputRow(id=agency_input.id)
    row.meeting_id = agency_input.meeting_id
    row.case_id = agency_input.case_id
    row.agency_id = agency_input.agency_id
    row.author_user_id = agency_input.author_user_id
    row.text = agency_input.text
    row.source = agency_input.source.value
    row.source_ref = agency_input.source_ref
    row.state = agency_input.state.value
    row.created_at = agency_input.created_at
    row.updated_at = agency_input.updated_at
    return row


class SqlAgencyInputRepository(_Repository):
    """各機関からの情報: one input per source message (``source``, ``source_ref``)."""

    def add(self, agency_input: AgencyInput) -> None:
        with self._unique(Record.INPUT):
            self._session.add(agency_input_from_domain(agency_input))

    def by_source(self, source: str, source_ref: str) -> AgencyInput | None:
        query = select(AgencyInputRow).where(
            AgencyInputRow.source == str(source), AgencyInputRow.source_ref == source_ref
        )
        row = self._session.scalars(query).first()
        return agency_input_to_domain(row) if row else None

    def for_meeting(self, meeting_id: str) -> Sequence[AgencyInput]:
        query = (
            select(AgencyInputRow)
            .where(AgencyInputRow.meeting_id == meeting_id)
            .order_by(AgencyInputRow.created_at, AgencyInputRow.id)
        )
        return [agency_input_to_domain(row) for row in self._session.scalars(query)]

    def for_case(self, meeting_id: str, case_id: str) -> Sequence[AgencyInput]:
        query = (
            select(AgencyInputRow)
            .where(AgencyInputRow.meeting_id == meeting_id, AgencyInputRow.case_id == case_id)
            .order_by(AgencyInputRow.created_at, AgencyInputRow.id)
        )
        return [agency_input_to_domain(row) for row in self._session.scalars(query)]

    def recorded_counts(self, meeting_id: str, case_id: str) -> dict[str, int]:
        query = (
            select(AgencyInputRow.agency_id, func.count())
            .where(
                AgencyInputRow.meeting_id == meeting_id,
                AgencyInputRow.case_id == case_id,
                AgencyInputRow.state == InputState.RECORDED.value,
            )
            .group_by(AgencyInputRow.agency_id)
        )
        return {str(agency_id): int(count) for agency_id, count in self._session.execute(query)}

    def save(self, agency_input: AgencyInput) -> None:
        with self._unique(Record.INPUT):
            row = self._row(AgencyInputRow, agency_input.id, Record.INPUT)
            agency_input_from_domain(agency_input, row)

    def delete(self, input_id: str) -> None:
        self._session.delete(self._row(AgencyInputRow, input_id, Record.INPUT))
        self._session.flush()


# --------------------------------------------------------------------------- acknowledgements


def acknowledgement_to_domain(
    row: ConfidentialityAcknowledgementRow,
) -> ConfidentialityAcknowledgement:
    return ConfidentialityAcknowledgement(
        meeting_id=row.meeting_id,
        user_id=row.user_id,
        notice_version=row.notice_version,
        acknowledged_at=row.acknowledged_at,
        via=row.via,
    )


def acknowledgement_from_domain(
    ack: ConfidentialityAcknowledgement,
) -> ConfidentialityAcknowledgementRow:
    return ConfidentialityAcknowledgementRow(
        meeting_id=ack.meeting_id,
        user_id=ack.user_id,
        notice_version=ack.notice_version,
        acknowledged_at=ack.acknowledged_at,
        via=ack.via,
    )


class SqlAcknowledgementRepository(_Repository):
    """守秘義務の確認: immutable; one per (meeting, user, notice version)."""

    def add(self, ack: ConfidentialityAcknowledgement) -> None:
        with self._unique(Record.ACKNOWLEDGEMENT):
            self._session.add(acknowledgement_from_domain(ack))

    def get(
        self, meeting_id: str, user_id: str, notice_version: str
    ) -> ConfidentialityAcknowledgement | None:
        key = (meeting_id, user_id, notice_version)
        row = self._session.get(ConfidentialityAcknowledgementRow, key)
        return acknowledgement_to_domain(row) if row else None

    def for_meeting(self, meeting_id: str) -> Sequence[ConfidentialityAcknowledgement]:
        row_type = ConfidentialityAcknowledgementRow
        query = (
            select(row_type)
            .where(row_type.meeting_id == meeting_id)
            .order_by(row_type.acknowledged_at, row_type.user_id, row_type.notice_version)
        )
        return [acknowledgement_to_domain(row) for row in self._session.scalars(query)]


# --------------------------------------------------------------------------- roles


def role_to_domain(row: RoleAssignmentRow) -> RoleAssignment:
    return RoleAssignment(
        case_id=row.case_id,
        agency_id=row.agency_id,
        task=row.task,
        created_by=row.created_by,
        meeting_id=row.meeting_id,
        assignee=row.assignee,
        assignee_user_id=row.assignee_user_id,
        due_on=row.due_on,
        lead=row.lead,
        id=row.id,
        created_at=row.created_at,
    )


def role_from_domain(
    assignment: RoleAssignment, row: RoleAssignmentRow | None = None
) -> RoleAssignmentRow:
    row = row or RoleAssignmentRow(id=assignment.id)
    row.case_id = assignment.case_id
    row.agency_id = assignment.agency_id
    row.task = assignment.task
    row.created_by = assignment.created_by
    row.meeting_id = assignment.meeting_id
    row.assignee = assignment.assignee
    row.assignee_user_id = assignment.assignee_user_id
    row.due_on = assignment.due_on
    row.lead = assignment.lead
    row.created_at = assignment.created_at
    return row


class SqlRoleAssignmentRepository(_Repository):
    """役割分担."""

    def add(self, assignment: RoleAssignment) -> None:
        with self._unique(Record.ROLE):
            self._session.add(role_from_domain(assignment))

    def get(self, assignment_id: str) -> RoleAssignment | None:
        row = self._session.get(RoleAssignmentRow, assignment_id)
        return role_to_domain(row) if row else None

    def for_case(self, case_id: str) -> Sequence[RoleAssignment]:
        return self._where(RoleAssignmentRow.case_id == case_id)

    def for_meeting(self, meeting_id: str) -> Sequence[RoleAssignment]:
        return self._where(RoleAssignmentRow.meeting_id == meeting_id)

    def for_agency(self, agency_id: str) -> Sequence[RoleAssignment]:
        return self._where(RoleAssignmentRow.agency_id == agency_id)

    def _where(self, condition: Any) -> builtins.list[RoleAssignment]:
        query = (
            select(RoleAssignmentRow)
            .where(condition)
            .order_by(RoleAssignmentRow.created_at, RoleAssignmentRow.id)
        )
        return [role_to_domain(row) for row in self._session.scalars(query)]

    def save(self, assignment: RoleAssignment) -> None:
        role_from_domain(assignment, self._row(RoleAssignmentRow, assignment.id, Record.ROLE))


# --------------------------------------------------------------------------- decisions


def decision_to_domain(row: DecisionRow) -> Decision:
    return Decision(
        meeting_id=row.meeting_id,
        case_id=row.case_id,
        decided_by=row.decided_by,
        support_policy=row.support_policy,
        next_monitoring_on=row.next_monitoring_on,
        outcome=Outcome(row.outcome),
        notes=row.notes,
        decided_at=row.decided_at,
        discussion=row.discussion,
        urgency=Urgency(row.urgency) if row.urgency is not None else None,
        urgency_reason=row.urgency_reason,
    )


def decision_from_domain(decision: Decision, row: DecisionRow | None = None) -> DecisionRow:
    row = row or DecisionRow(meeting_id=decision.meeting_id, case_id=decision.case_id)
    row.decided_by = decision.decided_by
    row.support_policy = decision.support_policy
    row.next_monitoring_on = decision.next_monitoring_on
    row.outcome = decision.outcome.value
    row.notes = decision.notes
    row.decided_at = decision.decided_at
    row.discussion = decision.discussion
    row.urgency = decision.urgency.value if decision.urgency is not None else None
    row.urgency_reason = decision.urgency_reason
    return row


class SqlDecisionRepository(_Repository):
    """決定事項: one per (meeting, case); ``put`` inserts or replaces."""

    def get(self, meeting_id: str, case_id: str) -> Decision | None:
        row = self._session.get(DecisionRow, (meeting_id, case_id))
        return decision_to_domain(row) if row else None

    def for_meeting(self, meeting_id: str) -> Sequence[Decision]:
        query = (
            select(DecisionRow)
            .where(DecisionRow.meeting_id == meeting_id)
            .order_by(DecisionRow.decided_at, DecisionRow.case_id)
        )
        return [decision_to_domain(row) for row in self._session.scalars(query)]

    def put(self, decision: Decision) -> None:
        key = (decision.meeting_id, decision.case_id)
        row = self._session.get(DecisionRow, key)
        if row is None:
            try:
                with self._session.begin_nested():
                    self._session.add(decision_from_domain(decision))
                return
            except IntegrityError as error:
                if not is_unique_violation(error):
                    raise
            # A concurrent request inserted it first (and has committed): replace theirs.
            row = self._session.get(DecisionRow, key, populate_existing=True)
            assert row is not None
        decision_from_domain(decision, row)


# --------------------------------------------------------------------------- meeting records


def meeting_record_to_domain(row: MeetingRecordRow) -> MeetingRecord:
    return MeetingRecord(
        meeting_id=row.meeting_id,
        recorded_by=row.recorded_by,
        place=row.place,
        method=MeetingMethod(row.method) if row.method is not None else None,
        started_at=row.started_at,
        ended_at=row.ended_at,
        chair_user_id=row.chair_user_id,
        recorder_user_id=row.recorder_user_id,
        attendance=tuple(
            Attendance(agency_id=a.agency_id, user_id=a.user_id, present=a.present)
            for a in row.attendance
        ),
        others_present=row.others_present,
        next_meeting_on=row.next_meeting_on,
        next_meeting_at=row.next_meeting_at,
        recorded_at=row.recorded_at,
    )


def meeting_record_from_domain(
    record: MeetingRecord, row: MeetingRecordRow | None = None
) -> MeetingRecordRow:
    row = row or MeetingRecordRow(meeting_id=record.meeting_id, attendance=[])
    row.recorded_by = record.recorded_by
    row.recorded_at = record.recorded_at
    row.place = record.place
    row.method = record.method.value if record.method is not None else None
    row.started_at = record.started_at
    row.ended_at = record.ended_at
    row.chair_user_id = record.chair_user_id
    row.recorder_user_id = record.recorder_user_id
    row.others_present = record.others_present
    row.next_meeting_on = record.next_meeting_on
    row.next_meeting_at = record.next_meeting_at
    # Lines are keyed by position: the rows that stay are updated in place and the rest
    # deleted as orphans, so replacing the attendance never re-inserts a key it deletes.
    kept = {line.position: line for line in row.attendance}
    lines = []
    for position, attendance in enumerate(record.attendance):
        line = kept.get(position) or MeetingAttendanceRow(position=position)
        line.agency_id = attendance.agency_id
        line.user_id = attendance.user_id
        line.present = attendance.present
        lines.append(line)
    row.attendance = lines
    return row


class SqlMeetingRecordRepository(_Repository):
    """会議記録: one per meeting; ``put`` inserts or replaces."""

    def get(self, meeting_id: str) -> MeetingRecord | None:
        row = self._session.get(MeetingRecordRow, meeting_id)
        return meeting_record_to_domain(row) if row else None

    def put(self, record: MeetingRecord) -> None:
        row = self._session.get(MeetingRecordRow, record.meeting_id)
        if row is None:
            try:
                with self._session.begin_nested():
                    self._session.add(meeting_record_from_domain(record))
                return
            except IntegrityError as error:
                if not is_unique_violation(error):
                    raise
            # A concurrent request inserted it first (and has committed): replace theirs.
            row = self._session.get(MeetingRecordRow, record.meeting_id, populate_existing=True)
            assert row is not None
        # Written now, in a savepoint: a line naming a missing agency fails here, like a new
        # record does, and the transaction goes on.
        with self._session.begin_nested():
            meeting_record_from_domain(record, row)


# --------------------------------------------------------------------------- final documents


class SqlFinalDocumentRepository(_Repository):
    """Frozen final documents: written once, never updated."""

    def add(self, document: FinalDocument) -> None:
        with self._unique(Record.FINAL_DOCUMENT):
            self._session.add(
                FinalDocumentRow(
                    meeting_id=document.meeting_id,
                    kind=document.kind,
                    filename=document.filename,
                    sha256=document.sha256,
                    data=document.data,
                    finalised_by=document.finalised_by,
                    finalised_at=document.finalised_at,
                )
            )

    def get(self, meeting_id: str, kind: str) -> FinalDocument | None:
        row = self._session.get(FinalDocumentRow, (meeting_id, kind))
        if row is None:
            return None
        return FinalDocument(
            meeting_id=row.meeting_id,
            kind=row.kind,
            filename=row.filename,
            sha256=row.sha256,
            data=row.data,
            finalised_by=row.finalised_by,
            finalised_at=row.finalised_at,
        )


# --------------------------------------------------------------------------- people


class SqlPeopleRepository(_Repository):
    """Display names as last learnt, one row per chat user; ``put`` inserts or replaces."""

    def get(self, user_id: str) -> Person | None:
        row = self._session.get(PersonRow, user_id)
        if row is None:
            return None
        return Person(user_id=row.user_id, display_name=row.display_name, updated_at=row.updated_at)

    def put(self, person: Person) -> None:
        row = self._session.get(PersonRow, person.user_id)
        if row is None:
            try:
                with self._session.begin_nested():
                    self._session.add(
                        PersonRow(
                            user_id=person.user_id,
                            display_name=person.display_name,
                            updated_at=person.updated_at,
                        )
                    )
                return
            except IntegrityError as error:
                if not is_unique_violation(error):
                    raise
            # A concurrent request stored this person first (and has committed): replace it.
            row = self._session.get(PersonRow, person.user_id, populate_existing=True)
            assert row is not None
        row.display_name = person.display_name
        row.updated_at = person.updated_at


# --------------------------------------------------------------------------- audit


def audit_event_to_domain(row: AuditEventRow) -> AuditEvent:
    return AuditEvent(
        actor=row.actor,
        action=AuditAction(row.action),
        target_type=row.target_type,
        target_id=row.target_id,
        allowed=row.allowed,
        detail=row.detail,
        at=row.at,
        id=row.id,
    )


AUDIT_CHAIN = "audit"  # the audit_chain row of the audit trail


class SqlAuditTrail(_Repository):
    """The append-only audit trail: there is no update and no delete.

    Events are written in the unit of work's transaction, so they are committed together
    with the data they describe, or not at all. The database also refuses UPDATE and DELETE
    on ``audit_events``, and inserts anywhere but at the end (triggers created by the
    migrations).

    Each event is chained to the one before it (:mod:`bot.domain.audit_chain`). Appended
    events wait in the unit of work and are chained and written as it commits (or before
    this unit of work lists the trail): the chain head is locked then (``SELECT … FOR
    UPDATE`` on PostgreSQL; on SQLite every transaction already holds the write lock from
    its ``BEGIN IMMEDIATE``), so concurrent appends from several processes queue up instead
    of forking the chain. Taking that lock last, after the transaction's other row locks,
    keeps it short and keeps two units of work from waiting on each other in a circle.
    """

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self._pending: builtins.list[AuditEvent] = []
        event.listen(session, "before_commit", self._before_commit)
        event.listen(session, "after_soft_rollback", self._after_rollback)

    def append(self, audit_event: AuditEvent) -> None:
        self._pending.append(audit_event)

    def _before_commit(self, session: Session) -> None:
        self._write_pending()

    def _after_rollback(self, session: Session, previous_transaction: SessionTransaction) -> None:
        if previous_transaction.parent is None:  # the whole transaction, not a savepoint
            self._pending.clear()

    def _write_pending(self) -> None:
        if not self._pending:
            return
        pending, self._pending = self._pending, []
        head = self._session.execute(
            select(AuditChainRow.last_seq, AuditChainRow.last_hash)
            .where(AuditChainRow.name == AUDIT_CHAIN)
            .with_for_update()
        ).first()
        if head is None:
            raise RuntimeError("the audit chain head is missing: run `shienbot migrate`")
        # Chained onto the head, placed after the last stored event: if events were deleted
        # from the end, or added behind the bot's back, the trail keeps showing it (the new
        # event does not follow from the stored one before it) and appends go on working.
        last_seq = self._session.scalar(select(func.max(AuditEventRow.seq))) or 0
        seq = max(int(last_seq), int(head.last_seq))
        chain_hash = str(head.last_hash)
        for audit_event in pending:
            seq, prev_hash = seq + 1, chain_hash
            chain_hash = event_hash(
                prev_hash,
                seq=seq,
                event_id=audit_event.id,
                at=audit_event.at,
                actor=audit_event.actor,
                action=audit_event.action.value,
                target_type=audit_event.target_type,
                target_id=audit_event.target_id,
                allowed=audit_event.allowed,
                detail=audit_event.detail,
            )
            self._session.execute(
                insert(AuditEventRow).values(
                    seq=seq,
                    id=audit_event.id,
                    at=audit_event.at,
                    actor=audit_event.actor,
                    action=audit_event.action.value,
                    target_type=audit_event.target_type,
                    target_id=audit_event.target_id,
                    allowed=audit_event.allowed,
                    detail=audit_event.detail,
                    prev_hash=prev_hash,
                    chain_hash=chain_hash,
                )
            )
        self._session.execute(
            update(AuditChainRow)
            .where(AuditChainRow.name == AUDIT_CHAIN)
            .values(last_seq=seq, last_hash=chain_hash)
        )

    def list(
        self,
        *,
        target_id: str | None = None,
        actor: str | None = None,
        limit: int | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        case_code: str | None = None,
    ) -> Sequence[AuditEvent]:
        """Events oldest first; with ``limit``, the most recent ``limit`` events (oldest first).
        Events appended in this unit of work are included (they are written first)."""
        self._write_pending()
        query = select(AuditEventRow)
        if target_id is not None:
            query = query.where(AuditEventRow.target_id == target_id)
        if actor is not None:
            query = query.where(AuditEventRow.actor == actor)
        if since is not None:
            query = query.where(AuditEventRow.at >= since)
        if until is not None:
            query = query.where(AuditEventRow.at < until)
        if case_code is not None:
            # ``detail`` is ``key=value`` pairs joined by ``;``: match the whole pair, so
            # that R8-100 does not select R8-1000. Codes hold no LIKE wildcards.
            pair = f"case={case_code}"
            query = query.where(
                or_(
                    AuditEventRow.target_id == case_code,
                    AuditEventRow.detail == pair,
                    AuditEventRow.detail.like(f"{pair};%"),
                    AuditEventRow.detail.like(f"%;{pair}"),
                    AuditEventRow.detail.like(f"%;{pair};%"),
                )
            )
        if limit is not None:
            newest = query.order_by(AuditEventRow.seq.desc()).limit(limit)
            rows = builtins.list(self._session.scalars(newest))
            rows.reverse()
        else:
            rows = builtins.list(self._session.scalars(query.order_by(AuditEventRow.seq)))
        return [audit_event_to_domain(row) for row in rows]


# --------------------------------------------------------------------------- idempotency


class SqlProcessedRequests(_Repository):
    """Idempotency keys, claimed with ``INSERT ... ON CONFLICT DO NOTHING``.

    On PostgreSQL a claim of a key that a concurrent, uncommitted unit of work has claimed
    waits for it: if that one commits, this claim returns False; if it rolls back, True.
    """

    def __init__(self, session: Session, clock: Callable[[], datetime] = _utcnow) -> None:
        super().__init__(session)
        self._clock = clock

    def claim(self, key: str, *, take_over_after: timedelta | None = None) -> bool:
        now = self._clock()
        values = {"key": key, "created_at": now}
        table = ProcessedRequestRow
        if take_over_after is not None:
            # Only a claim older than the limit goes; of two takers, the second finds the
            # first one's fresh claim (PostgreSQL re-checks the row it waited for) and loses.
            self._session.execute(
                delete(table).where(table.key == key, table.created_at < now - take_over_after)
            )
        dialect = self._session.get_bind().dialect.name
        if dialect == "postgresql":
            statement: Any = postgresql.insert(table).values(values).on_conflict_do_nothing()
        elif dialect == "sqlite":
            statement = sqlite.insert(table).values(values).on_conflict_do_nothing()
        else:  # any other database: a savepoint keeps the transaction usable
            try:
                with self._session.begin_nested():
                    self._session.execute(insert(table).values(values))
            except IntegrityError as error:
                if not is_unique_violation(error):
                    raise
                return False
            return True
        # RETURNING yields a row only if this statement inserted one (rowcount is not
        # reliable for ORM-enabled inserts).
        inserted = self._session.execute(statement.returning(table.key)).first()
        return inserted is not None

    def release(self, key: str) -> None:
        """Forget ``key``: the send it guarded failed, so a later attempt may claim it again."""
        self._session.execute(delete(ProcessedRequestRow).where(ProcessedRequestRow.key == key))

    def is_claimed(self, key: str) -> bool:
        """Whether ``key`` has been claimed (committed, or earlier in this unit of work)."""
        query = select(exists().where(ProcessedRequestRow.key == key))
        return bool(self._session.scalar(query))

    def claimed_after(self, key: str, prefix: str) -> bool:
        # Compared here, not in SQL: a database collation need not sort as Python does.
        pattern = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = select(ProcessedRequestRow.key).where(
            ProcessedRequestRow.key.like(pattern, escape="\\")
        )
        return any(k.startswith(prefix) and k > key for k in self._session.scalars(query))

    def forget_before(self, cutoff: datetime) -> int:
        """Delete keys claimed before ``cutoff`` (an aware datetime); returns how many.

        Not called by the bot. Not every key is short-lived: some guard a once-ever send or
        record who was asked for input (``prompt:…``, ``moved:…``, ``cancelled:…``,
        ``case:…``), so deleting those would let a send or a case registration repeat.
        """
        result: Any = self._session.execute(
            delete(ProcessedRequestRow).where(ProcessedRequestRow.created_at < cutoff)
        )
        return int(result.rowcount)
