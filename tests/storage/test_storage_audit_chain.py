"""The audit trail is tamper-evident: every event is chained to the one before it, and
``verify_audit_trail`` names the first event that does not match. SQL that could rewrite the
trail without firing the UPDATE/DELETE triggers (REPLACE on SQLite, inserts into gaps) is
refused, and concurrent appends never fork the chain."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from bot.domain.audit_chain import GENESIS, BreakKind, event_hash
from bot.domain.model import AuditAction, AuditEvent
from storage import Database
from storage.audit_chain import verify_audit_trail
from storage.database import MIGRATIONS_DIR

AT = datetime(2027, 1, 12, 5, 0, 0, 123456, tzinfo=UTC)


def _append(database: Database, count: int, actor: str = "U0JIMU") -> list[AuditEvent]:
    events = [
        AuditEvent(
            actor,
            AuditAction.CASE_VIEWED,
            "case",
            f"R8-{n:03d}",
            allowed=n % 3 != 0,
            detail=f"n={n}",
            at=AT + timedelta(seconds=n),
        )
        for n in range(1, count + 1)
    ]
    with database.unit_of_work() as uow:
        for event in events:
            uow.audit.append(event)
        uow.commit()
    return events


def _untrigger(database: Database) -> None:
    """Play an attacker who can switch the triggers off (a file-level or owner attacker):
    the chain must still show what they did."""
    with database.engine.begin() as connection:
        if database.engine.dialect.name == "postgresql":
            connection.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
        else:
            for name in ("no_update", "no_delete", "insert_at_end"):
                connection.execute(text(f"DROP TRIGGER audit_events_{name}"))


def _run(database: Database, statement: str, **params: object) -> None:
    with database.engine.begin() as connection:
        connection.execute(text(statement), params)


def test_an_untouched_trail_verifies(database: Database) -> None:
    empty = verify_audit_trail(database.engine)
    assert empty.ok and empty.count == 0 and empty.last_hash == GENESIS
    _append(database, 5)
    _append(database, 2, actor="U0HOUKATSU")
    report = verify_audit_trail(database.engine)
    assert report.ok, report.problem
    assert (report.count, report.last_seq) == (7, 7)
    with database.engine.connect() as connection:
        rows = connection.execute(
            text("SELECT seq, prev_hash, chain_hash FROM audit_events ORDER BY seq")
        ).all()
    assert rows[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.chain_hash for a, b in pairwise(rows))
    assert report.last_hash == rows[-1].chain_hash


SQLITE_REWRITES = [
    # REPLACE deletes the old row without firing the DELETE trigger.
    "INSERT OR REPLACE INTO audit_events"
    " SELECT seq, id, at, actor, action, target_type, 'forged', allowed, detail,"
    " prev_hash, chain_hash FROM audit_events WHERE seq = 2",
    "REPLACE INTO audit_events"
    " SELECT seq, id, at, actor, action, target_type, target_id, allowed, 'forged',"
    " prev_hash, chain_hash FROM audit_events WHERE seq = 2",
    # Same event ID, a new position: REPLACE would drop the original row.
    "REPLACE INTO audit_events"
    " SELECT 100, id, at, actor, action, target_type, target_id, allowed, detail,"
    " prev_hash, chain_hash FROM audit_events WHERE seq = 2",
    "INSERT OR REPLACE INTO audit_events"
    " SELECT 100, id, at, actor, action, target_type, target_id, allowed, detail,"
    " prev_hash, chain_hash FROM audit_events WHERE seq = 2",
    # A back-dated event slipped in before the others.
    "INSERT INTO audit_events"
    " SELECT 0, 'backdated', at, actor, action, target_type, target_id, allowed, detail,"
    " prev_hash, chain_hash FROM audit_events WHERE seq = 1",
    "INSERT INTO audit_events"
    " SELECT -5, 'backdated', at, actor, action, target_type, target_id, allowed, detail,"
    " prev_hash, chain_hash FROM audit_events WHERE seq = 1",
    "UPDATE OR REPLACE audit_events SET detail = 'forged' WHERE seq = 2",
    "INSERT INTO audit_events"
    " SELECT seq, id, at, actor, action, target_type, target_id, allowed, detail,"
    " prev_hash, chain_hash FROM audit_events WHERE seq = 2"
    " ON CONFLICT(seq) DO UPDATE SET detail = 'forged'",
]


@pytest.mark.parametrize("statement", SQLITE_REWRITES)
def test_sqlite_refuses_replace_and_out_of_place_inserts(
    database: Database, statement: str
) -> None:
    if database.engine.dialect.name != "sqlite":
        pytest.skip("REPLACE is SQLite's")
    events = _append(database, 3)
    with pytest.raises(DBAPIError, match="append-only"):
        _run(database, statement)
    with database.unit_of_work() as uow:
        assert uow.audit.list() == events
    assert verify_audit_trail(database.engine).ok


def test_postgresql_refuses_back_dated_inserts_and_upserts(database: Database) -> None:
    if database.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's own statements")
    events = _append(database, 3)
    copy = (
        "SELECT {seq}, {id}, at, actor, action, target_type, target_id, allowed, detail,"
        " prev_hash, chain_hash FROM audit_events WHERE seq = 2"
    )
    for statement in (
        "INSERT INTO audit_events " + copy.format(seq=0, id="'backdated'"),
        "INSERT INTO audit_events "
        + copy.format(seq="seq", id="id")
        # an upsert is an UPDATE: refused by the UPDATE trigger
        + " ON CONFLICT (seq) DO UPDATE SET detail = 'forged'",
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            _run(database, statement)
    with database.unit_of_work() as uow:
        assert uow.audit.list() == events


def _seq_of_problem(database: Database) -> tuple[BreakKind, int | None]:
    report = verify_audit_trail(database.engine)
    assert report.problem is not None, "tampering went unnoticed"
    event = report.problem.event
    return report.problem.kind, event.seq if event else None


def test_a_changed_event_is_named(database: Database) -> None:
    _append(database, 5)
    _untrigger(database)
    _run(database, "UPDATE audit_events SET detail = 'reason=forged' WHERE seq = 3")
    assert _seq_of_problem(database) == (BreakKind.CHANGED, 3)


def test_a_replaced_event_with_a_recomputed_hash_shows_at_the_next_one(database: Database) -> None:
    _append(database, 5)
    _untrigger(database)
    with database.engine.connect() as connection:
        prev = connection.execute(text("SELECT chain_hash FROM audit_events WHERE seq = 2")).one()
        row = connection.execute(text("SELECT * FROM audit_events WHERE seq = 3")).one()
    forged = event_hash(
        prev.chain_hash,
        seq=3,
        event_id=row.id,
        at=AT,
        actor="U0SOMEONE",
        action=row.action,
        target_type=row.target_type,
        target_id=row.target_id,
        allowed=True,
        detail="",
    )
    _run(
        database,
        "UPDATE audit_events SET actor = 'U0SOMEONE', allowed = :allowed, detail = '',"
        " at = :at, chain_hash = :hash WHERE seq = 3",
        allowed=True,
        at=AT.replace(tzinfo=None) if database.engine.dialect.name == "sqlite" else AT,
        hash=forged,
    )
    assert _seq_of_problem(database) == (BreakKind.RELINKED, 4)


def test_a_deleted_event_is_shown_at_the_one_after_it(database: Database) -> None:
    _append(database, 5)
    _untrigger(database)
    _run(database, "DELETE FROM audit_events WHERE seq = 2")
    assert _seq_of_problem(database) == (BreakKind.RELINKED, 3)


def test_a_deleted_tail_is_shown_and_stays_shown_after_more_appends(database: Database) -> None:
    _append(database, 5)
    _untrigger(database)
    _run(database, "DELETE FROM audit_events WHERE seq >= 4")
    report = verify_audit_trail(database.engine)
    assert report.problem is not None and report.problem.kind is BreakKind.TAIL_DELETED
    assert report.problem.expected_last_seq == 5
    _append(database, 1)  # the bot goes on working…
    assert _seq_of_problem(database) == (BreakKind.RELINKED, 6)  # …and the gap still shows


def test_reordered_events_are_named(database: Database) -> None:
    _append(database, 4)
    _untrigger(database)
    columns = (
        "id, at, actor, action, target_type, target_id, allowed, detail, prev_hash, chain_hash"
    )
    with database.engine.begin() as connection:
        connection.execute(text(f"CREATE TABLE swap AS SELECT seq, {columns} FROM audit_events"))
        connection.execute(text("DELETE FROM audit_events WHERE seq IN (2, 3)"))
        connection.execute(
            text(
                f"INSERT INTO audit_events (seq, {columns})"
                f" SELECT 5 - seq, {columns} FROM swap WHERE seq IN (2, 3)"
            )
        )
        connection.execute(text("DROP TABLE swap"))
    assert _seq_of_problem(database) == (BreakKind.CHANGED, 2)


def test_an_event_added_behind_the_bots_back_is_named(database: Database) -> None:
    _append(database, 3)
    _untrigger(database)
    with database.engine.connect() as connection:
        last = connection.execute(text("SELECT * FROM audit_events WHERE seq = 3")).one()
    # A well-formed, back-dated event at the end, hashed like the bot would.
    at = AT - timedelta(days=30)
    forged = event_hash(
        last.chain_hash,
        seq=4,
        event_id="f" * 32,
        at=at,
        actor="U0JIMU",
        action="consent.recorded",
        target_type="case",
        target_id="R8-001",
        allowed=True,
        detail="",
    )
    _run(
        database,
        "INSERT INTO audit_events (seq, id, at, actor, action, target_type, target_id, allowed,"
        " detail, prev_hash, chain_hash) VALUES (4, :id, :at, 'U0JIMU', 'consent.recorded',"
        " 'case', 'R8-001', :allowed, '', :prev, :hash)",
        id="f" * 32,
        at=at.replace(tzinfo=None) if database.engine.dialect.name == "sqlite" else at,
        allowed=True,
        prev=last.chain_hash,
        hash=forged,
    )
    assert _seq_of_problem(database) == (BreakKind.UNRECORDED, 4)
    _append(database, 1)  # appends go on (no collision with the forged row)…
    assert _seq_of_problem(database) == (BreakKind.INSERTED, 4)  # …and it stays named


def test_concurrent_appends_never_fork_the_chain(database: Database) -> None:
    workers, each = 4, 15
    barrier = threading.Barrier(workers)
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            barrier.wait()
            for i in range(each):
                with database.unit_of_work() as uow:
                    uow.audit.append(
                        AuditEvent(f"U0W{n}", AuditAction.CASE_VIEWED, "case", f"R8-{i:03d}")
                    )
                    uow.audit.append(
                        AuditEvent(f"U0W{n}", AuditAction.AUDIT_VIEWED, "audit", f"{i}")
                    )
                    uow.commit()
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    report = verify_audit_trail(database.engine)
    assert report.ok, report.problem
    assert report.count == workers * each * 2


def test_the_migration_chains_the_events_already_stored(empty_database: Database) -> None:
    database = empty_database
    database.upgrade("0003")
    with database.engine.begin() as connection:
        for n in range(1, 6):
            at = AT + timedelta(microseconds=n)
            connection.execute(
                text(
                    "INSERT INTO audit_events (id, at, actor, action, target_type, target_id,"
                    " allowed, detail) VALUES (:id, :at, 'U0JIMU', 'case.created', 'case',"
                    " :target, :allowed, :detail)"
                ),
                {
                    "id": f"{n:032x}",
                    "at": at.replace(tzinfo=None) if connection.dialect.name == "sqlite" else at,
                    "target": f"R8-{n:03d}",
                    "allowed": n != 2,
                    "detail": "日本語=詳細" if n == 3 else "",
                },
            )
    database.upgrade()
    report = verify_audit_trail(database.engine)
    assert report.ok, report.problem
    assert report.count == 5
    _append(database, 2)
    report = verify_audit_trail(database.engine)
    assert report.ok and report.count == 7


def test_downgrade_to_0003_keeps_the_trail_append_only(database: Database) -> None:
    _append(database, 2)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0003")
    with pytest.raises(DBAPIError, match="append-only"):
        _run(database, "DELETE FROM audit_events")
    database.upgrade()
    assert verify_audit_trail(database.engine).ok
