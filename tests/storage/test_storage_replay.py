"""Seen request signatures: claimed once across processes, pruned once stale."""

from __future__ import annotations

import stat
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from storage import Database
from storage.orm import SeenSignatureRow
from storage.replay import SqliteFileReplayGuard, SqlReplayGuard, edge_file, replay_guard

NOW = datetime(2027, 1, 12, 5, 0, tzinfo=UTC)
SIGNATURE = "v0=" + "ab" * 32


def _second_process(database: Database) -> Database:
    """Another engine on the same database, as a second ``serve`` process would have."""
    with database.engine.connect() as connection:
        schema = (
            connection.exec_driver_sql("SELECT current_schema()").scalar()
            if (database.engine.dialect.name == "postgresql")
            else None
        )
    if schema is None:
        return Database(database.engine.url.render_as_string(hide_password=False))
    return Database(
        database.engine.url.render_as_string(hide_password=False),
        connect_args={"options": f"-csearch_path={schema}"},
    )


def test_a_signature_is_accepted_once_whichever_process_sees_it(database: Database) -> None:
    other = _second_process(database)
    try:
        first = SqlReplayGuard(database, clock=lambda: NOW)
        second = SqlReplayGuard(other, clock=lambda: NOW)
        valid_until = (NOW + timedelta(minutes=5)).timestamp()
        assert first.first_sighting(SIGNATURE, valid_until)
        assert not first.first_sighting(SIGNATURE, valid_until)
        assert not second.first_sighting(SIGNATURE, valid_until)
        assert second.first_sighting("v0=" + "cd" * 32, valid_until)
    finally:
        other.dispose()


def test_racing_claims_of_one_signature_have_one_winner(database: Database) -> None:
    guard = SqlReplayGuard(database)
    barrier = threading.Barrier(6)
    results: list[bool] = []

    def claim() -> None:
        barrier.wait()
        results.append(guard.first_sighting(SIGNATURE, NOW.timestamp() + 10**6))

    threads = [threading.Thread(target=claim) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 5 + [True]


def test_stale_signatures_are_pruned(database: Database) -> None:
    now = [NOW]
    guard = SqlReplayGuard(database, clock=lambda: now[0])
    for n in range(3):
        assert guard.first_sighting(f"v0={n:064x}", (NOW + timedelta(minutes=5)).timestamp())
    now[0] = NOW + timedelta(minutes=6)
    assert guard.first_sighting("v0=" + "ef" * 32, (now[0] + timedelta(minutes=5)).timestamp())
    with database.engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(SeenSignatureRow)) == 1


def test_the_sqlite_side_file_is_shared_private_and_pruned(tmp_path: Path) -> None:
    """A SQLite database keeps its seen signatures in a side file, 0600, that every process
    (here: two guards, each with its own connections) shares; stale entries are pruned."""
    database = Database(f"sqlite:///{tmp_path / 'data' / 'shienbot.sqlite3'}")
    try:
        clock = [NOW.timestamp()]
        first, second = replay_guard(database), replay_guard(database)
        assert isinstance(first, SqliteFileReplayGuard)
        first._clock = second._clock = lambda: clock[0]  # type: ignore[union-attr]
        valid_until = clock[0] + 300
        assert first.first_sighting(SIGNATURE, valid_until)
        assert not second.first_sighting(SIGNATURE, valid_until)
        racers = [replay_guard(database) for _ in range(6)]
        barrier = threading.Barrier(6)
        wins: list[bool] = []

        def claim(guard: Any) -> None:
            barrier.wait()
            wins.append(guard.first_sighting("v0=" + "ef" * 32, valid_until))

        threads = [threading.Thread(target=claim, args=(g,)) for g in racers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(wins) == [False] * 5 + [True]
        path = edge_file(tmp_path / "data" / "shienbot.sqlite3")
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        clock[0] += 3600  # an hour later the old entry is stale, pruned, and may come again
        assert first.first_sighting(SIGNATURE, clock[0] + 300)
    finally:
        database.dispose()
