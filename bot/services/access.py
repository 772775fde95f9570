"""The one need-to-know policy: deny by default, asked by every use case.

``standing`` answers, for an actor and a meeting (or one case of it), which of these the
actor is:

- ``COORDINATOR``: runs meetings (setup, agencies, cases, agenda, roles, decisions,
  documents) and reads every case; scheduled work and terminal operators count as one;
- ``CONFIRMED``: an active member of an agency asked for the case (or, for a meeting, for
  any case on it) who has confirmed the current version of that meeting's secrecy notice
  (its kind decides which notice);
- ``UNCONFIRMED``: the same, not yet confirmed — may confirm, and their replies are held;
- ``NOT_ASKED``: a registered member whose agencies are not asked;
- ``DEACTIVATED``: the chat account is deactivated (fails closed whatever else is true);
- ``OUTSIDER``: anyone else.

Every read or change of case content passes one of the ``require_*`` functions below, and
every refusal goes through ``deny``, which writes ``access.denied`` with the reason (the
standing, or a short code) in its own transaction, so a refused request still leaves its
trace.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from bot import texts
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


@dataclass(frozen=True)
class Actor:
    """Who is asking: a chat user ID (or ``system`` for scheduled work).

    ``account``: whether the actor's chat account is active, as the chat platform said for
    this request (``None``: not asked yet; ``with_account`` asks). Asked once, outside any
    unit of work, so that no transaction waits for the platform. A form submission comes
    with ``True``: the account was checked when the form was opened (it cannot be submitted
    unopened), and the submission must be answered within the platform's 3 seconds.
    """

    user_id: str
    account: bool | None = None

    @property
    def is_system(self) -> bool:
        """Scheduled work, or an operator at the server's terminal (who holds the database
        credentials anyway); audited under their login as ``operator:<login>``."""
        return self.user_id == "system" or self.user_id.startswith("operator:")


SYSTEM = Actor("system")


def with_account(ctx: ServiceContext, actor: Actor) -> Actor:
    """``actor`` with its chat account's state, asked of the platform now if not known:
    call it before a unit of work (on SQLite a transaction holds the write lock, and the
    platform may be slow). Raises ``ChatUnavailable`` if the platform cannot be asked."""
    if actor.is_system or actor.account is not None:
        return actor
    return replace(actor, account=ctx.chat.user_is_active(actor.user_id))


class Standing(StrEnum):
    COORDINATOR = "coordinator"
    CONFIRMED = "confirmed_member"
    UNCONFIRMED = "unconfirmed_member"
    NOT_ASKED = "not_asked"
    DEACTIVATED = "deactivated"
    OUTSIDER = "outsider"


@dataclass(frozen=True)
class Access:
    """An actor's standing for a meeting or case, and their agencies asked for it (in the
    case's order; a coordinator who is also a member may have some)."""

    standing: Standing
    agencies: tuple[Agency, ...] = ()
    confirmed: bool = False  # the current notice, for this meeting

    @property
    def may_read(self) -> bool:
        return self.standing in (Standing.COORDINATOR, Standing.CONFIRMED)

    @property
    def may_confirm(self) -> bool:
        """Coordinators and active members of an agency asked, confirmed or not."""
        return self.standing in (Standing.COORDINATOR, Standing.CONFIRMED, Standing.UNCONFIRMED)


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


def has_confirmed(ctx: ServiceContext, uow: UnitOfWork, meeting: Meeting, user_id: str) -> bool:
    """Whether ``user_id`` confirmed the current version of the meeting's own notice."""
    version = ctx.notice(meeting).version
    return uow.acknowledgements.get(meeting.id, user_id, version) is not None


def _agenda_cases(uow: UnitOfWork, meeting: Meeting) -> list[Case]:
    cases = []
    for item in uow.agenda.for_meeting(meeting.id):
        case = uow.cases.get(item.case_id)
        if case is not None:
            cases.append(case)
    return cases


