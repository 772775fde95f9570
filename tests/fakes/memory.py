"""An in-memory unit of work with the database's rules, for fast use-case tests.

``MemoryStore`` holds the committed data; ``MemoryStore.unit_of_work`` makes units of work
the way ``storage.Database.unit_of_work`` does, so ``ServiceContext(uow=store.unit_of_work)``
runs the services unchanged. It mirrors ``storage/unit_of_work.py`` and
``storage/repositories.py`` where a use case can tell the difference (the contract tests in
``tests/storage/test_storage_memory_contract.py`` run the same assertions on both):

* **Uniqueness.** Every unique rule and primary key of ``storage/orm.py``: ``add`` (and a
  ``save`` that would collide) raises ``Duplicate`` with the SQL repository's message and
  changes nothing, while the rest of the transaction stays usable (the SQL repositories undo
  only a SAVEPOINT, not the transaction).
* **Foreign keys** (SQLite enforces them): a row that refers to a missing agency, meeting,
  case or series raises ``IntegrityViolation`` (SQLAlchemy's ``IntegrityError`` there),
  also without changing anything.
* **Transactions.** ``commit`` publishes everything done since the last commit at once;
  ``rollback``, an exception or leaving the ``with`` block without ``commit`` discards it.
  A unit of work may be entered again afterwards, never twice at once.
* **One writer at a time**, like SQLite, where every transaction begins ``IMMEDIATE`` and
  holds the write lock until it ends: a unit of work takes the store's lock on its first
  read or write and keeps it until commit, rollback or the end of its block. Another unit
  of work touching the store meanwhile raises ``WouldBlock`` (SQLite would wait for the lock
  and then fail), so a use case that opens a unit of work inside another is caught at once.
* **Values as the database gives them back.** Objects are copied in and out (changing a
  loaded object changes nothing until ``save``), rebuilt through their constructors like
  the SQL mapping, and every datetime comes back aware and in UTC; naive datetimes are
  refused.
* **The same order** of every ``list``/``for_*``/``upcoming`` result as the SQL queries'
  ``ORDER BY``; the audit trail keeps insertion order and is append-only (an event ID
  appended twice fails the commit, like the unique constraint on ``audit_events.id``).

Single-threaded: the lock is a check, not a wait.
"""

from __future__ import annotations

import builtins
import copy
import dataclasses
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from types import TracebackType
from typing import Any, Self, TypeVar

from bot.domain.errors import Duplicate, NotFound
from bot.domain.model import (
    Agency,
    AgencyInput,
    AgencyMembership,
    AgendaItem,
    AuditEvent,
    Case,
    CaseCode,
    ConfidentialityAcknowledgement,
    Coordinator,
    Decision,
    FinalDocument,
    Meeting,
    MeetingChannel,
    MeetingRecord,
    MeetingSeries,
    MeetingState,
    Person,
    RoleAssignment,
    utcnow,
)
from bot.services import ports

__all__ = ["IntegrityViolation", "MemoryStore", "MemoryUnitOfWork", "WouldBlock"]

_T = TypeVar("_T")


class IntegrityViolation(Exception):
    """What the database refuses that is not a duplicate: a reference to a missing row, a
    broken check constraint, an audit event ID appended twice."""


class WouldBlock(RuntimeError):
    """A unit of work touched the store while another one held its transaction open. On
    SQLite the second would wait for the first one's write lock and fail."""


# --------------------------------------------------------------------------- values


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise ValueError("naive datetimes cannot be stored: give a timezone-aware value")
    return value.astimezone(UTC)


def _stored(obj: _T) -> _T:
    """The copy kept in the store: every datetime in UTC, no object shared with the caller.
    Not built through the constructor: the SQL repositories copy fields onto rows."""
    kept = copy.deepcopy(obj)
    for f in dataclasses.fields(kept):  # type: ignore[arg-type]
        value = getattr(kept, f.name)
        if isinstance(value, datetime):
            object.__setattr__(kept, f.name, _utc(value))
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            object.__setattr__(kept, f.name, _stored(value))
    return kept


def _loaded(obj: _T) -> _T:
    """What a read gives back: a fresh object made through the constructor (as the SQL
    repositories' ``*_to_domain`` functions do), sharing nothing with the store."""
    return dataclasses.replace(copy.deepcopy(obj))  # type: ignore[type-var]


