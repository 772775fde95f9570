"""The database enforces every uniqueness rule of the domain.

A repeated write raises ``Duplicate``, leaves one row, and keeps the unit of work usable
(the failed insert is undone with a SAVEPOINT, not by rolling back the transaction).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date

import pytest
from sqlalchemy import func, select
from storage_builders import SUMMARY, Seed, agency, case, meeting, seed

from bot.domain.errors import Duplicate
from bot.domain.model import (
    AgencyInput,
    AgencyMembership,
    AgendaItem,
    AuditAction,
    AuditEvent,
    CaseCode,
    ConfidentialityAcknowledgement,
    Coordinator,
    InputSource,
    MeetingChannel,
    new_id,
)
from storage import Database, SqlUnitOfWork
from storage.orm import (
    AgencyInputRow,
    AgencyMembershipRow,
    AgencyRow,
    AgendaItemRow,
    Base,
    CaseRow,
    ConfidentialityAcknowledgementRow,
    CoordinatorRow,
    MeetingChannelRow,
    MeetingRow,
)


@dataclass
class Rule:
    """One uniqueness rule: how to add a first thing, and a second that collides with it."""

    row_type: type[Base]
    first: Callable[[SqlUnitOfWork, Seed], None]
    second: Callable[[SqlUnitOfWork, Seed], None]


def _input(world: Seed, source_ref: str) -> AgencyInput:
    return AgencyInput(
        world.meeting_id,
        world.case_id,
        world.agency_id,
        author_user_id="U0MEMBER",
        text=SUMMARY,
        source=InputSource.THREAD,
        source_ref=source_ref,
    )


def _membership(world: Seed) -> AgencyMembership:
    return AgencyMembership(world.agency_id, "U0MEMBER", added_by="U0COORD")


def _ack(world: Seed, via: str) -> ConfidentialityAcknowledgement:
    return ConfidentialityAcknowledgement(world.meeting_id, "U0MEMBER", "2026.1", via=via)


def _agenda_item(world: Seed, case_id: str, thread_ref: str | None = None) -> AgendaItem:
    return AgendaItem(world.meeting_id, case_id, added_by="U0C", thread_ref=thread_ref)


def _second_case_in_thread(uow: SqlUnitOfWork, world: Seed) -> None:
    other = case(CaseCode(2026, 99))
    uow.cases.add(other)
    uow.agenda.add(_agenda_item(world, other.id, "C0MEETING:1731200000.000100"))


RULES: dict[str, Rule] = {
    "agency key": Rule(
        AgencyRow,
        lambda uow, w: uow.agencies.add(agency("kodomo")),
        lambda uow, w: uow.agencies.add(agency("kodomo", name="子ども家庭センター")),
    ),
    "membership (agency, user)": Rule(
        AgencyMembershipRow,
        lambda uow, w: uow.memberships.add(_membership(w)),
        lambda uow, w: uow.memberships.add(_membership(w)),
    ),
    "coordinator user": Rule(
        CoordinatorRow,
        lambda uow, w: uow.coordinators.add(Coordinator("U0NEW", added_by="U0ADMIN")),
        lambda uow, w: uow.coordinators.add(Coordinator("U0NEW", added_by="U0OTHER")),
    ),
    "case code per fiscal year": Rule(
        CaseRow,
        lambda uow, w: uow.cases.add(case(CaseCode(2026, 5))),
        lambda uow, w: uow.cases.add(case(CaseCode(2026, 5))),
    ),
    "meeting (channel, date)": Rule(
        MeetingRow,
        lambda uow, w: uow.meetings.add(meeting(date(2027, 1, 12))),
        lambda uow, w: uow.meetings.add(meeting(date(2027, 1, 12), place="オンライン")),
    ),
    "meeting channel": Rule(
        MeetingChannelRow,
        lambda uow, w: uow.channels.add(MeetingChannel("C0NEW", created_by="U0C")),
        lambda uow, w: uow.channels.add(MeetingChannel("C0NEW", created_by="U0OTHER")),
    ),
    "agenda (meeting, case)": Rule(
        AgendaItemRow,
        lambda uow, w: uow.agenda.add(_agenda_item(w, w.case_id)),
        lambda uow, w: uow.agenda.add(_agenda_item(w, w.case_id)),
    ),
    "agenda thread": Rule(
        AgendaItemRow,
        lambda uow, w: uow.agenda.add(_agenda_item(w, w.case_id, "C0MEETING:1731200000.000100")),
        _second_case_in_thread,
    ),
    "acknowledgement (meeting, user, version)": Rule(
        ConfidentialityAcknowledgementRow,
        lambda uow, w: uow.acknowledgements.add(_ack(w, "command")),
        lambda uow, w: uow.acknowledgements.add(_ack(w, "button")),
    ),
    "input (source, source_ref)": Rule(
        AgencyInputRow,
        lambda uow, w: uow.inputs.add(_input(w, "C0MEETING:1731200000.000300")),
        lambda uow, w: uow.inputs.add(_input(w, "C0MEETING:1731200000.000300")),
    ),
}


def _count(database: Database, row_type: type[Base]) -> int:
    with database.unit_of_work() as uow:
        return uow.session.scalar(select(func.count()).select_from(row_type)) or 0


@pytest.mark.parametrize("rule_name", list(RULES))
def test_second_add_in_a_new_unit_of_work_is_a_duplicate(
    database: Database, rule_name: str
) -> None:
    rule = RULES[rule_name]
    world = seed(database)
    before = _count(database, rule.row_type)
    with database.unit_of_work() as uow:
        rule.first(uow, world)
        uow.commit()
    marker = agency("marker")
    with database.unit_of_work() as uow:
        with pytest.raises(Duplicate) as raised:
            rule.second(uow, world)
        assert "すでに" in raised.value.message
        # The transaction survived: other work still commits.
        uow.agencies.add(marker)
        uow.audit.append(AuditEvent("U0C", AuditAction.AGENCY_REGISTERED, "agency", marker.id))
        uow.commit()
    assert _count(database, rule.row_type) == before + 1 + (rule.row_type is AgencyRow)
    with database.unit_of_work() as uow:
        assert uow.agencies.by_key("marker") == marker
        assert len(uow.audit.list(target_id=marker.id)) == 1


@pytest.mark.parametrize("rule_name", list(RULES))
def test_second_add_in_the_same_unit_of_work_is_a_duplicate(
    database: Database, rule_name: str
) -> None:
    rule = RULES[rule_name]
    world = seed(database)
    before = _count(database, rule.row_type)
    with database.unit_of_work() as uow:
        rule.first(uow, world)
        with pytest.raises(Duplicate):
            rule.second(uow, world)
        uow.commit()  # the first add is kept
    assert _count(database, rule.row_type) == before + 1


def test_adding_the_same_object_twice_is_a_duplicate(database: Database) -> None:
    world = seed(database)
    with database.unit_of_work() as uow:
        existing = uow.cases.get(world.case_id)
        assert existing is not None
        with pytest.raises(Duplicate):
            uow.cases.add(existing)
        with pytest.raises(Duplicate):
            uow.cases.add(replace(existing, id=new_id()))


def test_codes_of_different_fiscal_years_may_share_a_sequence(database: Database) -> None:
    with database.unit_of_work() as uow:
        uow.cases.add(case(CaseCode(2025, 1)))
        uow.cases.add(case(CaseCode(2026, 1)))
        uow.commit()
    assert _count(database, CaseRow) == 2


def test_moving_a_meeting_onto_a_taken_date_is_a_duplicate(database: Database) -> None:
    first, second = meeting(date(2026, 11, 10)), meeting(date(2026, 12, 8))
    with database.unit_of_work() as uow:
        uow.meetings.add(first)
        uow.meetings.add(second)
        uow.commit()
    with database.unit_of_work() as uow:
        second.date = first.date
        with pytest.raises(Duplicate, match="2026-11-10"):
            uow.meetings.save(second)
        # The failed save left the row as it was.
        assert uow.meetings.on_date("C0MEETING", date(2026, 12, 8)) is not None
        uow.commit()


def test_renaming_an_agency_key_onto_a_taken_key_is_a_duplicate(database: Database) -> None:
    seed(database)
    with database.unit_of_work() as uow:
        csw = uow.agencies.by_key("csw")
        assert csw is not None
        csw.key = "houkatsu"
        with pytest.raises(Duplicate):
            uow.agencies.save(csw)


def test_duplicate_message_is_japanese_and_holds_no_case_content(database: Database) -> None:
    original = case(CaseCode(2026, 3), summary=SUMMARY)
    with database.unit_of_work() as uow:
        uow.cases.add(original)
        uow.commit()
    retry = case(CaseCode(2026, 3), summary=SUMMARY)
    with database.unit_of_work() as uow, pytest.raises(Duplicate) as raised:
        uow.cases.add(retry)
    message = raised.value.message
    assert message == "事例番号 R8-003 はすでに登録されています。"
    assert SUMMARY not in str(raised.value)
    assert not any(fragment in message for fragment in SUMMARY.split("。") if fragment)
    # The database error (which may quote values) is not chained into the traceback.
    assert raised.value.__cause__ is None and raised.value.__suppress_context__
