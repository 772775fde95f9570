"""The SQLite side files next to the database (the replay guard's, the inbox's): written on
every ack, by every serving process, each in a short transaction of its own that never waits
for the database's own write lock.

A write that finds another process's write under way waits in SQLite's busy handler for up
to :data:`LOCKED_FOR` seconds. (Tried and measured with ``benchmarks/bench_serving.py``:
retrying a locked write every 50 µs instead of SQLite's 1, 2, 5 ms … steps cost more in
throughput, 0.5–0.7 of the bare app's instead of 0.6–0.8, than it saved at the p99.)
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from storage.files import ensure_private_file, make_private_dirs, tighten

__all__ = ["LOCKED_FOR", "SideFile", "connect"]

LOCKED_FOR = 15.0


def connect(path: Path, synchronous: str, *, checkpoints: bool = True) -> sqlite3.Connection:
    """A connection to the side file at ``path``: autocommit, WAL, ``synchronous`` as
    given, deleted rows overwritten; the file and its WAL files made 0600. Without
    ``checkpoints`` its commits never copy the WAL into the file (SQLite does that in the
    commit that passes 1000 pages, with a sync: milliseconds an ack would wait) — another
    thread must then checkpoint."""
    connection = sqlite3.connect(path, timeout=LOCKED_FOR, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute(f"PRAGMA synchronous={synchronous}")
    if not checkpoints:
        connection.execute("PRAGMA wal_autocheckpoint=0")
    connection.execute("PRAGMA secure_delete=ON")
    for suffix in ("", "-wal", "-shm"):
        tighten(path.with_name(path.name + suffix))
    return connection


class SideFile:
    """A side file as one process uses it: created private (0600) if missing, a connection
    per thread (see :func:`connect`), and a turn that this process's writers take one at a
    time (a thread waiting for it is woken at once; SQLite's busy handler would sleep)."""

    def __init__(self, path: Path, synchronous: str, *, checkpoints: bool = True) -> None:
        self.path = path
        self._synchronous = synchronous
        self._checkpoints = checkpoints
        self._local = threading.local()
        self._turn = threading.Lock()
        make_private_dirs(path.parent)
        ensure_private_file(path)

    def connection(self) -> sqlite3.Connection:
        """This thread's connection."""
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = connect(self.path, self._synchronous, checkpoints=self._checkpoints)
            self._local.connection = connection
        return connection

    @contextmanager
    def turn(self) -> Iterator[sqlite3.Connection]:
        """This thread's connection, while it is this thread's turn to write."""
        connection = self.connection()
        with self._turn:
            yield connection