def _loaded_all(objs: Iterable[_T]) -> builtins.list[_T]:
    return [_loaded(obj) for obj in objs]


# --------------------------------------------------------------------------- tables


@dataclasses.dataclass
class _Tables:
    """One version of everything. Rows are never changed in place (a write replaces the
    row), so a transaction's working copy is a shallow copy of each table."""

    agencies: dict[str, Agency] = dataclasses.field(default_factory=dict)
    memberships: dict[tuple[str, str], AgencyMembership] = dataclasses.field(default_factory=dict)
    coordinators: dict[str, Coordinator] = dataclasses.field(default_factory=dict)
    channels: dict[str, MeetingChannel] = dataclasses.field(default_factory=dict)
    series: dict[str, MeetingSeries] = dataclasses.field(default_factory=dict)
    meetings: dict[str, Meeting] = dataclasses.field(default_factory=dict)
    records: dict[str, MeetingRecord] = dataclasses.field(default_factory=dict)
    cases: dict[str, Case] = dataclasses.field(default_factory=dict)
    case_counters: dict[int, int] = dataclasses.field(default_factory=dict)
    agenda: dict[str, AgendaItem] = dataclasses.field(default_factory=dict)
    inputs: dict[str, AgencyInput] = dataclasses.field(default_factory=dict)
    acknowledgements: dict[tuple[str, str, str], ConfidentialityAcknowledgement] = (
        dataclasses.field(default_factory=dict)
    )
    roles: dict[str, RoleAssignment] = dataclasses.field(default_factory=dict)
    decisions: dict[tuple[str, str], Decision] = dataclasses.field(default_factory=dict)
    final_documents: dict[tuple[str, str], FinalDocument] = dataclasses.field(default_factory=dict)
    people: dict[str, Person] = dataclasses.field(default_factory=dict)
    audit: list[AuditEvent] = dataclasses.field(default_factory=list)
    processed: dict[str, datetime] = dataclasses.field(default_factory=dict)

    def copy(self) -> _Tables:
        return _Tables(
            **{f.name: copy.copy(getattr(self, f.name)) for f in dataclasses.fields(self)}
        )


class MemoryStore:
    """The committed data of a fake database, and the factory of its units of work.

    Args:
        clock: When idempotency keys are claimed (the SQL repository's ``created_at``).
    """

    def __init__(self, clock: Callable[[], datetime] = utcnow) -> None:
        self._committed = _Tables()
        self._holder: MemoryUnitOfWork | None = None
        self._clock = clock

    def unit_of_work(self) -> MemoryUnitOfWork:
        """A new unit of work; open it with ``with`` (pass this method as ``ctx.uow``)."""
        return MemoryUnitOfWork(self)

    @property
    def in_transaction(self) -> bool:
        """Whether a unit of work holds the store's (SQLite's write) lock right now."""
        return self._holder is not None

    def audit_events(self) -> builtins.list[AuditEvent]:
        """The committed audit trail, oldest first (for assertions)."""
        return _loaded_all(self._committed.audit)

    def claimed_keys(self) -> builtins.list[str]:
        """The committed idempotency keys, in the order they were claimed (for assertions)."""
        return builtins.list(self._committed.processed)


# --------------------------------------------------------------------------- repositories


class _Repository:
    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self._uow = uow

    @property
    def _t(self) -> _Tables:
        return self._uow._tables()

    @staticmethod
    def _missing(what: str) -> NotFound:
        return NotFound(f"{what}が見つからないため、更新できません。")

    def _refers(self, table: dict[Any, Any], key: Any, what: str) -> None:
        if key not in table:
            raise IntegrityViolation(f"FOREIGN KEY constraint failed: no {what} {key!r}")


