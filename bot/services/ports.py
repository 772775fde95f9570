"""Ports: what the use cases need from storage and the scheduler, as ``typing.Protocol``.

Storage implements the repositories and the unit of work; the scheduler adapter implements
``JobScheduler``. The chat gateway is the other port, in ``bot.services.chat``. Services
depend on these ports and the domain, never on the adapters.

Every ``add`` of a thing the domain requires to be unique raises
``bot.domain.errors.Duplicate`` (after rolling back the unit of work's transaction) when it
already exists, so a retried request can be answered with "already done" instead of a
second copy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from types import TracebackType
from typing import Protocol, Self

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
    Person,
    RoleAssignment,
)
from bot.domain.timeline import PlannedSend


class AgencyRepository(Protocol):
    def add(self, agency: Agency) -> None: ...
    def get(self, agency_id: str) -> Agency | None: ...
    def by_key(self, key: str) -> Agency | None: ...
    def list(self) -> Sequence[Agency]: ...
    def save(self, agency: Agency) -> None: ...


class MembershipRepository(Protocol):
    def add(self, membership: AgencyMembership) -> None: ...
    def get(self, agency_id: str, user_id: str) -> AgencyMembership | None: ...
    def for_agency(
        self, agency_id: str, *, active_only: bool = True
    ) -> Sequence[AgencyMembership]: ...
    def for_user(self, user_id: str, *, active_only: bool = True) -> Sequence[AgencyMembership]: ...
    def save(self, membership: AgencyMembership) -> None: ...


class CoordinatorRepository(Protocol):
    def add(self, coordinator: Coordinator) -> None: ...
    def get(self, user_id: str) -> Coordinator | None: ...
    def list(self, *, active_only: bool = True) -> Sequence[Coordinator]: ...
    def save(self, coordinator: Coordinator) -> None: ...


class MeetingChannelRepository(Protocol):
    def add(self, channel: MeetingChannel) -> None: ...
    def get(self, channel_id: str) -> MeetingChannel | None: ...
    def list(self) -> Sequence[MeetingChannel]: ...


class MeetingSeriesRepository(Protocol):
    def add(self, series: MeetingSeries) -> None: ...
    def get(self, series_id: str) -> MeetingSeries | None: ...
    def for_channel(
        self, channel_id: str, *, active_only: bool = True
    ) -> Sequence[MeetingSeries]: ...
    def save(self, series: MeetingSeries) -> None: ...


class MeetingRepository(Protocol):
    def add(self, meeting: Meeting) -> None: ...
    def add_many(self, meetings: Sequence[Meeting]) -> None:
        """Add several meetings at once (one bulk insert); a duplicate fails them all."""
        ...

    def get(self, meeting_id: str) -> Meeting | None: ...
    def on_date(self, channel_id: str, day: date) -> Meeting | None: ...
    def days(self, channel_id: str) -> set[date]:
        """The dates of the channel's meetings, whatever their state."""
        ...

    def upcoming(self, channel_id: str, from_day: date) -> Sequence[Meeting]:
        """Not cancelled, on or after ``from_day``, earliest first."""
        ...

    def by_room(self, room_id: str) -> Meeting | None:
        """The meeting whose own private channel ``room_id`` is."""
        ...

    def with_open_rooms(self) -> Sequence[Meeting]:
        """Meetings whose private channel exists and is not archived yet."""
        ...

    def finalised_before(self, cutoff: datetime) -> Sequence[Meeting]:
        """Meetings whose minutes were made final before ``cutoff``, oldest first."""
        ...

    def save(self, meeting: Meeting) -> None: ...


class MeetingRecordRepository(Protocol):
    """会議記録: the meeting as it was held, one per meeting."""

    def get(self, meeting_id: str) -> MeetingRecord | None: ...
    def put(self, record: MeetingRecord) -> None:
        """Insert or replace the record of the meeting: a re-submitted form updates."""
        ...


class CaseRepository(Protocol):
    def next_code(self, fiscal_year: int) -> CaseCode:
        """Allocate the next code of the 年度. Concurrent callers never get the same code."""
        ...

    def add(self, case: Case) -> None: ...
    def get(self, case_id: str) -> Case | None: ...
    def by_code(self, code: CaseCode) -> Case | None: ...
    def list(self, *, fiscal_year: int | None = None) -> Sequence[Case]: ...
    def save(self, case: Case) -> None: ...


class AgendaRepository(Protocol):
    def add(self, item: AgendaItem) -> None: ...
    def get(self, meeting_id: str, case_id: str) -> AgendaItem | None: ...
    def by_id(self, item_id: str) -> AgendaItem | None: ...
    def for_meeting(self, meeting_id: str) -> Sequence[AgendaItem]:
        """In agenda order (``position``)."""
        ...

    def for_case(self, case_id: str) -> Sequence[AgendaItem]: ...
    def by_thread(self, thread_ref: str) -> AgendaItem | None: ...
    def save(self, item: AgendaItem) -> None: ...
    def remove(self, item_id: str) -> None:
        """Take an item off its meeting's agenda (e.g. consent withdrawn before a 重層 meeting)."""
        ...


