"""Scheduling services with a controllable clock: the monthly rule on the hard dates of the
domain brief, the holiday policies, cancel and move, and the jobs' once-only sends across
double fires, downtime, failures and concurrent runs."""

from __future__ import annotations

import threading
from datetime import date, datetime, time

import pytest
from scheduling_fixtures import (
    CHANNEL,
    COORD,
    COORDINATOR,
    CSW,
    HOUKATSU,
    JST,
    Clock,
    chat,
    make_context,
    new_case,
    stub,
)

from bot.domain.calendar import HolidayPolicy
from bot.domain.errors import DomainError, Duplicate, InvalidValue
from bot.domain.model import MeetingKind, MeetingState
from bot.domain.timeline import SendKind
from bot.services import decisions, meetings, scheduled, scheduling
from bot.services.access import Actor, PermissionDenied
from bot.services.chat import ChatUnavailable, FormValues
from bot.services.context import ServiceContext
from bot.services.scheduled import JobResult
from storage import Database


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=JST)


def monthly(
    ctx: ServiceContext,
    ordinal: int,
    weekday: int,
    policy: HolidayPolicy = HolidayPolicy.NEXT,
    start: time = time(14, 0),
) -> str:
    return scheduling.set_monthly(
        ctx, COORD, CHANNEL, ordinal, weekday, start, MeetingKind.SUPPORT, policy
    )


def dates(ctx: ServiceContext) -> list[date]:
    with ctx.uow() as uow:
        return [m.date for m in uow.meetings.upcoming(CHANNEL, ctx.today())]


@pytest.fixture
def clock() -> Clock:
    return Clock(at(2026, 7, 20, 10))


@pytest.fixture
def ctx(database: Database, clock: Clock) -> ServiceContext:
    return make_context(database, clock)


# --------------------------------------------------------------------------- the monthly rule


def test_second_tuesday_on_yama_no_hi_moves_to_the_next_working_day(ctx: ServiceContext) -> None:
    answer = monthly(ctx, 2, 1)
    assert "毎月第2火曜日 14:00 支援会議" in answer
    assert (
        "令和8年（2026年）8月12日（水）14:00 — 令和8年8月11日（火）は山の日のため翌開庁日に変更"
        in answer
    )
    assert answer.count("\n• ") == 6
    found = dates(ctx)
    assert len(found) == 12
    assert found[:3] == [date(2026, 8, 12), date(2026, 9, 8), date(2026, 10, 13)]
    # Every meeting has its timeline planned.
    opens = [s for s in stub(ctx).jobs.values() if s.kind is SendKind.OPEN]
    assert len(opens) == 12


def test_the_three_policies_on_a_fourth_tuesday_that_is_a_national_holiday(
    ctx: ServiceContext,
) -> None:
    # 2026-09-22 (Tue) is 国民の休日 between 敬老の日 and 秋分の日.
    assert "9月24日（木）" in monthly(ctx, 4, 1, HolidayPolicy.NEXT)
    assert date(2026, 9, 24) in dates(ctx)
    answer = monthly(ctx, 4, 1, HolidayPolicy.PREVIOUS)
    assert (
        "令和8年（2026年）9月18日（金）14:00 — 令和8年9月22日（火）は国民の休日のため前の開庁日に変更"
        in answer
    )
    assert date(2026, 9, 18) in dates(ctx) and date(2026, 9, 24) not in dates(ctx)
    answer = monthly(ctx, 4, 1, HolidayPolicy.SKIP)
    assert "令和8年9月22日（火） — 国民の休日のため休会" in answer
    assert not [d for d in dates(ctx) if d.month == 9 and d.year == 2026]


def test_last_tuesday_in_the_new_year_closure(ctx: ServiceContext) -> None:
    # The last Tuesday of December 2026 is 12/29, inside 年末年始.
    answer = monthly(ctx, -1, 1, HolidayPolicy.NEXT)
    assert "毎月最終火曜日" in answer
    assert date(2027, 1, 4) in dates(ctx)  # next working day after 1/3
    monthly(ctx, -1, 1, HolidayPolicy.PREVIOUS)
    assert date(2026, 12, 28) in dates(ctx) and date(2027, 1, 4) not in dates(ctx)


def test_last_friday(ctx: ServiceContext) -> None:
    monthly(ctx, -1, 4, HolidayPolicy.SKIP)
    found = dates(ctx)
    assert found[:2] == [date(2026, 7, 31), date(2026, 8, 28)]
    assert date(2026, 12, 25) in found