class MemoryAgencyRepository(_Repository):
    def _message(self, agency: Agency) -> str:
        return f"機関キー「{agency.key}」はすでに登録されています。"

    def add(self, agency: Agency) -> None:
        t = self._t
        if agency.id in t.agencies or any(a.key == agency.key for a in t.agencies.values()):
            raise Duplicate(self._message(agency))
        t.agencies[agency.id] = _stored(agency)

    def get(self, agency_id: str) -> Agency | None:
        found = self._t.agencies.get(agency_id)
        return _loaded(found) if found else None

    def by_key(self, key: str) -> Agency | None:
        found = next((a for a in self._t.agencies.values() if a.key == key), None)
        return _loaded(found) if found else None

    def list(self) -> Sequence[Agency]:
        return _loaded_all(sorted(self._t.agencies.values(), key=lambda a: a.key))

    def save(self, agency: Agency) -> None:
        t = self._t
        if agency.id not in t.agencies:
            raise self._missing("機関")
        if any(a.key == agency.key and a.id != agency.id for a in t.agencies.values()):
            raise Duplicate(self._message(agency))
        t.agencies[agency.id] = _stored(agency)


class MemoryMembershipRepository(_Repository):
    def add(self, membership: AgencyMembership) -> None:
        t = self._t
        key = (membership.agency_id, membership.user_id)
        if key in t.memberships:
            raise Duplicate(
                f"ユーザー {membership.user_id} はすでにこの機関の構成員として登録されています。"
            )
        self._refers(t.agencies, membership.agency_id, "agency")
        t.memberships[key] = _stored(membership)

    def get(self, agency_id: str, user_id: str) -> AgencyMembership | None:
        found = self._t.memberships.get((agency_id, user_id))
        return _loaded(found) if found else None

    def for_agency(self, agency_id: str, *, active_only: bool = True) -> Sequence[AgencyMembership]:
        return self._where(lambda m: m.agency_id == agency_id, active_only)

    def for_user(self, user_id: str, *, active_only: bool = True) -> Sequence[AgencyMembership]:
        return self._where(lambda m: m.user_id == user_id, active_only)

    def _where(
        self, condition: Callable[[AgencyMembership], bool], active_only: bool
    ) -> builtins.list[AgencyMembership]:
        found = [
            m
            for m in self._t.memberships.values()
            if condition(m) and (not active_only or m.removed_at is None)
        ]
        return _loaded_all(sorted(found, key=lambda m: (m.added_at, m.user_id)))

    def save(self, membership: AgencyMembership) -> None:
        t = self._t
        key = (membership.agency_id, membership.user_id)
        if key not in t.memberships:
            raise self._missing("機関の構成員")
        t.memberships[key] = _stored(membership)


class MemoryCoordinatorRepository(_Repository):
    def add(self, coordinator: Coordinator) -> None:
        t = self._t
        if coordinator.user_id in t.coordinators:
            raise Duplicate(
                f"ユーザー {coordinator.user_id} はすでにコーディネーターとして登録されています。"
            )
        t.coordinators[coordinator.user_id] = _stored(coordinator)

    def get(self, user_id: str) -> Coordinator | None:
        found = self._t.coordinators.get(user_id)
        return _loaded(found) if found else None

    def list(self, *, active_only: bool = True) -> Sequence[Coordinator]:
        found = [
            c for c in self._t.coordinators.values() if not active_only or c.removed_at is None
        ]
        return _loaded_all(sorted(found, key=lambda c: (c.added_at, c.user_id)))

    def save(self, coordinator: Coordinator) -> None:
        t = self._t
        if coordinator.user_id not in t.coordinators:
            raise self._missing("コーディネーター")
        t.coordinators[coordinator.user_id] = _stored(coordinator)


class MemoryMeetingChannelRepository(_Repository):
    def add(self, channel: MeetingChannel) -> None:
        t = self._t
        if channel.channel_id in t.channels:
            raise Duplicate("このチャンネルはすでに会議チャンネルとして設定されています。")
        t.channels[channel.channel_id] = _stored(channel)

    def get(self, channel_id: str) -> MeetingChannel | None:
        found = self._t.channels.get(channel_id)
        return _loaded(found) if found else None

    def list(self) -> Sequence[MeetingChannel]:
        found = self._t.channels.values()
        return _loaded_all(sorted(found, key=lambda c: (c.created_at, c.channel_id)))


def _check_series(series: MeetingSeries) -> None:
    """The table's check constraints (the domain checks them on construction only)."""
    if series.ordinal not in (1, 2, 3, 4, 5, -1) or not 0 <= series.weekday <= 6:
        raise IntegrityViolation("CHECK constraint failed: ordinal or weekday")


