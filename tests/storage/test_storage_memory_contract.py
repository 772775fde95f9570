"""The in-memory unit of work (``tests/fakes/memory.py``) behaves like the SQL one where a use
case can tell: the same assertions run on SQLite and on the fake.

Covered: ``Duplicate`` on every unique rule and primary key (on ``add`` and on a colliding
``save``, with the same message, leaving the transaction usable), references to missing
rows, commit and rollback, one open transaction at a time, values as stored (aware UTC
datetimes, copies), case codes, idempotency keys, and the order of every listing.
"""

from __future__ import annotations

import time as wall_clock
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from fakes.memory import IntegrityViolation, MemoryStore, WouldBlock
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError, OperationalError
from storage_builders import AT, SUMMARY, Seed, agency, case, meeting, series

from bot.domain.calendar import HolidayPolicy
from bot.domain.errors import Duplicate, NotFound
from bot.domain.model import (
    AgencyInput,
    AgencyMembership,
    AgendaItem,
    Attendance,
    AuditAction,
    AuditEvent,
    CaseCode,
    ConfidentialityAcknowledgement,
    Coordinator,
    Decision,
    FinalDocument,
    InputSource,
    InputState,
    MeetingChannel,
    MeetingKind,
    MeetingMethod,
    MeetingRecord,
    MeetingSeries,
    MeetingState,
    Outcome,
    Person,
    RoleAssignment,
    Urgency,
)
from bot.services.ports import UnitOfWork
from storage import Database

UowFactory = Callable[[], UnitOfWork]
# What each implementation raises for a reference to a missing row or a repeated audit ID.
INTEGRITY_ERRORS = (IntegrityError, IntegrityViolation)


