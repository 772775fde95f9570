"""Idempotency claims taken or given back in a unit of work of their own: around a chat
call that must not happen twice (claimed before it, released if the platform refuses, so
that the next try may make it)."""

from __future__ import annotations

from bot.services.context import ServiceContext

__all__ = ["claim", "release"]


def claim(ctx: ServiceContext, key: str) -> bool:
    """Claim ``key``; False if it was claimed before."""
    with ctx.uow() as uow:
        claimed = uow.processed.claim(key)
        uow.commit()
    return claimed


def release(ctx: ServiceContext, *keys: str) -> None:
    """Give ``keys`` back: what they guarded did not happen."""
    with ctx.uow() as uow:
        for key in keys:
            uow.processed.release(key)
        uow.commit()
