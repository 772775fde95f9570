"""The unit of work: data and audit events are committed together, or not at all."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError
from storage_builders import SUMMARY, agency, seed

from bot.domain.model import Agency, AgencyInput, AuditAction, AuditEvent, InputSource
from storage import Database


def _registered(key: str) -> tuple[Agency, AuditEvent]:
    made = agency(key)
    return made, AuditEvent("U0C", AuditAction.AGENCY_REGISTERED, "agency", made.id)


def _state(database: Database) -> tuple[list[str], int]:
    with database.unit_of_work() as uow:
        return [a.key for a in uow.agencies.list()], len(uow.audit.list())


def test_commit_writes_data_and_audit_together(database: Database) -> None:
    made, event = _registered("houkatsu")
    with database.unit_of_work() as uow:
        uow.agencies.add(made)
        uow.audit.append(event)
        uow.commit()
    assert _state(database) == (["houkatsu"], 1)


def test_leaving_without_commit_rolls_back(database: Database) -> None:
    made, event = _registered("houkatsu")
    with database.unit_of_work() as uow:
        uow.agencies.add(made)
        uow.audit.append(event)
        uow.processed.claim("event:Ev1")
    assert _state(database) == ([], 0)


def test_an_exception_rolls_back_and_propagates(database: Database) -> None:
    made, event = _registered("houkatsu")
    with pytest.raises(RuntimeError, match="boom"), database.unit_of_work() as uow:
        uow.agencies.add(made)
        uow.audit.append(event)
        raise RuntimeError("boom")
    assert _state(database) == ([], 0)


def test_a_failed_commit_writes_neither_data_nor_audit(database: Database) -> None:
    made, event = _registered("houkatsu")
    with database.unit_of_work() as uow:
        uow.agencies.add(made)
        uow.audit.append(event)
        uow.audit.append(event)  # the same event ID twice: refused when flushed at commit
        with pytest.raises(IntegrityError):
            uow.commit()
    assert _state(database) == ([], 0)


def test_work_after_a_commit_needs_its_own_commit(database: Database) -> None:
    with database.unit_of_work() as uow:
        uow.agencies.add(agency("first"))
        uow.commit()
        uow.agencies.add(agency("second"))
    assert _state(database) == (["first"], 0)


def test_explicit_rollback_then_more_work(database: Database) -> None:
    with database.unit_of_work() as uow:
        uow.agencies.add(agency("discarded"))
        uow.rollback()
        uow.agencies.add(agency("kept"))
        uow.commit()
    assert _state(database) == (["kept"], 0)


def test_a_unit_of_work_can_be_entered_again_but_not_twice_at_once(database: Database) -> None:
    uow = database.unit_of_work()
    with uow:
        uow.agencies.add(agency("first"))
        uow.commit()
        with pytest.raises(RuntimeError), uow:
            pass
    with uow:
        assert [a.key for a in uow.agencies.list()] == ["first"]
    with pytest.raises(RuntimeError):
        uow.commit()  # outside a block


def test_foreign_keys_are_enforced_and_errors_hide_parameters(database: Database) -> None:
    world = seed(database)
    orphan = AgencyInput(
        "no-such-meeting",
        world.case_id,
        world.agency_id,
        author_user_id="U0MEMBER",
        text=SUMMARY,
        source=InputSource.FORM,
        source_ref="V0001",
    )
    with database.unit_of_work() as uow:
        with pytest.raises(IntegrityError) as raised:
            uow.inputs.add(orphan)  # not a Duplicate: the meeting does not exist
        # Case content never appears in errors (and so never in logs of them).
        assert SUMMARY not in str(raised.value)
        uow.agencies.add(agency("still-usable"))
        uow.commit()
    assert "still-usable" in _state(database)[0]


def test_sql_logging_never_shows_parameters(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    world = seed(database)
    database.engine.echo = True
    try:
        with caplog.at_level("INFO", logger="sqlalchemy.engine"), database.unit_of_work() as uow:
            uow.inputs.add(
                AgencyInput(
                    world.meeting_id,
                    world.case_id,
                    world.agency_id,
                    author_user_id="U0MEMBER",
                    text=SUMMARY,
                    source=InputSource.FORM,
                    source_ref="V0002",
                )
            )
            uow.commit()
    finally:
        database.engine.echo = False
    assert "INSERT INTO agency_inputs" in caplog.text
    assert SUMMARY not in caplog.text


def test_sqlite_writers_of_one_process_take_turns(tmp_path: Path) -> None:
    """A burst of short write transactions from many threads (replies arriving at once):
    none waits long for its turn. SQLite's own busy handler, left alone, lets a writer lose
    the race again and again for a second or more — longer than an event's ack can wait."""
    database = Database(f"sqlite:///{tmp_path / 'turns.sqlite3'}")
    database.upgrade()
    waits: list[float] = []
    lock = threading.Lock()
    start = threading.Barrier(12)

    def writer(n: int) -> None:
        start.wait()
        for i in range(25):
            began = time.monotonic()
            with database.unit_of_work() as uow:
                uow.processed.claim(f"turn:{n}:{i}")
                waited = time.monotonic() - began
                time.sleep(0.002)  # the transaction's own work
                uow.commit()
            with lock:
                waits.append(waited)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    database.dispose()
    assert len(waits) == 12 * 25
    assert max(waits) < 0.5, f"a writer waited {max(waits):.2f} s"
