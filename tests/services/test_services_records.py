"""The meeting on record (会議記録): the form of ``/shien record``, what it is pre-filled with,
saving it, and what the minutes then say."""

from __future__ import annotations

from datetime import date, time

import pytest
from services_world import (
    CHANNEL,
    COORD,
    COORDINATOR,
    CSW,
    HOUKATSU,
    MEETING_DAY,
    OUTSIDER,
    World,
)

from bot.domain.errors import DomainError, NotFound
from bot.domain.model import AuditAction, MeetingMethod, MeetingState
from bot.services import documents, records
from bot.services.access import Actor, PermissionDenied
from bot.services.chat import DateInput, Form, FormErrors, FormValues, SelectInput, TimeInput


@pytest.fixture
def code(world: World) -> str:
    """R8-001 (houkatsu and csw asked) on MEETING_DAY's agenda, collecting; houkatsu's
    member and the coordinator have confirmed the notice, csw's has not."""
    made = world.new_case("houkatsu", "csw")
    world.collecting(made)
    world.ack(COORDINATOR)
    world.ack(HOUKATSU)
    world.mark()
    return made


def _form(world: World, day: date | None = MEETING_DAY) -> Form:
    return records.record_form(world.ctx, COORD, CHANNEL, day)


def _field(form: Form, field_id: str) -> object:
    return next(f for f in form.fields if f.field_id == field_id)


def test_the_form_fits_a_modal_and_asks_for_the_meeting_as_held(world: World, code: str) -> None:
    form = _form(world)
    meeting = world.meeting()
    assert meeting is not None
    assert (form.form_id, form.metadata) == (records.RECORD_FORM, meeting.id)
    assert form.title == "会議記録 12月8日" and len(form.title) <= 24
    ids = [f.field_id for f in form.fields]
    houkatsu, csw = world.agency_id("houkatsu"), world.agency_id("csw")
    assert ids == [
        "place",
        "method",
        "started",
        "ended",
        "chair",
        "recorder",
        "present_coordinators",
        f"present_{houkatsu}",
        f"present_{csw}",
        "others",
        "absent_agencies",
        "absent_people",
        "next_on",
        "next_at",
    ]
    assert len(form.fields) + len(form.intro) <= 100
    method = _field(form, "method")
    assert isinstance(method, SelectInput)
    assert [c.label for c in method.choices] == ["対面", "オンライン", "併用（対面・オンライン）"]
    started = _field(form, "started")
    assert isinstance(started, TimeInput) and started.initial == time(14, 0)


def test_attendance_is_prefilled_from_who_confirmed_grouped_by_agency(
    world: World, code: str
) -> None:
    form = _form(world)
    secretariat = _field(form, "present_coordinators")
    houkatsu = _field(form, f"present_{world.agency_id('houkatsu')}")
    csw = _field(form, f"present_{world.agency_id('csw')}")
    for group in (secretariat, houkatsu, csw):
        assert isinstance(group, SelectInput) and group.multiple and group.checkboxes
    assert isinstance(secretariat, SelectInput) and secretariat.label == "出席（事務局）"
    assert secretariat.initial_many == (COORDINATOR,)
    assert isinstance(houkatsu, SelectInput) and houkatsu.initial_many == (HOUKATSU,)
    assert houkatsu.label == "出席（架空市中央地域包括支援センター）"
    # csw's member did not confirm: listed, not ticked.
    assert isinstance(csw, SelectInput) and [c.value for c in csw.choices] == [CSW]
    assert csw.initial_many == ()
    assert [c.label for c in csw.choices] == [f"name:{CSW}"]


def test_the_next_meeting_is_prefilled_from_the_channel(world: World, code: str) -> None:
    world.new_meeting(date(2027, 1, 12), start=time(10, 0))
    form = _form(world)
    next_on, next_at = _field(form, "next_on"), _field(form, "next_at")
    assert isinstance(next_on, DateInput) and next_on.initial == date(2027, 1, 12)
    assert isinstance(next_at, TimeInput) and next_at.initial == time(10, 0)


