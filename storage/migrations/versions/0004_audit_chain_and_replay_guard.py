"""Security at rest and at the edge: the audit trail's hash chain, and seen request signatures.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06

* ``audit_events`` gets ``prev_hash`` and ``chain_hash``; the events already stored are
  hashed here, in ``seq`` order, and ``audit_chain`` records the head (last seq and hash).
* A new trigger refuses an insert that is not at the end of the trail: a ``seq`` at or
  below the last one, or an ``id`` already used. On SQLite this is what stops
  ``INSERT OR REPLACE`` / ``REPLACE INTO`` from rewriting a row (REPLACE deletes the old row
  without firing the DELETE trigger), and on both databases it stops back-dated rows from
  being slipped into gaps.
* ``seen_signatures`` holds the signatures of accepted chat requests, so that a replayed
  request is refused by every process sharing the database.

The hash function is copied here, not imported: this revision must hash the same way
forever, whatever later code does (``bot.domain.audit_chain`` must agree with it, and
tests/storage/test_storage_audit_chain.py checks that it does).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sa.DateTime(timezone=True)
HASH = sa.String(length=64)
SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
GENESIS = "0" * 64
CHAIN_VERSION = "shienbot-audit-v1"

_APPEND_ONLY_MESSAGE = "audit_events is append-only"

_SQLITE_UPDATE_DELETE = [
    f"""
    CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
    BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY_MESSAGE}'); END
    """,
    f"""
    CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
    BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY_MESSAGE}'); END
    """,
]
_SQLITE_INSERT_AT_END = f"""
    CREATE TRIGGER audit_events_insert_at_end BEFORE INSERT ON audit_events
    WHEN NEW.seq <= (SELECT COALESCE(MAX(seq), 0) FROM audit_events)
      OR EXISTS (SELECT 1 FROM audit_events WHERE id = NEW.id)
    BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY_MESSAGE}'); END
    """
_POSTGRESQL_INSERT_AT_END = [
    f"""
    CREATE FUNCTION audit_events_insert_at_end() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.seq <= (SELECT COALESCE(MAX(seq), 0) FROM audit_events) THEN
            RAISE EXCEPTION '{_APPEND_ONLY_MESSAGE}' USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN NEW;
    END
    $$
    """,
    """
    CREATE TRIGGER audit_events_insert_at_end
    BEFORE INSERT ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_insert_at_end()
    """,
]


def _instant(at: datetime) -> str:
    if at.tzinfo is None or at.tzinfo.utcoffset(at) is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _hash(prev_hash: str, row: sa.Row[tuple[object, ...]]) -> str:
    content = json.dumps(
        [
            CHAIN_VERSION,
            int(row.seq),
            row.id,
            _instant(row.at),
            row.actor,
            row.action,
            row.target_type,
            row.target_id,
            bool(row.allowed),
            row.detail,
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(f"{prev_hash}\n{content}".encode()).hexdigest()


_events = sa.table(
    "audit_events",
    sa.column("seq", sa.BigInteger()),
    sa.column("id", sa.String()),
    sa.column("at", TIMESTAMP),
    sa.column("actor", sa.String()),
    sa.column("action", sa.String()),
    sa.column("target_type", sa.String()),
    sa.column("target_id", sa.String()),
    sa.column("allowed", sa.Boolean()),
    sa.column("detail", sa.Text()),
    sa.column("prev_hash", HASH),
    sa.column("chain_hash", HASH),
)


def _hash_existing_events(bind: sa.Connection) -> tuple[int, str]:
    """Chain the events already stored, in ``seq`` order; returns the head."""
    prev_hash, last_seq = GENESIS, 0
    rows = bind.execute(sa.select(_events).order_by(_events.c.seq)).all()
    for row in rows:
        chain_hash = _hash(prev_hash, row)
        bind.execute(
            _events.update()
            .where(_events.c.seq == row.seq)
            .values(prev_hash=prev_hash, chain_hash=chain_hash)
        )
        prev_hash, last_seq = chain_hash, int(row.seq)
    return last_seq, prev_hash


def upgrade() -> None:
    bind = op.get_bind()
    dialect = bind.dialect.name

    audit_chain = op.create_table(
        "audit_chain",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("last_seq", SEQ, nullable=False),
        sa.Column("last_hash", HASH, nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_audit_chain")),
    )
    op.create_table(
        "seen_signatures",
        sa.Column("signature", sa.String(length=128), nullable=False),
        sa.Column("seen_at", TIMESTAMP, nullable=False),
        sa.Column("expires_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("signature", name=op.f("pk_seen_signatures")),
    )
    op.create_index(
        op.f("ix_seen_signatures_expires_at"), "seen_signatures", ["expires_at"], unique=False
    )

    # The UPDATE trigger refuses the hashing of the stored events: lift it for this
    # transaction only (the migration role owns the table).
    if dialect == "postgresql":
        op.add_column("audit_events", sa.Column("prev_hash", HASH, nullable=True))
        op.add_column("audit_events", sa.Column("chain_hash", HASH, nullable=True))
        op.execute("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_or_delete")
        last_seq, last_hash = _hash_existing_events(bind)
        op.execute("ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update_or_delete")
        op.alter_column("audit_events", "prev_hash", nullable=False)
        op.alter_column("audit_events", "chain_hash", nullable=False)
        for statement in _POSTGRESQL_INSERT_AT_END:
            op.execute(statement)
    else:
        op.execute("DROP TRIGGER audit_events_no_update")
        op.execute("DROP TRIGGER audit_events_no_delete")
        op.add_column("audit_events", sa.Column("prev_hash", HASH, nullable=True))
        op.add_column("audit_events", sa.Column("chain_hash", HASH, nullable=True))
        last_seq, last_hash = _hash_existing_events(bind)
        # SQLite cannot make a column NOT NULL in place: batch mode copies the table (its
        # triggers go with the old copy and are created again below).
        with op.batch_alter_table("audit_events", recreate="always") as batch:
            batch.alter_column("prev_hash", existing_type=HASH, nullable=False)
            batch.alter_column("chain_hash", existing_type=HASH, nullable=False)
        for statement in [*_SQLITE_UPDATE_DELETE, _SQLITE_INSERT_AT_END]:
            op.execute(statement)

    op.bulk_insert(audit_chain, [{"name": "audit", "last_seq": last_seq, "last_hash": last_hash}])


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER audit_events_insert_at_end ON audit_events")
        op.execute("DROP FUNCTION audit_events_insert_at_end()")
        op.drop_column("audit_events", "chain_hash")
        op.drop_column("audit_events", "prev_hash")
    else:
        op.execute("DROP TRIGGER audit_events_insert_at_end")
        op.execute("DROP TRIGGER audit_events_no_update")
        op.execute("DROP TRIGGER audit_events_no_delete")
        with op.batch_alter_table("audit_events", recreate="always") as batch:
            batch.drop_column("chain_hash")
            batch.drop_column("prev_hash")
        for statement in _SQLITE_UPDATE_DELETE:
            op.execute(statement)
    op.drop_index(op.f("ix_seen_signatures_expires_at"), table_name="seen_signatures")
    op.drop_table("seen_signatures")
    op.drop_table("audit_chain")
