"""The inbox of the production server: every chat request acked by a serving process whose
work runs afterwards (in its work process, ``bot.chat.slack.handoff``) is stored here
*before* its ack, and deleted once that work is done. A request Slack has been told "got
it" is thus never only in memory: if the work process dies, it is dispatched again when a
work process starts again; if a serving process or the whole server stops, by another
serving process once the stopped one's heartbeat (``inbox_owners``) is stale.

Only the serving processes write here (at normal priority): they store a request before
its ack, record their heartbeat, take over the rows of stopped ones, and delete the rows
their work process reports done. The work process only reads a row's request. (A work process runs at the
lowest CPU priority: were it to hold this store's write lock, an ack could wait for it.)

Rows hold request bodies — an agency's reply is case content — so they are kept only while
their work runs, deleted with ``secure_delete`` (SQLite overwrites the freed pages), and the
store is private like the database (0600).

Where the rows live: on PostgreSQL in the bot's database (table ``inbox``, migration
0009); on a SQLite file, in a side file next to it (``…-inbox.sqlite3``), so that an ack
never waits for the database's write lock.

How safe a stored request is — measured, not assumed (``benchmarks/bench_serving.py``):
waiting for the disk on every ack (an fsync each) cut the server's throughput to a third of
a bare app's and put its p99 at 4–8×. So a stored request is safe at once from any crash of
the bot (its processes, the server), and from a power cut or a crash of the machine within
:data:`FLUSH_EVERY` seconds: on PostgreSQL the insert commits without waiting for the WAL
flush (``synchronous_commit = off`` for that statement; PostgreSQL's WAL writer flushes
within a few hundred milliseconds); on SQLite the side file is written with
``synchronous=NORMAL`` and a thread of each serving process syncs its WAL to disk (and
checkpoints it, which the acks' commits never do) every :data:`FLUSH_EVERY` seconds while
requests arrive.
:func:`inbox_for` picks.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

if TYPE_CHECKING:
    from storage.database import Database
    from storage.direct import DirectStatements

from storage import sidefile

log = logging.getLogger(__name__)

__all__ = ["FLUSH_EVERY", "SqlInbox", "SqliteFileInbox", "inbox_file", "inbox_for"]

# Seconds within which a stored request reaches the disk (SQLite: the flusher below).
FLUSH_EVERY = 0.2
# Heartbeats older than this are forgotten (seconds).
_FORGET_OWNERS = 86_400.0
# Rows no live serving process holds: no owner, or one whose heartbeat is older than ?.
_ORPHAN = "owner IS NULL OR owner NOT IN (SELECT owner FROM inbox_owners WHERE seen_at >= ?)"


class SqliteFileInbox:
    """Implements ``bot.chat.slack.handoff.Inbox`` in a SQLite side file (see the module's
    docstring): a connection per thread, WAL with ``synchronous=NORMAL`` and a flusher
    thread, ``secure_delete``, the file 0600. Writes of one process take turns on a lock of
    its own (a thread waiting there is woken at once; SQLite's busy handler would sleep).

    Args:
        path: The side file (created if missing).
        clock: Unix time (tests move it).
        flush_every: Seconds between syncs of the WAL while requests are stored.
    """

    def __init__(
        self,
        path: Path,
        *,
        clock: Callable[[], float] = time.time,
        flush_every: float = FLUSH_EVERY,
    ) -> None:
        self.path = path
        self._clock = clock
        self._flush_every = flush_every
        self._file = sidefile.SideFile(path, "NORMAL", checkpoints=False)
        self._unflushed = threading.Event()
        self._flusher: threading.Thread | None = None
        self._flusher_lock = threading.Lock()
        self._write(
            "CREATE TABLE IF NOT EXISTS inbox (key TEXT PRIMARY KEY, owner TEXT,"
            " received_at REAL NOT NULL, body TEXT NOT NULL, headers TEXT NOT NULL)"
        )
        self._write(
            "CREATE TABLE IF NOT EXISTS inbox_owners (owner TEXT PRIMARY KEY, seen_at REAL NOT NULL)"
        )

    def _write(
        self, sql: str, parameters: Sequence[object] = (), *, fetch: bool = False
    ) -> tuple[int, list[Any]]:
        """One write, in this process's turn (a thread waiting for it is woken at once;
        SQLite's busy handler would sleep); returns the rows changed (and the rows
        returned, with ``fetch``)."""
        with self._file.turn() as connection:
            cursor = connection.execute(sql, parameters)
            rows = cursor.fetchall() if fetch else []
            return cursor.rowcount, rows

    def put(self, key: str, owner: str, body: str, headers: str) -> bool:
        changed, _ = self._write(
            "INSERT OR IGNORE INTO inbox (key, owner, received_at, body, headers)"
            " VALUES (?, ?, ?, ?, ?)",
            (key, owner, self._clock(), body, headers),
        )
        self._unflushed.set()
        if self._flusher is None:
            self._start_flusher()
        return changed == 1

    def _start_flusher(self) -> None:
        with self._flusher_lock:
            if self._flusher is None:
                self._flusher = threading.Thread(
                    target=self._flush, name="shien-inbox-flush", daemon=True
                )
                self._flusher.start()

    def _flush(self) -> None:
        """Sync the WAL to disk at most every ``flush_every`` seconds while requests arrive,
        and copy it into the file (a checkpoint: the acks' commits never do)."""
        wal = self.path.with_name(self.path.name + "-wal")
        while True:
            self._unflushed.wait()
            time.sleep(self._flush_every)
            self._unflushed.clear()
            self.flush(wal)
            try:
                self._file.connection().execute("PRAGMA wal_checkpoint(PASSIVE)")
            except sqlite3.Error as error:  # tried again at the next flush
                log.warning("inbox checkpoint failed: %s", type(error).__name__)

    def flush(self, wal: Path | None = None) -> None:
        """Sync what was stored so far to disk."""
        wal = wal or self.path.with_name(self.path.name + "-wal")
        try:
            descriptor = os.open(wal, os.O_RDONLY)
        except FileNotFoundError:
            return
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)

    def load(self, key: str) -> tuple[str, str] | None:
        row = (
            self._file.connection()
            .execute("SELECT body, headers FROM inbox WHERE key = ?", (key,))
            .fetchone()
        )
        return (str(row[0]), str(row[1])) if row is not None else None

    def done(self, keys: Sequence[str]) -> None:
        if keys:
            marks = ", ".join("?" * len(keys))
            self._write(f"DELETE FROM inbox WHERE key IN ({marks})", list(keys))

    def alive(self, owner: str) -> None:
        now = self._clock()
        self._write(
            "INSERT INTO inbox_owners (owner, seen_at) VALUES (?, ?)"
            " ON CONFLICT (owner) DO UPDATE SET seen_at = excluded.seen_at",
            (owner, now),
        )
        self._write("DELETE FROM inbox_owners WHERE seen_at < ?", (now - _FORGET_OWNERS,))

    def adopt(self, owner: str, stale_after: float) -> list[str]:
        _, rows = self._write(
            f"UPDATE inbox SET owner = ? WHERE {_ORPHAN} RETURNING key, received_at",
            (owner, self._clock() - stale_after),
            fetch=True,
        )
        return [str(key) for key, _ in sorted(rows, key=lambda row: (row[1], row[0]))]

    def owned(self, owner: str) -> list[str]:
        rows = self._file.connection().execute(
            "SELECT key FROM inbox WHERE owner = ? ORDER BY received_at, key", (owner,)
        )
        return [str(key) for (key,) in rows]

    def count(self) -> int:
        return int(self._file.connection().execute("SELECT count(*) FROM inbox").fetchone()[0])