def _save(world: World, **changes: object) -> str:
    values: dict[str, object] = {
        "place": "本庁舎3階 第1会議室",
        "method": ("hybrid",),
        "started": time(14, 5),
        "ended": time(15, 40),
        "chair": (COORDINATOR,),
        "recorder": (HOUKATSU,),
        "others": "民生委員 1名",
        "absent_agencies": (world.agency_id("csw"),),
        "next_on": date(2027, 1, 12),
        "next_at": time(14, 0),
    }
    values.update(changes)
    return world.record(present={"jimu": (COORDINATOR,), "houkatsu": (HOUKATSU,)}, **values)


def test_saving_the_record(world: World, code: str) -> None:
    answer = _save(world)
    label = "令和8年（2026年）12月8日（火）14:00 支援会議（随時）"
    assert answer == (
        f"{label}の会議記録を保存しました（出席 2人・欠席 1件）。"
        "議事録に反映されます（/shien minutes 2026-12-08）。"
    )
    meeting = world.meeting()
    assert meeting is not None
    with world.ctx.uow() as uow:
        record = uow.records.get(meeting.id)
    assert record is not None
    assert (record.place, record.method) == ("本庁舎3階 第1会議室", MeetingMethod.HYBRID)
    assert (record.started_at, record.ended_at) == (time(14, 5), time(15, 40))
    assert (record.chair_user_id, record.recorder_user_id) == (COORDINATOR, HOUKATSU)
    assert [(a.agency_id, a.user_id) for a in record.present] == [
        (None, COORDINATOR),
        (world.agency_id("houkatsu"), HOUKATSU),
    ]
    assert [(a.agency_id, a.user_id) for a in record.absent] == [(world.agency_id("csw"), None)]
    assert record.others_present == "民生委員 1名"
    assert (record.next_meeting_on, record.next_meeting_at) == (date(2027, 1, 12), time(14, 0))
    [event] = world.audit()
    assert (event.action, event.target_id, event.detail) == (
        AuditAction.MEETING_RECORDED,
        meeting.id,
        "present=2;absent=1",
    )
    # Before the day, the meeting is not marked held: the record may be written ahead.
    assert meeting.state is MeetingState.COLLECTING


def test_reopening_shows_what_was_saved(world: World, code: str) -> None:
    _save(world, absent_agencies=(), absent_people=(f"{world.agency_id('csw')}:{CSW}",))
    form = _form(world)
    assert "保存済み" in form.intro[0].text  # type: ignore[union-attr]
    place, ended = _field(form, "place"), _field(form, "ended")
    assert getattr(place, "initial") == "本庁舎3階 第1会議室"  # noqa: B009
    assert isinstance(ended, TimeInput) and ended.initial == time(15, 40)
    assert getattr(_field(form, "method"), "initial") == "hybrid"  # noqa: B009
    assert getattr(_field(form, "recorder"), "initial") == HOUKATSU  # noqa: B009
    csw = _field(form, f"present_{world.agency_id('csw')}")
    assert isinstance(csw, SelectInput) and csw.initial_many == ()
    absent = _field(form, "absent_people")
    assert isinstance(absent, SelectInput)
    assert absent.initial_many == (f"{world.agency_id('csw')}:{CSW}",)
    # Saving again replaces the record: one record per meeting.
    _save(world, place="オンライン")
    meeting = world.meeting()
    assert meeting is not None
    with world.ctx.uow() as uow:
        record = uow.records.get(meeting.id)
    assert record is not None and record.place == "オンライン"


def test_saving_on_the_day_marks_the_meeting_held(world: World, code: str) -> None:
    world.clock.set(world.clock.now.replace(year=2026, month=12, day=8, hour=16))
    _save(world)
    meeting = world.meeting()
    assert meeting is not None and meeting.state is MeetingState.HELD


def test_without_a_date_the_latest_meeting_held_is_recorded(world: World, code: str) -> None:
    world.new_meeting(date(2026, 12, 15))
    world.clock.set(world.clock.now.replace(year=2026, month=12, day=10))
    form = records.record_form(world.ctx, COORD, CHANNEL, None)
    meeting = world.meeting()
    assert meeting is not None and form.metadata == meeting.id


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"ended": time(13, 0)}, "ended"),  # before the start
        ({"next_on": MEETING_DAY}, "next_on"),  # not after this meeting
        ({"chair": (OUTSIDER,)}, "chair"),  # nobody the meeting knows
        ({"method": ("by_pigeon",)}, "method"),
        ({"absent_people": (f":{COORDINATOR}",)}, "absent_people"),  # present and absent
    ],
)
def test_form_errors_sit_beside_their_field(
    world: World, code: str, changes: dict[str, object], field: str
) -> None:
    with pytest.raises(FormErrors) as raised:
        _save(world, **changes)
    assert list(raised.value.errors) == [field]
    assert world.audit(AuditAction.MEETING_RECORDED) == []


