"""Appending to the audit trail inside the caller's unit of work (committed with the data)."""

from __future__ import annotations

from bot.domain.model import AuditAction, AuditEvent
from bot.services.access import Actor
from bot.services.context import ServiceContext
from bot.services.ports import UnitOfWork


def audit(
    ctx: ServiceContext,
    uow: UnitOfWork,
    actor: Actor,
    action: AuditAction,
    target_type: str,
    target_id: str,
    detail: str = "",
    *,
    allowed: bool = True,
) -> None:
    """Record who did what to which object. ``target_id`` and ``detail`` never hold content."""
    uow.audit.append(
        AuditEvent(
            actor=actor.user_id,
            action=action,
            target_type=target_type,
            target_id=target_id,
            allowed=allowed,
            detail=detail,
            at=ctx.clock(),
        )
    )
