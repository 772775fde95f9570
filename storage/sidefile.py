"""The SQLite side files next to the database (the replay guard's, the inbox's): written on
every ack, by every serving process, each in a short transaction of its own that never waits
for the database's own write lock.

The writers of every process take turns on a kernel lock of the file (``flock``), which
wakes a waiting writer the moment the lock is free: SQLite's own busy handler, which would
otherwise decide, sleeps 1, 2, 5 ms … between tries, and with two serving processes and
their settlers writing, about one ack in a hundred met such a sleep — the p99.
(Also tried and measured with ``benchmarks/bench_serving.py``: retrying a locked write
every 50 µs cost more in throughput, 0.5–0.7 of the bare app's instead of 0.6–0.8, than it
saved at the p99.) SQLite's busy handler stays, for up to :data:`LOCKED_FOR` seconds, behind
the kernel lock (a reader's checkpoint, a system without ``flock``).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from storage.files import ensure_private_file, make_private_dirs, tighten

try:
    import fcntl
except ImportError:  # not a POSIX system: SQLite's busy handler alone
    fcntl = None  # type: ignore[assignment]

__all__ = ["LOCKED_FOR", "SideFile", "connect", "lock_path"]

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


def lock_path(path: Path) -> Path:
    """The empty file next to a side file on which its writers take turns."""
    return path.with_name(path.name + "-lock")


class SideFile:
    """A side file as one process uses it: created private (0600) if missing, a connection
    per thread (see :func:`connect`), and a turn that the writers of this process, then of
    every process, take one at a time (a writer waiting for it is woken at once; SQLite's
    busy handler would sleep)."""

    def __init__(self, path: Path, synchronous: str, *, checkpoints: bool = True) -> None:
        self.path = path
        self._synchronous = synchronous
        self._checkpoints = checkpoints
        self._local = threading.local()
        self._turn = threading.Lock()
        make_private_dirs(path.parent)
        ensure_private_file(path)
        # The kernel lock is taken on a file of its own, empty (closing a descriptor of the
        # side file itself would drop the locks SQLite holds on it).
        self._kernel_lock: int | None = None
        if fcntl is not None:
            lock_file = lock_path(path)
            ensure_private_file(lock_file)
            self._kernel_lock = os.open(lock_file, os.O_RDONLY | os.O_CLOEXEC)

    def __del__(self) -> None:
        lock = getattr(self, "_kernel_lock", None)  # None if __init__ failed before it
        if lock is not None:
            with contextlib.suppress(OSError):
                os.close(lock)

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
            if self._kernel_lock is None:
                yield connection
                return
            fcntl.flock(self._kernel_lock, fcntl.LOCK_EX)
            try:
                yield connection
            finally:
                fcntl.flock(self._kernel_lock, fcntl.LOCK_UN)
