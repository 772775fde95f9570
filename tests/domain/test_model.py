"""The rules that live on the domain entities: consent gate, agenda, roles, inputs."""

from __future__ import annotations

from datetime import date, time

import pytest

from bot.domain.calendar import HolidayPolicy
from bot.domain.errors import ConsentRequired, DomainError, InvalidValue
from bot.domain.model import (
    Agency,
    AgencyInput,
    AgencyMembership,
    AgendaItem,
    Case,
    CaseCode,
    CaseStatus,
    Decision,
    InputSource,
    InputState,
    Meeting,
    MeetingKind,
    MeetingSeries,
    MeetingState,
    Occasion,
    Outcome,
    RoleAssignment,
    designate_lead,
    validate_agency_key,
)

COORDINATOR = "U0COORD"


def _meeting(kind: MeetingKind = MeetingKind.SUPPORT) -> Meeting:
    return Meeting(
        channel_id="C0KAIGI",
        kind=kind,
        date=date(2026, 12, 8),
        start_time=time(14, 0),
        created_by=COORDINATOR,
    )


def _case(*, consent: date | None = None) -> Case:
    case = Case(code=CaseCode(2026, 1), created_by=COORDINATOR)
    if consent is not None:
        case.record_consent(consent, by=COORDINATOR)
    return case


def test_case_code_renders_and_parses_per_fiscal_year() -> None:
    assert str(CaseCode(2026, 1)) == "R8-001"
    assert CaseCode.parse("R8-012") == CaseCode(2026, 12)
    assert CaseCode(2026, 2) > CaseCode(2026, 1) > CaseCode(2025, 99)


def test_case_code_sequence_must_be_positive() -> None:
    with pytest.raises(InvalidValue):
        CaseCode(2026, 0)


def test_a_case_belongs_to_no_meeting_kind_the_meeting_decides() -> None:
    """The same case may be discussed at a 支援会議 without consent and, once consent is
    recorded, at a 重層的支援会議: nothing on the case ties it to one kind."""
    case = _case()
    assert not hasattr(case, "kind")
    AgendaItem.place(_meeting(), case, added_by=COORDINATOR, position=1)
    with pytest.raises(ConsentRequired) as raised:
        AgendaItem.place(_meeting(MeetingKind.MULTILAYER), case, added_by=COORDINATOR, position=1)
    assert "R8-001" in raised.value.message and "同意" in raised.value.message
    case.record_consent(date(2026, 11, 20), by=COORDINATOR)
    AgendaItem.place(_meeting(MeetingKind.MULTILAYER), case, added_by=COORDINATOR, position=1)


def test_asking_the_same_agency_twice_is_one_request() -> None:
    case = Case(
        code=CaseCode(2026, 1),
        created_by=COORDINATOR,
        asked_agency_ids=["houkatsu", "csw", "houkatsu"],
    )
    case.ask("csw")
    case.ask("konkyu")
    assert case.asked_agency_ids == ["houkatsu", "csw", "konkyu"]


def test_consent_gate_on_the_agenda() -> None:
    without_consent = _case()
    with pytest.raises(ConsentRequired):
        AgendaItem.place(
            _meeting(MeetingKind.MULTILAYER), without_consent, added_by=COORDINATOR, position=1
        )
    # The same case may go to a 支援会議, where the law needs no consent.
    item = AgendaItem.place(_meeting(), without_consent, added_by=COORDINATOR, position=1)
    assert item.occasion is None


def test_multilayer_agenda_defaults_to_plan_occasion() -> None:
    case = _case(consent=date(2026, 11, 20))
    item = AgendaItem.place(
        _meeting(MeetingKind.MULTILAYER), case, added_by=COORDINATOR, position=2
    )
    assert item.occasion is Occasion.PLAN
    assert item.occasion.label == "プラン策定時"
    assert item.monitoring_on is None


def test_a_monitoring_case_comes_to_a_multilayer_meeting_as_a_re_plan() -> None:
    case = _case(consent=date(2026, 11, 20))
    item = AgendaItem.place(
        _meeting(MeetingKind.MULTILAYER),
        case,
        added_by=COORDINATOR,
        position=1,
        monitoring_on=date(2026, 12, 1),
    )
    assert item.occasion is Occasion.REPLAN and item.monitoring_on == date(2026, 12, 1)
    chosen = AgendaItem.place(
        _meeting(MeetingKind.MULTILAYER),
        case,
        added_by=COORDINATOR,
        position=1,
        occasion=Occasion.CLOSURE,
        monitoring_on=date(2026, 12, 1),
    )
    assert chosen.occasion is Occasion.CLOSURE
    at_support = AgendaItem.place(
        _meeting(), case, added_by=COORDINATOR, position=1, monitoring_on=date(2026, 12, 1)
    )
    assert at_support.occasion is None and at_support.monitoring_on == date(2026, 12, 1)


def test_occasion_only_for_multilayer_meetings() -> None:
    with pytest.raises(InvalidValue):
        AgendaItem.place(
            _meeting(), _case(), added_by=COORDINATOR, position=1, occasion=Occasion.CLOSURE
        )