class MemoryMeetingSeriesRepository(_Repository):
    def add(self, series: MeetingSeries) -> None:
        t = self._t
        if series.id in t.series:
            raise Duplicate("この定例会議の設定はすでに登録されています。")
        _check_series(series)
        t.series[series.id] = _stored(series)

    def get(self, series_id: str) -> MeetingSeries | None:
        found = self._t.series.get(series_id)
        return _loaded(found) if found else None

    def for_channel(self, channel_id: str, *, active_only: bool = True) -> Sequence[MeetingSeries]:
        found = [
            s
            for s in self._t.series.values()
            if s.channel_id == channel_id and (not active_only or s.active)
        ]
        return _loaded_all(sorted(found, key=lambda s: (s.created_at, s.id)))

    def save(self, series: MeetingSeries) -> None:
        t = self._t
        if series.id not in t.series:
            raise self._missing("定例会議の設定")
        _check_series(series)
        t.series[series.id] = _stored(series)


class MemoryMeetingRepository(_Repository):
    @staticmethod
    def _duplicate(meeting: Meeting) -> Duplicate:
        return Duplicate(
            f"{meeting.date.isoformat()} の会議はこのチャンネルにすでに登録されています。"
        )

    def _check(self, t: _Tables, meeting: Meeting) -> None:
        if any(
            m.channel_id == meeting.channel_id and m.date == meeting.date and m.id != meeting.id
            for m in t.meetings.values()
        ):
            raise self._duplicate(meeting)
        if meeting.series_id is not None:
            self._refers(t.series, meeting.series_id, "meeting series")

    def add(self, meeting: Meeting) -> None:
        t = self._t
        if meeting.id in t.meetings:
            raise self._duplicate(meeting)
        self._check(t, meeting)
        t.meetings[meeting.id] = _stored(meeting)

    def add_many(self, meetings: Sequence[Meeting]) -> None:
        t = self._t
        before = dict(t.meetings)
        try:
            for meeting in meetings:
                self.add(meeting)
        except Exception:
            t.meetings.clear()
            t.meetings.update(before)  # all or nothing, as one INSERT
            raise

    def days(self, channel_id: str) -> set[date]:
        return {m.date for m in self._t.meetings.values() if m.channel_id == channel_id}

    def get(self, meeting_id: str) -> Meeting | None:
        found = self._t.meetings.get(meeting_id)
        return _loaded(found) if found else None

    def on_date(self, channel_id: str, day: date) -> Meeting | None:
        found = next(
            (m for m in self._t.meetings.values() if m.channel_id == channel_id and m.date == day),
            None,
        )
        return _loaded(found) if found else None

    def upcoming(self, channel_id: str, from_day: date) -> Sequence[Meeting]:
        found = [
            m
            for m in self._t.meetings.values()
            if m.channel_id == channel_id
            and m.date >= from_day
            and m.state is not MeetingState.CANCELLED
        ]
        return _loaded_all(sorted(found, key=lambda m: (m.date, m.start_time)))

    def by_room(self, room_id: str) -> Meeting | None:
        found = next((m for m in self._t.meetings.values() if m.room_id == room_id), None)
        return _loaded(found) if found else None

    def with_open_rooms(self) -> Sequence[Meeting]:
        found = [
            m
            for m in self._t.meetings.values()
            if m.room_id is not None and m.room_archived_at is None
        ]
        return _loaded_all(sorted(found, key=lambda m: (m.date, m.id)))

    def finalised_before(self, cutoff: datetime) -> Sequence[Meeting]:
        cutoff = _utc(cutoff)
        found = [
            m
            for m in self._t.meetings.values()
            if m.minutes_final_at is not None and m.minutes_final_at < cutoff
        ]
        return _loaded_all(sorted(found, key=lambda m: (m.minutes_final_at, m.id)))

    def save(self, meeting: Meeting) -> None:
        t = self._t
        if meeting.id not in t.meetings:
            raise self._missing("会議")
        self._check(t, meeting)
        t.meetings[meeting.id] = _stored(meeting)


