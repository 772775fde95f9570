"""One scheduler per database: APScheduler's BackgroundScheduler on a SQLAlchemy job store,
run only by the process that holds the scheduler lease.

Every serving process starts a scheduler *paused*: it can add and remove jobs in the shared
store (commands plan timelines in whichever process receives them) but never runs one. A
heartbeat thread tries for the lease (``storage.lease.SqlLease``) every few seconds: the
holder renews it and runs its scheduler; the others stay paused, and one of them takes over
once the holder's lease has expired (it crashed) or was released (a clean stop). The
heartbeat also wakes the running scheduler, so jobs another process added are seen within
one beat.

Choices:
- ``misfire_grace_time=None``: a job that fell due while no scheduler ran (the bot was down,
  a takeover was pending) still runs, once, when one runs again; whether it is still worth
  sending (the meeting has passed, moved, or was cancelled) is decided by the job itself.
- ``coalesce=True``: a recurring job that missed several runs runs once.
- Each send is also claimed in the database before it is made, so even a double fire (or a
  scheduler that lost its lease mid-job) sends once.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import socket
import threading
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, tzinfo
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.job import Job
from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_RUNNING
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.util import datetime_to_utc_timestamp
from sqlalchemy import event
from sqlalchemy.orm import Session

from bot.domain.model import utcnow
from bot.domain.timeline import PlannedSend
from bot.scheduling import jobs
from bot.services.context import ServiceContext
from bot.services.ports import UnitOfWork
from storage import Database
from storage.lease import SqlLease
from storage.scheduler_jobs import delete_jobs, upsert_jobs
from storage.unit_of_work import SqlUnitOfWork

log = logging.getLogger(__name__)

LEASE_NAME = "scheduler"
JOB_TABLE = "apscheduler_jobs"
EXTEND_JOB_ID = "extend-series"
CHANNELS_JOB_ID = "meeting-channels"  # once when this process starts running jobs
# Seconds before the main loop looks at the due jobs again after one of them vanished.
_AFTER_LOST_JOB = 1.0


class _GuardedScheduler(BackgroundScheduler):  # type: ignore[misc]
    """APScheduler 3's main loop processes due jobs once more after ``shutdown()`` (it only
    skips while *paused*), handing them to stopped executors and then deleting them: a
    stopping process that did not hold the lease would lose jobs. Here jobs are processed
    only while running, checked under the job stores' lock that ``shutdown`` also takes."""

    def _process_jobs(self) -> float | None:
        with self._jobstores_lock:
            if self.state != STATE_RUNNING:
                return None
            try:
                result: float | None = super()._process_jobs()
            except JobLookupError:
                # A one-off job this loop had just handed to its executor was deleted
                # meanwhile by another scheduler on the same job store (another process,
                # or this process's previous one): nothing is lost, and an exception here
                # would end this process's scheduling for good. The rest is looked at again
                # shortly.
                log.warning("a due job was deleted by another scheduler meanwhile")
                return _AFTER_LOST_JOB
            return result


def _session_of(uow: UnitOfWork | None) -> Session | None:
    """The open session of a SQL unit of work (None for none, or another kind)."""
    return uow.session if isinstance(uow, SqlUnitOfWork) else None


