"""The handlers the scheduler's jobs run: opening collection, reminders, the meeting day's
notice, the post-meeting prompt, monitoring dates and the daily extension of the regular
meetings. Each runs through ``run_send`` as the jobs do, at the clock's time."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from fakes.context import JST
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

from bot.domain.model import AuditAction, MeetingKind, MeetingState
from bot.domain.timeline import PlannedSend, SendKind, open_key
from bot.services import decisions, inputs, scheduled, scheduling
from bot.services.chat import ChatUnavailable, FormValues
from bot.services.scheduled import JobResult

OPENING = datetime(2026, 12, 1, 9, 0, tzinfo=JST)  # 7 days before MEETING_DAY, at 09:00


def at(y: int, m: int, d: int, hh: int = 9, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=JST)


def planned(world: World, kind: SendKind, meeting_id: str | None = None) -> PlannedSend:
    found = [
        s
        for s in world.scheduler.jobs.values()
        if s.kind is kind and meeting_id in (None, s.meeting_id)
    ]
    assert len(found) == 1, found
    return found[0]


def adhoc_with_case(world: World, *keys: str) -> str:
    code = world.new_case(*keys or ("houkatsu",))
    world.new_meeting()
    world.put_on_agenda(code)
    world.mark()
    return code


# --------------------------------------------------------------------------- opening


def test_the_opening_falls_due_and_opens_once(world: World) -> None:
    adhoc_with_case(world)
    world.clock.set(OPENING)
    assert world.scheduler.run_due(world.ctx) == [("open", JobResult.SENT)]
    assert world.chat.kinds() == [*["RoomCall"] * 3, "Posted", "Posted", "Direct"]
    [opened] = world.audit(AuditAction.COLLECTION_OPENED)
    assert opened.actor == "system"
    meeting = world.meeting()
    assert meeting is not None and meeting.state is MeetingState.COLLECTING
    # A double fire (or a second process) opens nothing more.
    send = PlannedSend(OPENING, SendKind.OPEN, open_key(meeting.id), meeting.id)
    assert scheduled.run_send(world.ctx, send) is JobResult.SKIPPED
    assert len(world.chat.calls) == 6  # the channel's three, the notice, the thread, the DM


def test_an_opening_by_hand_first_leaves_the_job_nothing_to_do(world: World) -> None:
    adhoc_with_case(world)
    world.open()
    world.mark()
    world.clock.set(OPENING)
    assert world.scheduler.run_due(world.ctx) == [("open", JobResult.SKIPPED)]
    assert world.chat.calls == []


def test_an_empty_adhoc_meeting_waits_silently(world: World) -> None:
    world.new_meeting()
    world.mark()
    world.clock.set(OPENING)
    assert world.scheduler.run_due(world.ctx) == [("open", JobResult.SKIPPED)]
    assert world.chat.calls == []


def test_an_empty_regular_meeting_tells_the_coordinators_once(world: World) -> None:
    scheduling.set_monthly(world.ctx, COORD, CHANNEL, 2, 1, time(14))
    world.mark()
    world.clock.set(OPENING)
    meeting = world.meeting()
    assert meeting is not None
    send = planned(world, SendKind.OPEN, meeting.id)
    assert scheduled.run_send(world.ctx, send) is JobResult.SKIPPED
    [dm] = world.chat.dms()
    assert dm.user_id == COORDINATOR and "議題がありません" in dm.text
    assert scheduled.run_send(world.ctx, send) is JobResult.SKIPPED
    assert len(world.chat.dms()) == 1


def test_an_unfit_channel_is_reported_and_the_opening_can_be_retried(world: World) -> None:
    adhoc_with_case(world)
    world.chat.set_members(CHANNEL, [COORDINATOR, HOUKATSU, OUTSIDER], private=False)
    world.clock.set(OPENING)
    meeting = world.meeting()
    assert meeting is not None
    send = planned(world, SendKind.OPEN)
    assert scheduled.run_send(world.ctx, send) is JobResult.SKIPPED
    [dm] = world.chat.dms()
    assert "自動で開始できませんでした" in dm.text and world.posts() == []
    assert world.audit(AuditAction.COLLECTION_OPENED) == []
    # Once the channel is private again, the same job opens it (its key was released).
    world.chat.set_members(CHANNEL, [COORDINATOR, HOUKATSU])
    assert scheduled.run_send(world.ctx, send) is JobResult.SENT
    assert len(world.posts()) == 2


def test_an_opening_the_chat_refused_is_completed_by_the_retry(world: World) -> None:
    adhoc_with_case(world)
    world.clock.set(OPENING)
    send = planned(world, SendKind.OPEN)
    world.chat.fail = True
    with pytest.raises(ChatUnavailable):
        scheduled.run_send(world.ctx, send)
    world.chat.fail = False
    world.clock.set(at(2026, 12, 1, 9, 1))  # the job's first retry
    assert scheduled.run_send(world.ctx, send) is JobResult.SENT
    assert len(world.posts()) == 2


def test_a_member_the_opening_could_not_reach_is_asked_by_the_retry(world: World) -> None:
    adhoc_with_case(world, "houkatsu", "csw")
    world.clock.set(OPENING)
    send = planned(world, SendKind.OPEN)
    world.chat.fail_for.add(CSW)
    with pytest.raises(ChatUnavailable):  # the job is retried
        scheduled.run_send(world.ctx, send)
    assert len(world.posts()) == 2 and [dm.user_id for dm in world.chat.dms()] == [HOUKATSU]
    world.chat.fail_for.clear()
    world.clock.set(at(2026, 12, 1, 9, 1))
    assert scheduled.run_send(world.ctx, send) is JobResult.SENT
    assert len(world.posts()) == 2  # nothing posted twice
    assert [dm.user_id for dm in world.chat.dms()] == [HOUKATSU, CSW]


def test_a_coordinator_is_told_who_could_not_be_asked(world: World) -> None:
    adhoc_with_case(world, "houkatsu", "csw")
    world.chat.fail_for.add(CSW)
    answer = world.open()
    assert "1人には依頼のDMを送れませんでした" in answer
    world.chat.fail_for.clear()
    assert "依頼のDMを 1人" in world.open()
    assert [dm.user_id for dm in world.chat.dms()] == [HOUKATSU, CSW]


def test_a_refused_opening_releases_its_key(world: World) -> None:
    adhoc_with_case(world)
    meeting = world.meeting()
    assert meeting is not None
    world.clock.set(OPENING)
    world.chat.fail = True
    with pytest.raises(ChatUnavailable):
        scheduled.run_send(world.ctx, planned(world, SendKind.OPEN))
    assert open_key(meeting.id) not in world.store.claimed_keys()


@pytest.mark.parametrize("change", ["cancelled", "started"])
def test_stale_openings_are_dropped(world: World, change: str) -> None:
    adhoc_with_case(world)
    send = planned(world, SendKind.OPEN)
    if change == "cancelled":
        scheduling.cancel_meeting(world.ctx, COORD, CHANNEL, MEETING_DAY)
        world.clock.set(OPENING)
    else:
        world.clock.set(at(2026, 12, 8, 14, 0))
    world.mark()
    assert scheduled.run_send(world.ctx, send) is JobResult.DROPPED
    assert world.chat.calls == []


def test_an_opening_of_a_meeting_that_is_gone_is_dropped(world: World) -> None:
    send = PlannedSend(OPENING, SendKind.OPEN, open_key("0" * 32), "0" * 32)
    assert scheduled.run_send(world.ctx, send) is JobResult.DROPPED


# --------------------------------------------------------------------------- reminders


def _collecting(world: World) -> str:
    code = world.new_case("houkatsu", "csw")
    world.collecting(code)
    world.ack(HOUKATSU)
    inputs.record_reply(
        world.ctx, world.room(), world.thread(code).message_id, "3.1", HOUKATSU, "済"
    )
    world.mark()
    return code


def test_reminders_go_to_members_who_have_not_answered_once_per_key(world: World) -> None:
    _collecting(world)
    world.clock.set(at(2026, 12, 3))  # 3 days before at 09:00 (the opening passed unrun)
    del world.scheduler.jobs[planned(world, SendKind.OPEN).key]
    send = next(s for s in world.scheduler.jobs.values() if s.key.endswith(":3d"))
    assert scheduled.run_send(world.ctx, send) is JobResult.SENT
    [dm] = world.chat.dms()
    assert dm.user_id == CSW and dm.text.startswith("【リマインド】")
    assert scheduled.run_send(world.ctx, send) is JobResult.SKIPPED  # a double fire
    assert len(world.chat.dms()) == 1


def test_of_several_missed_reminders_only_the_latest_is_sent(world: World) -> None:
    _collecting(world)
    del world.scheduler.jobs[planned(world, SendKind.OPEN).key]
    world.clock.set(at(2026, 12, 7, 10))  # down since before the 3-day reminder
    results = world.scheduler.run_due(world.ctx)
    assert results == [("remind", JobResult.DROPPED), ("remind", JobResult.SENT)]
    assert len(world.chat.dms()) == 1


def test_a_reminder_for_a_meeting_not_collecting_or_moved(world: World) -> None:
    world.new_case("houkatsu")
    meeting = world.new_meeting()
    remind = next(s for s in world.scheduler.jobs.values() if s.kind is SendKind.REMIND)
    world.clock.set(at(2026, 12, 3))
    assert scheduled.run_send(world.ctx, remind) is JobResult.SKIPPED  # not collecting
    scheduling.move_meeting(world.ctx, COORD, CHANNEL, MEETING_DAY, date(2026, 12, 10))
    assert scheduled.run_send(world.ctx, remind) is JobResult.DROPPED  # planned for 12/8
    assert meeting.id == remind.meeting_id


# --------------------------------------------------------------------------- the meeting day


def test_the_morning_notice_lists_the_agenda_once(world: World) -> None:
    _collecting(world)
    world.clock.set(at(2026, 12, 8, 9))
    send = planned(world, SendKind.MORNING)
    assert scheduled.run_send(world.ctx, send) is JobResult.SENT
    [post] = world.posts()
    assert post.text.startswith("本日の会議: 令和8年（2026年）12月8日（火）14:00 支援会議（随時）")
    assert "議題（1件）: R8-001" in post.text
    assert scheduled.run_send(world.ctx, send) is JobResult.SKIPPED
    assert len(world.posts()) == 1


def test_no_morning_notice_without_an_agenda(world: World) -> None:
    world.new_meeting()
    world.clock.set(at(2026, 12, 8, 9))
    assert scheduled.run_send(world.ctx, planned(world, SendKind.MORNING)) is JobResult.SKIPPED
    assert world.posts() == []


def test_a_refused_morning_notice_is_released_for_the_retry(world: World) -> None:
    _collecting(world)
    world.clock.set(at(2026, 12, 8, 9))
    send = planned(world, SendKind.MORNING)
    world.chat.fail = True
    with pytest.raises(ChatUnavailable):
        scheduled.run_send(world.ctx, send)
    world.chat.fail = False
    assert scheduled.run_send(world.ctx, send) is JobResult.SENT


def test_after_the_meeting_the_coordinators_are_prompted(world: World) -> None:
    _collecting(world)
    world.clock.set(at(2026, 12, 8, 16))
    send = planned(world, SendKind.AFTER)
    assert scheduled.run_send(world.ctx, send) is JobResult.SENT
    [dm] = world.chat.dms()
    assert dm.user_id == COORDINATOR
    assert "/shien decide R8-001" in dm.text and "/shien minutes 2026-12-08" in dm.text
    assert scheduled.run_send(world.ctx, send) is JobResult.SKIPPED


def test_after_a_cancelled_moved_or_empty_meeting_nothing_is_sent(world: World) -> None:
    world.new_meeting()
    world.clock.set(at(2026, 12, 8, 16))
    after = planned(world, SendKind.AFTER)
    assert scheduled.run_send(world.ctx, after) is JobResult.SKIPPED  # no agenda
    world.clock.set(at(2026, 12, 1))
    scheduling.move_meeting(world.ctx, COORD, CHANNEL, MEETING_DAY, date(2026, 12, 10))
    assert scheduled.run_send(world.ctx, after) is JobResult.DROPPED  # planned for 12/8
    scheduling.cancel_meeting(world.ctx, COORD, CHANNEL, date(2026, 12, 10))
    moved_after = [s for s in world.scheduler.planned if s.kind is SendKind.AFTER][-1]
    assert scheduled.run_send(world.ctx, moved_after) is JobResult.DROPPED
    assert world.chat.dms() == []


# --------------------------------------------------------------------------- monitoring


def _decided(world: World, monitoring: date = date(2027, 1, 19), *, lead: bool = True) -> str:
    """R8-001 discussed on MEETING_DAY, houkatsu the lead, monitoring on ``monitoring``."""
    code = world.new_case("houkatsu")
    world.collecting(code)
    decisions.assign_role(world.ctx, COORD, CHANNEL, code, "houkatsu", "見守り", None, lead)
    form = decisions.decision_form(world.ctx, COORD, CHANNEL, code)
    values = FormValues(dates={"monitoring": monitoring}, choices={"outcome": ("continue",)})
    decisions.submit_decision(world.ctx, COORD, form.metadata, values)
    world.mark()
    return code


def test_a_monitoring_date_goes_on_the_first_meeting_on_or_after_it(world: World) -> None:
    code = _decided(world)
    world.new_meeting(date(2027, 1, 12))  # before the date: not this one
    world.new_meeting(date(2027, 1, 26))
    world.new_meeting(date(2027, 2, 9))  # the one after that: not this one either
    agenda = planned(world, SendKind.AGENDA)
    assert scheduled.run_send(world.ctx, agenda) is JobResult.SENT
    case_id = world.case(code).id
    with world.ctx.uow() as uow:
        on_agendas = {
            day: [(i.case_id, i.monitoring_on) for i in uow.agenda.for_meeting(m.id)]
            for day in (date(2027, 1, 12), date(2027, 1, 26), date(2027, 2, 9))
            if (m := uow.meetings.on_date(CHANNEL, day)) is not None
        }
    assert on_agendas == {
        date(2027, 1, 12): [],
        date(2027, 1, 26): [(case_id, date(2027, 1, 19))],
        date(2027, 2, 9): [],
    }
    [added] = world.audit(AuditAction.AGENDA_ADDED)
    assert (added.actor, added.target_id) == ("system", "R8-001")
    # Run again (a double fire): the case is on that agenda once.
    assert scheduled.run_send(world.ctx, agenda) is JobResult.SKIPPED
    # The reminder a week before names that meeting, to the lead agency and the coordinators.
    world.clock.set(at(2027, 1, 12))
    reminder = planned(world, SendKind.MONITORING)
    assert scheduled.run_send(world.ctx, reminder) is JobResult.SENT
    assert [dm.user_id for dm in world.chat.dms()] == [HOUKATSU, COORDINATOR]
    text = world.chat.dm_texts(HOUKATSU)[0]
    assert "事例 R8-001 の次回モニタリング日は令和9年（2027年）1月19日（火）です。" in text
    assert "令和9年（2027年）1月26日（火）14:00 支援会議（随時）の議題に入っています。" in text
    assert scheduled.run_send(world.ctx, reminder) is JobResult.SKIPPED


def test_without_a_meeting_after_the_date_the_reminder_says_so(world: World) -> None:
    _decided(world, lead=False)
    assert scheduled.run_send(world.ctx, planned(world, SendKind.AGENDA)) is JobResult.SKIPPED
    world.clock.set(at(2027, 1, 12))
    assert scheduled.run_send(world.ctx, planned(world, SendKind.MONITORING)) is JobResult.SENT
    [dm] = world.chat.dms()  # no lead agency: the coordinator only
    assert dm.user_id == COORDINATOR and "/shien adhoc" in dm.text


def test_a_changed_decision_drops_the_old_monitoring_sends(world: World) -> None:
    code = _decided(world)
    old_agenda, old_reminder = planned(world, SendKind.AGENDA), planned(world, SendKind.MONITORING)
    form = decisions.decision_form(world.ctx, COORD, CHANNEL, code)
    values = FormValues(dates={"monitoring": date(2027, 2, 2)}, choices={"outcome": ("continue",)})
    decisions.submit_decision(world.ctx, COORD, form.metadata, values)
    assert scheduled.run_send(world.ctx, old_agenda) is JobResult.DROPPED
    assert scheduled.run_send(world.ctx, old_reminder) is JobResult.DROPPED


def test_a_closed_case_needs_no_monitoring(world: World) -> None:
    code = _decided(world)
    reminder = planned(world, SendKind.MONITORING)
    form = decisions.decision_form(world.ctx, COORD, CHANNEL, code)
    values = FormValues(dates={"monitoring": date(2027, 1, 19)}, choices={"outcome": ("close",)})
    decisions.submit_decision(world.ctx, COORD, form.metadata, values)
    world.mark()
    assert scheduled.run_send(world.ctx, reminder) is JobResult.DROPPED
    assert world.chat.calls == []


def test_a_multilayer_meeting_without_consent_is_left_to_the_coordinator(world: World) -> None:
    _decided(world)
    world.new_meeting(date(2027, 1, 26), MeetingKind.MULTILAYER)
    assert scheduled.run_send(world.ctx, planned(world, SendKind.AGENDA)) is JobResult.SKIPPED
    assert world.audit(AuditAction.AGENDA_ADDED) == []


# --------------------------------------------------------------------------- extending


def test_regular_meetings_are_kept_a_year_ahead(world: World) -> None:
    scheduling.set_monthly(world.ctx, COORD, CHANNEL, 2, 1, time(14))
    assert scheduled.extend_series(world.ctx) == 0
    world.mark()
    world.clock.set(at(2026, 12, 9))  # the 12/8 meeting is past: 2027-12-14 comes into range
    assert scheduled.extend_series(world.ctx) == 1
    assert world.meeting(date(2027, 12, 14)) is not None
    assert {s.meeting_id for s in world.scheduler.planned} == {
        world.meeting(date(2027, 12, 14)).id  # type: ignore[union-attr]
    }
    assert world.audit() == []  # system housekeeping, not a person's action


def test_an_opening_claimed_by_another_process_is_skipped(world: World) -> None:
    adhoc_with_case(world)
    meeting = world.meeting()
    assert meeting is not None
    with world.ctx.uow() as uow:
        assert uow.processed.claim(open_key(meeting.id))
        uow.commit()
    world.clock.set(OPENING)
    assert scheduled.run_send(world.ctx, planned(world, SendKind.OPEN)) is JobResult.SKIPPED
    assert world.chat.calls == []


def test_a_morning_notice_of_a_cancelled_meeting_is_dropped(world: World) -> None:
    _collecting(world)
    send = planned(world, SendKind.MORNING)
    scheduling.cancel_meeting(world.ctx, COORD, CHANNEL, MEETING_DAY)
    world.clock.set(at(2026, 12, 8, 9))
    assert scheduled.run_send(world.ctx, send) is JobResult.DROPPED
    assert world.posts() == []