class MemoryCaseRepository(_Repository):
    @staticmethod
    def _duplicate(code: CaseCode) -> Duplicate:
        return Duplicate(f"事例番号 {code} はすでに登録されています。")

    def _check(self, t: _Tables, case: Case) -> None:
        if any(c.code == case.code and c.id != case.id for c in t.cases.values()):
            raise self._duplicate(case.code)
        for agency_id in case.asked_agency_ids:
            self._refers(t.agencies, agency_id, "agency")

    def next_code(self, fiscal_year: int) -> CaseCode:
        t = self._t
        seq = t.case_counters.get(fiscal_year, 0) + 1
        t.case_counters[fiscal_year] = seq
        return CaseCode(fiscal_year, seq)

    def add(self, case: Case) -> None:
        t = self._t
        if case.id in t.cases:
            raise self._duplicate(case.code)
        self._check(t, case)
        t.cases[case.id] = _stored(case)

    def get(self, case_id: str) -> Case | None:
        found = self._t.cases.get(case_id)
        return _loaded(found) if found else None

    def by_code(self, code: CaseCode) -> Case | None:
        found = next((c for c in self._t.cases.values() if c.code == code), None)
        return _loaded(found) if found else None

    def list(self, *, fiscal_year: int | None = None) -> Sequence[Case]:
        found = [
            c
            for c in self._t.cases.values()
            if fiscal_year is None or c.code.fiscal_year == fiscal_year
        ]
        return _loaded_all(sorted(found, key=lambda c: (c.code.fiscal_year, c.code.seq)))

    def save(self, case: Case) -> None:
        t = self._t
        if case.id not in t.cases:
            raise self._missing(f"事例 {case.code}")
        self._check(t, case)
        t.cases[case.id] = _stored(case)


class MemoryAgendaRepository(_Repository):
    _DUPLICATE = "この事例はすでにこの会議の議題に登録されています。"

    def _check(self, t: _Tables, item: AgendaItem) -> None:
        for other in t.agenda.values():
            if other.id == item.id:
                continue
            same_case = other.meeting_id == item.meeting_id and other.case_id == item.case_id
            same_thread = item.thread_ref is not None and other.thread_ref == item.thread_ref
            if same_case or same_thread:
                raise Duplicate(self._DUPLICATE)
        self._refers(t.meetings, item.meeting_id, "meeting")
        self._refers(t.cases, item.case_id, "case")

    def add(self, item: AgendaItem) -> None:
        t = self._t
        if item.id in t.agenda:
            raise Duplicate(self._DUPLICATE)
        self._check(t, item)
        t.agenda[item.id] = _stored(item)

    def get(self, meeting_id: str, case_id: str) -> AgendaItem | None:
        found = next(
            (
                i
                for i in self._t.agenda.values()
                if i.meeting_id == meeting_id and i.case_id == case_id
            ),
            None,
        )
        return _loaded(found) if found else None

    def by_id(self, item_id: str) -> AgendaItem | None:
        found = self._t.agenda.get(item_id)
        return _loaded(found) if found else None

    def for_meeting(self, meeting_id: str) -> Sequence[AgendaItem]:
        found = [i for i in self._t.agenda.values() if i.meeting_id == meeting_id]
        return _loaded_all(sorted(found, key=lambda i: (i.position, i.added_at, i.id)))

    def for_case(self, case_id: str) -> Sequence[AgendaItem]:
        found = [i for i in self._t.agenda.values() if i.case_id == case_id]
        return _loaded_all(sorted(found, key=lambda i: (i.added_at, i.id)))

    def by_thread(self, thread_ref: str) -> AgendaItem | None:
        found = next((i for i in self._t.agenda.values() if i.thread_ref == thread_ref), None)
        return _loaded(found) if found else None

    def save(self, item: AgendaItem) -> None:
        t = self._t
        if item.id not in t.agenda:
            raise self._missing("議題")
        self._check(t, item)
        t.agenda[item.id] = _stored(item)

    def remove(self, item_id: str) -> None:
        t = self._t
        if item_id not in t.agenda:
            raise self._missing("議題")
        del t.agenda[item_id]


