"""Deleting inputs (retention), removing agenda items (consent withdrawn), finding finalised
meetings, and selecting audit events by time and case — on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from storage_builders import AT, seed

from bot.domain.errors import NotFound
from bot.domain.model import (
    AgencyInput,
    AgendaItem,
    AuditAction,
    AuditEvent,
    InputSource,
)
from storage import Database


def _input(meeting_id: str, case_id: str, agency_id: str, ref: str) -> AgencyInput:
    return AgencyInput(
        meeting_id=meeting_id,
        case_id=case_id,
        agency_id=agency_id,
        author_user_id="U0MEMBER",
        text="長男は訪問に応じない。",
        source=InputSource.THREAD,
        source_ref=ref,
        created_at=AT,
    )


def test_an_input_is_deleted_for_good(database: Database) -> None:
    ids = seed(database)
    first = _input(ids.meeting_id, ids.case_id, ids.agency_id, "C1:1.0")
    second = _input(ids.meeting_id, ids.case_id, ids.agency_id, "C1:2.0")
    with database.unit_of_work() as uow:
        uow.inputs.add(first)
        uow.inputs.add(second)
        uow.commit()
    with database.unit_of_work() as uow:
        uow.inputs.delete(first.id)
        uow.commit()
    with database.unit_of_work() as uow:
        assert [i.id for i in uow.inputs.for_meeting(ids.meeting_id)] == [second.id]
        assert uow.inputs.by_source(InputSource.THREAD, "C1:1.0") is None
        with pytest.raises(NotFound):
            uow.inputs.delete(first.id)


def test_an_agenda_item_is_removed(database: Database) -> None:
    ids = seed(database)
    item = AgendaItem(ids.meeting_id, ids.case_id, added_by="U0COORD", position=1, added_at=AT)
    with database.unit_of_work() as uow:
        uow.agenda.add(item)
        uow.commit()
    with database.unit_of_work() as uow:
        uow.agenda.remove(item.id)
        uow.commit()
    with database.unit_of_work() as uow:
        assert uow.agenda.for_meeting(ids.meeting_id) == []
        # It may be put back later (the unique key is free again).
        uow.agenda.add(AgendaItem(ids.meeting_id, ids.case_id, added_by="U0COORD", added_at=AT))
        uow.commit()


def test_meetings_finalised_before_a_cutoff(database: Database) -> None:
    ids = seed(database)
    with database.unit_of_work() as uow:
        assert uow.meetings.finalised_before(AT + timedelta(days=999)) == []
        meeting = uow.meetings.get(ids.meeting_id)
        assert meeting is not None
        meeting.finalise_minutes("ab" * 32, at=AT)
        uow.meetings.save(meeting)
        uow.commit()
    with database.unit_of_work() as uow:
        assert uow.meetings.finalised_before(AT) == []  # strictly before
        assert [m.id for m in uow.meetings.finalised_before(AT + timedelta(seconds=1))] == [
            ids.meeting_id
        ]


def test_audit_events_by_time_and_by_case(database: Database) -> None:
    events = [
        AuditEvent("U0C", AuditAction.CASE_CREATED, "case", "R8-100", at=AT),
        AuditEvent("U0M", AuditAction.INPUT_RECORDED, "input", "i1", detail="case=R8-100", at=AT),
        AuditEvent(
            "U0M", AuditAction.INPUT_RECORDED, "input", "i2", detail="case=R8-100;form", at=AT
        ),
        AuditEvent(
            "U0M",
            AuditAction.INPUT_FLAGGED,
            "input",
            "i2",
            detail="x=1;case=R8-100;kinds=phone",
            at=AT,
        ),
        AuditEvent("U0M", AuditAction.INPUT_RECORDED, "input", "i3", detail="case=R8-1000", at=AT),
        AuditEvent("U0C", AuditAction.CASE_CREATED, "case", "R8-1000", at=AT + timedelta(days=1)),
        AuditEvent("U0C", AuditAction.MEETING_CREATED, "meeting", "m1", at=AT + timedelta(days=2)),
    ]
    with database.unit_of_work() as uow:
        for event in events:
            uow.audit.append(event)
        uow.commit()
    with database.unit_of_work() as uow:
        assert uow.audit.list(case_code="R8-100") == events[:4]
        assert uow.audit.list(case_code="R8-1000") == events[4:6]
        assert uow.audit.list(since=AT + timedelta(days=1)) == events[5:]
        assert uow.audit.list(until=AT + timedelta(days=1)) == events[:5]
        day = uow.audit.list(since=AT + timedelta(days=1), until=AT + timedelta(days=2))
        assert day == [events[5]]
        assert uow.audit.list(case_code="R8-100", limit=2) == events[2:4]
