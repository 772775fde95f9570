"""The ack path's own PostgreSQL connections: one per thread, replaced without a round trip
when the server has closed them, closed with the database."""

from __future__ import annotations

import socket
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from storage import Database
from storage.database import DIRECT_CONNECT_TIMEOUT
from storage.replay import SqlReplayGuard

pytestmark = pytest.mark.postgres


def _backend(database: Database) -> int:
    ((pid,),) = database.direct.run("SELECT pg_backend_pid()", {})
    return int(pid)


def _looking(database: Database) -> Any:
    """A connection whose every query is its own transaction: pg_stat_activity is read
    afresh each time (within one transaction it is a snapshot)."""
    return database.engine.execution_options(isolation_level="AUTOCOMMIT").connect()


def _terminate(database: Database, pid: int) -> None:
    with _looking(database) as connection:
        assert connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
        # Until the backend is gone, its goodbye may not have reached the socket yet.
        for _ in range(200):
            alive = connection.execute(
                text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}
            ).scalar()
            if not alive:
                return
            threading.Event().wait(0.01)
    raise AssertionError("the backend did not end")


def test_a_thread_keeps_its_connection_and_threads_do_not_share(
    postgres_database: Database,
) -> None:
    first = _backend(postgres_database)
    assert _backend(postgres_database) == first
    other: list[int] = []
    thread = threading.Thread(target=lambda: other.append(_backend(postgres_database)))
    thread.start()
    thread.join()
    assert other and other[0] != first


def test_a_connection_the_server_closed_is_replaced_before_the_statement(
    postgres_database: Database,
) -> None:
    guard = SqlReplayGuard(postgres_database)
    until = (datetime.now(UTC) + timedelta(minutes=5)).timestamp()
    assert guard.first_sighting("v0=" + "01" * 32, until)
    pid = _backend(postgres_database)
    _terminate(postgres_database, pid)  # as a restart or an idle timeout of the server does
    # The next ack's statement runs, on a new connection: no error reaches the request.
    assert guard.first_sighting("v0=" + "02" * 32, until)
    assert not guard.first_sighting("v0=" + "01" * 32, until)
    assert _backend(postgres_database) != pid


def test_a_statement_that_fails_raises_and_the_next_one_runs(postgres_database: Database) -> None:
    with pytest.raises(Exception, match="division by zero"):
        postgres_database.direct.run("SELECT 1 / 0", {})
    assert postgres_database.direct.run("SELECT 2", {}) == [(2,)]


def test_dispose_closes_every_threads_connection(postgres_database: Database) -> None:
    pids = [_backend(postgres_database)]
    thread = threading.Thread(target=lambda: pids.append(_backend(postgres_database)))
    thread.start()
    thread.join()
    postgres_database.dispose()
    with _looking(postgres_database) as connection:
        for _ in range(200):  # a backend ends a moment after its client closed
            left = connection.execute(
                text("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(:pids)"),
                {"pids": pids},
            ).scalar()
            if not left:
                break
            threading.Event().wait(0.01)
    assert left == 0


def test_two_database_objects_of_one_database_share_a_threads_connection(
    postgres_database: Database,
) -> None:
    """A serving process has two (its runtime's and its inbox's): an ack's two statements
    run on one connection of its thread, not one each."""
    url = postgres_database.engine.url.render_as_string(hide_password=False)
    schema = postgres_database.direct.run("SELECT current_schema()", {})[0][0]
    other = Database(url, connect_args={"options": f"-csearch_path={schema}"})
    try:
        assert other.direct is postgres_database.direct
        assert _backend(other) == _backend(postgres_database)
    finally:
        other.dispose()
    # Its dispose closed the shared connections: the next statement here opens a new one.
    assert postgres_database.direct.run("SELECT 1", {}) == [(1,)]


def test_a_server_that_never_answers_fails_the_connection_within_the_ack_budget() -> None:
    """A PostgreSQL address that accepts the TCP connection and then says nothing (a hung
    server, a half-open firewall): the ack's statement fails in seconds, not minutes."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # the kernel completes the handshake; nothing is ever read or sent
        port = silent.getsockname()[1]
        database = Database(f"postgresql+psycopg://nobody@127.0.0.1:{port}/none")
        outcome: list[BaseException] = []

        def ack() -> None:
            try:
                database.direct.run("SELECT 1", {})
            except BaseException as error:
                outcome.append(error)

        started = time.monotonic()
        thread = threading.Thread(target=ack, daemon=True)
        thread.start()
        thread.join(10)
        assert not thread.is_alive(), "the connection waited on a silent server"
        assert outcome and time.monotonic() - started < DIRECT_CONNECT_TIMEOUT + 1.5
        database.dispose()
