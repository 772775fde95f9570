"""The real scheduler (APScheduler 3 on the bot's database), on SQLite and PostgreSQL: one
scheduler per database through the lease, a takeover when the holder stops, jobs that fell
due during downtime run once on return (or drop themselves when their meeting has passed),
and pacing per conversation."""

from __future__ import annotations

import time as systime
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time

import pytest
from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.triggers.date import DateTrigger
from scheduling_fixtures import (
    CHANNEL,
    COORD,
    CSW,
    HOUKATSU,
    Clock,
    RecordingChat,
    chat,
    make_context,
    new_case,
)

from bot.domain.calendar import JapaneseCalendar
from bot.domain.model import MeetingKind
from bot.domain.timeline import Offset, PlannedSend, SendKind, TimelineSettings, plan_meeting
from bot.scheduling import PacedChat, Pacer, ShienScheduler
from bot.scheduling.runner import CHANNELS_JOB_ID, EXTEND_JOB_ID, _GuardedScheduler
from bot.services import meetings
from bot.services.chat import Message
from bot.services.context import ServiceContext
from storage import Database

NEVER = 3600.0  # heartbeats are driven by the tests


def _meeting(ctx: ServiceContext, days_ahead: int) -> tuple[str, list[PlannedSend]]:
    """A collecting ad-hoc meeting ``days_ahead`` from now, with its reminders."""
    day = JapaneseCalendar().next_working_day(ctx.today() + timedelta(days=days_ahead))
    meetings.schedule_adhoc(ctx, COORD, CHANNEL, day, clock_time(14), MeetingKind.SUPPORT)
    meetings.add_to_agenda(ctx, COORD, CHANNEL, new_case(ctx, "houkatsu", "csw"), day)
    meetings.open_collection(ctx, COORD, CHANNEL, day)
    with ctx.uow() as uow:
        meeting = uow.meetings.on_date(CHANNEL, day)
        assert meeting is not None
    sends = plan_meeting(
        meeting.id, meeting.starts_at(ctx.tz), ctx.now(), ctx.calendar, ctx.timeline
    )
    return meeting.id, [s for s in sends if s.kind is SendKind.REMIND]


def _due_now(send: PlannedSend, seconds: float = 0.0) -> PlannedSend:
    """The same send, due (in real time) now: APScheduler runs on the wall clock."""
    return replace(send, due=datetime.now(UTC) + timedelta(seconds=seconds))


def _reminders(chat_: RecordingChat, user_id: str) -> int:
    return sum("【リマインド】" in text for text in chat_.dms_to(user_id))


def _sends(scheduler: ShienScheduler) -> list[str]:
    """Planned sends (without the daily maintenance job)."""
    return [
        job_id
        for job_id, _ in scheduler.pending()
        if job_id not in (EXTEND_JOB_ID, CHANNELS_JOB_ID)
    ]


def _wait(predicate: object, timeout: float = 10.0) -> None:
    deadline = systime.monotonic() + timeout
    while systime.monotonic() < deadline:
        if callable(predicate) and predicate():
            return
        systime.sleep(0.02)
    raise AssertionError("timed out")


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime.now(UTC))


@pytest.fixture
def ctx(database: Database, clock: Clock) -> ServiceContext:
    context = make_context(database, clock)
    # Hour offsets: two distinct reminders whatever today's calendar looks like.
    context.timeline = TimelineSettings(reminders=(Offset(48, "h"), Offset(24, "h")))
    return context


def test_two_schedulers_one_database_one_runs_and_the_other_takes_over(
    database: Database, ctx: ServiceContext
) -> None:
    _, reminders = _meeting(ctx, 14)
    chat_a, chat_b = RecordingChat(set()), RecordingChat(set())
    a = ShienScheduler(
        database, replace(ctx, chat=chat_a), tz=ctx.tz, holder="a", heartbeat=NEVER
    ).start()
    b = ShienScheduler(
        database, replace(ctx, chat=chat_b), tz=ctx.tz, holder="b", heartbeat=NEVER
    ).start()
    try:
        assert (a.leading, b.leading) == (True, False)
        assert b.beat() is False
        b.plan([_due_now(reminders[0])])  # planned in the process that does not run jobs
        a.beat()  # the leader's heartbeat wakes it: it sees the other process's job
        _wait(lambda: _reminders(chat_a, HOUKATSU) == 1)
        a.stop()  # a clean stop releases the lease
        assert b.beat() is True and b.leading
        b.plan([_due_now(reminders[1]), _due_now(reminders[0])])
        _wait(lambda: _reminders(chat_b, HOUKATSU) == 1)
        _wait(lambda: not _sends(b))
        # A job leaves the store when it starts, not when its last DM is out: wait for the
        # sends themselves, then make sure nothing more arrives.
        _wait(lambda: _reminders(chat_a, CSW) + _reminders(chat_b, CSW) == 2)
        systime.sleep(0.3)
        # reminders[0] fired again in b: its key was sent already, so nothing more.
        assert _reminders(chat_a, HOUKATSU) + _reminders(chat_b, HOUKATSU) == 2
        assert _reminders(chat_a, CSW) + _reminders(chat_b, CSW) == 2
    finally:
        a.stop()
        b.stop()