class MemoryAgencyInputRepository(_Repository):
    _DUPLICATE = "この投稿はすでに記録されています。"

    def _check(self, t: _Tables, agency_input: AgencyInput) -> None:
        source = (str(agency_input.source), agency_input.source_ref)
        if any(
            (str(i.source), i.source_ref) == source and i.id != agency_input.id
            for i in t.inputs.values()
        ):
            raise Duplicate(self._DUPLICATE)
        self._refers(t.meetings, agency_input.meeting_id, "meeting")
        self._refers(t.cases, agency_input.case_id, "case")
        self._refers(t.agencies, agency_input.agency_id, "agency")

    def add(self, agency_input: AgencyInput) -> None:
        t = self._t
        if agency_input.id in t.inputs:
            raise Duplicate(self._DUPLICATE)
        self._check(t, agency_input)
        t.inputs[agency_input.id] = _stored(agency_input)

    def by_source(self, source: str, source_ref: str) -> AgencyInput | None:
        found = next(
            (
                i
                for i in self._t.inputs.values()
                if str(i.source) == str(source) and i.source_ref == source_ref
            ),
            None,
        )
        return _loaded(found) if found else None

    def for_meeting(self, meeting_id: str) -> Sequence[AgencyInput]:
        return self._where(lambda i: i.meeting_id == meeting_id)

    def for_case(self, meeting_id: str, case_id: str) -> Sequence[AgencyInput]:
        return self._where(lambda i: i.meeting_id == meeting_id and i.case_id == case_id)

    def recorded_counts(self, meeting_id: str, case_id: str) -> dict[str, int]:
        counts: dict[str, int] = {}
        for i in self.for_case(meeting_id, case_id):
            if i.counts:
                counts[i.agency_id] = counts.get(i.agency_id, 0) + 1
        return counts

    def _where(self, condition: Callable[[AgencyInput], bool]) -> builtins.list[AgencyInput]:
        found = [i for i in self._t.inputs.values() if condition(i)]
        return _loaded_all(sorted(found, key=lambda i: (i.created_at, i.id)))

    def save(self, agency_input: AgencyInput) -> None:
        t = self._t
        if agency_input.id not in t.inputs:
            raise self._missing("機関からの情報")
        self._check(t, agency_input)
        t.inputs[agency_input.id] = _stored(agency_input)

    def delete(self, input_id: str) -> None:
        t = self._t
        if input_id not in t.inputs:
            raise self._missing("機関からの情報")
        del t.inputs[input_id]


class MemoryAcknowledgementRepository(_Repository):
    def add(self, ack: ConfidentialityAcknowledgement) -> None:
        t = self._t
        key = (ack.meeting_id, ack.user_id, ack.notice_version)
        if key in t.acknowledgements:
            raise Duplicate("守秘義務の確認はすでに記録されています。")
        self._refers(t.meetings, ack.meeting_id, "meeting")
        t.acknowledgements[key] = _stored(ack)

    def get(
        self, meeting_id: str, user_id: str, notice_version: str
    ) -> ConfidentialityAcknowledgement | None:
        found = self._t.acknowledgements.get((meeting_id, user_id, notice_version))
        return _loaded(found) if found else None

    def for_meeting(self, meeting_id: str) -> Sequence[ConfidentialityAcknowledgement]:
        found = [a for a in self._t.acknowledgements.values() if a.meeting_id == meeting_id]
        return _loaded_all(
            sorted(found, key=lambda a: (a.acknowledged_at, a.user_id, a.notice_version))
        )


class MemoryRoleAssignmentRepository(_Repository):
    def _check(self, t: _Tables, assignment: RoleAssignment) -> None:
        self._refers(t.cases, assignment.case_id, "case")
        self._refers(t.agencies, assignment.agency_id, "agency")
        if assignment.meeting_id is not None:
            self._refers(t.meetings, assignment.meeting_id, "meeting")

    def add(self, assignment: RoleAssignment) -> None:
        t = self._t
        if assignment.id in t.roles:
            raise Duplicate("この役割分担はすでに登録されています。")
        self._check(t, assignment)
        t.roles[assignment.id] = _stored(assignment)

    def get(self, assignment_id: str) -> RoleAssignment | None:
        found = self._t.roles.get(assignment_id)
        return _loaded(found) if found else None

    def for_case(self, case_id: str) -> Sequence[RoleAssignment]:
        return self._where(lambda r: r.case_id == case_id)

    def for_meeting(self, meeting_id: str) -> Sequence[RoleAssignment]:
        return self._where(lambda r: r.meeting_id == meeting_id)

    def for_agency(self, agency_id: str) -> Sequence[RoleAssignment]:
        return self._where(lambda r: r.agency_id == agency_id)

    def _where(self, condition: Callable[[RoleAssignment], bool]) -> builtins.list[RoleAssignment]:
        found = [r for r in self._t.roles.values() if condition(r)]
        return _loaded_all(sorted(found, key=lambda r: (r.created_at, r.id)))

    def save(self, assignment: RoleAssignment) -> None:
        t = self._t
        if assignment.id not in t.roles:
            raise self._missing("役割分担")
        self._check(t, assignment)
        t.roles[assignment.id] = _stored(assignment)


