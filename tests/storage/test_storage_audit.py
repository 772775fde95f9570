"""The audit trail is append-only, in the repository and in the database itself."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from storage_builders import AT

from bot.domain.model import AuditAction, AuditEvent
from storage import Database
from storage.orm import AuditEventRow
from storage.repositories import SqlAuditTrail


def _events() -> list[AuditEvent]:
    return [
        AuditEvent("U0COORD", AuditAction.CASE_CREATED, "case", "R8-001", at=AT),
        # Same timestamp (a frozen clock): insertion order must still hold.
        AuditEvent("U0COORD", AuditAction.AGENDA_ADDED, "case", "R8-001", at=AT),
        AuditEvent(
            "U0MEMBER",
            AuditAction.CASE_VIEWED,
            "case",
            "R8-001",
            allowed=False,
            detail="reason=not_member",
            at=AT + timedelta(minutes=1),
        ),
        AuditEvent("U0MEMBER", AuditAction.NOTICE_ACKNOWLEDGED, "meeting", "m1", at=AT),
    ]


def test_round_trip_and_order(database: Database) -> None:
    events = _events()
    with database.unit_of_work() as uow:
        for event in events:
            uow.audit.append(event)
        uow.commit()
    with database.unit_of_work() as uow:
        assert uow.audit.list() == events  # oldest (first appended) first, all fields
        assert uow.audit.list(target_id="R8-001") == events[:3]
        assert uow.audit.list(actor="U0MEMBER") == events[2:]
        assert uow.audit.list(target_id="R8-001", actor="U0MEMBER") == [events[2]]
        assert uow.audit.list(limit=2) == events[2:]  # the newest two, oldest first
        assert uow.audit.list(target_id="nothing") == []


def test_the_repository_has_no_update_or_delete() -> None:
    public = {name for name in dir(SqlAuditTrail) if not name.startswith("_")}
    assert public == {"append", "list"}


APPEND_ONLY_STATEMENTS = [
    "UPDATE audit_events SET detail = 'changed'",
    "DELETE FROM audit_events",
]


@pytest.mark.parametrize("statement", APPEND_ONLY_STATEMENTS, ids=["update", "delete"])
def test_the_database_refuses_to_change_audit_events(database: Database, statement: str) -> None:
    event = _events()[0]
    with database.unit_of_work() as uow:
        uow.audit.append(event)
        uow.commit()
    with database.unit_of_work() as uow, pytest.raises(DBAPIError, match="append-only"):
        uow.session.execute(text(statement))
    with database.unit_of_work() as uow:
        assert uow.audit.list() == [event]


def test_the_database_refuses_orm_changes_too(database: Database) -> None:
    with database.unit_of_work() as uow:
        uow.audit.append(_events()[0])
        uow.commit()
    with database.unit_of_work() as uow:
        row = uow.session.query(AuditEventRow).one()
        row.allowed = False
        with pytest.raises(DBAPIError, match="append-only"):
            uow.session.flush()


def test_postgresql_refuses_truncate(database: Database) -> None:
    if database.engine.dialect.name != "postgresql":
        pytest.skip("TRUNCATE exists on PostgreSQL only")
    with database.unit_of_work() as uow:
        uow.audit.append(_events()[0])
        uow.commit()
    with database.unit_of_work() as uow, pytest.raises(DBAPIError, match="append-only"):
        uow.session.execute(text("TRUNCATE audit_events"))
