"""The statements every ack runs on PostgreSQL (the replay guard's claim, the inbox's store),
on driver connections of their own: one per thread, kept open, in autocommit.

Through the engine's pool each of them cost two round trips and 0.3 ms of the serving
process's CPU (measured on loopback: a pre-ping ``SELECT 1`` at every checkout, then the
statement through SQLAlchemy's execution layer); straight on the driver, one round trip and
0.06 ms, the statement prepared once per connection (psycopg prepares a statement run more
than a few times).

Instead of the ping, a connection is looked at before each statement without a round trip:
an idle connection with something to read has been closed by the server (a restart, an idle
timeout: PostgreSQL sends its reason, then closes), and is replaced by a new one. A
statement whose connection fails under it is not run again (it may have committed): the
error goes to the caller, and the next statement of the thread gets a new connection.
"""

from __future__ import annotations

import contextlib
import select
import threading
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["DirectStatements"]


class DirectStatements:
    """Runs statements on this thread's own connection, made by ``connect`` when first
    needed and again after the last one was closed or broke. One per database
    (``storage.database.Database.direct``), shared by the stores that use it.

    Args:
        connect: Makes a new autocommit driver connection.
    """

    def __init__(self, connect: Callable[[], Any]) -> None:
        self._connect = connect
        self._local = threading.local()
        self._lock = threading.Lock()
        self._open: set[Any] = set()

    def run(self, sql: str, parameters: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Run one statement in its own transaction; the rows it returned (none for a
        statement without ``RETURNING``)."""
        connection = self._connection()
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql, parameters)
                return list(cursor.fetchall()) if cursor.description is not None else []
        except Exception:
            if connection.closed or getattr(connection, "broken", False):
                self._drop()
            raise

    def _connection(self) -> Any:
        connection = getattr(self._local, "connection", None)
        if connection is not None and (connection.closed or _closed_by_server(connection)):
            self._drop()
            connection = None
        if connection is None:
            connection = self._connect()
            self._local.connection = connection
            with self._lock:
                self._open.add(connection)
        return connection

    def _drop(self) -> None:
        connection = getattr(self._local, "connection", None)
        self._local.connection = None
        if connection is not None:
            self._close(connection)

    def _close(self, connection: Any) -> None:
        with self._lock:
            self._open.discard(connection)
        with contextlib.suppress(Exception):  # already gone
            connection.close()

    def close(self) -> None:
        """Close every thread's connection (a thread that runs a statement afterwards gets
        a new one)."""
        with self._lock:
            connections = list(self._open)
        for connection in connections:
            self._close(connection)


def _closed_by_server(connection: Any) -> bool:
    """True if an idle connection has something to read: the server's goodbye (or the end
    of the stream). A live idle connection has nothing to read."""
    try:
        poller = select.poll()
        poller.register(connection.fileno(), select.POLLIN)
        return bool(poller.poll(0))
    except (OSError, ValueError):
        return True
