"""Every entity survives a write and a read with all its fields, on both databases."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, time, timedelta

import pytest
from storage_builders import AT, JST, agency, case, meeting, multilayer_case, seed, series

from bot.domain.calendar import HolidayPolicy
from bot.domain.errors import NotFound
from bot.domain.model import (
    AgencyInput,
    AgencyMembership,
    AgendaItem,
    CaseCode,
    CaseStatus,
    ConfidentialityAcknowledgement,
    Coordinator,
    Decision,
    InputSource,
    InputState,
    MeetingChannel,
    MeetingKind,
    MeetingState,
    Occasion,
    Outcome,
    RoleAssignment,
)
from storage import Database
from storage.orm import AgencyRow


def test_agency_round_trip_and_save(database: Database) -> None:
    original = agency()
    with database.unit_of_work() as uow:
        uow.agencies.add(original)
        uow.commit()
    with database.unit_of_work() as uow:
        loaded = uow.agencies.get(original.id)
        assert loaded == original
        assert loaded is not original
        assert uow.agencies.by_key("houkatsu") == original
        assert uow.agencies.by_key("nobody") is None
        assert uow.agencies.get("missing") is None
        loaded.name = "北部地域包括支援センター"
        uow.agencies.save(loaded)
        uow.commit()
    with database.unit_of_work() as uow:
        assert [a.name for a in uow.agencies.list()] == ["北部地域包括支援センター"]


def test_loaded_datetimes_are_aware_utc_and_equal(database: Database) -> None:
    original = agency()
    with database.unit_of_work() as uow:
        uow.agencies.add(original)
        uow.commit()
    with database.unit_of_work() as uow:
        loaded = uow.agencies.get(original.id)
    assert loaded is not None
    assert loaded.created_at == AT  # the same instant, to the microsecond
    assert loaded.created_at.tzinfo is not None
    assert loaded.created_at.utcoffset() == UTC.utcoffset(None)
    assert AT.tzinfo is JST


def test_naive_datetimes_are_refused(database: Database) -> None:
    naive = replace(agency(), created_at=AT.replace(tzinfo=None))
    with database.unit_of_work() as uow, pytest.raises(Exception, match="naive"):
        uow.agencies.add(naive)


def test_domain_objects_are_not_instrumented(database: Database) -> None:
    original = agency()
    with database.unit_of_work() as uow:
        uow.agencies.add(original)
        uow.commit()
        loaded = uow.agencies.get(original.id)
    assert type(loaded).__module__ == "bot.domain.model"
    assert not hasattr(loaded, "_sa_instance_state")
    assert not hasattr(original, "_sa_instance_state")
    assert not isinstance(loaded, AgencyRow)


def test_membership_round_trip_remove_and_restore(database: Database) -> None:
    world = seed(database)
    member = AgencyMembership(world.agency_id, "U0MEMBER", added_by="U0COORD", added_at=AT)
    other = AgencyMembership(world.other_agency_id, "U0MEMBER", added_by="U0COORD", added_at=AT)
    with database.unit_of_work() as uow:
        uow.memberships.add(member)
        uow.memberships.add(other)
        uow.commit()
    with database.unit_of_work() as uow:
        assert uow.memberships.get(world.agency_id, "U0MEMBER") == member
        assert uow.memberships.get(world.agency_id, "U0OTHER") is None
        assert uow.memberships.for_agency(world.agency_id) == [member]
        assert len(uow.memberships.for_user("U0MEMBER")) == 2
        member.remove(by="U0COORD", at=AT)
        uow.memberships.save(member)
        uow.commit()
    with database.unit_of_work() as uow:
        loaded = uow.memberships.get(world.agency_id, "U0MEMBER")
        assert loaded == member
        assert loaded is not None and not loaded.active and loaded.removed_by == "U0COORD"
        assert uow.memberships.for_agency(world.agency_id) == []
        assert uow.memberships.for_agency(world.agency_id, active_only=False) == [member]
        assert uow.memberships.for_user("U0MEMBER") == [other]
        assert len(uow.memberships.for_user("U0MEMBER", active_only=False)) == 2
        loaded.restore(by="U0COORD2", at=AT)
        uow.memberships.save(loaded)
        uow.commit()
    with database.unit_of_work() as uow:
        restored = uow.memberships.get(world.agency_id, "U0MEMBER")
        assert restored is not None and restored.active and restored.added_by == "U0COORD2"


def test_coordinator_round_trip(database: Database) -> None:
    first = Coordinator("U0COORD", added_by="U0ADMIN", added_at=AT)
    second = Coordinator("U0COORD2", added_by="U0ADMIN", added_at=AT, removed_at=AT)
    with database.unit_of_work() as uow:
        uow.coordinators.add(first)
        uow.coordinators.add(second)
        uow.commit()
    with database.unit_of_work() as uow:
        assert uow.coordinators.get("U0COORD2") == second
        assert uow.coordinators.list() == [first]
        assert uow.coordinators.list(active_only=False) == [first, second]
        first.removed_at = AT
        uow.coordinators.save(first)
        uow.commit()
    with database.unit_of_work() as uow:
        assert uow.coordinators.list() == []


def test_meeting_channel_round_trip(database: Database) -> None:
    first = MeetingChannel("C0MEETING", created_by="U0COORD", created_at=AT)
    second = MeetingChannel("C0SECOND", created_by="U0COORD", created_at=AT + timedelta(days=1))
    with database.unit_of_work() as uow:
        uow.channels.add(second)
        uow.channels.add(first)
        uow.commit()
    with database.unit_of_work() as uow:
        assert uow.channels.get("C0MEETING") == first
        assert uow.channels.get("C0NONE") is None
        assert uow.channels.list() == [first, second]


def test_series_and_meeting_round_trip(database: Database) -> None:
    regular = series()
    held = meeting(
        date(2026, 11, 10),
        series_id=regular.id,
        kind=MeetingKind.MULTILAYER,
        state=MeetingState.HELD,
        start_time=time(14, 0, 30),
        notice_ref="C0MEETING:1731200000.000050",
        minutes_final_at=AT,
        minutes_sha256="ab" * 32,
    )
    cancelled = meeting(date(2026, 12, 8), state=MeetingState.CANCELLED)
    adhoc = meeting(date(2026, 12, 1), place="オンライン")
    elsewhere = meeting(date(2026, 12, 1), channel_id="C0OTHER")
    with database.unit_of_work() as uow:
        uow.series.add(regular)
        for item in (held, cancelled, adhoc, elsewhere):
            uow.meetings.add(item)
        uow.commit()
    with database.unit_of_work() as uow:
        assert uow.series.get(regular.id) == regular
        assert uow.series.for_channel("C0MEETING") == [regular]
        loaded = uow.meetings.get(held.id)
        assert loaded == held
        assert loaded is not None and loaded.start_time == time(14, 0, 30)
        assert not loaded.adhoc and loaded.minutes_final
        assert uow.meetings.on_date("C0MEETING", date(2026, 12, 1)) == adhoc
        assert uow.meetings.on_date("C0MEETING", date(2026, 12, 2)) is None
        upcoming = uow.meetings.upcoming("C0MEETING", date(2026, 11, 10))
        assert upcoming == [held, adhoc]  # earliest first, the cancelled one left out
        assert uow.meetings.upcoming("C0MEETING", date(2026, 11, 11)) == [adhoc]

        regular.active = False
        regular.holiday_policy = HolidayPolicy.SKIP
        uow.series.save(regular)
        adhoc.cancel()
        adhoc.date = date(2026, 12, 2)
        uow.meetings.save(adhoc)
        uow.commit()
    with database.unit_of_work() as uow:
        assert uow.series.for_channel("C0MEETING") == []
        assert uow.series.for_channel("C0MEETING", active_only=False) == [regular]
        assert uow.meetings.get(adhoc.id) == adhoc
        assert uow.meetings.on_date("C0MEETING", date(2026, 12, 1)) is None


def test_case_round_trip_with_consent_and_asked_order(database: Database) -> None:
    agencies = [agency(key) for key in ("zeta", "alpha", "mid", "beta")]
    ids = [a.id for a in agencies]
    original = multilayer_case(CaseCode(2026, 7), [ids[2], ids[0], ids[3]])
    with database.unit_of_work() as uow:
        for item in agencies:
            uow.agencies.add(item)
        uow.cases.add(original)
        uow.commit()
    with database.unit_of_work() as uow:
        loaded = uow.cases.get(original.id)
        assert loaded == original
        assert loaded is not None
        assert loaded.asked_agency_ids == [ids[2], ids[0], ids[3]]  # the order asked in
        assert loaded.consent is not None and loaded.consent.recorded_at == AT
        assert loaded.has_consent and loaded.urgent
        assert uow.cases.by_code(CaseCode(2026, 7)) == original
        assert uow.cases.by_code(CaseCode(2026, 8)) is None

        # Reorder, drop one, add one; withdraw consent (it may then go to 支援会議 only).
        loaded.asked_agency_ids = [ids[3], ids[1], ids[2]]
        loaded.withdraw_consent(on=date(2026, 12, 1), by="U0COORD")
        loaded.status = CaseStatus.SUSPENDED
        uow.cases.save(loaded)
        uow.commit()
    with database.unit_of_work() as uow:
        again = uow.cases.get(original.id)
        assert again == loaded
        assert again is not None
        assert again.asked_agency_ids == [ids[3], ids[1], ids[2]]
        assert again.consent is not None and not again.consent.active
        assert again.consent.withdrawn_on == date(2026, 12, 1)
        assert again.consent.withdrawn_by == "U0COORD" and not again.has_consent
        assert again.status is CaseStatus.SUSPENDED


def test_case_list_by_fiscal_year(database: Database) -> None:
    with database.unit_of_work() as uow:
        for code in (CaseCode(2026, 2), CaseCode(2025, 9), CaseCode(2026, 1)):
            uow.cases.add(case(code))
        uow.commit()
    with database.unit_of_work() as uow:
        assert [str(c.code) for c in uow.cases.list()] == ["R7-009", "R8-001", "R8-002"]
        assert [str(c.code) for c in uow.cases.list(fiscal_year=2026)] == ["R8-001", "R8-002"]
        assert uow.cases.list(fiscal_year=2024) == []


def test_agenda_round_trip(database: Database) -> None:
    world = seed(database)
    second_case = case(CaseCode(2026, 2))
    first = AgendaItem(
        world.meeting_id,
        world.case_id,
        added_by="U0COORD",
        position=2,
        occasion=Occasion.REPLAN,
        purpose="支援方針の見直し",
        thread_ref="1731200000.000100",
        added_at=AT,
    )
    second = AgendaItem(world.meeting_id, second_case.id, added_by="U0COORD", position=1)
    with database.unit_of_work() as uow:
        uow.cases.add(second_case)
        uow.agenda.add(first)
        uow.agenda.add(second)
        uow.commit()
    with database.unit_of_work() as uow:
        assert uow.agenda.get(world.meeting_id, world.case_id) == first
        assert uow.agenda.get(world.meeting_id, "missing") is None
        assert uow.agenda.by_id(second.id) == second
        assert uow.agenda.by_id("missing") is None
        assert uow.agenda.by_thread("1731200000.000100") == first
        assert uow.agenda.by_thread("1731200000.000999") is None
        assert uow.agenda.for_meeting(world.meeting_id) == [second, first]
        assert uow.agenda.for_case(world.case_id) == [first]
        first.position = 0
        first.thread_ref = "1731200000.000200"
        uow.agenda.save(first)
        uow.commit()
    with database.unit_of_work() as uow:
        assert uow.agenda.for_meeting(world.meeting_id) == [first, second]
        assert uow.agenda.by_thread("1731200000.000200") == first


def test_agency_input_round_trip(database: Database) -> None:
    world = seed(database)
    earlier = AgencyInput(
        world.meeting_id,
        world.case_id,
        world.agency_id,
        author_user_id="U0MEMBER",
        text="10月に訪問。室内の衛生状態が悪化。",
        source=InputSource.THREAD,
        source_ref="C0MEETING:1731200000.000300",
        state=InputState.HELD,
        created_at=AT,
    )
    later = AgencyInput(
        world.meeting_id,
        world.case_id,
        world.other_agency_id,
        author_user_id="U0OTHER",
        text="見守り訪問を継続中。",
        source=InputSource.FORM,
        source_ref="V0SUBMISSION",
        created_at=AT.replace(minute=45),
    )
    with database.unit_of_work() as uow:
        uow.inputs.add(later)
        uow.inputs.add(earlier)
        uow.commit()
    with database.unit_of_work() as uow:
        assert uow.inputs.by_source("thread", "C0MEETING:1731200000.000300") == earlier
        assert uow.inputs.by_source(InputSource.FORM, "V0SUBMISSION") == later
        assert uow.inputs.by_source("form", "C0MEETING:1731200000.000300") is None
        assert uow.inputs.for_meeting(world.meeting_id) == [earlier, later]  # oldest first
        assert uow.inputs.for_case(world.meeting_id, world.case_id) == [earlier, later]
        assert uow.inputs.for_case(world.meeting_id, "missing") == []
        earlier.release(at=AT)
        earlier.edit("10月に訪問。室内の衛生状態が改善。", at=AT)
        uow.inputs.save(earlier)
        uow.commit()
    with database.unit_of_work() as uow:
        loaded = uow.inputs.by_source("thread", "C0MEETING:1731200000.000300")
        assert loaded == earlier
        assert loaded is not None and loaded.counts and loaded.updated_at == AT


def test_acknowledgement_round_trip(database: Database) -> None:
    world = seed(database)
    ack = ConfidentialityAcknowledgement(
        world.meeting_id, "U0MEMBER", "2026.1", acknowledged_at=AT, via="button"
    )
    newer = ConfidentialityAcknowledgement(
        world.meeting_id, "U0MEMBER", "2026.2", acknowledged_at=AT.replace(hour=16)
    )
    with database.unit_of_work() as uow:
        uow.acknowledgements.add(newer)
        uow.acknowledgements.add(ack)
        uow.commit()
    with database.unit_of_work() as uow:
        assert uow.acknowledgements.get(world.meeting_id, "U0MEMBER", "2026.1") == ack
        assert uow.acknowledgements.get(world.meeting_id, "U0MEMBER", "2027.1") is None
        assert uow.acknowledgements.for_meeting(world.meeting_id) == [ack, newer]


def test_role_assignment_round_trip(database: Database) -> None:
    world = seed(database)
    lead = RoleAssignment(
        world.case_id,
        world.agency_id,
        task="月1回の訪問と状況確認",
        created_by="U0COORD",
        meeting_id=world.meeting_id,
        assignee="山田",
        due_on=date(2026, 12, 25),
        lead=True,
        created_at=AT,
    )
    other = RoleAssignment(
        world.case_id, world.other_agency_id, task="家計相談", created_by="U0COORD"
    )
    with database.unit_of_work() as uow:
        uow.roles.add(lead)
        uow.roles.add(other)
        uow.commit()
    with database.unit_of_work() as uow:
        assert uow.roles.get(lead.id) == lead
        assert uow.roles.for_case(world.case_id) == [lead, other]
        assert uow.roles.for_meeting(world.meeting_id) == [lead]
        assert uow.roles.for_agency(world.other_agency_id) == [other]
        other.lead, lead.lead = True, False
        uow.roles.save(other)
        uow.roles.save(lead)
        uow.commit()
    with database.unit_of_work() as uow:
        assert [r.lead for r in uow.roles.for_case(world.case_id)] == [False, True]


def test_decision_put_inserts_then_replaces(database: Database) -> None:
    world = seed(database)
    decision = Decision(
        world.meeting_id,
        world.case_id,
        decided_by="U0COORD",
        support_policy="見守りを継続し、介護保険申請を支援する。",
        next_monitoring_on=date(2026, 12, 22),
        outcome=Outcome.TO_MULTILAYER,
        notes="次回、重層的支援会議で検討。",
        decided_at=AT,
    )
    with database.unit_of_work() as uow:
        uow.decisions.put(decision)
        uow.commit()
    with database.unit_of_work() as uow:
        assert uow.decisions.get(world.meeting_id, world.case_id) == decision
        resubmitted = replace(decision, outcome=Outcome.CLOSE, next_monitoring_on=None)
        uow.decisions.put(resubmitted)
        uow.commit()
    with database.unit_of_work() as uow:
        assert uow.decisions.for_meeting(world.meeting_id) == [resubmitted]
        assert uow.decisions.get(world.meeting_id, "missing") is None


def test_save_of_an_unknown_object_is_not_found(database: Database) -> None:
    with database.unit_of_work() as uow:
        with pytest.raises(NotFound):
            uow.agencies.save(agency())
        with pytest.raises(NotFound):
            uow.cases.save(case())
        # The unit of work is still usable.
        uow.agencies.add(agency())
        uow.commit()
    with database.unit_of_work() as uow:
        assert len(uow.agencies.list()) == 1