def test_rerunning_replaces_the_rule_but_keeps_meetings_with_an_agenda(
    ctx: ServiceContext, clock: Clock
) -> None:
    monthly(ctx, 2, 1)
    code = new_case(ctx, "houkatsu")
    meetings.add_to_agenda(ctx, COORD, CHANNEL, code, date(2026, 9, 8))
    answer = monthly(ctx, 3, 3)  # third Thursday
    assert "変更していません" in answer and "9月8日" in answer
    # The old rule's other upcoming meetings (untouched, no agenda) are cancelled, and said so.
    assert "以前の定例の規則による予定" in answer
    found = dates(ctx)
    assert date(2026, 9, 8) in found  # kept: it has an agenda
    assert date(2026, 8, 12) not in found  # an untouched meeting of the old rule: cancelled
    assert date(2026, 8, 20) in found
    with ctx.uow() as uow:
        assert len(uow.series.for_channel(CHANNEL)) == 1
    # The cancelled meeting's sends are no longer planned.
    assert not [k for k in stub(ctx).jobs if "20260812" in k]


def test_only_coordinators_set_cancel_and_move(ctx: ServiceContext) -> None:
    with pytest.raises(PermissionDenied):
        scheduling.set_monthly(ctx, Actor(HOUKATSU), CHANNEL, 2, 1, time(14), MeetingKind.SUPPORT)
    monthly(ctx, 2, 1)
    with pytest.raises(PermissionDenied):
        scheduling.cancel_meeting(ctx, Actor(HOUKATSU), CHANNEL, date(2026, 9, 8))
    listing = scheduling.list_meetings(ctx, Actor(HOUKATSU), CHANNEL)
    assert "定例: 毎月第2火曜日 14:00" in listing and "議題 0件・予定" in listing
    with pytest.raises(PermissionDenied):
        scheduling.list_meetings(ctx, Actor("U0OUTSIDER"), CHANNEL)


# --------------------------------------------------------------------------- the jobs


def _collecting_meeting(ctx: ServiceContext, clock: Clock) -> tuple[str, str]:
    """An ad-hoc meeting on Tuesday 2026-08-04 14:00 with one case, opened by its job."""
    meetings.schedule_adhoc(ctx, COORD, CHANNEL, date(2026, 8, 4), time(14), MeetingKind.SUPPORT)
    code = new_case(ctx, "houkatsu", "csw")
    meetings.add_to_agenda(ctx, COORD, CHANNEL, code, date(2026, 8, 4))
    with ctx.uow() as uow:
        meeting = uow.meetings.on_date(CHANNEL, date(2026, 8, 4))
        assert meeting is not None
    scheduling.plan_meetings(ctx, [meeting])
    clock.now = at(2026, 7, 28, 9)
    assert stub(ctx).run_due(ctx) == [("open", JobResult.SENT)]
    return meeting.id, code


def test_timeline_runs_once_each_even_when_fired_twice(ctx: ServiceContext, clock: Clock) -> None:
    meeting_id, code = _collecting_meeting(ctx, clock)
    assert len(chat(ctx).dms_to(HOUKATSU)) == 1  # the prompt
    sends = sorted(stub(ctx).jobs.values())
    assert [s.kind for s in sends] == [
        SendKind.REMIND,
        SendKind.REMIND,
        SendKind.MORNING,
        SendKind.AFTER,
    ]
    clock.now = at(2026, 7, 31, 9)  # 3d before is Saturday 8/1 → Friday 7/31
    assert stub(ctx).run_due(ctx) == [("remind", JobResult.SENT)]
    assert "【リマインド】" in chat(ctx).dms_to(HOUKATSU)[-1] and code in chat(ctx).dms_to(CSW)[-1]
    # A double fire (or a second process) of the same reminder sends nothing more.
    assert scheduled.run_send(ctx, sends[0]) is JobResult.SKIPPED
    assert len(chat(ctx).dms_to(HOUKATSU)) == 2
    clock.now = at(2026, 8, 4, 9)
    assert stub(ctx).run_due(ctx) == [("remind", JobResult.SENT), ("morning", JobResult.SENT)]
    # In the meeting's own channel: case codes never go to the coordinators' channel.
    assert chat(ctx).posts[-1] == ("G0001", "本日の会議: " + chat(ctx).posts[-1][1][7:])
    assert not [p for p in chat(ctx).posts if p[0] == CHANNEL]
    clock.now = at(2026, 8, 4, 16)
    assert stub(ctx).run_due(ctx) == [("after", JobResult.SENT)]
    assert "/shien decide" in chat(ctx).dms_to(COORDINATOR)[-1]
    assert stub(ctx).jobs == {}
    assert meeting_id


