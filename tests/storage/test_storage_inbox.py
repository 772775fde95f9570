"""The production server's inbox: a request is stored once, read back as stored, claimed by
one serving process, and gone once done — in the bot's database (PostgreSQL; an in-memory
SQLite) and in the SQLite side file."""

from __future__ import annotations

import contextlib
import json
import sqlite3
import stat
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text

from storage import Database
from storage.inbox import SqlInbox, SqliteFileInbox, inbox_file, inbox_for
from storage.sidefile import lock_path

BODY = '{"event_id": "Ev0001", "event": {"text": "経過の報告（架空）"}}'
HEADERS = json.dumps({"content-type": ["application/json"]})


KINDS = ["side file", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def _inbox_at(
    request: pytest.FixtureRequest, tmp_path: Path, clock: Callable[[], float]
) -> SqlInbox | SqliteFileInbox:
    """The side file of a SQLite file, or the table in the database (migration 0009)."""
    kind = request.node.callspec.params["kind"]
    if kind == "side file":
        return SqliteFileInbox(tmp_path / "bot-inbox.sqlite3", clock=clock)
    if kind == "sqlite":
        database = Database(f"sqlite:///{tmp_path / 'db' / 'shienbot.sqlite3'}")
    else:
        url, admin = request.getfixturevalue("postgres_admin")
        schema = f"t_{uuid.uuid4().hex[:8]}"
        with admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))

        def drop() -> None:
            with admin.connect() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))

        request.addfinalizer(drop)
        database = Database(url, connect_args={"options": f"-csearch_path={schema}"})
    request.addfinalizer(database.dispose)
    database.upgrade()
    return SqlInbox(database, clock=clock)


@pytest.fixture(params=KINDS)
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def inbox(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> SqlInbox | SqliteFileInbox:
    return _inbox_at(request, tmp_path, time.time)


def test_a_request_is_stored_once_and_read_back_as_stored(
    inbox: SqlInbox | SqliteFileInbox,
) -> None:
    assert inbox.put("event:Ev0001", "worker-a", BODY, HEADERS)
    # Slack sending the event again: the first copy stays, the second is not stored.
    assert not inbox.put("event:Ev0001", "worker-b", BODY + " ", HEADERS)
    assert inbox.load("event:Ev0001") == (BODY, HEADERS)
    assert inbox.count() == 1
    inbox.done(["event:Ev0001"])
    assert inbox.load("event:Ev0001") is None
    assert inbox.count() == 0
    inbox.done(["event:Ev0001"])  # done twice: nothing to do, no error
    inbox.done([])


def test_the_rows_of_a_silent_serving_process_are_taken_over_oldest_first(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    now = [1_000.0]
    inbox = _inbox_at(request, tmp_path, lambda: now[0])
    inbox.alive("a")
    inbox.alive("b")
    for n, owner in enumerate(("a", "b", "a", "b")):
        now[0] += 1
        assert inbox.put(f"request:{n}", owner, BODY, HEADERS)
    assert inbox.owned("a") == ["request:0", "request:2"]
    # Both alive: nothing to take over.
    assert inbox.adopt("c", stale_after=10) == []
    now[0] += 8
    inbox.alive("b")  # b is alive; a has been silent for more than 10 s
    now[0] += 5
    assert inbox.adopt("c", stale_after=10) == ["request:0", "request:2"]
    assert inbox.owned("c") == ["request:0", "request:2"]
    assert inbox.owned("a") == []
    inbox.alive("c")
    assert inbox.adopt("d", stale_after=10) == []  # c holds them, and is alive


def test_racing_takeovers_give_each_row_to_one_process(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    inbox = _inbox_at(request, tmp_path, time.time)
    for n in range(40):
        inbox.put(f"request:{n:02}", "gone", BODY, HEADERS)
    barrier = threading.Barrier(4)
    claimed: dict[str, list[str]] = {}

    def claim(owner: str) -> None:
        inbox.alive(owner)
        barrier.wait()
        claimed[owner] = inbox.adopt(owner, stale_after=10)

    threads = [threading.Thread(target=claim, args=(f"p{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = sorted(key for keys in claimed.values() for key in keys)
    assert every == [f"request:{n:02}" for n in range(40)]


def test_the_side_file_is_private_and_next_to_the_database(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'bot.sqlite3'}")
    try:
        database.upgrade()
        inbox = inbox_for(database)
        assert isinstance(inbox, SqliteFileInbox)
        assert inbox.path == inbox_file(tmp_path / "bot.sqlite3") == tmp_path / "bot-inbox.sqlite3"
        inbox.put("request:1", "a", BODY, HEADERS)
        for suffix in ("", "-wal", "-shm"):
            path = inbox.path.with_name(inbox.path.name + suffix)
            if path.exists():
                assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    finally:
        database.dispose()


def test_a_done_request_leaves_no_trace_of_its_body_in_the_side_file(tmp_path: Path) -> None:
    inbox = SqliteFileInbox(tmp_path / "bot-inbox.sqlite3")
    secret = "架空太郎さんの経過（消えるはずの本文）"
    inbox.put("request:1", "a", json.dumps({"text": secret}, ensure_ascii=False), HEADERS)
    inbox.done(["request:1"])
    with contextlib.closing(sqlite3.connect(inbox.path)) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = b"".join(
        path.read_bytes()
        for path in tmp_path.iterdir()
        if path.name.startswith("bot-inbox.sqlite3")
    )
    assert secret.encode("utf-8") not in data


def test_the_writers_turn_is_a_private_empty_file_next_to_the_side_file(tmp_path: Path) -> None:
    inbox = SqliteFileInbox(tmp_path / "bot-inbox.sqlite3")
    assert inbox.put("k1", "owner", "body", "{}")
    lock = lock_path(inbox.path)
    assert lock == tmp_path / "bot-inbox.sqlite3-lock"
    assert stat.S_IMODE(lock.stat().st_mode) == 0o600
    assert lock.stat().st_size == 0  # a lock, never content


def test_writers_of_two_processes_take_turns_on_the_kernel_lock(tmp_path: Path) -> None:
    """While another process holds the turn, a write here waits for it, and goes on the
    moment it is released (not after SQLite's busy sleeps)."""
    inbox = SqliteFileInbox(tmp_path / "bot-inbox.sqlite3")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys, time\n"
            f"fd = os.open({str(lock_path(inbox.path))!r}, os.O_RDONLY)\n"
            "fcntl.flock(fd, fcntl.LOCK_EX)\n"
            "print('held', flush=True)\n"
            "time.sleep(0.3)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        started = time.monotonic()
        assert inbox.put("k1", "owner", "body", "{}")
        waited = time.monotonic() - started
    finally:
        holder.wait(5)
    assert waited > 0.1  # it waited for the other process's turn
