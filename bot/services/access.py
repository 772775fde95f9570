"""The one access policy: deny by default, checked by every use case.

Who may do what:
- coordinators (事務局) run meetings: setup, agencies, cases, agenda, roles, decisions, documents;
- a member sees a case only if their agency is asked for it, their membership is active,
  their chat account is active, and they have confirmed the current secrecy notice for that
  meeting;
- everyone else sees nothing about cases.

Denials are recorded in the audit trail (without case content) in their own transaction, so
that a refused request still leaves its trace.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain.confidentiality import SECRECY_NOTICE
from bot.domain.errors import DomainError
from bot.domain.model import (
    Agency,
    AuditAction,
    AuditEvent,
    Case,
    Meeting,
)
from bot.services.context import ServiceContext
from bot.services.ports import UnitOfWork


class PermissionDenied(DomainError):
    """The actor may not do this. The message says why, politely, without revealing cases."""


COORDINATOR_ONLY = (
    "この操作は事務局（コーディネーター）のみが行えます。必要な場合は事務局にご依頼ください。"
)


@dataclass(frozen=True)
class Actor:
    """Who is asking: a chat user ID (or ``system`` for scheduled work)."""

    user_id: str

    @property
    def is_system(self) -> bool:
        """Scheduled work, or an operator at the server's terminal (who holds the database
        credentials anyway); audited under their login as ``operator:<login>``."""
        return self.user_id == "system" or self.user_id.startswith("operator:")


SYSTEM = Actor("system")


def is_coordinator(uow: UnitOfWork, actor: Actor) -> bool:
    if actor.is_system:
        return True
    coordinator = uow.coordinators.get(actor.user_id)
    return coordinator is not None and coordinator.active


def agencies_of(uow: UnitOfWork, user_id: str) -> list[Agency]:
    """The agencies a person currently answers for (removed memberships do not count)."""
    agencies = []
    for membership in uow.memberships.for_user(user_id, active_only=True):
        agency = uow.agencies.get(membership.agency_id)
        if agency is not None:
            agencies.append(agency)
    return agencies


def asked_agencies_of(uow: UnitOfWork, user_id: str, case: Case) -> list[Agency]:
    """The person's agencies that are asked for ``case``, in the case's order."""
    mine = {agency.id: agency for agency in agencies_of(uow, user_id)}
    return [mine[agency_id] for agency_id in case.asked_agency_ids if agency_id in mine]


def has_confirmed(uow: UnitOfWork, meeting: Meeting, user_id: str) -> bool:
    return uow.acknowledgements.get(meeting.id, user_id, SECRECY_NOTICE.version) is not None


def roster(uow: UnitOfWork, cases: Sequence[Case]) -> set[str]:
    """Who may be in a meeting's channel: coordinators and members of the agencies asked."""
    people = {coordinator.user_id for coordinator in uow.coordinators.list(active_only=True)}
    for agency_id in {agency_id for case in cases for agency_id in case.asked_agency_ids}:
        people.update(m.user_id for m in uow.memberships.for_agency(agency_id, active_only=True))
    return people


def deny(
    ctx: ServiceContext,
    uow: UnitOfWork,
    actor: Actor,
    target_type: str,
    target_id: str,
    reason: str,
) -> None:
    """Record a refusal: the caller's uncommitted work is rolled back, then the denial is
    committed on its own. It uses the caller's unit of work: a second one opened inside it
    would wait for the first one's write lock on SQLite (every transaction there begins
    IMMEDIATE) and fail."""
    uow.rollback()
    uow.audit.append(
        AuditEvent(
            actor=actor.user_id,
            action=AuditAction.ACCESS_DENIED,
            target_type=target_type,
            target_id=target_id,
            allowed=False,
            detail=f"reason={reason}",
            at=ctx.clock(),
        )
    )
    uow.commit()


def require_coordinator(ctx: ServiceContext, uow: UnitOfWork, actor: Actor, what: str) -> None:
    if actor.is_system or (is_coordinator(uow, actor) and ctx.chat.user_is_active(actor.user_id)):
        return
    deny(ctx, uow, actor, "command", what, "not_coordinator")
    raise PermissionDenied(COORDINATOR_ONLY)