class MemoryDecisionRepository(_Repository):
    def get(self, meeting_id: str, case_id: str) -> Decision | None:
        found = self._t.decisions.get((meeting_id, case_id))
        return _loaded(found) if found else None

    def for_meeting(self, meeting_id: str) -> Sequence[Decision]:
        found = [d for d in self._t.decisions.values() if d.meeting_id == meeting_id]
        return _loaded_all(sorted(found, key=lambda d: (d.decided_at, d.case_id)))

    def put(self, decision: Decision) -> None:
        t = self._t
        self._refers(t.meetings, decision.meeting_id, "meeting")
        self._refers(t.cases, decision.case_id, "case")
        t.decisions[(decision.meeting_id, decision.case_id)] = _stored(decision)


class MemoryMeetingRecordRepository(_Repository):
    def get(self, meeting_id: str) -> MeetingRecord | None:
        found = self._t.records.get(meeting_id)
        return _loaded(found) if found else None

    def put(self, record: MeetingRecord) -> None:
        t = self._t
        self._refers(t.meetings, record.meeting_id, "meeting")
        for line in record.attendance:
            if line.agency_id is not None:
                self._refers(t.agencies, line.agency_id, "agency")
        t.records[record.meeting_id] = _stored(record)


class MemoryFinalDocumentRepository(_Repository):
    def add(self, document: FinalDocument) -> None:
        t = self._t
        key = (document.meeting_id, document.kind)
        if key in t.final_documents:
            raise Duplicate("この会議の議事録はすでに確定しています。")
        self._refers(t.meetings, document.meeting_id, "meeting")
        t.final_documents[key] = _stored(document)

    def get(self, meeting_id: str, kind: str) -> FinalDocument | None:
        found = self._t.final_documents.get((meeting_id, kind))
        return _loaded(found) if found else None


class MemoryPeopleRepository(_Repository):
    def get(self, user_id: str) -> Person | None:
        found = self._t.people.get(user_id)
        return _loaded(found) if found else None

    def put(self, person: Person) -> None:
        self._t.people[person.user_id] = _stored(person)


def _names_case(detail: str, case_code: str) -> bool:
    """The SQL trail's match of ``case=<code>`` as a whole ``;``-separated pair."""
    return f"case={case_code}" in detail.split(";")


class MemoryAuditTrail(_Repository):
    """Append-only: there is no update and no delete."""

    def append(self, event: AuditEvent) -> None:
        self._t.audit.append(_stored(event))

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
        self._uow._check_audit_ids()  # the SQL query flushes pending events first
        since = _utc(since) if since is not None else None
        until = _utc(until) if until is not None else None
        found = [
            e
            for e in self._t.audit
            if (target_id is None or e.target_id == target_id)
            and (actor is None or e.actor == actor)
            and (since is None or e.at >= since)
            and (until is None or e.at < until)
            and (case_code is None or e.target_id == case_code or _names_case(e.detail, case_code))
        ]
        if limit is not None:
            found = found[max(len(found) - limit, 0) :] if limit > 0 else []
        return _loaded_all(found)


class MemoryProcessedRequests(_Repository):
    def claim(self, key: str, *, take_over_after: timedelta | None = None) -> bool:
        t = self._t
        now = _utc(self._uow._store._clock())
        claimed = t.processed.get(key)
        if claimed is not None and (take_over_after is None or claimed >= now - take_over_after):
            return False
        t.processed[key] = now
        return True

    def release(self, key: str) -> None:
        self._t.processed.pop(key, None)

    def is_claimed(self, key: str) -> bool:
        return key in self._t.processed

    def claimed_after(self, key: str, prefix: str) -> bool:
        return any(k.startswith(prefix) and k > key for k in self._t.processed)


