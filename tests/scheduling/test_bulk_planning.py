"""A monthly rule's meetings and timelines are written in one transaction, with bulk inserts
into the bot's tables and APScheduler's job table; the jobs stay APScheduler's own: loaded,
compared and run by it."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from sqlalchemy import func, select

from bot.chat.offline import OfflineChat
from bot.domain.model import MeetingChannel, MeetingKind
from bot.scheduling import ShienScheduler
from bot.scheduling import jobs as job_functions
from bot.services import admin, scheduling
from bot.services.access import Actor
from bot.services.context import ServiceContext
from bot.services.scheduling import timeline
from storage import Database
from storage.orm import MeetingRow, SchedulerJobRow

JST = ZoneInfo("Asia/Tokyo")
NOW = datetime(2026, 3, 16, 10, 0, tzinfo=JST)
CHANNEL = "C0KAIGI01"
COORDINATOR = Actor("U0JIMU")


@pytest.fixture
def planned(database: Database) -> tuple[ServiceContext, ShienScheduler]:
    ctx = ServiceContext(
        uow=database.unit_of_work,
        chat=OfflineChat(),
        clock=lambda: NOW,
        tz=JST,
        documents=None,  # type: ignore[arg-type]
    )
    admin.ensure_coordinators(ctx, [COORDINATOR.user_id])
    with ctx.uow() as uow:
        uow.channels.add(MeetingChannel(CHANNEL, COORDINATOR.user_id))
        uow.commit()
    scheduler = ShienScheduler(database, ctx, tz=JST, run_jobs=False).start()
    ctx.scheduler = scheduler
    scheduling.set_monthly(ctx, COORDINATOR, CHANNEL, 2, 1, time(14, 0), MeetingKind.SUPPORT)
    yield ctx, scheduler
    scheduler.stop()


def test_bulk_planned_jobs_load_in_apscheduler_as_it_would_have_stored_them(
    database: Database, planned: tuple[ServiceContext, ShienScheduler]
) -> None:
    ctx, scheduler = planned
    with ctx.uow() as uow:
        upcoming = list(uow.meetings.upcoming(CHANNEL, ctx.today()))
    sends = [send for meeting in upcoming for send in timeline(ctx, meeting)]
    assert len(upcoming) == 12 and len(sends) > 12

    store = SQLAlchemyJobStore(engine=database.engine, tablename="apscheduler_jobs")
    store.start(scheduler.scheduler, "default")
    loaded = {job.id: job for job in store.get_all_jobs()}
    assert set(loaded) == {send.key for send in sends}
    for send in sends:
        job = loaded[send.key]
        assert job.func is job_functions.fire
        assert job.args == (send.kind.value, send.meeting_id, send.key, send.case_id, 0)
        assert job.next_run_time == send.due
        assert job.trigger.run_date == send.due
        assert job.name == send.kind.value
        assert (job.misfire_grace_time, job.coalesce, job.max_instances) == (None, True, 1)
    # APScheduler's own view: the earliest job is what it would wake up for.
    assert store.get_next_run_time() == min(send.due for send in sends)
    # And a job it loaded can be changed and removed through APScheduler as usual.
    first = min(sends, key=lambda send: send.due)
    scheduler.scheduler.remove_job(first.key)
    assert store.lookup_job(first.key) is None


def test_replacing_the_rule_rewrites_meetings_and_jobs_in_one_go(
    database: Database, planned: tuple[ServiceContext, ShienScheduler]
) -> None:
    ctx, _ = planned
    scheduling.set_monthly(ctx, COORDINATOR, CHANNEL, 3, 3, time(10, 0), MeetingKind.SUPPORT)
    with ctx.uow() as uow:
        upcoming = list(uow.meetings.upcoming(CHANNEL, ctx.today()))
    assert {m.date.weekday() for m in upcoming} == {3}
    keys = {send.key for meeting in upcoming for send in timeline(ctx, meeting)}
    with database.engine.connect() as connection:
        stored = set(connection.scalars(select(SchedulerJobRow.id)))
        meetings = connection.scalar(select(func.count()).select_from(MeetingRow))
    assert stored == keys  # the old rule's jobs are gone, the new ones are there
    assert meetings == 24  # the old rule's (cancelled) and the new rule's
