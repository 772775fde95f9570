"""The embedded SQLite file: deleted content is overwritten, and ``scrub`` leaves no copy of
it in the file or its WAL, whatever the SQLite build's defaults."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import text

from storage import Database

SECRET = "purged-canary-71c2"


def test_every_connection_overwrites_deleted_content(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    try:
        with database.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
    finally:
        database.dispose()


def test_scrub_removes_residue_a_careless_writer_left(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    database = Database(f"sqlite:///{path}")
    try:
        database.upgrade()
        # A connection without secure_delete (an older bot, the sqlite3 shell) deletes a
        # row: its bytes stay in the page's free space and in the WAL.
        careless = sqlite3.connect(path)
        careless.execute("PRAGMA secure_delete=OFF")
        careless.execute("CREATE TABLE scratch (t TEXT)")
        careless.execute("INSERT INTO scratch VALUES (?)", (SECRET * 20,))
        careless.commit()
        careless.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        careless.execute("DELETE FROM scratch")
        careless.commit()
        careless.close()
        assert SECRET.encode() in b"".join(p.read_bytes() for p in database.sqlite_files())

        assert database.scrub() is True
        assert SECRET.encode() not in b"".join(p.read_bytes() for p in database.sqlite_files())
        with database.engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM scratch")).scalar() == 0
    finally:
        database.dispose()