# --------------------------------------------------------------------------- unit of work


class MemoryUnitOfWork:
    """Implements ``bot.services.ports.UnitOfWork`` on a ``MemoryStore`` (see the module's
    docstring for the rules it shares with ``storage.SqlUnitOfWork``)."""

    agencies: ports.AgencyRepository
    memberships: ports.MembershipRepository
    coordinators: ports.CoordinatorRepository
    channels: ports.MeetingChannelRepository
    series: ports.MeetingSeriesRepository
    meetings: ports.MeetingRepository
    records: ports.MeetingRecordRepository
    cases: ports.CaseRepository
    agenda: ports.AgendaRepository
    inputs: ports.AgencyInputRepository
    acknowledgements: ports.AcknowledgementRepository
    roles: ports.RoleAssignmentRepository
    decisions: ports.DecisionRepository
    final_documents: ports.FinalDocumentRepository
    people: ports.PeopleRepository
    audit: ports.AuditTrail
    processed: ports.ProcessedRequests

    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self._open = False
        self._work: _Tables | None = None  # the open transaction's working copy

    def __enter__(self) -> Self:
        if self._open:
            raise RuntimeError("the unit of work is already open")
        self._open = True
        self.agencies = MemoryAgencyRepository(self)
        self.memberships = MemoryMembershipRepository(self)
        self.coordinators = MemoryCoordinatorRepository(self)
        self.channels = MemoryMeetingChannelRepository(self)
        self.series = MemoryMeetingSeriesRepository(self)
        self.meetings = MemoryMeetingRepository(self)
        self.records = MemoryMeetingRecordRepository(self)
        self.cases = MemoryCaseRepository(self)
        self.agenda = MemoryAgendaRepository(self)
        self.inputs = MemoryAgencyInputRepository(self)
        self.acknowledgements = MemoryAcknowledgementRepository(self)
        self.roles = MemoryRoleAssignmentRepository(self)
        self.decisions = MemoryDecisionRepository(self)
        self.final_documents = MemoryFinalDocumentRepository(self)
        self.people = MemoryPeopleRepository(self)
        self.audit = MemoryAuditTrail(self)
        self.processed = MemoryProcessedRequests(self)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if not self._open:
            return
        # Whatever was not committed is discarded, whether or not an exception is leaving.
        self._end()
        self._open = False

    def commit(self) -> None:
        """Publish everything done since the last commit, data and audit events together."""
        self._require_open()
        if self._work is None:
            return
        try:
            self._check_audit_ids()
        except IntegrityViolation:
            self._end()
            raise
        self._store._committed = self._work
        self._end()

    def rollback(self) -> None:
        """Discard everything since the last commit; the block may go on with new work."""
        self._require_open()
        self._end()

    # ------------------------------------------------------------------ internals

    def _require_open(self) -> None:
        if not self._open:
            raise RuntimeError("the unit of work is not open: use it in a 'with' block")

    def _tables(self) -> _Tables:
        """The transaction's working copy; the first use begins the transaction."""
        self._require_open()
        if self._work is None:
            holder = self._store._holder
            if holder is not None and holder is not self:
                raise WouldBlock(
                    "another unit of work holds the store's transaction: on SQLite this one "
                    "would wait for its write lock and fail (open units of work one after "
                    "the other, never one inside another)"
                )
            self._store._holder = self
            self._work = self._store._committed.copy()
        return self._work

    def _end(self) -> None:
        if self._store._holder is self:
            self._store._holder = None
        self._work = None

    def _check_audit_ids(self) -> None:
        if self._work is None:
            return
        ids = [event.id for event in self._work.audit]
        if len(ids) != len(set(ids)):
            raise IntegrityViolation("UNIQUE constraint failed: audit_events.id")


def _conforms(uow: MemoryUnitOfWork) -> ports.UnitOfWork:
    """Never called: a type checker checks here that MemoryUnitOfWork implements the port."""
    return uow
