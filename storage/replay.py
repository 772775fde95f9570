"""Seen request signatures, shared by every process of one database: a signed chat request
is acted on once, however often it is replayed inside its validity window.

A signature is claimed with ``INSERT … ON CONFLICT DO NOTHING`` in its own short
transaction (the primary key decides, so two processes racing with the same request cannot
both win). Each entry is kept until its request would be refused as stale anyway, then
pruned (at most once a minute per process).

Every accepted request passes here before its ack, so the write is kept cheap and out of the
way of the bot's own transactions:

- PostgreSQL: the row is in the bot's database, written by one statement in its own
  transaction (one round trip, on a connection of the serving thread's own:
  ``storage.direct``), which does not wait for the WAL flush (``synchronous_commit
  = off`` for that statement only: a crash can forget the last fraction of a second of
  signatures, which only lets a replay through for the rest of its five minutes; everything
  else the bot writes stays durable);
- SQLite: the table lives in a side file next to the database (``…-edge.sqlite3``, 0600 like
  it), written with plain ``sqlite3`` (``INSERT OR IGNORE``), so an ack never waits for the
  database's write lock while a unit of work holds it; its commits are not synced to disk
  (``synchronous=OFF``) for the same reason as above.
  :func:`replay_guard` picks.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, delete
from sqlalchemy.dialects import sqlite

if TYPE_CHECKING:
    from storage.database import Database
    from storage.direct import DirectStatements

from bot.domain.model import utcnow
from storage import sidefile
from storage.orm import SeenSignatureRow

__all__ = ["SqlReplayGuard", "SqliteFileReplayGuard", "edge_file", "replay_guard"]

_PRUNE_EVERY = timedelta(minutes=1)


class SqlReplayGuard:
    """Implements ``bot.chat.slack.edge.ReplayGuard`` on the bot's database.

    Args:
        database: The bot's database (PostgreSQL: its statements run on direct connections,
            ``storage.direct``; an in-memory SQLite: on its engine).
        clock: Aware "now" (tests move it).
    """

    def __init__(self, database: Database, *, clock: Callable[[], datetime] = utcnow) -> None:
        engine = database.engine
        self._engine = engine
        self._clock = clock
        self._lock = threading.Lock()
        self._pruned_at: datetime | None = None
        self._direct: DirectStatements | None = None
        if engine.dialect.name == "postgresql":
            self._direct = database.direct  # _PG_CLAIM and _PG_PRUNE run there
            return
        # One statement, built once: compiled once and cached (every ack runs it).
        table: Any = SeenSignatureRow.__table__
        statement = sqlite.insert(table).values(
            signature=bindparam("signature"),
            seen_at=bindparam("seen_at"),
            expires_at=bindparam("expires_at"),
        )
        self._insert = statement.on_conflict_do_nothing().returning(table.c.signature)

    def first_sighting(self, signature: str, valid_until: float) -> bool:
        """Record ``signature``; True if no process had recorded it before. ``valid_until``
        (Unix time) is when its request becomes stale: the entry is kept until then."""
        now = self._clock()
        values = {
            "signature": signature,
            "seen_at": now,
            "expires_at": datetime.fromtimestamp(valid_until, UTC),
        }
        if self._direct is not None:
            if self._prune_due(now):
                self._direct.run(_PG_PRUNE, {"now": now})
            return bool(self._direct.run(_PG_CLAIM, values))
        with self._engine.begin() as connection:
            if self._prune_due(now):
                connection.execute(
                    delete(SeenSignatureRow).where(SeenSignatureRow.expires_at < now)
                )
            inserted = connection.execute(self._insert, values).first()
        return inserted is not None

    def _prune_due(self, now: datetime) -> bool:
        with self._lock:
            if self._pruned_at is not None and now - self._pruned_at < _PRUNE_EVERY:
                return False
            self._pruned_at = now
            return True


# PostgreSQL: one statement in its own transaction, which does not wait for the WAL flush
# (the set_config in the FROM turns it off for this transaction).
_PG_CLAIM = (
    "INSERT INTO seen_signatures (signature, seen_at, expires_at)"
    " SELECT %(signature)s, %(seen_at)s, %(expires_at)s"
    " FROM (SELECT set_config('synchronous_commit', 'off', true)) AS unsynced"
    " ON CONFLICT DO NOTHING RETURNING signature"
)
_PG_PRUNE = "DELETE FROM seen_signatures WHERE expires_at < %(now)s"


def edge_file(database_file: Path) -> Path:
    """The SQLite side file of the replay guard, next to the database file."""
    return database_file.with_name(f"{database_file.stem}-edge.sqlite3")


class SqliteFileReplayGuard:
    """The replay guard in its own SQLite file (see the module's docstring): one
    ``INSERT OR IGNORE`` per request on a connection per thread, times as Unix seconds, no
    sync to disk, the file 0600. Shared by every process that opens the same file.

    Args:
        path: The side file (created if missing).
        clock: Unix time (tests move it).
    """

    def __init__(self, path: Path, *, clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self._clock = clock
        self._file = sidefile.SideFile(path, "OFF")
        self._lock = threading.Lock()
        self._pruned_at = 0.0
        self._file.connection().execute(
            "CREATE TABLE IF NOT EXISTS seen_signatures"
            " (signature TEXT PRIMARY KEY, expires_at REAL NOT NULL) WITHOUT ROWID"
        )

    def first_sighting(self, signature: str, valid_until: float) -> bool:
        now = self._clock()
        with self._lock:
            prune = now - self._pruned_at >= _PRUNE_EVERY.total_seconds()
            if prune:
                self._pruned_at = now
        with self._file.turn() as connection:
            if prune:
                connection.execute("DELETE FROM seen_signatures WHERE expires_at < ?", (now,))
            cursor = connection.execute(
                "INSERT OR IGNORE INTO seen_signatures (signature, expires_at) VALUES (?, ?)",
                (signature, valid_until),
            )
        return cursor.rowcount == 1


def replay_guard(database: Database) -> SqlReplayGuard | SqliteFileReplayGuard:
    """The replay guard for the bot's database: in it (PostgreSQL, or an in-memory SQLite),
    or in its side file (a SQLite file: see the module's docstring)."""
    if database.sqlite_file is None:
        return SqlReplayGuard(database)
    return SqliteFileReplayGuard(edge_file(database.sqlite_file))
