"""Setting up: coordinators, agencies and their members, meeting channels."""

from __future__ import annotations

from collections.abc import Iterable

from bot import texts
from bot.domain.errors import NotFound
from bot.domain.model import (
    Agency,
    AgencyMembership,
    AuditAction,
    Coordinator,
    MeetingChannel,
    validate_agency_key,
    validate_user_id,
)
from bot.services import rooms
from bot.services.access import Actor, require_coordinator
from bot.services.audit import audit
from bot.services.chat import mention
from bot.services.context import ServiceContext
from bot.services.delivery import Delivery
from bot.services.people import learn_name_later
from bot.services.ports import UnitOfWork


def ensure_coordinators(ctx: ServiceContext, user_ids: Iterable[str]) -> None:
    """Make the coordinators named in ``SHIEN_COORDINATORS`` coordinators (at start-up).

    Audited as ``coordinator.added`` by ``system``; existing coordinators are left alone.
    """
    with ctx.uow() as uow:
        for user_id in user_ids:
            existing = uow.coordinators.get(user_id)
            if existing is not None and existing.active:
                continue
            if existing is None:
                uow.coordinators.add(
                    Coordinator(user_id=user_id, added_by="system", added_at=ctx.clock())
                )
            else:
                existing.removed_at = None
                uow.coordinators.save(existing)
            audit(
                ctx,
                uow,
                Actor("system"),
                AuditAction.COORDINATOR_ADDED,
                "user",
                user_id,
                "source=settings",
            )
        uow.commit()


def add_coordinator(ctx: ServiceContext, actor: Actor, user_id: str) -> str:
    """Coordinators only. Audited as ``coordinator.added``."""
    validate_user_id(user_id)
    with ctx.uow() as uow:
        require_coordinator(ctx, uow, actor, "coordinator.add")
        existing = uow.coordinators.get(user_id)
        if existing is not None and existing.active:
            return texts.ADMIN.already_coordinator.format(user=mention(user_id))
        if not ctx.chat.user_is_active(user_id):
            return texts.ADMIN.user_not_found
        if existing is None:
            uow.coordinators.add(
                Coordinator(user_id=user_id, added_by=actor.user_id, added_at=ctx.clock())
            )
        else:
            existing.removed_at = None
            uow.coordinators.save(existing)
        audit(ctx, uow, actor, AuditAction.COORDINATOR_ADDED, "user", user_id)
        uow.commit()
    learn_name_later(ctx, user_id)  # the name documents show for them
    return texts.ADMIN.coordinator_added.format(user=mention(user_id))


def setup_channel(ctx: ServiceContext, actor: Actor, channel_id: str) -> str:
    """Coordinators only; the channel must be private and not shared outside the workspace.

    Audited as ``channel.setup``. Repeating it is harmless.
    """
    with ctx.uow() as uow:
        require_coordinator(ctx, uow, actor, "setup")
    # Asked outside any transaction: a Slack call must not hold SQLite's write lock. In the
    # direct mode (Teams) nothing about a case is ever posted in the channel: no check.
    if ctx.delivery is Delivery.CHANNEL:
        MeetingChannel.check_suitable(ctx.chat.channel_facts(channel_id))
    with ctx.uow() as uow:
        if uow.channels.get(channel_id) is not None:
            return texts.ADMIN.channel_already_set_up
        uow.channels.add(
            MeetingChannel(channel_id=channel_id, created_by=actor.user_id, created_at=ctx.clock())
        )
        audit(ctx, uow, actor, AuditAction.CHANNEL_SETUP, "channel", channel_id)
        uow.commit()
    return texts.ADMIN.channel_set_up