def test_downtime_across_reminders_sends_the_latest_once(ctx: ServiceContext, clock: Clock) -> None:
    _collecting_meeting(ctx, clock)
    before = len(chat(ctx).dms_to(HOUKATSU))
    # The bot is down from 7/28 until Monday 8/3 10:00: both reminders fell due meanwhile.
    clock.now = at(2026, 8, 3, 10)
    results = stub(ctx).run_due(ctx)
    assert results == [("remind", JobResult.DROPPED), ("remind", JobResult.SENT)]
    assert len(chat(ctx).dms_to(HOUKATSU)) == before + 1


def test_downtime_past_the_meeting_drops_everything_but_the_prompt(
    ctx: ServiceContext, clock: Clock
) -> None:
    _collecting_meeting(ctx, clock)
    before = (len(chat(ctx).dms), len(chat(ctx).posts))
    clock.now = at(2026, 8, 4, 15)  # back after the meeting started
    assert stub(ctx).run_due(ctx) == [
        ("remind", JobResult.DROPPED),
        ("remind", JobResult.DROPPED),
        ("morning", JobResult.DROPPED),
    ]
    assert (len(chat(ctx).dms), len(chat(ctx).posts)) == before


def test_a_failed_send_is_released_and_sent_on_retry(ctx: ServiceContext, clock: Clock) -> None:
    _collecting_meeting(ctx, clock)
    clock.now = at(2026, 7, 31, 9)
    send = stub(ctx).due(clock.now)[0]
    chat(ctx).fail = True
    with pytest.raises(ChatUnavailable):
        scheduled.run_send(ctx, send)
    chat(ctx).fail = False
    assert scheduled.run_send(ctx, send) is JobResult.SENT
    assert scheduled.run_send(ctx, send) is JobResult.SKIPPED
    assert sum("【リマインド】" in t for t in chat(ctx).dms_to(HOUKATSU)) == 1