def test_an_agency_absent_as_a_whole_cannot_have_members_present(world: World, code: str) -> None:
    with pytest.raises(FormErrors) as raised:
        _save(world, absent_agencies=(world.agency_id("houkatsu"),))
    assert "出席のチェックを外して" in raised.value.errors["absent_agencies"]


def test_a_person_put_in_the_wrong_group_is_refused(world: World, code: str) -> None:
    form = _form(world)
    values = FormValues(choices={f"present_{world.agency_id('csw')}": (HOUKATSU,)})
    with pytest.raises(FormErrors):
        records.submit_record(world.ctx, COORD, form.metadata, values)
    values = FormValues(choices={"present_nonsense": (HOUKATSU,)})
    with pytest.raises(FormErrors):
        records.submit_record(world.ctx, COORD, form.metadata, values)


def test_only_coordinators_record(world: World, code: str) -> None:
    with pytest.raises(PermissionDenied):
        records.record_form(world.ctx, Actor(HOUKATSU), CHANNEL, MEETING_DAY)
    form = _form(world)
    with pytest.raises(PermissionDenied):
        records.submit_record(world.ctx, Actor(HOUKATSU), form.metadata, FormValues())
    assert [e.target_id for e in world.denials()] == ["record", "record"]


def test_a_form_for_something_gone_is_refused_and_audited(world: World, code: str) -> None:
    with pytest.raises(PermissionDenied, match="もう一度 /shien record"):
        records.submit_record(world.ctx, COORD, "no-such-meeting", FormValues())
    assert [e.detail for e in world.denials()] == ["reason=record:no_meeting"]


def test_unknown_dates_name_the_meetings(world: World, code: str) -> None:
    with pytest.raises(NotFound, match="今後の会議"):
        records.record_form(world.ctx, COORD, CHANNEL, date(2026, 12, 9))


def test_the_minutes_take_the_meeting_from_its_record(world: World, code: str) -> None:
    _save(world)
    documents.deliver_minutes(world.ctx, COORD, CHANNEL, MEETING_DAY)
    [view] = world.fakes.renderer.minutes
    assert view.recorded
    assert (view.place, view.method) == ("本庁舎3階 第1会議室", "併用（対面・オンライン）")
    assert (f"{view.starts_at:%H:%M}", f"{view.ends_at:%H:%M}") == ("14:05", "15:40")
    assert view.chair == f"事務局　name:{COORDINATOR}"
    assert view.recorder == f"架空市中央地域包括支援センター　name:{HOUKATSU}"
    assert [(a.agency_name, a.people) for a in view.attendees] == [
        ("事務局", (f"name:{COORDINATOR}",)),
        ("架空市中央地域包括支援センター", (f"name:{HOUKATSU}",)),
    ]
    assert [(a.agency_name, a.people) for a in view.absentees] == [("架空市社会福祉協議会", ())]
    assert view.others_present == "民生委員 1名"
    assert view.next_meeting_at is not None and f"{view.next_meeting_at:%Y-%m-%d %H:%M}" == (
        "2027-01-12 14:00"
    )
    # The minutes of a meeting are dated no earlier than the meeting (now is 11/24).
    assert view.created_on == MEETING_DAY


def test_before_the_record_the_minutes_say_it_is_missing(world: World, code: str) -> None:
    documents.deliver_minutes(world.ctx, COORD, CHANNEL, MEETING_DAY)
    [view] = world.fakes.renderer.minutes
    assert not view.recorded and view.attendees == () and view.place == "（未記録）"
    with pytest.raises(DomainError, match="/shien record 2026-12-08"):
        documents.finalise_minutes(world.ctx, COORD, CHANNEL, MEETING_DAY)


def test_once_the_minutes_are_final_the_record_stays(world: World, code: str) -> None:
    _save(world)
    documents.finalise_minutes(world.ctx, COORD, CHANNEL, MEETING_DAY)
    with pytest.raises(DomainError, match="確定済み"):
        _save(world, place="別の会議室")
