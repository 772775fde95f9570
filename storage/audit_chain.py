"""Reading the audit trail's hash chain back for ``shienbot audit --verify``.

The judging is :func:`bot.domain.audit_chain.verify_chain`; this module streams the stored
events in ``seq`` order (never all in memory at once) and reads the chain head.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Connection, Engine, select

from bot.domain.audit_chain import ChainedEvent, ChainReport, verify_chain
from storage.orm import AuditChainRow, AuditEventRow
from storage.repositories import AUDIT_CHAIN

__all__ = ["verify_audit_trail"]

_BATCH = 1000


def _events(connection: Connection) -> Iterator[ChainedEvent]:
    table = AuditEventRow.__table__
    query = select(table).order_by(table.c.seq).execution_options(yield_per=_BATCH)
    for row in connection.execute(query):
        yield ChainedEvent(
            seq=int(row.seq),
            event_id=row.id,
            at=row.at,
            actor=row.actor,
            action=row.action,
            target_type=row.target_type,
            target_id=row.target_id,
            allowed=bool(row.allowed),
            detail=row.detail,
            prev_hash=row.prev_hash,
            chain_hash=row.chain_hash,
        )


def verify_audit_trail(engine: Engine, anchor: str = "") -> ChainReport:
    """Check every stored event against the chain, and the chain head; read-only. With
    ``anchor``, also find the event whose hash starts with it."""
    with engine.connect() as connection:
        head_row = connection.execute(
            select(AuditChainRow.last_seq, AuditChainRow.last_hash).where(
                AuditChainRow.name == AUDIT_CHAIN
            )
        ).first()
        head = (int(head_row.last_seq), str(head_row.last_hash)) if head_row else None
        return verify_chain(_events(connection), head, anchor)
