"""Seen request signatures, shared by every process of one database: a signed chat request
is acted on once, however often it is replayed inside its validity window.

A signature is claimed with ``INSERT … ON CONFLICT DO NOTHING`` in its own short
transaction (the primary key decides, so two processes racing with the same request cannot
both win). Each entry is kept until its request would be refused as stale anyway, then
pruned (at most once a minute per process).

Every accepted request passes here before its ack, so the write is kept cheap and out of the
way of the bot's own transactions:

- PostgreSQL: the row is in the bot's database, committed without waiting for the WAL flush
  (``synchronous_commit = off`` for this transaction only: a crash can forget the last
  fraction of a second of signatures, which only lets a replay through for the rest of its
  five minutes; everything else the bot writes stays durable);
- SQLite: the table lives in a side file next to the database (``…-edge.sqlite3``, 0600 like
  it), so an ack never waits for the database's write lock while a unit of work holds it, and
  its commits are not synced to disk (``synchronous=OFF``) for the same reason.
  :func:`replay_guard` picks.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, delete, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

if TYPE_CHECKING:
    from storage.database import Database

from bot.domain.model import utcnow
from storage.orm import SeenSignatureRow

__all__ = ["SqlReplayGuard", "edge_file", "replay_guard"]

_PRUNE_EVERY = timedelta(minutes=1)
_UNSYNCED_COMMIT = text("SET LOCAL synchronous_commit TO OFF")


class SqlReplayGuard:
    """Implements ``bot.chat.slack.edge.ReplayGuard`` on the bot's database.

    Args:
        engine: The bot's database engine.
        clock: Aware "now" (tests move it).
    """

    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] = utcnow) -> None:
        self._engine = engine
        self._clock = clock
        self._lock = threading.Lock()
        self._pruned_at: datetime | None = None
        # One statement, built once: compiled once and cached (every ack runs it).
        self._postgresql = engine.dialect.name == "postgresql"
        table = SeenSignatureRow.__table__
        dialect_insert: Any = postgresql.insert if self._postgresql else sqlite.insert
        self._insert = (
            dialect_insert(table)
            .values(
                signature=bindparam("signature"),
                seen_at=bindparam("seen_at"),
                expires_at=bindparam("expires_at"),
            )
            .on_conflict_do_nothing()
            .returning(table.c.signature)
        )

    def first_sighting(self, signature: str, valid_until: float) -> bool:
        """Record ``signature``; True if no process had recorded it before. ``valid_until``
        (Unix time) is when its request becomes stale: the entry is kept until then."""
        now = self._clock()
        values = {
            "signature": signature,
            "seen_at": now,
            "expires_at": datetime.fromtimestamp(valid_until, UTC),
        }
        with self._engine.begin() as connection:
            if self._postgresql:
                connection.execute(_UNSYNCED_COMMIT)
            self._prune(connection, now)
            inserted = connection.execute(self._insert, values).first()
        return inserted is not None

    def _prune(self, connection: Any, now: datetime) -> None:
        with self._lock:
            if self._pruned_at is not None and now - self._pruned_at < _PRUNE_EVERY:
                return
            self._pruned_at = now
        connection.execute(delete(SeenSignatureRow).where(SeenSignatureRow.expires_at < now))


def edge_file(database_file: Path) -> Path:
    """The SQLite side file of the replay guard, next to the database file."""
    return database_file.with_name(f"{database_file.stem}-edge.sqlite3")


def replay_guard(database: Database) -> SqlReplayGuard:
    """The replay guard for the bot's database: in it (PostgreSQL, or an in-memory SQLite),
    or in its side file (a SQLite file: see the module's docstring)."""
    from storage.database import Database as SideDatabase

    if database.sqlite_file is None:
        return SqlReplayGuard(database.engine)
    side = SideDatabase(f"sqlite:///{edge_file(database.sqlite_file)}")

    @event.listens_for(side.engine, "connect")
    def _unsynced(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA synchronous=OFF")

    SeenSignatureRow.metadata.create_all(side.engine, tables=[SeenSignatureRow.__table__])  # type: ignore[list-item]
    return SqlReplayGuard(side.engine)
