"""The SQL unit of work: one session, one transaction, every repository."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.orm import Session, sessionmaker

from bot.services import ports
from storage.repositories import (
    SqlAcknowledgementRepository,
    SqlAgencyInputRepository,
    SqlAgencyRepository,
    SqlAgendaRepository,
    SqlAuditTrail,
    SqlCaseRepository,
    SqlCoordinatorRepository,
    SqlDecisionRepository,
    SqlFinalDocumentRepository,
    SqlMeetingChannelRepository,
    SqlMeetingRecordRepository,
    SqlMeetingRepository,
    SqlMeetingSeriesRepository,
    SqlMembershipRepository,
    SqlPeopleRepository,
    SqlProcessedRequests,
    SqlRoleAssignmentRepository,
)


class SqlUnitOfWork:
    """Implements ``bot.services.ports.UnitOfWork`` on a SQLAlchemy session.

    Use as ``with uow: ...; uow.commit()``. Data and the audit events appended in the block
    share one transaction, so they are committed together or not at all. Leaving the block
    without ``commit()``, or by an exception, rolls everything back. The object may be
    entered again afterwards; each ``with`` block gets a fresh session.

    Args:
        session_factory: Makes the session of each ``with`` block (usually
            ``Database.session_factory``).
    """

    # Typed as the ports (not the concrete classes) because Protocol attributes are
    # invariant: this is what lets a SqlUnitOfWork be passed where a UnitOfWork is expected.
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

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._session_factory = session_factory
        self._session: Session | None = None

    @property
    def session(self) -> Session:
        """The open session (for storage tests and maintenance tasks)."""
        if self._session is None:
            raise RuntimeError("the unit of work is not open: use it in a 'with' block")
        return self._session

    def __enter__(self) -> Self:
        if self._session is not None:
            raise RuntimeError("the unit of work is already open")
        session = self._session_factory()
        self._session = session
        self.agencies = SqlAgencyRepository(session)
        self.memberships = SqlMembershipRepository(session)
        self.coordinators = SqlCoordinatorRepository(session)
        self.channels = SqlMeetingChannelRepository(session)
        self.series = SqlMeetingSeriesRepository(session)
        self.meetings = SqlMeetingRepository(session)
        self.records = SqlMeetingRecordRepository(session)
        self.cases = SqlCaseRepository(session)
        self.agenda = SqlAgendaRepository(session)
        self.inputs = SqlAgencyInputRepository(session)
        self.acknowledgements = SqlAcknowledgementRepository(session)
        self.roles = SqlRoleAssignmentRepository(session)
        self.decisions = SqlDecisionRepository(session)
        self.final_documents = SqlFinalDocumentRepository(session)
        self.people = SqlPeopleRepository(session)
        self.audit = SqlAuditTrail(session)
        self.processed = SqlProcessedRequests(session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session, self._session = self._session, None
        if session is None:
            return
        try:
            # Whatever was not committed is discarded, whether or not an exception is leaving.
            session.rollback()
        finally:
            session.close()

    def commit(self) -> None:
        """Write everything done in the block, data and audit events, in one transaction."""
        self.session.commit()

    def rollback(self) -> None:
        """Discard everything since the last commit; the block may go on with new work."""
        self.session.rollback()


def _conforms(uow: SqlUnitOfWork) -> ports.UnitOfWork:
    """Never called: mypy checks here that SqlUnitOfWork implements the port."""
    return uow