def register_agency(
    ctx: ServiceContext, actor: Actor, key: str, name: str, member_ids: list[str]
) -> str:
    """Coordinators only. Registers an agency, or adds members to an existing one.

    Audited as ``agency.registered`` and ``member.added`` (one per new member).
    """
    key = validate_agency_key(key)
    for user_id in member_ids:
        validate_user_id(user_id)
    with ctx.uow() as uow:
        require_coordinator(ctx, uow, actor, "agency.add")
        agency = uow.agencies.by_key(key)
        created = agency is None
        if agency is None:
            agency = Agency(key=key, name=name, created_at=ctx.clock())
            uow.agencies.add(agency)
            audit(ctx, uow, actor, AuditAction.AGENCY_REGISTERED, "agency", agency.id, f"key={key}")
        added: list[str] = []
        for user_id in dict.fromkeys(member_ids):
            if not ctx.chat.user_is_active(user_id):
                continue
            membership = uow.memberships.get(agency.id, user_id)
            if membership is not None and membership.active:
                continue
            if membership is None:
                uow.memberships.add(
                    AgencyMembership(
                        agency_id=agency.id,
                        user_id=user_id,
                        added_by=actor.user_id,
                        added_at=ctx.clock(),
                    )
                )
            else:
                membership.restore(by=actor.user_id, at=ctx.clock())
                uow.memberships.save(membership)
            audit(ctx, uow, actor, AuditAction.MEMBER_ADDED, "agency", agency.id, f"user={user_id}")
            added.append(user_id)
        uow.commit()
        agency_name = agency.name
    for user_id in added:
        learn_name_later(ctx, user_id)  # the name documents show for them
    people = "、".join(f"{mention(u)}" for u in added) if added else texts.ADMIN.no_one
    answer = texts.ADMIN.agency_registered if created else texts.ADMIN.agency_exists
    return answer.format(name=agency_name, key=key, people=people)


def remove_member(ctx: ServiceContext, actor: Actor, key: str, user_id: str) -> str:
    """Coordinators only. The member loses access at once. Audited as ``member.removed``."""
    key = validate_agency_key(key)
    with ctx.uow() as uow:
        require_coordinator(ctx, uow, actor, "agency.remove")
        agency = uow.agencies.by_key(key)
        if agency is None:
            raise NotFound(unknown_agency_message(uow, [key]))
        membership = uow.memberships.get(agency.id, user_id)
        if membership is None or not membership.active:
            return texts.ADMIN.not_a_member.format(user=mention(user_id), agency=agency.name)
        membership.remove(by=actor.user_id, at=ctx.clock())
        uow.memberships.save(membership)
        audit(ctx, uow, actor, AuditAction.MEMBER_REMOVED, "agency", agency.id, f"user={user_id}")
        uow.commit()
        answer = texts.ADMIN.member_removed.format(user=mention(user_id), agency=agency.name)
    if ctx.delivery is Delivery.DIRECT:  # their cards are replaced at once
        from bot.services import direct

        direct.reconcile(ctx, user_id=user_id)
    else:
        rooms.keep_rooms_right_later(ctx)  # out of every meeting channel of the agency's cases
    return answer


def list_agencies(ctx: ServiceContext, actor: Actor) -> str:
    """Coordinators only (the roster of agencies and their members)."""
    with ctx.uow() as uow:
        require_coordinator(ctx, uow, actor, "agency.list")
        agencies = uow.agencies.list()
        if not agencies:
            return texts.ADMIN.no_agencies
        lines = [texts.ADMIN.agencies_title]
        for agency in agencies:
            members = uow.memberships.for_agency(agency.id, active_only=True)
            people = "、".join(f"{mention(m.user_id)}" for m in members) or texts.ADMIN.no_members
            lines.append(
                texts.ADMIN.agency_line.format(key=agency.key, name=agency.name, people=people)
            )
        return "\n".join(lines)


def unknown_agency_message(uow: UnitOfWork, keys: list[str]) -> str:
    valid = ", ".join(a.key for a in uow.agencies.list()) or texts.ADMIN.no_agency_keys
    return texts.ADMIN.unknown_agency.format(keys=", ".join(keys), valid=valid)


def resolve_agencies(uow: UnitOfWork, keys: list[str]) -> list[Agency]:
    agencies, unknown = [], []
    for key in keys:
        agency = uow.agencies.by_key(validate_agency_key(key))
        if agency is None:
            unknown.append(key)
        else:
            agencies.append(agency)
    if unknown:
        raise NotFound(unknown_agency_message(uow, unknown))
    return agencies


__all__ = [
    "add_coordinator",
    "ensure_coordinators",
    "list_agencies",
    "register_agency",
    "remove_member",
    "resolve_agencies",
    "setup_channel",
]