def test_downtime_late_reminder_sent_once_and_past_meeting_dropped(
    database: Database, ctx: ServiceContext, clock: Clock
) -> None:
    soon_id, soon = _meeting(ctx, 14)
    later_id, later = _meeting(ctx, 40)
    planner = ShienScheduler(database, ctx, tz=ctx.tz, run_jobs=False).start()
    try:
        # The 1d reminders of both meetings are due in 0.2 s; no process runs jobs.
        planner.plan([_due_now(soon[-1], 0.2), _due_now(later[-1], 0.2)])
        systime.sleep(0.5)
        assert _reminders(chat(ctx), HOUKATSU) == 0 and len(_sends(planner)) == 2
    finally:
        planner.stop()
    # Downtime: by the time the bot is back, the first meeting has started; the second is
    # still a day away.
    with ctx.uow() as uow:
        first = uow.meetings.get(soon_id)
        second = uow.meetings.get(later_id)
        assert first is not None and second is not None
    clock.now = (first.starts_at(ctx.tz) + timedelta(minutes=5)).astimezone(UTC)
    assert clock.now < second.starts_at(ctx.tz)
    runner = ShienScheduler(database, ctx, tz=ctx.tz, heartbeat=NEVER).start()
    try:
        assert runner.leading
        _wait(lambda: not _sends(runner))
        _wait(lambda: _reminders(chat(ctx), HOUKATSU) == 1)
        runner.beat()
        systime.sleep(0.2)
        assert _reminders(chat(ctx), HOUKATSU) == 1  # the later meeting's, once
        assert _reminders(chat(ctx), CSW) == 1
    finally:
        runner.stop()


def test_a_restart_keeps_the_planned_jobs(database: Database, ctx: ServiceContext) -> None:
    _, reminders = _meeting(ctx, 14)
    first = ShienScheduler(database, ctx, tz=ctx.tz, heartbeat=NEVER).start()
    first.plan(reminders)
    first.stop()
    second = ShienScheduler(database, ctx, tz=ctx.tz, heartbeat=NEVER).start()
    try:
        assert {job_id for job_id, _ in second.pending()} >= {s.key for s in reminders}
        second.unplan([s.key for s in reminders])
        assert not {job_id for job_id, _ in second.pending()} & {s.key for s in reminders}
    finally:
        second.stop()


def test_pacing_spaces_posts_per_conversation() -> None:
    now = [0.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    pacer = Pacer(1.0, clock=lambda: now[0], sleep=sleep)
    for _ in range(5):
        pacer.wait("C1")
    pacer.wait("C2")  # another channel does not wait
    assert waits == [1.0, 1.0, 1.0, 1.0]
    assert now[0] == pytest.approx(4.0)


def test_paced_chat_keeps_a_burst_to_one_channel_under_slack_limits(
    ctx: ServiceContext,
) -> None:
    recorded = chat(ctx)
    paced = PacedChat(recorded, Pacer(0.05))
    started = systime.monotonic()
    for _ in range(5):
        paced.post(CHANNEL, Message("x"))
    assert systime.monotonic() - started >= 0.19
    assert len(recorded.posts) == 5


def _ran(label: str, into: list[str]) -> None:
    into.append(label)


class _RacedJobStore(MemoryJobStore):  # type: ignore[misc]
    """A job store shared with another scheduler that deletes the first one-off job
    itself, between this scheduler's running it and deleting it."""

    raced = False

    def remove_job(self, job_id: str) -> None:
        super().remove_job(job_id)
        if not self.raced:
            self.raced = True
            raise JobLookupError(job_id)


def test_a_job_deleted_by_another_scheduler_meanwhile_does_not_stop_the_scheduling() -> None:
    ran: list[str] = []
    store = _RacedJobStore()
    scheduler = _GuardedScheduler(jobstores={"default": store}, timezone=UTC)
    soon = datetime.now(UTC) + timedelta(milliseconds=50)
    scheduler.add_job(_ran, DateTrigger(soon), args=("first", ran), id="first")
    scheduler.start()
    try:
        deadline = systime.monotonic() + 5
        while "first" not in ran and systime.monotonic() < deadline:
            systime.sleep(0.01)
        assert store.raced  # the race happened
        later = datetime.now(UTC) + timedelta(milliseconds=50)
        scheduler.add_job(_ran, DateTrigger(later), args=("later", ran), id="later")
        while "later" not in ran and systime.monotonic() < deadline:
            systime.sleep(0.01)
        assert ran == ["first", "later"]  # the loop went on after the lost job
    finally:
        scheduler.shutdown()