class AgencyInputRepository(Protocol):
    def add(self, agency_input: AgencyInput) -> None: ...
    def by_source(self, source: str, source_ref: str) -> AgencyInput | None: ...
    def for_meeting(self, meeting_id: str) -> Sequence[AgencyInput]:
        """Oldest first: several replies from one agency are kept in order."""
        ...

    def for_case(self, meeting_id: str, case_id: str) -> Sequence[AgencyInput]: ...
    def recorded_counts(self, meeting_id: str, case_id: str) -> Mapping[str, int]:
        """How many inputs of each agency count for the case (recorded, not held or
        withdrawn); agencies without one are absent. Counted by the store: a thread's
        status line is refreshed at every reply."""
        ...

    def save(self, agency_input: AgencyInput) -> None: ...
    def delete(self, input_id: str) -> None:
        """Delete an input for good (retention); the caller leaves an audit tombstone."""
        ...


class AcknowledgementRepository(Protocol):
    def add(self, ack: ConfidentialityAcknowledgement) -> None: ...
    def get(
        self, meeting_id: str, user_id: str, notice_version: str
    ) -> ConfidentialityAcknowledgement | None: ...
    def for_meeting(self, meeting_id: str) -> Sequence[ConfidentialityAcknowledgement]: ...


class RoleAssignmentRepository(Protocol):
    def add(self, assignment: RoleAssignment) -> None: ...
    def get(self, assignment_id: str) -> RoleAssignment | None: ...
    def for_case(self, case_id: str) -> Sequence[RoleAssignment]: ...
    def for_meeting(self, meeting_id: str) -> Sequence[RoleAssignment]: ...
    def for_agency(self, agency_id: str) -> Sequence[RoleAssignment]: ...
    def save(self, assignment: RoleAssignment) -> None: ...


class DecisionRepository(Protocol):
    def get(self, meeting_id: str, case_id: str) -> Decision | None: ...
    def for_meeting(self, meeting_id: str) -> Sequence[Decision]: ...
    def put(self, decision: Decision) -> None:
        """Insert or replace the decision for (meeting, case): a re-submitted form updates."""
        ...


class FinalDocumentRepository(Protocol):
    def add(self, document: FinalDocument) -> None:
        """Raises ``Duplicate`` if the meeting already has a final document of that kind."""
        ...

    def get(self, meeting_id: str, kind: str) -> FinalDocument | None: ...


class PeopleRepository(Protocol):
    """Display names as the bot last learnt them, one per chat user (documents show them)."""

    def get(self, user_id: str) -> Person | None: ...
    def put(self, person: Person) -> None:
        """Insert or replace the person's name: the latest learnt wins."""
        ...


class AuditTrail(Protocol):
    """Append-only: there is no update and no delete."""

    def append(self, event: AuditEvent) -> None: ...
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
        """Oldest first; with ``limit``, the newest ``limit`` events. ``since`` is inclusive,
        ``until`` exclusive. ``case_code`` selects the events about a case: its code is the
        target, or the detail names it (``case=R8-001``)."""
        ...


class ProcessedRequests(Protocol):
    """Idempotency keys: a chat event ID, a button click, a form submission, a send."""

    def claim(self, key: str, *, take_over_after: timedelta | None = None) -> bool:
        """Record ``key`` in this unit of work. False if it was already recorded (committed)
        — unless ``take_over_after`` is given and that claim is older: its holder is taken
        to have died mid-way, and this claim replaces it (one taker wins)."""
        ...

    def release(self, key: str) -> None:
        """Forget ``key`` (in this unit of work): the send it guarded failed and may be retried."""
        ...

    def is_claimed(self, key: str) -> bool:
        """Whether ``key`` has been claimed (committed, or earlier in this unit of work)."""
        ...

    def claimed_after(self, key: str, prefix: str) -> bool:
        """Whether a key that starts with ``prefix`` and sorts after ``key`` has been claimed
        (keys that end in fixed-width timestamps: a later one was acted on)."""
        ...


class JobScheduler(Protocol):
    """Runs planned sends at their due time (the scheduler adapter); IDs travel, not objects.

    Jobs are keyed by the send's idempotency key: planning a key again replaces its job.
    A job that fires for a meeting that has since moved, been cancelled or passed drops
    itself, so forgetting to unplan is harmless; unplanning only keeps the store tidy.
    """

    def plan(self, sends: Sequence[PlannedSend], *, within: UnitOfWork | None = None) -> None:
        """Store the sends' jobs; ``within`` an open unit of work, in its transaction (they
        are then committed, or not, with it)."""
        ...

    def unplan(self, keys: Sequence[str], *, within: UnitOfWork | None = None) -> None: ...


class UnitOfWork(Protocol):
    """One transaction: data and its audit events are committed together or not at all.

    Use as ``with uow: ...; uow.commit()``; leaving the block without commit rolls back.
    """

    agencies: AgencyRepository
    memberships: MembershipRepository
    coordinators: CoordinatorRepository
    channels: MeetingChannelRepository
    series: MeetingSeriesRepository
    meetings: MeetingRepository
    records: MeetingRecordRepository
    cases: CaseRepository
    agenda: AgendaRepository
    inputs: AgencyInputRepository
    acknowledgements: AcknowledgementRepository
    roles: RoleAssignmentRepository
    decisions: DecisionRepository
    final_documents: FinalDocumentRepository
    people: PeopleRepository
    audit: AuditTrail
    processed: ProcessedRequests

    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...