class SqlInbox:
    """Implements ``bot.chat.slack.handoff.Inbox`` in the bot's database (table ``inbox``;
    PostgreSQL, or an in-memory SQLite): one statement per call, each in its own
    transaction. On PostgreSQL, the statements of every ack (:meth:`put`) and of the
    settler (:meth:`done`) run on direct connections (``storage.direct``); the rest, a few
    a minute, on the engine."""

    def __init__(self, database: Database, *, clock: Callable[[], float] = time.time) -> None:
        engine = database.engine
        # PostgreSQL: each statement commits on its own (one round trip). SQLite: the
        # engine's own transactions (it begins them itself, BEGIN IMMEDIATE).
        self._postgresql = engine.dialect.name == "postgresql"
        self._engine = engine
        self._autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._clock = clock
        self._direct: DirectStatements | None = database.direct if self._postgresql else None
        # SQLite (PostgreSQL's is _PG_PUT, on the direct connections).
        self._put = text(
            "INSERT INTO inbox (key, owner, received_at, body, headers)"
            " SELECT :key, :owner, :received_at, :body, :headers"
            " WHERE true ON CONFLICT DO NOTHING RETURNING key"
        )

    def _connect(self) -> AbstractContextManager[Connection]:
        return self._autocommit.connect() if self._postgresql else self._engine.begin()

    def put(self, key: str, owner: str, body: str, headers: str) -> bool:
        values = {
            "key": key,
            "owner": owner,
            "received_at": datetime.fromtimestamp(self._clock(), UTC),
            "body": body,
            "headers": headers,
        }
        if self._direct is not None:
            return bool(self._direct.run(_PG_PUT, values))
        with self._connect() as connection:
            return connection.execute(self._put, values).first() is not None

    def load(self, key: str) -> tuple[str, str] | None:
        with self._connect() as connection:
            row = connection.execute(
                text("SELECT body, headers FROM inbox WHERE key = :key"), {"key": key}
            ).first()
        return (str(row[0]), str(row[1])) if row is not None else None

    def done(self, keys: Sequence[str]) -> None:
        if not keys:
            return
        if self._direct is not None:
            self._direct.run("DELETE FROM inbox WHERE key = ANY(%(keys)s)", {"keys": list(keys)})
            return
        with self._connect() as connection:
            connection.execute(
                text("DELETE FROM inbox WHERE key = :key"), [{"key": k} for k in keys]
            )

    def alive(self, owner: str) -> None:
        now = self._clock()
        with self._connect() as connection:
            connection.execute(
                text(
                    "INSERT INTO inbox_owners (owner, seen_at) VALUES (:owner, :now)"
                    " ON CONFLICT (owner) DO UPDATE SET seen_at = excluded.seen_at"
                ),
                {"owner": owner, "now": now},
            )
            connection.execute(
                text("DELETE FROM inbox_owners WHERE seen_at < :before"),
                {"before": now - _FORGET_OWNERS},
            )

    def adopt(self, owner: str, stale_after: float) -> list[str]:
        statement = text(
            f"UPDATE inbox SET owner = :owner WHERE {_ORPHAN.replace('?', ':stale')}"
            " RETURNING key, received_at"
        )
        with self._connect() as connection:
            rows = connection.execute(
                statement, {"owner": owner, "stale": self._clock() - stale_after}
            ).all()
        return [str(key) for key, _ in sorted(rows, key=lambda row: (row[1], row[0]))]

    def owned(self, owner: str) -> list[str]:
        with self._connect() as connection:
            rows = connection.execute(
                text("SELECT key FROM inbox WHERE owner = :owner ORDER BY received_at, key"),
                {"owner": owner},
            )
            return [str(key) for (key,) in rows]

    def count(self) -> int:
        with self._connect() as connection:
            return int(connection.execute(text("SELECT count(*) FROM inbox")).scalar_one())


# PostgreSQL: the set_config in the FROM turns the WAL flush wait off for this one
# statement's transaction (see the module's docstring).
_PG_PUT = (
    "INSERT INTO inbox (key, owner, received_at, body, headers)"
    " SELECT %(key)s, %(owner)s, %(received_at)s, %(body)s, %(headers)s"
    " FROM (SELECT set_config('synchronous_commit', 'off', true)) AS unsynced"
    " ON CONFLICT DO NOTHING RETURNING key"
)


def inbox_file(database_file: Path) -> Path:
    """The SQLite side file of the inbox, next to the database file."""
    return database_file.with_name(f"{database_file.stem}-inbox.sqlite3")


def inbox_for(database: Database) -> SqlInbox | SqliteFileInbox:
    """The inbox of the bot's database: in it (PostgreSQL, an in-memory SQLite), or in its
    side file (a SQLite file)."""
    if database.sqlite_file is None:
        return SqlInbox(database)
    return SqliteFileInbox(inbox_file(database.sqlite_file))