def test_concurrent_fires_of_one_reminder_send_once(ctx: ServiceContext, clock: Clock) -> None:
    _collecting_meeting(ctx, clock)
    clock.now = at(2026, 7, 31, 9)
    send = stub(ctx).due(clock.now)[0]
    barrier = threading.Barrier(4)

    def fire() -> None:
        barrier.wait()
        scheduled.run_send(ctx, send)

    threads = [threading.Thread(target=fire) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum("【リマインド】" in t for t in chat(ctx).dms_to(HOUKATSU)) == 1
    assert sum("【リマインド】" in t for t in chat(ctx).dms_to(CSW)) == 1


def test_adhoc_inside_the_window_opens_when_its_first_case_is_added(
    ctx: ServiceContext, clock: Clock
) -> None:
    clock.now = at(2026, 7, 30, 10)
    meetings.schedule_adhoc(ctx, COORD, CHANNEL, date(2026, 8, 4), time(14), MeetingKind.SUPPORT)
    # Planned at once; without an agenda the opening waits quietly.
    assert stub(ctx).run_due(ctx) == [("open", JobResult.SKIPPED)]
    assert not chat(ctx).dms
    code = new_case(ctx, "houkatsu")
    meetings.add_to_agenda(ctx, COORD, CHANNEL, code, date(2026, 8, 4))
    assert [s.kind for s in stub(ctx).due(clock.now)] == [SendKind.OPEN]
    # 架空市社会福祉協議会's member is in the coordinators' channel, but the cases go to the
    # meeting's own channel, where only the coordinators are until members confirm.
    assert stub(ctx).run_due(ctx) == [("open", JobResult.SENT)]
    assert {channel for channel, _ in chat(ctx).posts} == {"G0001"}
    assert chat(ctx).rooms["G0001"] == {COORDINATOR}
    with ctx.uow() as uow:
        meeting = uow.meetings.on_date(CHANNEL, date(2026, 8, 4))
        assert meeting is not None and meeting.state is MeetingState.COLLECTING


def test_a_regular_meeting_without_agenda_tells_the_coordinator_once(
    ctx: ServiceContext, clock: Clock
) -> None:
    monthly(ctx, 2, 1)
    clock.now = at(2026, 8, 5, 9)  # the 8/12 meeting's opening
    assert ("open", JobResult.SKIPPED) in stub(ctx).run_due(ctx)
    assert sum("議題がありません" in t for t in chat(ctx).dms_to(COORDINATOR)) == 1


def test_cancel_tells_prompted_members_and_drops_the_timeline(
    ctx: ServiceContext, clock: Clock
) -> None:
    meeting_id, _ = _collecting_meeting(ctx, clock)
    pending = dict(stub(ctx).jobs)
    answer = scheduling.cancel_meeting(ctx, COORD, CHANNEL, date(2026, 8, 4))
    assert "中止しました" in answer and "2人" in answer
    assert "中止になりました" in chat(ctx).dms_to(HOUKATSU)[-1]
    assert stub(ctx).jobs == {}
    clock.now = at(2026, 7, 31, 9)
    for send in pending.values():  # a job that fires anyway drops itself
        assert scheduled.run_send(ctx, send) is JobResult.DROPPED
    with pytest.raises(DomainError):
        scheduling.cancel_meeting(ctx, COORD, CHANNEL, date(2026, 8, 4))
    assert meeting_id


def test_move_replans_updates_the_notice_and_tells_members(
    ctx: ServiceContext, clock: Clock
) -> None:
    _collecting_meeting(ctx, clock)
    old = dict(stub(ctx).jobs)
    with pytest.raises(InvalidValue, match="山の日"):
        scheduling.move_meeting(ctx, COORD, CHANNEL, date(2026, 8, 4), date(2026, 8, 11))
    answer = scheduling.move_meeting(
        ctx, COORD, CHANNEL, date(2026, 8, 4), date(2026, 8, 6), time(10, 0)
    )
    assert "令和8年（2026年）8月6日（木）10:00" in answer
    assert "変更になりました" in chat(ctx).dms_to(CSW)[-1]
    assert "8月6日" in chat(ctx).updates[-1][1]  # the secrecy notice shows the new date
    assert not set(old) & set(stub(ctx).jobs)
    clock.now = at(2026, 7, 31, 9)
    stale = next(s for s in old.values() if s.kind is SendKind.REMIND)
    assert scheduled.run_send(ctx, stale) is JobResult.DROPPED
    meetings.schedule_adhoc(ctx, COORD, CHANNEL, date(2026, 8, 7), time(14), MeetingKind.SUPPORT)
    with pytest.raises(Duplicate):
        scheduling.move_meeting(ctx, COORD, CHANNEL, date(2026, 8, 6), date(2026, 8, 7))


def test_monitoring_date_goes_on_the_agenda_and_reminds_lead_and_coordinator(
    ctx: ServiceContext, clock: Clock
) -> None:
    monthly(ctx, 2, 1)
    code = new_case(ctx, "houkatsu", "csw")
    meetings.add_to_agenda(ctx, COORD, CHANNEL, code, date(2026, 8, 12))
    decisions.assign_role(ctx, COORD, CHANNEL, code, "csw", "訪問", None, True)
    clock.now = at(2026, 8, 12, 16)
    with ctx.uow() as uow:
        meeting = uow.meetings.on_date(CHANNEL, date(2026, 8, 12))
        case = meetings.find_case(uow, code)
        assert meeting is not None
    stub(ctx).jobs.clear()
    decisions.submit_decision(
        ctx,
        COORD,
        f"{meeting.id}:{case.id}",
        FormValues(dates={"monitoring": date(2026, 10, 20)}, choices={"outcome": ("continue",)}),
    )
    kinds = sorted(s.kind.value for s in stub(ctx).jobs.values())
    assert kinds == ["agenda", "monitoring"]
    # The decision already put it on the first meeting on or after 10/20: the job has
    # nothing left to do.
    assert stub(ctx).run_due(ctx) == [("agenda", JobResult.SKIPPED)]
    with ctx.uow() as uow:
        target = uow.meetings.on_date(CHANNEL, date(2026, 11, 10))  # first on or after 10/20
        before = uow.meetings.on_date(CHANNEL, date(2026, 10, 13))
        assert target is not None and before is not None
        item = uow.agenda.get(target.id, case.id)
        assert item is not None and item.monitoring_on == date(2026, 10, 20)
        assert uow.agenda.get(before.id, case.id) is None
    clock.now = at(2026, 10, 13, 9)  # 7 days before 10/20
    assert stub(ctx).run_due(ctx)[-1] == ("monitoring", JobResult.SENT)
    assert "次回モニタリング日は令和8年（2026年）10月20日（火）" in chat(ctx).dms_to(CSW)[-1]
    assert "令和8年（2026年）11月10日（火）14:00" in chat(ctx).dms_to(CSW)[-1]
    assert code in chat(ctx).dms_to(COORDINATOR)[-1]
    assert not chat(ctx).dms_to(HOUKATSU) or "モニタリング" not in chat(ctx).dms_to(HOUKATSU)[-1]
