"""Registering cases (by command and by form), recording and withdrawing consent."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from fakes.context import JST
from services_world import (
    CHANNEL,
    COORD,
    COORDINATOR,
    CSW,
    HOUKATSU,
    MEETING_DAY,
    World,
    make_world,
)

from bot.domain.errors import ConsentRequired, DomainError, Duplicate, InvalidValue, NotFound
from bot.domain.model import AuditAction, MeetingKind, MeetingState
from bot.services import admin, cases, consent, meetings
from bot.services.access import Actor, PermissionDenied
from bot.services.chat import FormErrors, FormValues, SelectInput

TODAY = date(2026, 11, 24)


def _new(world: World, *keys: str, **changes: object) -> str:
    request = cases.NewCase(agency_keys=list(keys), **changes)  # type: ignore[arg-type]
    return str(cases.create_case(world.ctx, COORD, request))


# --------------------------------------------------------------------------- create_case


def test_cases_are_numbered_per_fiscal_year(world: World) -> None:
    assert [_new(world, "houkatsu"), _new(world, "csw", "houkatsu")] == ["R8-001", "R8-002"]
    created = world.audit(AuditAction.CASE_CREATED)
    assert [(e.target_id, e.detail) for e in created] == [
        ("R8-001", "kind=support"),
        ("R8-002", "kind=support"),
    ]
    case = world.case("R8-002")
    with world.ctx.uow() as uow:
        keys = [uow.agencies.get(a).key for a in case.asked_agency_ids]  # type: ignore[union-attr]
    assert keys == ["csw", "houkatsu"]  # the coordinator's order


def test_the_first_case_of_april_starts_a_new_fiscal_year() -> None:
    world = make_world(now=datetime(2027, 3, 31, 23, 0, tzinfo=JST)).setup()
    assert world.new_case("houkatsu") == "R8-001"
    world.clock.advance(hours=2)  # 2027-04-01 01:00 JST (still 3/31 in UTC)
    assert world.new_case("houkatsu") == "R9-001"


def test_a_case_with_consent_records_it(world: World) -> None:
    code = _new(world, "houkatsu", kind=MeetingKind.MULTILAYER, consent_on=date(2026, 11, 20))
    assert world.actions() == ["case.created", "consent.recorded"]
    assert world.audit()[0].detail == "kind=multilayer"
    case = world.case(code)
    assert case.consent is not None  # the case itself belongs to no meeting kind
    assert (case.consent.given_on, case.consent.recorded_by) == (date(2026, 11, 20), COORDINATOR)


@pytest.mark.parametrize(
    ("changes", "error", "message"),
    [
        ({"agency_keys": []}, InvalidValue, "1つ以上"),
        ({"consent_on": TODAY + timedelta(days=1)}, ConsentRequired, "未来の日付"),
        ({"kind": MeetingKind.MULTILAYER}, ConsentRequired, "本人同意の記録が必要"),
    ],
)
def test_bad_case_requests(
    world: World, changes: dict[str, object], error: type[Exception], message: str
) -> None:
    request = cases.NewCase(**{"agency_keys": ["houkatsu"], **changes})  # type: ignore[arg-type]
    with pytest.raises(error, match=message):
        cases.create_case(world.ctx, COORD, request)
    assert world.audit() == []


def test_an_unknown_agency_registers_nothing_and_uses_no_code(world: World) -> None:
    with pytest.raises(NotFound, match="kodomo"):
        _new(world, "houkatsu", "kodomo")
    assert world.audit() == []
    assert _new(world, "houkatsu") == "R8-001"


def test_the_same_request_registers_one_case(world: World) -> None:
    assert _new(world, "houkatsu", request_id="V123") == "R8-001"
    with pytest.raises(Duplicate, match="すでに受け付けています"):
        _new(world, "houkatsu", request_id="V123")
    assert len(world.audit(AuditAction.CASE_CREATED)) == 1


def test_only_coordinators_create_cases(world: World) -> None:
    with pytest.raises(PermissionDenied):
        cases.create_case(world.ctx, Actor(HOUKATSU), cases.NewCase(["houkatsu"]))
    assert [(e.actor, e.target_id) for e in world.denials()] == [(HOUKATSU, "case.new")]
    assert _new(world, "houkatsu") == "R8-001"


def test_case_created_answer() -> None:
    answer = cases.case_created(cases.CaseCode(2026, 7))
    assert (
        answer
        == "事例 R8-007 を登録しました。次は議題に追加してください（/shien agenda add R8-007）。"
    )


# --------------------------------------------------------------------------- the form


def test_the_case_form_lists_the_agencies(world: World) -> None:
    form = cases.case_form(world.ctx, COORD)
    assert form.form_id == cases.CASE_FORM
    agencies = form.fields[0]
    assert isinstance(agencies, SelectInput) and agencies.multiple
    assert [(c.value, c.label) for c in agencies.choices] == [
        ("csw", "架空市社会福祉協議会"),
        ("houkatsu", "架空市中央地域包括支援センター"),
    ]


def test_the_case_form_needs_agencies(bare: World) -> None:
    admin.ensure_coordinators(bare.ctx, [COORDINATOR])
    with pytest.raises(DomainError, match="関係機関が登録されていません"):
        cases.case_form(bare.ctx, COORD)


def test_only_coordinators_get_the_case_form(world: World) -> None:
    with pytest.raises(PermissionDenied):
        cases.case_form(world.ctx, Actor(CSW))
    assert [e.target_id for e in world.denials()] == ["case.new"]


def _form(**choices: tuple[str, ...]) -> FormValues:
    return FormValues(
        texts={"summary": "\u202e独居。\u200b近隣からの相談あり。 "},
        dates={"consent": None},
        choices={"agencies": ("houkatsu",), "urgent": ("yes",), **choices},
    )


def test_submitting_the_case_form(world: World) -> None:
    answer = cases.submit_case_form(world.ctx, COORD, _form(), "V0001")
    assert answer == cases.case_created(cases.CaseCode(2026, 1))
    case = world.case("R8-001")
    assert case.urgent and case.summary == "独居。近隣からの相談あり。"  # invisible marks removed
    # The same submission delivered again: one case, answered with the first one's news.
    again = cases.submit_case_form(world.ctx, COORD, _form(), "V0001")
    assert again == "この事例の登録はすでに受け付けています。"
    assert len(world.audit(AuditAction.CASE_CREATED)) == 1


@pytest.mark.parametrize(
    ("values", "field"),
    [
        (_form(agencies=()), "agencies"),
        (_form(agencies=("kodomo",)), "agencies"),
    ],
)
def test_case_form_errors_sit_beside_their_field(
    world: World, values: FormValues, field: str
) -> None:
    with pytest.raises(FormErrors) as raised:
        cases.submit_case_form(world.ctx, COORD, values, "V0002")
    assert list(raised.value.errors) == [field]
    assert world.audit(AuditAction.CASE_CREATED) == []


def test_a_future_consent_date_in_the_form_is_refused(world: World) -> None:
    values = _form()
    values.dates["consent"] = TODAY + timedelta(days=3)
    with pytest.raises(FormErrors) as raised:
        cases.submit_case_form(world.ctx, COORD, values, "V0003")
    assert "未来の日付" in raised.value.errors["consent"]


def test_a_non_coordinator_submitting_the_form_is_refused(world: World) -> None:
    with pytest.raises(PermissionDenied):
        cases.submit_case_form(world.ctx, Actor(HOUKATSU), _form(), "V0004")
    assert len(world.denials()) == 1


# --------------------------------------------------------------------------- consent


def test_recording_consent(world: World) -> None:
    code = world.new_case("houkatsu")
    world.mark()
    answer = cases.record_consent(world.ctx, COORD, code, date(2026, 11, 1))
    assert answer == "R8-001 の本人同意を記録しました。同意日: 令和8年（2026年）11月1日（日）"
    assert [(e.action, e.target_id) for e in world.audit()] == [
        (AuditAction.CONSENT_RECORDED, "R8-001")
    ]
    assert world.case(code).has_consent


def test_consent_cannot_be_in_the_future(world: World) -> None:
    code = world.new_case("houkatsu")
    with pytest.raises(InvalidValue, match="未来"):
        cases.record_consent(world.ctx, COORD, code, TODAY + timedelta(days=1))


def test_consent_for_an_unknown_case_lists_the_known_codes(world: World) -> None:
    world.new_case("houkatsu")
    with pytest.raises(NotFound) as raised:
        cases.record_consent(world.ctx, COORD, "R8-009", TODAY)
    assert (
        raised.value.message == "事例番号 R8-009 は登録されていません。登録済みの事例番号: R8-001"
    )
    with pytest.raises(NotFound, match="この年度の事例はまだありません"):
        cases.record_consent(world.ctx, COORD, "R7-001", TODAY)


def test_only_coordinators_record_consent(world: World) -> None:
    code = world.new_case("houkatsu")
    with pytest.raises(PermissionDenied):
        cases.record_consent(world.ctx, Actor(HOUKATSU), code, TODAY)
    assert [e.target_id for e in world.denials()] == ["consent"]


def _multilayer_on_agenda(world: World) -> str:
    code = world.new_case("houkatsu", kind=MeetingKind.MULTILAYER, consent_on=date(2026, 11, 1))
    world.new_meeting(MEETING_DAY, MeetingKind.MULTILAYER)
    world.put_on_agenda(code)
    return code


def test_withdrawing_consent_takes_the_case_off_future_multilayer_agendas(world: World) -> None:
    code = _multilayer_on_agenda(world)
    world.open()
    thread = world.thread(code)
    world.new_meeting(date(2026, 12, 15))  # a 支援会議 keeps it
    world.put_on_agenda(code, date(2026, 12, 15))
    world.mark()
    answer = consent.withdraw_consent(world.ctx, COORD, code, None)
    assert answer == (
        "R8-001 の本人同意の撤回を記録しました。撤回日: 令和8年（2026年）11月24日（火）\n"
        "今後の重層的支援会議の議題から外しました: 令和8年（2026年）12月8日（火）\n"
        "支援会議の議題には引き続き追加できます。"
    )
    meeting = world.meeting()
    assert meeting is not None
    assert [(e.action.value, e.detail) for e in world.audit()] == [
        ("agenda.removed", f"meeting={meeting.id};reason=consent_withdrawn"),
        ("consent.withdrawn", "on=2026-11-24;removed=1"),
    ]
    [update] = world.chat.updates()
    assert update.ref == thread and "議題から外れました" in update.text
    case = world.case(code)
    assert not case.has_consent
    with world.ctx.uow() as uow:
        assert uow.agenda.get(meeting.id, case.id) is None
        assert len(uow.agenda.for_case(case.id)) == 1  # the 支援会議


def test_a_failed_thread_update_does_not_undo_the_withdrawal(world: World) -> None:
    code = _multilayer_on_agenda(world)
    world.open()
    world.chat.fail = True
    answer = consent.withdraw_consent(world.ctx, COORD, code, TODAY)
    assert "議題から外しました" in answer
    assert len(world.chat.refused) == 1
    assert not world.case(code).has_consent


def test_withdrawal_leaves_held_meetings_alone(world: World) -> None:
    code = _multilayer_on_agenda(world)
    with world.ctx.uow() as uow:
        meeting = uow.meetings.on_date(CHANNEL, MEETING_DAY)
        assert meeting is not None
        meeting.state = MeetingState.HELD
        uow.meetings.save(meeting)
        uow.commit()
    answer = consent.withdraw_consent(world.ctx, COORD, code, TODAY)
    assert "議題から外しました" not in answer
    assert world.audit(AuditAction.AGENDA_REMOVED) == []


@pytest.mark.parametrize(
    ("on", "error", "message"),
    [
        (TODAY + timedelta(days=1), InvalidValue, "未来の日付"),
        (date(2026, 10, 31), InvalidValue, "同意日: 令和8年（2026年）11月1日（日）"),
    ],
)
def test_bad_withdrawal_dates(world: World, on: date, error: type[Exception], message: str) -> None:
    code = _multilayer_on_agenda(world)
    with pytest.raises(error, match=message):
        consent.withdraw_consent(world.ctx, COORD, code, on)
    assert world.case(code).has_consent


def test_withdrawing_consent_that_was_never_given(world: World) -> None:
    code = world.new_case("houkatsu")
    with pytest.raises(DomainError, match="有効な本人同意の記録がありません"):
        consent.withdraw_consent(world.ctx, COORD, code, None)
    assert world.audit(AuditAction.CONSENT_WITHDRAWN) == []


def test_only_coordinators_withdraw_consent(world: World) -> None:
    code = _multilayer_on_agenda(world)
    world.mark()
    with pytest.raises(PermissionDenied):
        consent.withdraw_consent(world.ctx, Actor(HOUKATSU), code, None)
    assert [e.target_id for e in world.denials()] == ["consent.withdraw"]
    assert world.case(code).has_consent


def test_a_withdrawn_case_may_not_go_back_on_a_multilayer_agenda(world: World) -> None:
    code = _multilayer_on_agenda(world)
    consent.withdraw_consent(world.ctx, COORD, code, None)
    with pytest.raises(ConsentRequired):
        meetings.add_to_agenda(world.ctx, COORD, CHANNEL, code, MEETING_DAY)
    # It may still go to a 支援会議.
    world.new_meeting(date(2026, 12, 15))
    world.put_on_agenda(code, date(2026, 12, 15))