def test_withdrawn_consent_takes_the_case_off_multilayer_agendas() -> None:
    case = _case(consent=date(2026, 11, 20))
    case.withdraw_consent(date(2026, 11, 25), by=COORDINATOR)
    assert not case.has_consent
    assert case.consent is not None and case.consent.withdrawn_on == date(2026, 11, 25)
    with pytest.raises(ConsentRequired):
        AgendaItem.place(_meeting(MeetingKind.MULTILAYER), case, added_by=COORDINATOR, position=1)
    AgendaItem.place(_meeting(), case, added_by=COORDINATOR, position=1)


def test_withdrawing_absent_consent_is_refused() -> None:
    with pytest.raises(DomainError):
        _case().withdraw_consent(date(2026, 11, 25), by=COORDINATOR)


def test_closed_case_is_not_put_on_an_agenda() -> None:
    case = _case()
    Decision(
        meeting_id="m", case_id=case.id, decided_by=COORDINATOR, outcome=Outcome.CLOSE
    ).apply_to(case)
    assert case.status is CaseStatus.CLOSED
    with pytest.raises(DomainError):
        AgendaItem.place(_meeting(), case, added_by=COORDINATOR, position=1)


def test_move_to_multilayer_needs_consent() -> None:
    case = _case()
    decision = Decision(
        meeting_id="m", case_id=case.id, decided_by=COORDINATOR, outcome=Outcome.TO_MULTILAYER
    )
    with pytest.raises(ConsentRequired):
        decision.apply_to(case)
    case.record_consent(date(2026, 12, 1), by=COORDINATOR)
    decision.apply_to(case)
    assert case.status is CaseStatus.OPEN
    AgendaItem.place(_meeting(MeetingKind.MULTILAYER), case, added_by=COORDINATOR, position=1)


def test_monitoring_date_must_follow_the_meeting() -> None:
    meeting = _meeting()
    decision = Decision(
        meeting_id=meeting.id,
        case_id="c",
        decided_by=COORDINATOR,
        next_monitoring_on=date(2026, 12, 8),
    )
    with pytest.raises(InvalidValue) as raised:
        decision.check_against(meeting)
    assert "2027-01-19" in raised.value.message  # the example offered is six weeks later
    decision.next_monitoring_on = date(2027, 1, 19)
    decision.check_against(meeting)


def test_one_lead_agency_per_case() -> None:
    a = RoleAssignment(
        case_id="c1",
        agency_id="houkatsu",
        task="母の介護保険サービス導入",
        created_by=COORDINATOR,
        lead=True,
    )
    b = RoleAssignment(
        case_id="c1", agency_id="csw", task="長男への手紙による働きかけ", created_by=COORDINATOR
    )
    other_case = RoleAssignment(
        case_id="c2", agency_id="gakko", task="面談", created_by=COORDINATOR, lead=True
    )
    designate_lead([a, b, other_case], b)
    assert (a.lead, b.lead, other_case.lead) == (False, True, True)


def test_role_needs_a_task() -> None:
    with pytest.raises(InvalidValue):
        RoleAssignment(case_id="c", agency_id="a", task="   ", created_by=COORDINATOR)


def test_input_held_until_confirmation_then_counts() -> None:
    held = AgencyInput(
        meeting_id="m",
        case_id="c",
        agency_id="a",
        author_user_id="U0MEMBER",
        text="長男は訪問に応じない。",
        source=InputSource.THREAD,
        source_ref="C0KAIGI:1700000000.000100",
        state=InputState.HELD,
    )
    assert not held.counts
    held.release()
    assert held.counts and held.updated_at is not None
    held.withdraw()
    held.edit("書き換え")
    assert held.state is InputState.WITHDRAWN and held.text == "長男は訪問に応じない。"


def test_meeting_lifecycle() -> None:
    meeting = _meeting()
    assert meeting.adhoc
    meeting.open_collection()
    assert meeting.state is MeetingState.COLLECTING
    meeting.finalise_minutes("ab" * 32)
    with pytest.raises(DomainError):
        meeting.finalise_minutes("cd" * 32)
    meeting.cancel()
    with pytest.raises(DomainError):
        meeting.open_collection()


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("houkatsu", "houkatsu"),
        ("ＣＳＷ", "csw"),
        (" konkyu ", "konkyu"),
        ("Kosodate-2", "kosodate-2"),
    ],
)
def test_agency_keys_normalise(typed: str, key: str) -> None:
    assert validate_agency_key(typed) == key


@pytest.mark.parametrize("key", ["包括", "1abc", "a", "a b", "x" * 40, "<!channel>"])
def test_bad_agency_keys_are_refused_in_japanese(key: str) -> None:
    with pytest.raises(InvalidValue) as raised:
        validate_agency_key(key)
    assert "機関キー" in raised.value.message


def test_agency_needs_a_name() -> None:
    with pytest.raises(InvalidValue):
        Agency(key="houkatsu", name="  ")


def test_membership_removal_and_restore() -> None:
    membership = AgencyMembership(agency_id="a", user_id="U0MEMBER", added_by=COORDINATOR)
    membership.remove(by=COORDINATOR)
    assert not membership.active
    membership.restore(by=COORDINATOR)
    assert membership.active and membership.removed_by is None


def test_series_rule_validation() -> None:
    with pytest.raises(InvalidValue):
        MeetingSeries(
            channel_id="C",
            kind=MeetingKind.SUPPORT,
            ordinal=6,
            weekday=1,
            start_time=time(14),
            holiday_policy=HolidayPolicy.NEXT,
            created_by=COORDINATOR,
        )