@pytest.fixture(params=["sqlite", "memory"])
def uows(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[UowFactory]:
    """Makes units of work of one implementation (SQLite, or the in-memory fake)."""
    if request.param == "memory":
        yield MemoryStore().unit_of_work
        return
    database = Database(f"sqlite:///{tmp_path / 'contract.sqlite3'}")
    database.upgrade()

    # A blocked writer gives up after 50 ms instead of 15 s (the lock test below).
    @event.listens_for(database.engine, "connect")
    def _short_busy_timeout(connection: Any, _record: Any) -> None:
        connection.execute("PRAGMA busy_timeout=50")

    database.engine.dispose()  # reconnect with the listener
    try:
        yield database.unit_of_work
    finally:
        database.dispose()


def seed(uows: UowFactory) -> Seed:
    """Two agencies, a meeting and a case (the storage tests' small world)."""
    first, second = agency("houkatsu"), agency("csw", name="社会福祉協議会", kind="社協")
    the_meeting = meeting(state=MeetingState.COLLECTING)
    the_case = case(asked=[first.id, second.id])
    with uows() as uow:
        uow.agencies.add(first)
        uow.agencies.add(second)
        uow.meetings.add(the_meeting)
        uow.cases.add(the_case)
        uow.commit()
    return Seed(first.id, second.id, the_meeting.id, the_case.id)


# --------------------------------------------------------------------------- uniqueness


def _input(world: Seed, source_ref: str, **changes: Any) -> AgencyInput:
    made = AgencyInput(
        world.meeting_id,
        world.case_id,
        world.agency_id,
        author_user_id="U0MEMBER",
        text=SUMMARY,
        source=InputSource.THREAD,
        source_ref=source_ref,
        created_at=AT,
    )
    return replace(made, **changes)


def _item(world: Seed, case_id: str, thread_ref: str | None = None, **changes: Any) -> AgendaItem:
    made = AgendaItem(world.meeting_id, case_id, added_by="U0C", thread_ref=thread_ref, added_at=AT)
    return replace(made, **changes)


def _other_case(uow: UnitOfWork, seq: int = 99) -> str:
    other = case(CaseCode(2026, seq))
    uow.cases.add(other)
    return other.id


def _ack(world: Seed, via: str) -> ConfidentialityAcknowledgement:
    return ConfidentialityAcknowledgement(world.meeting_id, "U0MEMBER", "2026.1", AT, via=via)


def _role(world: Seed, role_id: str) -> RoleAssignment:
    return RoleAssignment(
        world.case_id, world.agency_id, "見守り", created_by="U0C", id=role_id, created_at=AT
    )


def _final(world: Seed, filename: str) -> FinalDocument:
    return FinalDocument(world.meeting_id, "minutes", filename, "0" * 64, b"docx", "U0C", AT)


THREAD = "C0MEETING:1731200000.000100"
SAME_ID = "f" * 32


@dataclass
class Rule:
    """A first write, a second one that collides with it, and the message of the refusal."""

    first: Callable[[UnitOfWork, Seed], None]
    second: Callable[[UnitOfWork, Seed], None]
    message: str


RULES: dict[str, Rule] = {
    "agency key": Rule(
        lambda uow, w: uow.agencies.add(agency("kodomo")),
        lambda uow, w: uow.agencies.add(agency("kodomo", name="子ども家庭センター")),
        "機関キー「kodomo」はすでに登録されています。",
    ),
    "agency id": Rule(
        lambda uow, w: uow.agencies.add(agency("kodomo", id=SAME_ID)),
        lambda uow, w: uow.agencies.add(agency("shogai", id=SAME_ID)),
        "機関キー「shogai」はすでに登録されています。",
    ),
    "membership (agency, user)": Rule(
        lambda uow, w: uow.memberships.add(AgencyMembership(w.agency_id, "U0M", "U0C", AT)),
        lambda uow, w: uow.memberships.add(AgencyMembership(w.agency_id, "U0M", "U0X", AT)),
        "ユーザー U0M はすでにこの機関の構成員として登録されています。",
    ),
    "coordinator user": Rule(
        lambda uow, w: uow.coordinators.add(Coordinator("U0NEW", added_by="U0A", added_at=AT)),
        lambda uow, w: uow.coordinators.add(Coordinator("U0NEW", added_by="U0B", added_at=AT)),
        "ユーザー U0NEW はすでにコーディネーターとして登録されています。",
    ),
    "meeting channel": Rule(
        lambda uow, w: uow.channels.add(MeetingChannel("C0NEW", "U0C", AT)),
        lambda uow, w: uow.channels.add(MeetingChannel("C0NEW", "U0X", AT)),
        "このチャンネルはすでに会議チャンネルとして設定されています。",
    ),
    "series id": Rule(
        lambda uow, w: uow.series.add(replace(series(), id=SAME_ID)),
        lambda uow, w: uow.series.add(replace(series("C0OTHER"), id=SAME_ID)),
        "この定例会議の設定はすでに登録されています。",
    ),
    "meeting (channel, date)": Rule(
        lambda uow, w: uow.meetings.add(meeting(date(2027, 1, 12))),
        lambda uow, w: uow.meetings.add(meeting(date(2027, 1, 12), place="オンライン")),
        "2027-01-12 の会議はこのチャンネルにすでに登録されています。",
    ),
    "meeting id": Rule(
        lambda uow, w: uow.meetings.add(meeting(date(2027, 1, 12), id=SAME_ID)),
        lambda uow, w: uow.meetings.add(meeting(date(2027, 2, 9), id=SAME_ID)),
        "2027-02-09 の会議はこのチャンネルにすでに登録されています。",
    ),
    "case code per fiscal year": Rule(
        lambda uow, w: uow.cases.add(case(CaseCode(2026, 5))),
        lambda uow, w: uow.cases.add(case(CaseCode(2026, 5))),
        "事例番号 R8-005 はすでに登録されています。",
    ),
    "case id": Rule(
        lambda uow, w: uow.cases.add(case(CaseCode(2026, 5), id=SAME_ID)),
        lambda uow, w: uow.cases.add(case(CaseCode(2026, 6), id=SAME_ID)),
        "事例番号 R8-006 はすでに登録されています。",
    ),
    "agenda (meeting, case)": Rule(
        lambda uow, w: uow.agenda.add(_item(w, w.case_id)),
        lambda uow, w: uow.agenda.add(_item(w, w.case_id)),
        "この事例はすでにこの会議の議題に登録されています。",
    ),
    "agenda thread": Rule(
        lambda uow, w: uow.agenda.add(_item(w, w.case_id, THREAD)),
        lambda uow, w: uow.agenda.add(_item(w, _other_case(uow), THREAD)),
        "この事例はすでにこの会議の議題に登録されています。",
    ),
    "agenda id": Rule(
        lambda uow, w: uow.agenda.add(_item(w, w.case_id, id=SAME_ID)),
        lambda uow, w: uow.agenda.add(_item(w, _other_case(uow), id=SAME_ID)),
        "この事例はすでにこの会議の議題に登録されています。",
    ),
    "acknowledgement (meeting, user, version)": Rule(
        lambda uow, w: uow.acknowledgements.add(_ack(w, "command")),
        lambda uow, w: uow.acknowledgements.add(_ack(w, "button")),
        "守秘義務の確認はすでに記録されています。",
    ),
    "input (source, source_ref)": Rule(
        lambda uow, w: uow.inputs.add(_input(w, "C0MEETING:1.0")),
        lambda uow, w: uow.inputs.add(_input(w, "C0MEETING:1.0", text="別の投稿")),
        "この投稿はすでに記録されています。",
    ),
    "input id": Rule(
        lambda uow, w: uow.inputs.add(_input(w, "C0MEETING:1.0", id=SAME_ID)),
        lambda uow, w: uow.inputs.add(_input(w, "C0MEETING:2.0", id=SAME_ID)),
        "この投稿はすでに記録されています。",
    ),
    "role id": Rule(
        lambda uow, w: uow.roles.add(_role(w, SAME_ID)),
        lambda uow, w: uow.roles.add(_role(w, SAME_ID)),
        "この役割分担はすでに登録されています。",
    ),
    "final document (meeting, kind)": Rule(
        lambda uow, w: uow.final_documents.add(_final(w, "first.docx")),
        lambda uow, w: uow.final_documents.add(_final(w, "second.docx")),
        "この会議の議事録はすでに確定しています。",
    ),
}


def _marker_kept(uows: UowFactory) -> bool:
    with uows() as uow:
        return uow.agencies.by_key("marker") is not None and bool(uow.audit.list(actor="U0MARK"))


@pytest.mark.parametrize("rule_name", list(RULES))
def test_second_add_in_a_new_unit_of_work_is_a_duplicate(uows: UowFactory, rule_name: str) -> None:
    rule = RULES[rule_name]
    world = seed(uows)
    with uows() as uow:
        rule.first(uow, world)
        uow.commit()
    with uows() as uow:
        with pytest.raises(Duplicate) as raised:
            rule.second(uow, world)
        assert raised.value.message == rule.message
        # Only the failed write is undone: the transaction goes on and commits.
        uow.agencies.add(agency("marker"))
        uow.audit.append(AuditEvent("U0MARK", AuditAction.AGENCY_REGISTERED, "agency", "x"))
        uow.commit()
    assert _marker_kept(uows)


@pytest.mark.parametrize("rule_name", list(RULES))
def test_second_add_in_the_same_unit_of_work_is_a_duplicate(
    uows: UowFactory, rule_name: str
) -> None:
    rule = RULES[rule_name]
    world = seed(uows)
    with uows() as uow:
        rule.first(uow, world)
        with pytest.raises(Duplicate):
            rule.second(uow, world)
        uow.commit()  # the first write is kept
    with uows() as uow, pytest.raises(Duplicate):
        rule.first(uow, world)


def test_adding_a_loaded_object_again_is_a_duplicate(uows: UowFactory) -> None:
    world = seed(uows)
    with uows() as uow:
        existing = uow.cases.get(world.case_id)
        assert existing is not None
        with pytest.raises(Duplicate):
            uow.cases.add(existing)
        with pytest.raises(Duplicate):
            uow.cases.add(replace(existing, id="e" * 32))


def test_codes_of_different_fiscal_years_may_share_a_sequence(uows: UowFactory) -> None:
    with uows() as uow:
        uow.cases.add(case(CaseCode(2025, 1)))
        uow.cases.add(case(CaseCode(2026, 1)))
        uow.commit()
    with uows() as uow:
        assert [str(c.code) for c in uow.cases.list()] == ["R7-001", "R8-001"]


def test_threadless_agenda_items_do_not_collide(uows: UowFactory) -> None:
    world = seed(uows)
    with uows() as uow:
        uow.agenda.add(_item(world, world.case_id))
        uow.agenda.add(_item(world, _other_case(uow)))  # both without a thread: no rule
        uow.commit()
    with uows() as uow:
        assert len(uow.agenda.for_meeting(world.meeting_id)) == 2


def test_an_input_ref_may_repeat_across_sources(uows: UowFactory) -> None:
    world = seed(uows)
    with uows() as uow:
        uow.inputs.add(_input(world, "V0001"))
        uow.inputs.add(_input(world, "V0001", source=InputSource.FORM))
        uow.commit()
    with uows() as uow:
        assert uow.inputs.by_source(InputSource.FORM, "V0001") is not None
        assert uow.inputs.by_source("thread", "V0001") is not None
        assert uow.inputs.by_source(InputSource.FORM, "V0002") is None


def test_recorded_counts_count_each_agencys_recorded_inputs_of_one_case(
    uows: UowFactory,
) -> None:
    world = seed(uows)
    with uows() as uow:
        other_case = _other_case(uow)
        uow.inputs.add(_input(world, "C0MEETING:1.0"))
        uow.inputs.add(_input(world, "C0MEETING:2.0"))
        uow.inputs.add(_input(world, "C0MEETING:3.0", agency_id=world.other_agency_id))
        uow.inputs.add(_input(world, "C0MEETING:4.0", state=InputState.HELD))
        uow.inputs.add(_input(world, "C0MEETING:5.0", state=InputState.WITHDRAWN))
        uow.inputs.add(_input(world, "C0MEETING:6.0", case_id=other_case))
        uow.commit()
    with uows() as uow:
        assert uow.inputs.recorded_counts(world.meeting_id, world.case_id) == {
            world.agency_id: 2,
            world.other_agency_id: 1,
        }
        assert uow.inputs.recorded_counts(world.meeting_id, other_case) == {world.agency_id: 1}
        assert uow.inputs.recorded_counts("no-such-meeting", world.case_id) == {}


# --------------------------------------------------------------------------- colliding saves


def test_moving_a_meeting_onto_a_taken_date_is_a_duplicate(uows: UowFactory) -> None:
    first, second = meeting(date(2026, 11, 10)), meeting(date(2026, 12, 8))
    with uows() as uow:
        uow.meetings.add(first)
        uow.meetings.add(second)
        uow.commit()
    with uows() as uow:
        second.date = first.date
        with pytest.raises(Duplicate, match="2026-11-10"):
            uow.meetings.save(second)
        # The failed save left the row as it was; the same date in another channel is fine.
        assert uow.meetings.on_date("C0MEETING", date(2026, 12, 8)) is not None
        second.channel_id = "C0OTHER"
        uow.meetings.save(second)
        uow.commit()
    with uows() as uow:
        assert uow.meetings.on_date("C0OTHER", date(2026, 11, 10)) is not None


def test_renaming_an_agency_key_onto_a_taken_key_is_a_duplicate(uows: UowFactory) -> None:
    seed(uows)
    with uows() as uow:
        csw = uow.agencies.by_key("csw")
        assert csw is not None
        csw.key = "houkatsu"
        with pytest.raises(Duplicate, match="houkatsu"):
            uow.agencies.save(csw)
        assert uow.agencies.by_key("csw") is not None


def test_renumbering_a_case_onto_a_taken_code_is_a_duplicate(uows: UowFactory) -> None:
    world = seed(uows)
    with uows() as uow:
        other = case(CaseCode(2026, 2))
        uow.cases.add(other)
        other.code = CaseCode(2026, 1)
        with pytest.raises(Duplicate, match="R8-001"):
            uow.cases.save(other)
        loaded = uow.cases.get(other.id)
        assert loaded is not None and str(loaded.code) == "R8-002"
        assert uow.cases.get(world.case_id) is not None


def test_a_thread_taken_by_another_item_is_a_duplicate_on_save(uows: UowFactory) -> None:
    world = seed(uows)
    with uows() as uow:
        first = _item(world, world.case_id, THREAD)
        second = _item(world, _other_case(uow))
        uow.agenda.add(first)
        uow.agenda.add(second)
        second.thread_ref = THREAD
        with pytest.raises(Duplicate):
            uow.agenda.save(second)
        loaded = uow.agenda.by_id(second.id)
        assert loaded is not None and loaded.thread_ref is None
        by_thread = uow.agenda.by_thread(THREAD)
        assert by_thread is not None and by_thread.id == first.id


def test_an_input_moved_onto_a_taken_source_is_a_duplicate_on_save(uows: UowFactory) -> None:
    world = seed(uows)
    with uows() as uow:
        uow.inputs.add(_input(world, "C0MEETING:1.0"))
        second = _input(world, "C0MEETING:2.0")
        uow.inputs.add(second)
        second.source_ref = "C0MEETING:1.0"
        with pytest.raises(Duplicate):
            uow.inputs.save(second)


# --------------------------------------------------------------------------- missing rows


def test_saving_or_removing_what_is_not_there_is_not_found(uows: UowFactory) -> None:
    world = seed(uows)
    stray_case = case(CaseCode(2026, 42))
    attempts: list[tuple[Callable[[UnitOfWork], None], str]] = [
        (lambda uow: uow.agencies.save(agency("nowhere")), "機関が見つからないため"),
        (
            lambda uow: uow.memberships.save(AgencyMembership(world.agency_id, "U0X", "U0C", AT)),
            "機関の構成員が見つからないため",
        ),
        (
            lambda uow: uow.coordinators.save(Coordinator("U0X", "U0C", AT)),
            "コーディネーターが見つからないため",
        ),
        (lambda uow: uow.series.save(series()), "定例会議の設定が見つからないため"),
        (lambda uow: uow.meetings.save(meeting(date(2027, 3, 9))), "会議が見つからないため"),
        (lambda uow: uow.cases.save(stray_case), "事例 R8-042が見つからないため"),
        (lambda uow: uow.agenda.save(_item(world, world.case_id)), "議題が見つからないため"),
        (lambda uow: uow.agenda.remove("0" * 32), "議題が見つからないため"),
        (lambda uow: uow.inputs.save(_input(world, "x")), "機関からの情報が見つからないため"),
        (lambda uow: uow.inputs.delete("0" * 32), "機関からの情報が見つからないため"),
        (lambda uow: uow.roles.save(_role(world, "0" * 32)), "役割分担が見つからないため"),
    ]
    with uows() as uow:
        for attempt, message in attempts:
            with pytest.raises(NotFound, match=message):
                attempt(uow)


def test_references_to_missing_rows_are_refused_and_the_transaction_goes_on(
    uows: UowFactory,
) -> None:
    world = seed(uows)
    orphans: list[Callable[[UnitOfWork], None]] = [
        lambda uow: uow.inputs.add(_input(world, "V0001", meeting_id="no-such-meeting")),
        lambda uow: uow.memberships.add(AgencyMembership("no-such-agency", "U0M", "U0C", AT)),
        lambda uow: uow.agenda.add(_item(world, "no-such-case")),
        lambda uow: uow.cases.add(case(CaseCode(2026, 7), asked=["no-such-agency"])),
        lambda uow: uow.acknowledgements.add(
            replace(_ack(world, "command"), meeting_id="no-such-meeting")
        ),
        lambda uow: uow.meetings.add(meeting(date(2027, 3, 9), series_id="no-such-series")),
    ]
    for n, orphan in enumerate(orphans):
        with uows() as uow:
            with pytest.raises(INTEGRITY_ERRORS) as raised:
                orphan(uow)
            assert SUMMARY not in str(raised.value)
            uow.agencies.add(agency(f"usable{n}"))  # the transaction goes on
            uow.commit()
    with uows() as uow:
        keys = [a.key for a in uow.agencies.list()]
        assert keys == ["csw", "houkatsu", *(f"usable{n}" for n in range(len(orphans)))]
        assert uow.inputs.for_meeting(world.meeting_id) == []
        assert uow.agenda.for_meeting(world.meeting_id) == []
        assert uow.acknowledgements.for_meeting(world.meeting_id) == []


# --------------------------------------------------------------------------- transactions


def _state(uows: UowFactory) -> tuple[list[str], int, bool]:
    with uows() as uow:
        keys = [a.key for a in uow.agencies.list()]
        return keys, len(uow.audit.list()), uow.processed.is_claimed("event:Ev1")


def _registered(key: str) -> tuple[Any, AuditEvent]:
    made = agency(key)
    return made, AuditEvent("U0C", AuditAction.AGENCY_REGISTERED, "agency", made.id, at=AT)


def test_commit_writes_data_audit_and_keys_together(uows: UowFactory) -> None:
    made, event_ = _registered("houkatsu")
    with uows() as uow:
        uow.agencies.add(made)
        uow.audit.append(event_)
        assert uow.processed.claim("event:Ev1")
        uow.commit()
    assert _state(uows) == (["houkatsu"], 1, True)


def test_leaving_without_commit_rolls_everything_back(uows: UowFactory) -> None:
    made, event_ = _registered("houkatsu")
    with uows() as uow:
        uow.agencies.add(made)
        uow.audit.append(event_)
        uow.processed.claim("event:Ev1")
        assert uow.cases.next_code(2026) == CaseCode(2026, 1)
    assert _state(uows) == ([], 0, False)
    with uows() as uow:  # the rolled-back code is given back
        assert uow.cases.next_code(2026) == CaseCode(2026, 1)


def test_an_exception_rolls_back_and_propagates(uows: UowFactory) -> None:
    made, event_ = _registered("houkatsu")
    with pytest.raises(RuntimeError, match="boom"), uows() as uow:
        uow.agencies.add(made)
        uow.audit.append(event_)
        raise RuntimeError("boom")
    assert _state(uows) == ([], 0, False)


def test_a_repeated_audit_event_fails_the_commit_and_writes_nothing(uows: UowFactory) -> None:
    made, event_ = _registered("houkatsu")
    with uows() as uow:
        uow.agencies.add(made)
        uow.audit.append(event_)
        uow.audit.append(event_)  # the same event ID twice
        with pytest.raises(INTEGRITY_ERRORS):
            uow.commit()
    assert _state(uows) == ([], 0, False)


def test_work_after_a_commit_needs_its_own_commit(uows: UowFactory) -> None:
    with uows() as uow:
        uow.agencies.add(agency("first"))
        uow.commit()
        uow.agencies.add(agency("second"))
    assert _state(uows) == (["first"], 0, False)


def test_explicit_rollback_then_more_work(uows: UowFactory) -> None:
    with uows() as uow:
        uow.agencies.add(agency("discarded"))
        uow.rollback()
        assert uow.agencies.by_key("discarded") is None
        uow.agencies.add(agency("kept"))
        uow.commit()
    assert _state(uows) == (["kept"], 0, False)


def test_a_unit_of_work_can_be_entered_again_but_not_twice_at_once(uows: UowFactory) -> None:
    uow = uows()
    with uow:
        uow.agencies.add(agency("first"))
        uow.commit()
        with pytest.raises(RuntimeError), uow:
            pass
    with uow:
        assert [a.key for a in uow.agencies.list()] == ["first"]
    with pytest.raises(RuntimeError):
        uow.commit()  # outside a block
    with pytest.raises(RuntimeError):
        uow.rollback()


def test_a_unit_of_work_sees_its_own_uncommitted_work(uows: UowFactory) -> None:
    with uows() as uow:
        uow.agencies.add(agency("pending"))
        assert uow.agencies.by_key("pending") is not None
        uow.commit()
    with uows() as uow:
        assert uow.agencies.by_key("pending") is not None


def test_one_transaction_at_a_time(uows: UowFactory) -> None:
    """SQLite: every transaction begins IMMEDIATE and holds the write lock, so a unit of work
    opened inside another cannot work until the first one's transaction ends."""
    with uows() as first:
        first.agencies.add(agency("first"))
        with (
            uows() as second,
            pytest.raises((OperationalError, WouldBlock)),
        ):
            second.agencies.list()
        first.commit()
        with uows() as third:  # the first one's transaction has ended
            assert [a.key for a in third.agencies.list()] == ["first"]


# --------------------------------------------------------------------------- values


def test_loaded_datetimes_are_aware_utc_and_naive_ones_are_refused(uows: UowFactory) -> None:
    original = agency()
    with uows() as uow:
        uow.agencies.add(original)
        uow.commit()
    with uows() as uow:
        loaded = uow.agencies.get(original.id)
        assert loaded is not None
        assert loaded.created_at == AT and loaded.created_at.utcoffset() == timedelta(0)
        assert loaded.created_at.tzinfo is not None and AT.tzinfo is not UTC
        with pytest.raises(Exception, match="naive"):
            uow.agencies.add(agency("naive", created_at=AT.replace(tzinfo=None)))
            uow.commit()


def test_loaded_objects_are_copies(uows: UowFactory) -> None:
    world = seed(uows)
    with uows() as uow:
        loaded = uow.cases.get(world.case_id)
        assert loaded is not None
        loaded.summary = "変更（保存しない）"
        loaded.asked_agency_ids.append("not-saved")
        again = uow.cases.get(world.case_id)
        assert again is not None and again.summary == SUMMARY
        assert again.asked_agency_ids == [world.agency_id, world.other_agency_id]
        assert again is not loaded


def test_case_round_trip_keeps_the_asked_order_and_consent(uows: UowFactory) -> None:
    world = seed(uows)
    with uows() as uow:
        loaded = uow.cases.get(world.case_id)
        assert loaded is not None
        loaded.asked_agency_ids = [world.other_agency_id, world.agency_id, world.other_agency_id]
        loaded.record_consent(date(2026, 10, 1), by="U0C", at=AT)
        uow.cases.save(loaded)
        uow.commit()
    with uows() as uow:
        again = uow.cases.get(world.case_id)
        assert again is not None
        assert again.asked_agency_ids == [world.other_agency_id, world.agency_id]
        assert again.consent is not None and again.consent.recorded_at == AT
        assert again.consent.recorded_at.utcoffset() == timedelta(0)


def test_case_codes_are_sequential_per_fiscal_year(uows: UowFactory) -> None:
    with uows() as uow:
        assert [uow.cases.next_code(2026) for _ in range(3)] == [
            CaseCode(2026, 1),
            CaseCode(2026, 2),
            CaseCode(2026, 3),
        ]
        assert uow.cases.next_code(2027) == CaseCode(2027, 1)
        uow.commit()
    with uows() as uow:
        assert uow.cases.next_code(2026) == CaseCode(2026, 4)


def test_idempotency_keys(uows: UowFactory) -> None:
    with uows() as uow:
        assert uow.processed.claim("send:1")
        assert not uow.processed.claim("send:1")  # earlier in this unit of work
        assert uow.processed.is_claimed("send:1")
        uow.commit()
    with uows() as uow:
        assert not uow.processed.claim("send:1")
        uow.processed.release("send:1")
        assert not uow.processed.is_claimed("send:1")
        uow.processed.release("never-claimed")  # harmless
        uow.commit()
    with uows() as uow:
        assert uow.processed.claim("send:1")
        uow.rollback()
        assert not uow.processed.is_claimed("send:1")


def test_a_later_claim_of_a_family_is_found(uows: UowFactory) -> None:
    with uows() as uow:
        assert uow.processed.claim("edit:C_1:1764000200.000005")
        assert uow.processed.claim("edit:C_10:1764000200.000009")  # another family
        assert uow.processed.claim("edit%x:C_1:1764000200.000009")  # LIKE's wildcards
        uow.commit()
    with uows() as uow:
        family = "edit:C_1:"
        assert uow.processed.claimed_after(family + "1764000200.000004", family)
        assert not uow.processed.claimed_after(family + "1764000200.000005", family)
        assert not uow.processed.claimed_after(family + "1764000200.000006", family)
        assert not uow.processed.claimed_after("edit:C_2:1764000200.000001", "edit:C_2:")


def test_a_stale_claim_is_taken_over_and_a_fresh_one_is_not(uows: UowFactory) -> None:
    with uows() as uow:
        assert uow.processed.claim("head:1")
        uow.commit()
    with uows() as uow:
        assert not uow.processed.claim("head:1", take_over_after=timedelta(hours=1))
    wall_clock.sleep(0.01)
    with uows() as uow:
        assert uow.processed.claim("head:1", take_over_after=timedelta(milliseconds=1))
        uow.commit()
    with uows() as uow:  # the new claim is fresh again
        assert not uow.processed.claim("head:1", take_over_after=timedelta(hours=1))


def test_decision_put_inserts_then_replaces(uows: UowFactory) -> None:
    world = seed(uows)
    first = Decision(world.meeting_id, world.case_id, "U0C", "方針A", decided_at=AT)
    with uows() as uow:
        uow.decisions.put(first)
        uow.decisions.put(replace(first, support_policy="方針B", outcome=Outcome.CLOSE))
        uow.commit()
    with uows() as uow:
        found = uow.decisions.get(world.meeting_id, world.case_id)
        assert found is not None
        assert (found.support_policy, found.outcome) == ("方針B", Outcome.CLOSE)
        assert len(uow.decisions.for_meeting(world.meeting_id)) == 1
        with pytest.raises(INTEGRITY_ERRORS):
            uow.decisions.put(replace(first, case_id="no-such-case"))


def test_decisions_keep_the_discussion_and_the_assessment(uows: UowFactory) -> None:
    world = seed(uows)
    decision = Decision(
        world.meeting_id,
        world.case_id,
        "U0C",
        decided_at=AT,
        discussion="協議した内容",
        urgency=Urgency.HIGH,
        urgency_reason="理由",
    )
    with uows() as uow:
        uow.decisions.put(decision)
        uow.commit()
    with uows() as uow:
        assert uow.decisions.get(world.meeting_id, world.case_id) == decision


def test_a_meeting_record_is_put_whole_and_replaced_whole(uows: UowFactory) -> None:
    world = seed(uows)
    record = MeetingRecord(
        world.meeting_id,
        recorded_by="U0C",
        place="第1会議室",
        method=MeetingMethod.ONLINE,
        started_at=time(14, 0),
        ended_at=time(15, 30),
        chair_user_id="U0C",
        recorder_user_id="U0MEMBER",
        attendance=(
            Attendance(None, "U0C", present=True),
            Attendance(world.agency_id, "U0MEMBER", present=True),
            Attendance(world.other_agency_id, None, present=False),
        ),
        others_present="民生委員",
        next_meeting_on=date(2027, 1, 12),
        next_meeting_at=time(10, 0),
        recorded_at=AT,
    )
    with uows() as uow:
        assert uow.records.get(world.meeting_id) is None
        uow.records.put(record)
        uow.commit()
    with uows() as uow:
        assert uow.records.get(world.meeting_id) == record
        # Fewer lines, in another order: the record is replaced, not merged.
        shorter = replace(
            record,
            place="オンライン",
            attendance=(
                Attendance(world.other_agency_id, "U0OTHER", present=True),
                Attendance(None, "U0C", present=False),
            ),
        )
        uow.records.put(shorter)
        uow.commit()
    with uows() as uow:
        found = uow.records.get(world.meeting_id)
        assert found == shorter and found is not None
        assert [(a.user_id, a.present) for a in found.attendance] == [
            ("U0OTHER", True),
            ("U0C", False),
        ]
        with pytest.raises(INTEGRITY_ERRORS):
            uow.records.put(replace(record, meeting_id="no-such-meeting"))
        uow.rollback()
        with pytest.raises(INTEGRITY_ERRORS):
            uow.records.put(
                replace(record, attendance=(Attendance("no-such-agency", "U0C", present=True),))
            )


def test_roles_and_agenda_items_keep_the_person_and_the_monitoring_date(
    uows: UowFactory,
) -> None:
    world = seed(uows)
    role = RoleAssignment(
        world.case_id,
        world.agency_id,
        "見守り",
        "U0C",
        meeting_id=world.meeting_id,
        assignee_user_id="U0MEMBER",
        created_at=AT,
    )
    item = _item(world, world.case_id, THREAD)
    item = replace(item, monitoring_on=date(2027, 1, 19))
    with uows() as uow:
        uow.roles.add(role)
        uow.agenda.add(item)
        uow.commit()
    with uows() as uow:
        assert uow.roles.get(role.id) == role
        assert uow.agenda.by_id(item.id) == item


def test_removed_and_deleted_rows_are_gone(uows: UowFactory) -> None:
    world = seed(uows)
    item, reply = _item(world, world.case_id, THREAD), _input(world, "C0MEETING:1.0")
    with uows() as uow:
        uow.agenda.add(item)
        uow.inputs.add(reply)
        uow.commit()
    with uows() as uow:
        uow.agenda.remove(item.id)
        uow.inputs.delete(reply.id)
        uow.commit()
    with uows() as uow:
        assert uow.agenda.by_thread(THREAD) is None
        assert uow.inputs.for_meeting(world.meeting_id) == []
        uow.agenda.add(replace(item, id="1" * 32))  # the thread is free again
        uow.commit()


# --------------------------------------------------------------------------- order


def _ids(*letters: str) -> list[str]:
    return [letter * 32 for letter in letters]


def test_agencies_channels_and_coordinators_order(uows: UowFactory) -> None:
    later = AT + timedelta(hours=1)
    with uows() as uow:
        for key in ("shogai", "csw", "houkatsu"):
            uow.agencies.add(agency(key))
        for channel_id, at in (("C0B", AT), ("C0C", later), ("C0A", AT)):
            uow.channels.add(MeetingChannel(channel_id, "U0C", at))
        for user_id, at in (("U0B", AT), ("U0C", later), ("U0A", AT), ("U0GONE", AT)):
            uow.coordinators.add(Coordinator(user_id, "system", at))
        gone = uow.coordinators.get("U0GONE")
        assert gone is not None
        gone.removed_at = later
        uow.coordinators.save(gone)
        uow.commit()
    with uows() as uow:
        assert [a.key for a in uow.agencies.list()] == ["csw", "houkatsu", "shogai"]
        assert [c.channel_id for c in uow.channels.list()] == ["C0A", "C0B", "C0C"]
        assert [c.user_id for c in uow.coordinators.list()] == ["U0A", "U0B", "U0C"]
        every = [c.user_id for c in uow.coordinators.list(active_only=False)]
        assert every == ["U0A", "U0B", "U0GONE", "U0C"]


def test_memberships_order(uows: UowFactory) -> None:
    world = seed(uows)
    later = AT + timedelta(minutes=5)
    with uows() as uow:
        for user_id, at in (("U0C", AT), ("U0B", later), ("U0A", AT)):
            uow.memberships.add(AgencyMembership(world.agency_id, user_id, "U0X", at))
        uow.memberships.add(AgencyMembership(world.other_agency_id, "U0A", "U0X", later))
        removed = AgencyMembership(world.agency_id, "U0R", "U0X", AT)
        removed.remove(by="U0X", at=later)
        uow.memberships.add(removed)
        uow.commit()
    with uows() as uow:
        active = [m.user_id for m in uow.memberships.for_agency(world.agency_id)]
        assert active == ["U0A", "U0C", "U0B"]
        every = uow.memberships.for_agency(world.agency_id, active_only=False)
        assert [m.user_id for m in every] == ["U0A", "U0C", "U0R", "U0B"]
        assert [m.agency_id for m in uow.memberships.for_user("U0A")] == [
            world.agency_id,
            world.other_agency_id,
        ]
        assert uow.memberships.for_user("U0R") == []
        assert len(uow.memberships.for_user("U0R", active_only=False)) == 1


def test_series_order(uows: UowFactory) -> None:
    b, a, c = (replace(series(), id=i) for i in _ids("b", "a", "c"))
    c.created_at = AT + timedelta(days=1)
    b.active = False
    with uows() as uow:
        for made in (b, a, c):
            uow.series.add(made)
        uow.series.add(replace(series("C0OTHER"), id="d" * 32))
        uow.commit()
    with uows() as uow:
        assert [s.id[0] for s in uow.series.for_channel("C0MEETING")] == ["a", "c"]
        every = uow.series.for_channel("C0MEETING", active_only=False)
        assert [s.id[0] for s in every] == ["a", "b", "c"]


def test_meetings_order(uows: UowFactory) -> None:
    the_series = series()
    rows = [
        meeting(date(2026, 12, 8), start_time=time(14)),
        meeting(date(2026, 11, 10), start_time=time(10)),
        meeting(date(2026, 11, 24), start_time=time(9), state=MeetingState.CANCELLED),
        meeting(date(2026, 11, 17), series_id=the_series.id),
        meeting(date(2026, 11, 3)),  # before from_day
        meeting(date(2026, 11, 12), channel_id="C0OTHER"),
    ]
    final_late = AT + timedelta(days=3)
    rows[0].minutes_final_at, rows[0].minutes_sha256 = AT, "a" * 64
    rows[1].minutes_final_at, rows[1].minutes_sha256 = final_late, "b" * 64
    rows[4].minutes_final_at, rows[4].minutes_sha256 = AT, "c" * 64
    with uows() as uow:
        uow.series.add(the_series)
        for row in rows:
            uow.meetings.add(row)
        uow.commit()
    with uows() as uow:
        upcoming = [m.date for m in uow.meetings.upcoming("C0MEETING", date(2026, 11, 10))]
        assert upcoming == [date(2026, 11, 10), date(2026, 11, 17), date(2026, 12, 8)]
        final = uow.meetings.finalised_before(AT + timedelta(days=10))
        first_two = sorted([rows[0].id, rows[4].id])
        assert [m.id for m in final] == [*first_two, rows[1].id]
        assert uow.meetings.finalised_before(AT) == []
        on_day = uow.meetings.on_date("C0MEETING", date(2026, 11, 24))
        assert on_day is not None and on_day.state is MeetingState.CANCELLED


def test_cases_order(uows: UowFactory) -> None:
    with uows() as uow:
        for code in (CaseCode(2026, 3), CaseCode(2025, 9), CaseCode(2026, 1), CaseCode(2026, 12)):
            uow.cases.add(case(code))
        uow.commit()
    with uows() as uow:
        assert [str(c.code) for c in uow.cases.list()] == ["R7-009", "R8-001", "R8-003", "R8-012"]
        assert [str(c.code) for c in uow.cases.list(fiscal_year=2026)] == [
            "R8-001",
            "R8-003",
            "R8-012",
        ]
        found = uow.cases.by_code(CaseCode(2025, 9))
        assert found is not None and str(found.code) == "R7-009"


def test_agenda_order(uows: UowFactory) -> None:
    world = seed(uows)
    later = AT + timedelta(minutes=1)
    with uows() as uow:
        cases = [world.case_id, *(_other_case(uow, seq) for seq in (2, 3, 4))]
        items = [
            _item(world, cases[0], position=2, added_at=AT, id="b" * 32),
            _item(world, cases[1], position=1, added_at=later, id="a" * 32),
            _item(world, cases[2], position=2, added_at=AT, id="a" * 31 + "c"),
            _item(world, cases[3], position=1, added_at=AT, id="d" * 32),
        ]
        for item in items:
            uow.agenda.add(item)
        other_meeting = meeting(date(2026, 12, 8))
        uow.meetings.add(other_meeting)
        uow.agenda.add(
            AgendaItem(other_meeting.id, cases[0], "U0C", position=1, added_at=AT - timedelta(1))
        )
        uow.commit()
    with uows() as uow:
        order = [i.id for i in uow.agenda.for_meeting(world.meeting_id)]
        assert order == [items[3].id, items[1].id, items[2].id, items[0].id]
        for_case = uow.agenda.for_case(cases[0])
        assert [i.meeting_id for i in for_case] == [other_meeting.id, world.meeting_id]
        found = uow.agenda.get(world.meeting_id, cases[1])
        assert found is not None and found.id == items[1].id


def test_inputs_acknowledgements_roles_and_decisions_order(uows: UowFactory) -> None:
    world = seed(uows)
    later = AT + timedelta(minutes=1)
    with uows() as uow:
        other = _other_case(uow)
        inputs = [
            _input(world, "r1", created_at=later, id="a" * 32),
            _input(world, "r2", created_at=AT, id="c" * 32),
            _input(world, "r3", created_at=AT, id="b" * 32, case_id=other),
        ]
        for made in inputs:
            uow.inputs.add(made)
        acks = [
            ConfidentialityAcknowledgement(world.meeting_id, "U0B", "2026.1", AT),
            ConfidentialityAcknowledgement(world.meeting_id, "U0A", "2026.2", later),
            ConfidentialityAcknowledgement(world.meeting_id, "U0A", "2026.1", later),
            ConfidentialityAcknowledgement(world.meeting_id, "U0C", "2026.1", AT),
        ]
        for ack in acks:
            uow.acknowledgements.add(ack)
        roles = [
            replace(_role(world, "b" * 32), created_at=AT),
            replace(_role(world, "a" * 32), created_at=later, meeting_id=world.meeting_id),
            replace(_role(world, "c" * 32), created_at=AT, agency_id=world.other_agency_id),
        ]
        for role in roles:
            uow.roles.add(role)
        uow.decisions.put(Decision(world.meeting_id, world.case_id, "U0C", decided_at=later))
        uow.decisions.put(Decision(world.meeting_id, other, "U0C", decided_at=AT))
        uow.commit()
    with uows() as uow:
        assert [i.source_ref for i in uow.inputs.for_meeting(world.meeting_id)] == [
            "r3",
            "r2",
            "r1",
        ]
        assert [i.source_ref for i in uow.inputs.for_case(world.meeting_id, world.case_id)] == [
            "r2",
            "r1",
        ]
        assert [
            (a.user_id, a.notice_version)
            for a in uow.acknowledgements.for_meeting(world.meeting_id)
        ] == [("U0B", "2026.1"), ("U0C", "2026.1"), ("U0A", "2026.1"), ("U0A", "2026.2")]
        assert [r.id[0] for r in uow.roles.for_case(world.case_id)] == ["b", "c", "a"]
        assert [r.id[0] for r in uow.roles.for_meeting(world.meeting_id)] == ["a"]
        assert [r.id[0] for r in uow.roles.for_agency(world.agency_id)] == ["b", "a"]
        assert [d.case_id for d in uow.decisions.for_meeting(world.meeting_id)] == [
            other,
            world.case_id,
        ]


def test_the_audit_trail_keeps_insertion_order_and_filters(uows: UowFactory) -> None:
    day = timedelta(days=1)
    events = [
        AuditEvent("U0C", AuditAction.CASE_CREATED, "case", "R8-100", at=AT + day),  # late `at`
        AuditEvent("U0M", AuditAction.INPUT_RECORDED, "input", "i1", detail="case=R8-100", at=AT),
        AuditEvent(
            "U0M", AuditAction.INPUT_RECORDED, "input", "i2", detail="case=R8-100;form", at=AT
        ),
        AuditEvent(
            "U0M", AuditAction.INPUT_FLAGGED, "input", "i2", detail="x=1;case=R8-100;k=p", at=AT
        ),
        AuditEvent(
            "U0M", AuditAction.INPUT_FLAGGED, "input", "i2", detail="x=1;case=R8-100", at=AT
        ),
        AuditEvent("U0M", AuditAction.INPUT_RECORDED, "input", "i3", detail="case=R8-1000", at=AT),
        AuditEvent("U0C", AuditAction.MEETING_CREATED, "meeting", "m1", at=AT + 2 * day),
    ]
    with uows() as uow:
        for made in events:
            uow.audit.append(made)
        uow.commit()
    with uows() as uow:
        assert uow.audit.list() == events  # appended order, not `at` order; every field
        assert uow.audit.list(case_code="R8-100") == events[:5]
        assert uow.audit.list(case_code="R8-1000") == [events[5]]
        assert uow.audit.list(target_id="i2") == events[2:5]
        assert uow.audit.list(actor="U0C") == [events[0], events[6]]
        assert uow.audit.list(since=AT + day) == [events[0], events[6]]
        assert uow.audit.list(until=AT + day) == events[1:6]
        assert uow.audit.list(since=AT + day, until=AT + 2 * day) == [events[0]]
        assert uow.audit.list(limit=2) == events[5:]
        assert uow.audit.list(case_code="R8-100", limit=2) == events[3:5]
        assert uow.audit.list(limit=100) == events
        assert uow.audit.list(target_id="nothing") == []
        assert not hasattr(uow.audit, "update") and not hasattr(uow.audit, "delete")
        at_utc = uow.audit.list()[0].at
        assert at_utc == AT + day and at_utc.utcoffset() == timedelta(0)


def test_events_with_the_same_instant_keep_their_order(uows: UowFactory) -> None:
    events = [
        AuditEvent("U0C", AuditAction.AGENDA_ADDED, "case", f"R8-00{n}", id=i, at=AT)
        for n, i in enumerate(_ids("c", "a", "b"), start=1)
    ]
    with uows() as uow:
        for made in events:
            uow.audit.append(made)
        uow.commit()
    with uows() as uow:
        assert [e.target_id for e in uow.audit.list()] == ["R8-001", "R8-002", "R8-003"]


def test_series_check_constraints(uows: UowFactory) -> None:
    made = series()
    with uows() as uow:
        uow.series.add(made)
        uow.commit()
    broken = MeetingSeries(
        "C0MEETING", MeetingKind.SUPPORT, 2, 1, time(14), HolidayPolicy.NEXT, "U0C", id=made.id
    )
    broken.weekday = 9
    with uows() as uow, pytest.raises(INTEGRITY_ERRORS):
        uow.series.save(broken)
        uow.commit()


def test_naive_cutoffs_and_bounds_are_refused(uows: UowFactory) -> None:
    naive = datetime(2026, 11, 10, 12, 0)
    with uows() as uow:
        with pytest.raises(Exception, match="naive"):
            uow.meetings.finalised_before(naive)
        uow.rollback()
        with pytest.raises(Exception, match="naive"):
            uow.audit.list(since=naive)


def test_people_put_inserts_then_replaces(uows: UowFactory) -> None:
    first = Person("U0HOUKATSU", "包括 架空一郎", updated_at=AT)
    with uows() as uow:
        assert uow.people.get(first.user_id) is None
        uow.people.put(first)
        uow.people.put(replace(first, display_name="包括 架空一郎（改姓）"))
        uow.commit()
    with uows() as uow:
        found = uow.people.get(first.user_id)
    assert found == replace(first, display_name="包括 架空一郎（改姓）")
    assert found is not None and found.updated_at.tzinfo is UTC