def standing(
    ctx: ServiceContext,
    uow: UnitOfWork,
    actor: Actor,
    meeting: Meeting,
    case: Case | None = None,
    *,
    active: bool | None = None,
) -> Access:
    """The actor's standing for ``case`` on ``meeting`` (or, without a case, for any case
    on the meeting's agenda). The one place the need-to-know rule is assembled.

    ``active``: whether the actor's chat account is active, if the caller asked the platform
    already (outside its transaction); otherwise it is asked here. Either way a platform
    that could not be asked raises ``ChatUnavailable``: a failed question never counts as
    a deactivated account."""
    if actor.is_system:
        return Access(Standing.COORDINATOR)
    mine = {agency.id: agency for agency in agencies_of(uow, actor.user_id)}
    asked_ids: list[str] = []
    for asked in [case] if case is not None else _agenda_cases(uow, meeting):
        asked_ids += [a for a in asked.asked_agency_ids if a in mine and a not in asked_ids]
    agencies = tuple(mine[a] for a in asked_ids)
    if active is None:
        active = with_account(ctx, actor).account
    if not active:
        return Access(Standing.DEACTIVATED)
    confirmed = has_confirmed(ctx, uow, meeting, actor.user_id)
    if is_coordinator(uow, actor):
        return Access(Standing.COORDINATOR, agencies, confirmed)
    if not agencies:
        return Access(Standing.NOT_ASKED if mine else Standing.OUTSIDER)
    if confirmed:
        return Access(Standing.CONFIRMED, agencies, confirmed)
    return Access(Standing.UNCONFIRMED, agencies, confirmed)


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


def refuse(
    ctx: ServiceContext,
    uow: UnitOfWork,
    actor: Actor,
    target_type: str,
    target_id: str,
    reason: str,
    message: str,
) -> PermissionDenied:
    """``deny``, then the error to raise: ``raise refuse(...)``."""
    deny(ctx, uow, actor, target_type, target_id, reason)
    return PermissionDenied(message)


def require_coordinator(ctx: ServiceContext, uow: UnitOfWork, actor: Actor, what: str) -> None:
    """Coordinators (active, with an active chat account), scheduled work and operators."""
    if actor.is_system or (is_coordinator(uow, actor) and with_account(ctx, actor).account):
        return
    raise refuse(ctx, uow, actor, "command", what, "not_coordinator", texts.ACCESS.coordinator_only)


def check_coordinator(ctx: ServiceContext, actor: Actor, what: str) -> Actor:
    """``require_coordinator`` in a unit of work of its own: for the command dispatcher and
    form submissions, which must refuse before they validate anything. Returns the actor
    with its account's state, for the use case to run with."""
    actor = with_account(ctx, actor)
    with ctx.uow() as uow:
        require_coordinator(ctx, uow, actor, what)
    return actor


def require_known(ctx: ServiceContext, uow: UnitOfWork, actor: Actor, what: str) -> None:
    """Coordinators and members of any agency: before a meeting is even looked up, so that
    someone the bot does not know learns nothing (not even the meeting dates)."""
    if actor.is_system or is_coordinator(uow, actor) or agencies_of(uow, actor.user_id):
        return
    raise refuse(
        ctx,
        uow,
        actor,
        "command",
        what,
        f"{what}:{Standing.OUTSIDER}",
        texts.ACCESS.not_asked_meeting,
    )


def require_reader(
    ctx: ServiceContext,
    uow: UnitOfWork,
    actor: Actor,
    meeting: Meeting,
    case: Case | None = None,
    *,
    what: str,
) -> Access:
    """Case content is read only by coordinators and confirmed members of an agency asked
    (for ``case``, or for any case of ``meeting``)."""
    access = standing(ctx, uow, actor, meeting, case)
    if access.may_read:
        return access
    target = ("case", str(case.code)) if case is not None else ("meeting", meeting.id)
    raise refuse(
        ctx, uow, actor, *target, f"{what}:{access.standing}", refusal(access.standing, case)
    )


def require_contributor(
    ctx: ServiceContext,
    uow: UnitOfWork,
    actor: Actor,
    meeting: Meeting,
    case: Case,
    *,
    what: str,
    held_ok: bool = False,
    active: bool | None = None,
) -> Access:
    """Case content is written only by active members of an agency asked for the case who
    have confirmed the notice (or, with ``held_ok``, not yet: their input is held).
    Coordinators answer for no agency unless they are also registered as a member.
    ``active`` as for ``standing``."""
    access = standing(ctx, uow, actor, meeting, case, active=active)
    if not access.agencies:
        reason = Standing.NOT_ASKED if access.standing is Standing.COORDINATOR else access.standing
    elif not access.confirmed and not held_ok:
        reason = Standing.UNCONFIRMED
    else:
        return access
    raise refuse(ctx, uow, actor, "case", str(case.code), f"{what}:{reason}", refusal(reason, case))


def refusal(reason: Standing, case: Case | None) -> str:
    """What the refused person is told: never which cases exist beyond the one they named."""
    if reason is Standing.UNCONFIRMED:
        return texts.ACCESS.confirm_first
    if case is not None:
        return texts.ACCESS.not_asked_case.format(code=case.code)
    return texts.ACCESS.not_asked_meeting