def default_holder() -> str:
    """A name unique to this process (host, pid and a random part)."""
    return f"{socket.gethostname()[:64]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class ShienScheduler:
    """Implements the ``JobScheduler`` port, and runs the jobs while holding the lease.

    Args:
        database: The bot's database (job store and lease live there).
        context: The services the jobs run with (usually with a paced chat gateway).
        tz: The municipality's time zone (``SHIEN_TIMEZONE``).
        run_jobs: False for a process that only plans (``serve --no-scheduler``).
        holder: This process's name in the lease.
        ttl: How long the lease lasts without a heartbeat.
        heartbeat: Seconds between heartbeats (well under ``ttl``).
        clock: Aware "now" for the lease (tests move it).
        max_workers: Jobs run at the same time.
    """

    def __init__(
        self,
        database: Database,
        context: ServiceContext,
        *,
        tz: tzinfo,
        run_jobs: bool = True,
        holder: str | None = None,
        ttl: timedelta = timedelta(seconds=30),
        heartbeat: float = 10.0,
        clock: Callable[[], datetime] = utcnow,
        max_workers: int = 4,
    ) -> None:
        self.context = context
        self._engine = database.engine
        self.run_jobs = run_jobs
        self.heartbeat = heartbeat
        self.lease = SqlLease(
            database.engine, LEASE_NAME, holder or default_holder(), ttl=ttl, clock=clock
        )
        self.scheduler = _GuardedScheduler(
            jobstores={"default": SQLAlchemyJobStore(engine=database.engine, tablename=JOB_TABLE)},
            executors={
                "default": ThreadPoolExecutor(
                    max_workers,
                    pool_kwargs={
                        "initializer": jobs.bind,
                        "initargs": (context, self),
                        "thread_name_prefix": "shien-job",
                    },
                )
            },
            job_defaults={"misfire_grace_time": None, "coalesce": True, "max_instances": 1},
            timezone=tz,
        )
        self._leading = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._beat_lock = threading.Lock()

    # ------------------------------------------------------------------ lifecycle

    @property
    def leading(self) -> bool:
        """True while this process holds the lease and runs the jobs."""
        return self._leading

    def start(self) -> ShienScheduler:
        """Start paused (planning works at once); the heartbeat decides who runs jobs."""
        self.scheduler.start(paused=True)
        if self.run_jobs:
            self.beat()
            self._thread = threading.Thread(
                target=self._heartbeat_loop, name="shien-scheduler-lease", daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop running jobs (waiting for running ones) and give the lease up."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)
        if self._leading:
            self._leading = False
            try:
                self.lease.release()
            except Exception as error:  # the lease will expire on its own
                log.warning("could not release the scheduler lease: %s", type(error).__name__)

    def _heartbeat_loop(self) -> None:
        while not self._stop.wait(self.heartbeat):
            self.beat()

    def beat(self) -> bool:
        """Renew or try for the lease; resume or pause the scheduler to match. Returns
        whether this process leads."""
        with self._beat_lock:
            if self._stop.is_set():
                return False
            try:
                held = self.lease.acquire()
            except Exception as error:  # database unreachable: stop running jobs
                log.warning("scheduler lease check failed: %s", type(error).__name__)
                held = False
            if held and not self._leading:
                self._leading = True
                self._ensure_daily_jobs()
                self.scheduler.resume()
                log.info("scheduler lease acquired: this process runs scheduled work")
            elif not held and self._leading:
                self._leading = False
                self.scheduler.pause()
                log.warning("scheduler lease lost: scheduled work paused here")
            elif held:
                self.scheduler.wakeup()  # see jobs other processes added
            return held

    def _ensure_daily_jobs(self) -> None:
        self.scheduler.add_job(
            jobs.extend,
            CronTrigger(hour=3, minute=15, timezone=self.scheduler.timezone),
            id=EXTEND_JOB_ID,
            name="extend",
            replace_existing=True,
        )
        # Once now: a new release may bring a new notice version for the open meetings.
        self.scheduler.add_job(
            jobs.meeting_channels,
            id=CHANNELS_JOB_ID,
            name="meeting channels",
            replace_existing=True,
        )

    # ------------------------------------------------------------------ the port

    def plan(self, sends: Sequence[PlannedSend], *, within: UnitOfWork | None = None) -> None:
        """Store one date job per send (its key is the job ID; planning again replaces it),
        all in one transaction — the unit of work's, ``within`` one — and wake the scheduler
        if it runs here (after that transaction commits)."""
        rows = self._rows(sends)
        if not rows:
            return
        session = _session_of(within)
        if session is None:
            upsert_jobs(self._engine, rows)
            self._wake()
        else:
            upsert_jobs(session.connection(), rows)
            event.listen(session, "after_commit", lambda _: self._wake(), once=True)

    def _wake(self) -> None:
        if self._leading:
            self.scheduler.wakeup()

    def _rows(self, sends: Sequence[PlannedSend]) -> list[dict[str, Any]]:
        """The jobs' rows in APScheduler's own format (pickled state, UTC timestamp). One
        ``Job`` is built, checked and serialised by APScheduler as the template; each send's
        state is that template's with its ID, trigger, arguments and run time."""
        if not sends:
            return []
        first = sends[0]
        template = Job(
            self.scheduler,
            id=first.key,
            func=jobs.fire,
            trigger=DateTrigger(run_date=first.due),
            executor="default",
            args=(first.kind.value, first.meeting_id, first.key, first.case_id, 0),
            kwargs={},
            name=first.kind.value,
            misfire_grace_time=None,
            coalesce=True,
            max_instances=1,
            next_run_time=first.due,
        ).__getstate__()
        rows = []
        for send in sends:
            trigger = DateTrigger(run_date=send.due)
            state = {
                **template,
                "id": send.key,
                "trigger": trigger,
                "args": (send.kind.value, send.meeting_id, send.key, send.case_id, 0),
                "name": send.kind.value,
                "next_run_time": trigger.run_date,
            }
            rows.append(
                {
                    "id": send.key,
                    "next_run_time": datetime_to_utc_timestamp(trigger.run_date),
                    "job_state": pickle.dumps(state, pickle.HIGHEST_PROTOCOL),
                }
            )
        return rows

    def unplan(self, keys: Sequence[str], *, within: UnitOfWork | None = None) -> None:
        session = _session_of(within)
        if session is not None:
            delete_jobs(session.connection(), keys)
            return
        for key in keys:
            with contextlib.suppress(JobLookupError):
                self.scheduler.remove_job(key)

    def retry(self, send: PlannedSend, attempt: int, due: datetime) -> None:
        """Plan another attempt of a send the chat platform refused."""
        self._add(send, attempt, due, f"{send.key}#retry")

    def _add(self, send: PlannedSend, attempt: int, due: datetime, job_id: str) -> None:
        self.scheduler.add_job(
            jobs.fire,
            DateTrigger(run_date=due),
            id=job_id,
            name=send.kind.value,
            args=(send.kind.value, send.meeting_id, send.key, send.case_id, attempt),
            replace_existing=True,
        )

    def pending(self) -> list[tuple[str, datetime]]:
        """The stored jobs (ID and next run time), for tests and operators."""
        return [
            (job.id, job.next_run_time) for job in self.scheduler.get_jobs() if job.next_run_time
        ]
